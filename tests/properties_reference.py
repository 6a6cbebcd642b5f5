"""The tests' independent reference for properties (``properties:``): verdicts from a plain
search over the reference semantics (tests/reference_semantics.py), written differently from
`model.analysis.properties` / `model.analysis.lassos`.

The graph is searched on `Semantics` (snapshots as dict keys); conditions are evaluated with
`model.scenario.expr` closures on environment dicts; strongly connected sets are found by
mutual reachability (a forward and a backward search from each node), not by Tarjan; most
verdicts are fixpoint-style questions on the graph itself (CTL-like: a reachable node where,
a fair path that stays within), and only "leads to, in some run" runs a product, whose
monitor keeps *every* pending start day (the implementation keeps the earliest).

Semantics as docs/checks.md states them: a run that ends stays in its last snapshot for
ever (a stutter step, no event); weak fairness over transitions: on a cycle, each transition
enabled in every snapshot of the cycle is taken somewhere on it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from reference_semantics import Semantics

from model.scenario import expr
from model.scenario.compiled import Scenario
from model.semantics.step import Snapshot

END = "end"  # the stutter's label


class RefGraph:
    """Every reachable snapshot (at most ``cap``) with its steps (label, next snapshot)."""

    def __init__(self, scenario: Scenario, cap: int = 400) -> None:
        self.scenario = scenario
        self.sem = Semantics(scenario, scenario.parameters())
        self.init = self.sem.initial()
        self.succ: dict[Snapshot, list[tuple[Any, Snapshot]]] = {}
        self.complete = True
        todo = deque([self.init])
        seen = {self.init}
        while todo:
            s = todo.popleft()
            steps = [] if self.sem.is_outcome(s) else self.sem.steps(s)[0]
            out = [(label, nxt) for label, _, _, nxt in steps]
            self.succ[s] = out or [(END, s)]
            for _, nxt in out:
                if nxt not in seen:
                    if len(seen) >= cap:
                        self.complete = False
                        return
                    seen.add(nxt)
                    todo.append(nxt)

    def enabled(self, s: Snapshot) -> set[Any]:
        return {label for label, _ in self.succ[s] if label != END}

    def holds(self, text: str, s: Snapshot) -> bool:
        """A property's condition in snapshot ``s`` (state, stage and outcome included)."""
        env = dict(self.sem.env(s))
        spec_state = next(x for x in self.scenario.spec.states if x.id == s.state)
        env["state"] = s.state
        env["stage"] = spec_state.stage or "none"
        env["outcome"] = spec_state.outcome or "none"
        f = expr.compile_expr(expr.parse(text), self.scenario.tables)
        return bool(f(env))


def reach(
    start: Iterable[Hashable], succ: Callable[[Hashable], Iterable[Hashable]], inside: Any
) -> set[Hashable]:
    """Nodes reachable from ``start`` (members of ``inside``) by steps within ``inside``."""
    out = {s for s in start if inside(s)}
    todo = list(out)
    while todo:
        s = todo.pop()
        for t in succ(s):
            if inside(t) and t not in out:
                out.add(t)
                todo.append(t)
    return out


def fair_cores(
    nodes: set[Hashable],
    steps: Callable[[Hashable], list[tuple[Any, Hashable]]],
    enabled: Callable[[Hashable], set[Any]],
    fair: bool,
    accepting: Callable[[Hashable], bool] = lambda s: True,
) -> set[Hashable]:
    """Nodes on a cycle within ``nodes`` whose mutual-reachability set is (weakly) fair and
    holds an accepting node."""

    def succ(s: Hashable) -> list[Hashable]:
        return [t for _, t in steps(s) if t in nodes]

    pred: dict[Hashable, list[Hashable]] = {s: [] for s in nodes}
    for s in nodes:
        for t in succ(s):
            pred[t].append(s)
    out: set[Hashable] = set()
    for v in nodes:
        forward = reach(succ(v), succ, lambda s: True)
        if v not in forward:
            continue  # not on a cycle
        backward = reach([v], lambda s: pred[s], lambda s: True)
        c = forward & backward
        if not any(accepting(s) for s in c):
            continue
        if fair:
            always = set.intersection(*(enabled(s) for s in c))
            taken = {label for s in c for label, t in steps(s) if t in c and label != END}
            if not always <= taken:
                continue
        out.add(v)
    return out


def fair_stay(g: RefGraph, inside: set[Snapshot], fair: bool, start: Iterable[Snapshot]) -> bool:
    """Some (fair) run from a node of ``start`` stays within ``inside`` for ever."""
    steps = lambda s: g.succ[s]  # noqa: E731
    cores = fair_cores(inside, steps, g.enabled, fair)
    succ = lambda s: [t for _, t in g.succ[s]]  # noqa: E731
    return bool(reach(start, succ, lambda s: s in inside) & cores)


def verdict(g: RefGraph, p: dict[str, Any]) -> bool:
    """Whether property ``p`` (as written in the file) holds."""
    every = p.get("in", "every run") == "every run"
    fair = p.get("fair", False)
    nodes = set(g.succ)
    succ = lambda s: [t for _, t in g.succ[s]]  # noqa: E731
    reachable = reach([g.init], succ, lambda s: True)
    sat = lambda text: {s for s in nodes if g.holds(text, s)}  # noqa: E731
    if "always" in p or "never" in p:
        good = sat(p["always"]) if "always" in p else nodes - sat(p["never"])
        if every:
            return reachable <= good
        return fair_stay(g, good, fair, [g.init])
    if "eventually" in p:
        target = sat(p["eventually"])
        if every:
            return not fair_stay(g, nodes - target, fair, [g.init])
        return bool(reachable & target)
    if "until" in p:
        hold, until = sat(p["until"]["holds"]), sat(p["until"]["until"])
        waiting = hold - until
        if every:
            before = reach([g.init], succ, lambda s: s in waiting)
            broken = g.init not in hold | until or any(
                t not in hold | until for s in before for t in succ(s)
            )
            return not broken and not fair_stay(g, waiting, fair, [g.init])
        before = reach([g.init], succ, lambda s: s in waiting)
        return g.init in until or any(t in until for s in before for t in succ(s))
    lt = p["leads_to"]
    start, to = sat(lt["from"]), sat(lt["to"])
    within = lt.get("within_days")
    if every:
        for n in reachable & (start - to):
            if fair_stay(g, nodes - to, fair, [n]):
                return False
            if within is not None:
                before = reach([n], succ, lambda s: s not in to)
                if any(t.day - n.day > within for s in before for t in succ(s)):
                    return False
        return True
    return _some_leads_to(g, start, to, within, fair)


def _some_leads_to(
    g: RefGraph, start: set[Snapshot], to: set[Snapshot], within: int | None, fair: bool
) -> bool:
    """A (fair) run in which every `start` is followed by `to` (in time): a product whose
    monitor is the set of days on which a `start` is still unanswered."""

    def enter(pending: frozenset[int], s: Snapshot) -> frozenset[int] | None:
        if within is not None and any(s.day - d > within for d in pending):
            return None  # too late
        if s in to:
            return frozenset()
        if s in start:
            return pending | {s.day if within is not None else 0}
        return pending

    first = enter(frozenset(), g.init)
    if first is None:
        return False
    init = (g.init, first)
    steps_of: dict[Any, list[tuple[Any, Any]]] = {}
    todo = [init]
    seen = {init}
    while todo:
        node = todo.pop()
        s, pending = node
        out = []
        for label, t in g.succ[s]:
            m = enter(pending, t)
            if m is None:
                continue
            out.append((label, (t, m)))
            if (t, m) not in seen:
                seen.add((t, m))
                todo.append((t, m))
        steps_of[node] = out
    cores = fair_cores(
        set(seen),
        lambda x: steps_of[x],
        lambda x: g.enabled(x[0]),
        fair,
        accepting=lambda x: not x[1],
    )
    return bool(cores)
