"""A scenario's state diagram as plain data: lanes, states and labelled edges.

This is what every drawing reads (matplotlib figures, Mermaid text, docs pages); it imports
nothing that draws. Edges are grouped by (source, destination): the transitions between one
pair of states share one arrow and one stacked label, one line per event with its actor.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def diagram_of(scenario: Scenario) -> Diagram:
    """The diagram of ``scenario``: stage lanes in order, then the outcomes lane."""
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
            )
            groups.setdefault((source, t.dest), []).append(label)
    edges = tuple(DiagramEdge(s, d, tuple(ev)) for (s, d), ev in groups.items())
    acting = {t.actor for t in scenario.transitions}
    parties = tuple(PartyInfo(p.id, p.name, p.role, p.id in acting) for p in spec.parties)
    return Diagram(spec.id, spec.title, tuple(lanes), tuple(nodes), edges, parties, spec.initial)
