"""Breadth-first exploration of every reachable snapshot of a scenario.

A snapshot is the control state, every variable and the clock, so the explored graph is the
exact reachable state space; the horizon keeps it finite. Steps are computed by the compiled
transition table (`model.semantics.table.Table.successors`); a snapshot where a step breaks a
rule (or an expression cannot be evaluated) is taken again transition by transition on the
table's careful path (`Table.careful_successors`, the path the `transitions` engine takes),
which builds the errors. Tests replay every explored path on the engine, and compare the whole
graph with a search on an independent interpreter (tests/reference_semantics.py).
Breadth-first order makes the path by which a snapshot was first reached a shortest one, which
is what a counterexample needs.

The graph is stored flat (`StateGraph`): a key tuple per snapshot and the edges in integer
arrays, with `Snapshot` and `Edge` objects built only when a report asks for one.

Options follow xstate's graph traversal: a limit (``max_states``) and a stop condition
(``stop``: snapshots for which it is true are kept but not expanded).
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Iterator, Mapping, MutableSequence, Sequence, Sized
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple, TypeVar, overload

from model.base.errors import RunError
from model.scenario.compiled import CompiledTransition, ParamValue, Scenario
from model.semantics.rules import Key, Slow
from model.semantics.step import Snapshot
from model.semantics.table import Table

DEFAULT_MAX_STATES = 500_000

T = TypeVar("T")


class Edge(NamedTuple):
    """One step between two explored snapshots (built on demand from the edge arrays)."""

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


class StateGraph:
    """The explored state space: snapshots, labelled edges, and how each was first reached.

    Stored flat, for speed and memory; fast consumers read these directly:

    - ``node_count``; ``node_keys[i]``: node ``i`` as a `model.semantics.table.Key`
      ``(state index, values, day, stage_start, entered, activity, fired)`` (state index
      into ``states``, the
      scenario's states in declaration order, and ``state_outcomes``, their outcome labels
      or None); ``key_index``: key -> node id.
    - edge ``e`` is ``edge_source[e]``, ``edge_target[e]``, ``edge_transition[e]``,
      ``edge_weight[e]``, ``edge_days[e]``: ``array('q')`` (``edge_transition`` -1: days pass,
      `model.semantics.rules.DAYS`) (``edge_weight`` becomes a list
      should a weight pass 2**63 - 1; weights may reach ``MAX_RUN_VALUE``).
    - ``edge_offsets`` (``node_count + 1`` entries): the out-edges of node ``i`` are the edge ids
      ``edge_offsets[i]`` to ``edge_offsets[i + 1] - 1``, in the order they were explored (edges
      are numbered source by source, in breadth-first order).
    - ``parent_edge[i]``: the edge by which node ``i`` was first reached (-1 for the start);
      ``expanded_flags[i]``: 1 when every successor of node ``i`` is in the graph.

    The views ``nodes`` (`Snapshot` objects), ``edges`` (`Edge`), ``out_edges`` (ranges of edge
    ids), ``parent`` (edge id or None), ``expanded`` (bools) and ``index`` (`Snapshot` -> node
    id) read these arrays and build objects on demand.
    """

    def __init__(self, scenario: Scenario, table: Table, max_states: int | None = None) -> None:
        self.scenario = scenario
        self.table = table  # the step rules, under the graph's parameters
        self.max_states = max_states
        self.states: tuple[str, ...] = tuple(s.id for s in scenario.spec.states)
        self._state_index = {s: i for i, s in enumerate(self.states)}
        # The outcome label of each control state (None: not an outcome), by state index.
        self.state_outcomes = tuple(scenario.outcome_of(s) for s in self.states)
        self.node_keys: list[Key] = []
        self.key_index: dict[Key, int] = {}
        self.edge_source = array("q")
        self.edge_target = array("q")
        self.edge_transition = array("q")
        self.edge_weight: MutableSequence[int] = array("q")
        self.edge_days = array("q")
        self.edge_offsets = array("q")
        self.parent_edge = array("q")
        self.expanded_flags = bytearray()
        self.step_errors: list[StepError] = []
        self.initial_error: RunError | None = None
        self.complete = True

    # -- flat access ---------------------------------------------------------------------

    @property
    def node_count(self) -> int:
        return len(self.node_keys)

    @property
    def edge_count(self) -> int:
        return len(self.edge_source)

    def snapshot(self, node: int) -> Snapshot:
        return self.table.snapshot(self.node_keys[node])

    def state_of(self, node: int) -> str:
        return self.states[self.node_keys[node][0]]

    def edge(self, e: int) -> Edge:
        return Edge(
            self.edge_source[e],
            self.edge_target[e],
            self.edge_transition[e],
            self.edge_weight[e],
            self.edge_days[e],
        )

    def key_of(self, snap: Snapshot) -> Key | None:
        """``snap`` as a key (None for a state the scenario does not have)."""
        if snap.state not in self._state_index:
            return None
        return self.table.key(snap)

    # -- views and questions -------------------------------------------------------------

    @cached_property
    def nodes(self) -> Sequence[Snapshot]:
        return _View(self.node_keys, self.snapshot)

    @cached_property
    def edges(self) -> Sequence[Edge]:
        return _View(self.edge_source, self.edge)

    @cached_property
    def out_edges(self) -> Sequence[range]:
        offsets = self.edge_offsets
        return _View(self.node_keys, lambda i: range(offsets[i], offsets[i + 1]))

    @cached_property
    def parent(self) -> Sequence[int | None]:
        parents = self.parent_edge
        return _View(parents, lambda i: None if parents[i] < 0 else parents[i])

    @cached_property
    def expanded(self) -> Sequence[bool]:
        flags = self.expanded_flags
        return _View(flags, lambda i: bool(flags[i]))

    @cached_property
    def index(self) -> Mapping[Snapshot, int]:
        return _Index(self)

    @property
    def params(self) -> dict[str, ParamValue]:
        return self.table.params

    @property
    def initial(self) -> int | None:
        """Index of the initial snapshot (None when the start itself breaks a rule)."""
        return 0 if self.node_keys else None

    def transition(self, edge: Edge) -> CompiledTransition:
        return self.scenario.transition(edge.transition)

    def is_outcome(self, node: int) -> bool:
        return self.state_outcomes[self.node_keys[node][0]] is not None

    @property
    def outcome_nodes(self) -> dict[int, str]:
        """Explored snapshots in outcome states, with their outcome labels."""
        labels = self.state_outcomes
        out: dict[int, str] = {}
        for i, key in enumerate(self.node_keys):
            label = labels[key[0]]
            if label is not None:
                out[i] = label
        return out

    def path_to(self, node: int) -> list[Edge]:
        """A shortest sequence of edges from the initial snapshot to ``node``."""
        path: list[Edge] = []
        edge_id = self.parent_edge[node]
        while edge_id >= 0:
            edge = self.edge(edge_id)
            path.append(edge)
            edge_id = self.parent_edge[edge.source]
        path.reverse()
        return path

    def successors(self, node: int) -> Iterator[Edge]:
        return map(self.edge, range(self.edge_offsets[node], self.edge_offsets[node + 1]))


class _View(Sequence[T]):
    """A read-only sequence as long as ``of``, item ``i`` being ``get(i)``."""

    __slots__ = ("_get", "_of")

    def __init__(self, of: Sized, get: Callable[[int], T]) -> None:
        self._of = of  # as long as this
        self._get = get

    def __len__(self) -> int:
        return len(self._of)

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: int | slice) -> T | list[T]:
        size = len(self._of)
        if isinstance(i, slice):
            return [self._get(k) for k in range(*i.indices(size))]
        if i < 0:
            i += size
        if not 0 <= i < size:
            raise IndexError(i)
        return self._get(i)

    def __iter__(self) -> Iterator[T]:
        return map(self._get, range(len(self._of)))


class _Index(Mapping[Snapshot, int]):
    """Node id by `Snapshot`, over the graph's key index."""

    __slots__ = ("_graph",)

    def __init__(self, graph: StateGraph) -> None:
        self._graph = graph

    def __getitem__(self, snap: Snapshot) -> int:
        key = self._graph.key_of(snap) if isinstance(snap, Snapshot) else None
        if key is None or key not in self._graph.key_index:
            raise KeyError(snap)
        return self._graph.key_index[key]

    def __len__(self) -> int:
        return len(self._graph.key_index)

    def __iter__(self) -> Iterator[Snapshot]:
        return iter(self._graph.nodes)


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
    table = Table(scenario, params)
    graph = StateGraph(scenario, table, max_states=max_states)
    try:
        start = table.start()
    except RunError as exc:
        graph.initial_error = exc
        return graph
    _search(graph, table, start, max_states, stop)
    return graph


def _search(
    graph: StateGraph,
    table: Table,
    start: Snapshot,
    max_states: int | None,
    stop: Callable[[Snapshot], bool] | None,
) -> None:
    """The breadth-first loop. Node ids are given in order of discovery, so the queue is the
    node list itself; edges are numbered source by source (hence ``edge_offsets``)."""
    keys, index = graph.node_keys, graph.key_index
    first = table.key(start)
    keys.append(first)
    index[first] = 0
    graph.parent_edge.append(-1)
    graph.expanded_flags.append(1)
    cap = sys.maxsize if max_states is None else max_states
    outcomes = table.outcomes
    successors = table.successors
    add_source, add_target = graph.edge_source.append, graph.edge_target.append
    add_transition, add_weight = graph.edge_transition.append, graph.edge_weight.append
    add_days, add_offset = graph.edge_days.append, graph.edge_offsets.append
    add_parent, add_flag = graph.parent_edge.append, graph.expanded_flags.append
    add_key = keys.append
    flags = graph.expanded_flags
    n = 1  # nodes
    m = 0  # edges
    i = 0
    while i < n:
        key = keys[i]
        add_offset(m)
        if outcomes[key[0]] is not None or (stop is not None and stop(graph.snapshot(i))):
            i += 1
            continue
        try:
            found = successors(key)
        except (ArithmeticError, Slow):
            found, errors = table.careful_successors(key)
            graph.step_errors += [StepError(i, t, error) for t, error in errors]
        for t, w, d, nxt in found:
            j = index.get(nxt)
            if j is None:
                if n >= cap:
                    graph.complete = False
                    flags[i] = 0  # a successor is missing: not fully expanded
                    continue
                j = index[nxt] = n
                n += 1
                add_key(nxt)
                add_parent(m)
                add_flag(1)
            add_source(i)
            add_target(j)
            add_transition(t)
            try:
                add_weight(w)
            except OverflowError:  # a weight beyond 2**63 - 1: keep them in a list
                graph.edge_weight = [*graph.edge_weight, w]
                add_weight = graph.edge_weight.append
            add_days(d)
            m += 1
        i += 1
    add_offset(m)
