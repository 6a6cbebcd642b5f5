"""A scenario's state diagram as plain data: lanes, states and labelled edges.

This is what every drawing reads (matplotlib figures, Mermaid text, docs pages); it imports
nothing that draws. States, events, stages and outcomes carry their display labels
(`Scenario.labels`; the id where none is given). Edges are grouped by (source, destination):
the transitions between one pair of states share one arrow and one stacked label, one line
per event with its actor. The numbers that define the proposal are shown under the
parameters' values (the defaults, or the ``--set`` ones): stage lengths, the timing of
scheduled events, deadlines and risks, and the parameters that are terms rather than
simulation settings (`Diagram.terms`). Transitions that no run takes under those parameters
(found by exploring every reachable snapshot, `never_happening`) are marked, and drawn
dashed and grey.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from model.analysis.explore import explore
from model.scenario import walk
from model.scenario.compiled import ParamValue, Scenario
from model.scenario.expr import text_of
from model.semantics.records import folded, timing_label

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
    never: bool = False  # no run takes it (under the diagram's parameters)
    label: str = ""  # the event's display label (its id where it has none)

    @property
    def text(self) -> str:
        """The event's label with the timing after it in brackets for scheduled events,
        deadlines and risks (the acting party is the marker before it)."""
        timing = f" ({self.timing})" if self.timing else ""
        return f"{self.label or self.event}{timing}"


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
    label: str = ""  # the state's display label (an outcome state's: the outcome's)

    @property
    def text(self) -> str:
        return self.label or self.outcome or self.id


@dataclass(frozen=True)
class Lane:
    id: str
    name: str
    states: tuple[str, ...]
    is_outcomes: bool = False
    days: str | None = None  # the stage's declared length under the parameters ("42")

    @property
    def length(self) -> str | None:
        """``42 days``: the declared length, if any."""
        if self.days is None:
            return None
        return f"{self.days} {'day' if self.days == '1' else 'days'}"

    @property
    def header(self) -> str:
        """``Stage 1 · 42 days``: the name, and the length where one is declared."""
        return self.name if self.length is None else f"{self.name} · {self.length}"


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
    terms: tuple[tuple[str, str], ...] = ()  # (label, value) of the parameters shown
    changed: bool = False  # the parameters are not all the defaults (--set)

    def node(self, state: str) -> DiagramNode:
        return next(n for n in self.nodes if n.id == state)


DIAGRAM_MAX_STATES = 200_000
"""The diagram explores at most this many snapshots to find what never happens; beyond it,
nothing is marked (a partial search cannot show that a step never happens)."""


def never_happening(
    scenario: Scenario,
    max_states: int = DIAGRAM_MAX_STATES,
    params: Mapping[str, ParamValue] | None = None,
) -> frozenset[int]:
    """The transitions no run takes under ``params`` (by default the defaults; indices; a
    step that breaks a rule counts as taken), from the explored graph; none when the search
    stops at ``max_states`` or the start breaks a rule. Kept in ``scenario.memo``."""
    key = ("never happening", max_states, tuple(sorted((params or {}).items())))
    found = scenario.memo.get(key)
    if isinstance(found, frozenset):
        return found
    graph = explore(scenario, params, max_states=max_states)
    never: frozenset[int] = frozenset()
    if graph.complete and graph.initial_error is None:
        taken = set(graph.edge_transition) | {se.transition for se in graph.step_errors}
        never = frozenset(t.index for t in scenario.transitions if t.index not in taken)
    scenario.memo[key] = never
    return never


def _value(value: ParamValue) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else f"{value:,}"


def diagram_of(
    scenario: Scenario,
    never: Collection[int] | None = None,
    params: Mapping[str, object] | None = None,
) -> Diagram:
    """The diagram of ``scenario`` under ``params`` (overrides of the defaults, as values or
    as typed: ``{"batch_size": "20"}``): stage lanes in order, then the outcomes lane; the
    transitions in ``never`` (by default `never_happening` under the same parameters) are
    marked as never taken."""
    spec = scenario.spec
    values = scenario.parameters(params)  # checked: a ParameterError names a bad one
    if never is None:
        overrides = {p.id: values[p.id] for p in spec.parameters if values[p.id] != p.default}
        never = never_happening(scenario, params=overrides)
    labels = scenario.labels
    show = folded(scenario, values)
    nodes = []
    for s in spec.states:
        lane = OUTCOME_LANE if s.outcome else (s.stage or OUTCOME_LANE)
        shown = labels.outcome(s.outcome) if s.outcome else labels.state(s.id)
        nodes.append(DiagramNode(s.id, lane, s.stage, s.outcome, s.id == spec.initial, shown))
    lanes = [
        Lane(
            st.id,
            labels.stage(st.id),
            tuple(n.id for n in nodes if n.lane == st.id),
            days=None if st.days is None else show(st.days),
        )
        for st in spec.stages
    ]
    outcome_states = tuple(n.id for n in nodes if n.lane == OUTCOME_LANE)
    if outcome_states:
        lanes.append(Lane(OUTCOME_LANE, "Outcomes", outcome_states, is_outcomes=True))

    lengths = {st.id: st.days for st in spec.stages}
    groups: dict[tuple[str, str], list[EventLabel]] = {}
    for t in scenario.transitions:
        for source in t.sources:
            # A timing read in its source's stage: ``stage_days`` is that stage's length.
            days = lengths.get(scenario.stage_of(source) or "")
            stage_show = show
            if days is not None:
                length = show(days)
                if length.isdigit():
                    stage_show = folded(scenario, {**values, "stage_days": int(length)})
            label = EventLabel(
                t.trigger,
                t.actor,
                t.name,
                t.index,
                t.spec.allow_backward,
                t.kind,
                timing_label(t, stage_show),
                t.index in never,
                labels.event(t.trigger),
            )
            groups.setdefault((source, t.dest), []).append(label)
    edges = tuple(DiagramEdge(s, d, tuple(ev)) for (s, d), ev in groups.items())
    acting = {t.actor for t in scenario.transitions}
    parties = tuple(PartyInfo(p.id, p.name, p.role, p.id in acting) for p in spec.parties)
    # The terms: parameters that something other than a weight reads (weights are simulation
    # settings); stage lengths are in the lane headers already.
    read = walk.spec_reads(spec, weights=False)
    in_headers = {text_of(st.days) for st in spec.stages if st.days is not None}
    terms = tuple(
        (labels.parameter(p.id), _value(values[p.id]))
        for p in spec.parameters
        if p.id in read and p.id not in in_headers
    )
    changed = any(values[p.id] != p.default for p in spec.parameters)
    return Diagram(
        spec.id,
        spec.title,
        tuple(lanes),
        tuple(nodes),
        edges,
        parties,
        spec.initial,
        terms,
        changed,
    )
