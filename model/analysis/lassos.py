"""Runs through the explored graph watched by a small monitor: the shortest run to a target,
and the lasso (a shortest prefix, then a cycle repeated for ever) whose cycle keeps a
condition, optionally under weak fairness. `model.analysis.properties` builds monitors from a
scenario's properties; this module knows only graphs.

The product of the graph with a deterministic monitor is searched breadth first: a product
node is (graph node, monitor value), and the monitor's value after a step depends only on its
value before and the snapshot reached. A run that ends (an outcome, a dead end, a snapshot
whose every step breaks a rule) stays in its last snapshot for ever: such a snapshot has one
step, the *stutter*, back to itself, with no event; nothing is enabled there. A snapshot the
search did not expand (``max_states``) has no step at all, so no witness passes through it.

Weak fairness over transitions (the passing of days counts as one more transition): a run is
fair when no transition stays enabled from some point on without being taken again and again.
For the cycle of a lasso that visits a set C of product nodes: every transition enabled (in
the explored graph) at every node of C is the label of some step of the cycle. The largest
strongly connected set within the allowed nodes is the best candidate (it has the fewest
transitions enabled everywhere and the most steps), so a fair cycle exists in a component
exactly when the whole component is fair.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from model.analysis.explore import StateGraph
from model.analysis.graphs import strongly_connected_components

STUTTER = -2
"""The step label of a run's end (it stays in its last snapshot): no edge of the graph."""


@dataclass(frozen=True)
class Lasso:
    """A run as graph edge ids: ``prefix`` from the start, then ``cycle`` repeated for ever
    (``(STUTTER,)``: the run ends and stays in its last snapshot). ``cycle`` is empty for a
    finite witness (a run whose prefix alone shows the point)."""

    prefix: tuple[int, ...]
    cycle: tuple[int, ...] = ()


def first_node(graph: StateGraph, target: Sequence[int]) -> Lasso | None:
    """A shortest run to a snapshot where ``target`` (by node) is true: the product with a
    monitor that never changes is the graph itself, already breadth first."""
    for n in range(graph.node_count):
        if target[n]:
            edges = []
            e = graph.parent_edge[n]
            while e >= 0:
                edges.append(e)
                e = graph.parent_edge[graph.edge_source[e]]
            return Lasso(tuple(reversed(edges)))
    return None


class Product:
    """The product of ``graph`` with a monitor: ``start(node)`` its first value, ``step(m,
    node)`` its value on entering ``node``; ``keep(node, m)``: whether the product node is
    entered at all."""

    def __init__(
        self,
        graph: StateGraph,
        start: Callable[[int], Hashable],
        step: Callable[[Hashable, int], Hashable],
        keep: Callable[[int, Hashable], bool] = lambda n, m: True,
    ) -> None:
        self.graph = graph
        self.nodes: list[tuple[int, Hashable]] = []
        self.parent: list[tuple[int, int]] = []  # (product node, graph edge or STUTTER)
        self.out: list[list[tuple[int, int]]] = []  # (graph edge or STUTTER, product node)
        self._step, self._keep = step, keep
        if graph.initial is None:
            return
        m0 = start(0)
        if keep(0, m0):
            self._build((0, m0))

    def _build(self, first: tuple[int, Hashable]) -> None:
        graph, step, keep = self.graph, self._step, self._keep
        offsets, targets, flags = graph.edge_offsets, graph.edge_target, graph.expanded_flags
        index = {first: 0}
        self.nodes.append(first)
        self.parent.append((-1, -1))
        i = 0
        while i < len(self.nodes):
            n, m = self.nodes[i]
            out: list[tuple[int, int]] = []
            lo, hi = offsets[n], offsets[n + 1]
            moves = [(e, targets[e]) for e in range(lo, hi)]
            if lo == hi and flags[n]:
                moves = [(STUTTER, n)]  # the run ends here and stays
            for e, t in moves:
                m2 = step(m, t)
                if not keep(t, m2):
                    continue
                j = index.get((t, m2))
                if j is None:
                    j = index[(t, m2)] = len(self.nodes)
                    self.nodes.append((t, m2))
                    self.parent.append((i, e))
                out.append((e, j))
            self.out.append(out)
            i += 1

    def path_to(self, p: int) -> tuple[int, ...]:
        """The graph edges of a shortest run to product node ``p`` (breadth-first parents)."""
        edges: list[int] = []
        while self.parent[p][0] >= 0:
            p, e = self.parent[p]
            edges.append(e)
        return tuple(reversed(edges))

    def first(self, target: Callable[[int, Hashable], bool]) -> Lasso | None:
        """A shortest run to a product node where ``target`` holds."""
        for p, (n, m) in enumerate(self.nodes):  # breadth-first order: the nearest first
            if target(n, m):
                return Lasso(self.path_to(p))
        return None

    def lasso(
        self,
        inside: Callable[[int, Hashable], bool],
        fair: bool,
        accepting: Callable[[int, Hashable], bool] | None = None,
    ) -> Lasso | None:
        """A lasso whose cycle stays among product nodes where ``inside`` holds, visits one
        where ``accepting`` holds (when given), and is weakly fair (with ``fair``); its prefix
        is a shortest run to the cycle's first node."""
        allowed = [p for p, (n, m) in enumerate(self.nodes) if inside(n, m)]
        member = set(allowed)
        out = self.out

        def succ(p: int) -> list[int]:
            return [q for _, q in out[p] if q in member]

        best: tuple[int, set[int]] | None = None
        for component in strongly_connected_components(allowed, succ):
            c = set(component)
            if len(c) == 1 and not any(q == component[0] for q in succ(component[0])):
                continue  # no cycle
            if accepting is not None and not any(accepting(*self.nodes[p]) for p in c):
                continue
            if fair and self._unfair(c):
                continue
            entry = min(c)  # breadth first: the nearest to the start
            if best is None or entry < best[0]:
                best = (entry, c)
        if best is None:
            return None
        entry, c = best
        if accepting is not None and not accepting(*self.nodes[entry]):
            # Start the cycle at an accepting node reached from the entry (the prefix stays
            # a shortest run to the cycle, which is entered at `entry`).
            target = next(p for p in sorted(c) if accepting(*self.nodes[p]))
            return self._cycle_through(entry, c, fair, extra=target)
        return self._cycle_through(entry, c, fair)

    def _labels(self, p: int) -> set[int]:
        """The transitions enabled at product node ``p``: those of its graph node."""
        graph = self.graph
        n = self.nodes[p][0]
        lo, hi = graph.edge_offsets[n], graph.edge_offsets[n + 1]
        return set(graph.edge_transition[lo:hi])

    def _unfair(self, c: set[int]) -> set[int]:
        """Transitions enabled everywhere in ``c`` but never taken within it (all of them, as
        a sign, where a snapshot of ``c`` was not fully expanded: its events are not known)."""
        labels, flags = self.graph.edge_transition, self.graph.expanded_flags
        if not all(flags[self.nodes[p][0]] for p in c):
            return {STUTTER}
        enabled: set[int] | None = None
        for p in c:
            enabled = self._labels(p) if enabled is None else enabled & self._labels(p)
        taken = {labels[e] for p in c for e, q in self.out[p] if q in c and e != STUTTER}
        return (enabled or set()) - taken

    def _walk(self, a: int, b: int, c: set[int], first: int | None = None) -> list[tuple[int, int]]:
        """A shortest walk of at least one step from ``a`` to ``b`` within ``c``, as (graph
        edge, product node) steps; ``first``: the graph edge to leave ``a`` by."""
        back: dict[int, tuple[int, int]] = {}
        queue: deque[int] = deque()
        for e, q in self.out[a]:
            if q in c and (first is None or e == first) and q not in back:
                back[q] = (a, e)
                queue.append(q)
        while b not in back:
            p = queue.popleft()  # within a strongly connected set, b is found
            for e, q in self.out[p]:
                if q in c and q not in back:
                    back[q] = (p, e)
                    queue.append(q)
        steps = []
        r = b
        while True:
            src, e = back[r]
            steps.append((e, r))
            r = src
            if r == a:
                return steps[::-1]

    def _cycle_through(
        self, entry: int, c: set[int], fair: bool, extra: int | None = None
    ) -> Lasso:
        """A closed walk from ``entry`` within ``c`` (through ``extra``), extended by detours
        until it is weakly fair (with ``fair``)."""
        if extra is not None:
            walk = self._walk(entry, extra, c) + self._walk(extra, entry, c)
        else:
            walk = self._walk(entry, entry, c)
        labels = self.graph.edge_transition
        while fair:
            seen = {entry} | {q for _, q in walk}
            enabled = set.intersection(*(self._labels(p) for p in seen))
            taken = {labels[e] for e, _ in walk if e != STUTTER}
            missing = sorted(enabled - taken)
            if not missing:
                break
            t = missing[0]
            # Take t where the component has a step labelled t; else visit a node of the
            # component where t is not enabled (the component is fair: one of the two exists).
            step_t = next(
                ((p, e) for p in sorted(c) for e, q in self.out[p] if q in c and labels[e] == t),
                None,
            )
            if step_t is not None:
                p, e = step_t
                there = [] if p == entry else self._walk(entry, p, c)
                walk += there + self._walk(p, entry, c, first=e)
            else:
                u = next(p for p in sorted(c) if t not in self._labels(p))
                walk += self._walk(entry, u, c) + self._walk(u, entry, c)
        return Lasso(self.path_to(entry), tuple(e for e, _ in walk))
