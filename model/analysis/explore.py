"""Breadth-first exploration of every reachable snapshot of a scenario.

A snapshot is the control state, every variable and the clock, so the explored graph is the
exact reachable state space; the horizon keeps it finite. Steps are computed by
`model.semantics.step`, the same code the `transitions` engine calls (tests replay every explored
path on the engine to show the two agree). Breadth-first order makes the path by which a
snapshot was first reached a shortest one, which is what a counterexample needs.

Options follow xstate's graph traversal: a limit (``max_states``) and a stop condition
(``stop``: snapshots for which it is true are kept but not expanded).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from model.base.errors import RunError
from model.scenario.compiled import CompiledTransition, ParamValue, Scenario
from model.semantics.step import Semantics, Snapshot

DEFAULT_MAX_STATES = 500_000


@dataclass(frozen=True, slots=True)
class Edge:
    """One step between two explored snapshots."""

    source: int
    target: int
    transition: int  # index into scenario.transitions
    weight: int
    days: int


@dataclass(frozen=True, slots=True)
class StepError:
    """A step that breaks a rule of the scenario (the engine refuses it the same way)."""

    node: int
    transition: int
    error: RunError


@dataclass
class StateGraph:
    """The explored state space: snapshots, labelled edges, and how each was first reached."""

    scenario: Scenario
    semantics: Semantics
    nodes: list[Snapshot] = field(default_factory=list)
    index: dict[Snapshot, int] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    out_edges: list[list[int]] = field(default_factory=list)
    parent: list[int | None] = field(default_factory=list)
    expanded: list[bool] = field(default_factory=list)  # all successors are in the graph
    step_errors: list[StepError] = field(default_factory=list)
    initial_error: RunError | None = None
    complete: bool = True
    max_states: int | None = None

    @property
    def params(self) -> dict[str, ParamValue]:
        return self.semantics.params

    @property
    def initial(self) -> int | None:
        """Index of the initial snapshot (None when the start itself breaks a rule)."""
        return 0 if self.nodes else None

    def transition(self, edge: Edge) -> CompiledTransition:
        return self.scenario.transitions[edge.transition]

    def is_outcome(self, node: int) -> bool:
        return self.semantics.is_outcome(self.nodes[node])

    @property
    def outcome_nodes(self) -> dict[int, str]:
        """Explored snapshots in outcome states, with their outcome labels."""
        out: dict[int, str] = {}
        for i, snap in enumerate(self.nodes):
            label = self.scenario.outcome_of(snap.state)
            if label is not None:
                out[i] = label
        return out

    def path_to(self, node: int) -> list[Edge]:
        """A shortest sequence of edges from the initial snapshot to ``node``."""
        path: list[Edge] = []
        edge_id = self.parent[node]
        while edge_id is not None:
            edge = self.edges[edge_id]
            path.append(edge)
            edge_id = self.parent[edge.source]
        path.reverse()
        return path

    def successors(self, node: int) -> Iterator[Edge]:
        return (self.edges[e] for e in self.out_edges[node])


def explore(
    scenario: Scenario,
    params: Mapping[str, object] | None = None,
    *,
    max_states: int | None = DEFAULT_MAX_STATES,
    stop: Callable[[Snapshot], bool] | None = None,
) -> StateGraph:
    """Explore every snapshot reachable from the start, breadth first.

    Outcome states are not expanded (a run ends there). With ``max_states`` the search stops
    when that many snapshots are known and the graph is marked incomplete.
    """
    sem = Semantics(scenario, scenario.parameters(params))
    graph = StateGraph(scenario, sem, max_states=max_states)
    try:
        start = sem.initial()
    except RunError as exc:
        graph.initial_error = exc
        return graph
    _add(graph, start, None)
    queue = deque([0])
    while queue:
        i = queue.popleft()
        snap = graph.nodes[i]
        graph.expanded[i] = True
        if sem.is_outcome(snap) or (stop is not None and stop(snap)):
            continue
        env = sem.env(snap)  # read-only: one environment serves every candidate
        for t in sem.candidates(snap.state):
            try:
                if not sem.is_enabled(t, snap, env):
                    continue
                weight = sem.weight(t, env)
                nxt = sem.apply(t, snap)
            except RunError as exc:
                graph.step_errors.append(StepError(i, t.index, exc))
                continue
            j = graph.index.get(nxt)
            edge_id = len(graph.edges)
            if j is None:
                if max_states is not None and len(graph.nodes) >= max_states:
                    graph.complete = False
                    graph.expanded[i] = False  # a successor is missing: not fully expanded
                    continue
                j = _add(graph, nxt, edge_id)
                queue.append(j)
            graph.edges.append(Edge(i, j, t.index, weight, nxt.day - snap.day))
            graph.out_edges[i].append(edge_id)
    return graph


def _add(graph: StateGraph, snap: Snapshot, parent: int | None) -> int:
    i = len(graph.nodes)
    graph.nodes.append(snap)
    graph.index[snap] = i
    graph.out_edges.append([])
    graph.parent.append(parent)
    graph.expanded.append(False)
    return i
