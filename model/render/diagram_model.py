"""A scenario's state diagram as plain data: lanes, states and labelled edges.

This is what every drawing reads (matplotlib figures, Mermaid text, docs pages); it imports
nothing that draws. Edges are grouped by (source, destination): the transitions between one
pair of states share one arrow and one stacked label, one line per event with its actor.
Transitions that no run takes under the default parameters (found by exploring every
reachable snapshot, `never_happening`) are marked, and drawn dashed and grey.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from model.analysis.explore import explore
from model.scenario.compiled import Scenario
from model.semantics.records import timing_label

OUTCOME_LANE = "__outcomes__"
"""Id of the lane that holds the outcome states, right of every stage."""


@dataclass(frozen=True)
class EventLabel:
    """One transition on an edge: its event (trigger), acting party (the schedule for
    scheduled events and deadlines) and compiled name; its kind and, unless it is a decision,
    its timing (`model.semantics.records.timing_label`: ``day 10 of the stage``, ``1 in 20 a
    day``)."""

    event: str
    actor: str
    name: str
    index: int
    backward: bool = False
    kind: str = "decision"
    timing: str | None = None
    never: bool = False  # no run takes it (under the default parameters)

    @property
    def text(self) -> str:
        """``actor: event``, as `model.simulate` prints a step, with the timing after it in
        brackets for scheduled events, deadlines and risks."""
        timing = f" ({self.timing})" if self.timing else ""
        return f"{self.actor}: {self.event}{timing}"


@dataclass(frozen=True)
class DiagramEdge:
    source: str
    dest: str
    events: tuple[EventLabel, ...]

    @property
    def is_loop(self) -> bool:
        return self.source == self.dest

    @property
    def is_risk(self) -> bool:
        """Every event on it is a daily risk (drawn dotted)."""
        return all(ev.kind == "risk" for ev in self.events)

    @property
    def never(self) -> bool:
        """No run takes any event on it (drawn dashed and grey)."""
        return all(ev.never for ev in self.events)


@dataclass(frozen=True)
class DiagramNode:
    id: str
    lane: str
    stage: str | None
    outcome: str | None
    initial: bool


@dataclass(frozen=True)
class Lane:
    id: str
    name: str
    states: tuple[str, ...]
    is_outcomes: bool = False


@dataclass(frozen=True)
class PartyInfo:
    id: str
    name: str
    role: str
    acts: bool


@dataclass(frozen=True)
class Diagram:
    id: str
    title: str
    lanes: tuple[Lane, ...]
    nodes: tuple[DiagramNode, ...]
    edges: tuple[DiagramEdge, ...]
    parties: tuple[PartyInfo, ...]
    initial: str

    def node(self, state: str) -> DiagramNode:
        return next(n for n in self.nodes if n.id == state)


DIAGRAM_MAX_STATES = 200_000
"""The diagram explores at most this many snapshots to find what never happens; beyond it,
nothing is marked (a partial search cannot show that a step never happens)."""


def never_happening(scenario: Scenario, max_states: int = DIAGRAM_MAX_STATES) -> frozenset[int]:
    """The transitions no run takes under the default parameters (indices; a step that
    breaks a rule counts as taken), from the explored graph; none when the search stops at
    ``max_states`` or the start breaks a rule. Kept in ``scenario.memo``."""
    key = ("never happening", max_states)
    found = scenario.memo.get(key)
    if isinstance(found, frozenset):
        return found
    graph = explore(scenario, max_states=max_states)
    never: frozenset[int] = frozenset()
    if graph.complete and graph.initial_error is None:
        taken = set(graph.edge_transition) | {se.transition for se in graph.step_errors}
        never = frozenset(t.index for t in scenario.transitions if t.index not in taken)
    scenario.memo[key] = never
    return never


def diagram_of(scenario: Scenario, never: Collection[int] | None = None) -> Diagram:
    """The diagram of ``scenario``: stage lanes in order, then the outcomes lane; the
    transitions in ``never`` (by default `never_happening`) are marked as never taken."""
    if never is None:
        never = never_happening(scenario)
    spec = scenario.spec
    nodes = []
    for s in spec.states:
        lane = OUTCOME_LANE if s.outcome else (s.stage or OUTCOME_LANE)
        nodes.append(DiagramNode(s.id, lane, s.stage, s.outcome, s.id == spec.initial))
    lanes = [
        Lane(st.id, st.name, tuple(n.id for n in nodes if n.lane == st.id)) for st in spec.stages
    ]
    outcome_states = tuple(n.id for n in nodes if n.lane == OUTCOME_LANE)
    if outcome_states:
        lanes.append(Lane(OUTCOME_LANE, "Outcomes", outcome_states, is_outcomes=True))

    groups: dict[tuple[str, str], list[EventLabel]] = {}
    for t in scenario.transitions:
        for source in t.sources:
            label = EventLabel(
                t.trigger,
                t.actor,
                t.name,
                t.index,
                t.spec.allow_backward,
                t.kind,
                timing_label(t),
                t.index in never,
            )
            groups.setdefault((source, t.dest), []).append(label)
    edges = tuple(DiagramEdge(s, d, tuple(ev)) for (s, d), ev in groups.items())
    acting = {t.actor for t in scenario.transitions}
    parties = tuple(PartyInfo(p.id, p.name, p.role, p.id in acting) for p in spec.parties)
    return Diagram(spec.id, spec.title, tuple(lanes), tuple(nodes), edges, parties, spec.initial)
