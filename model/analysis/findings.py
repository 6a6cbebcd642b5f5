"""What a consistency check reports: the kinds of finding with their severity, the `Finding`
record, and the base the groups of checks share (the scenario, its explored graph, and where
each element is declared, as ``file:line:col``).

`model.analysis.static_checks` reads the definition, `model.analysis.graph_checks` the explored
graph; `model.analysis.consistency` runs both and matches the scenario's expected findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from model.analysis.explore import Edge, StateGraph
from model.scenario.compiled import Scenario
from model.scenario.yamlsource import Path_
from model.semantics.records import step_record

Severity = Literal["error", "warning", "note"]

SEVERITY: dict[str, Severity] = {
    "invariant_violated": "error",
    "out_of_bounds": "error",
    "evaluation_error": "error",
    "deadlock": "error",
    "no_outcome_cycle": "error",
    "transition_from_outcome": "error",
    "expected_finding_missing": "error",
    "stage_overrun": "error",
    "property_violated": "error",
    "unreachable_state": "warning",
    "unreachable_outcome": "warning",
    "never_enabled": "warning",
    "nondeterminism": "warning",
    "backward_stage": "warning",
    "guard_never_true": "warning",
    "unused_state": "warning",
    "unused_variable": "warning",
    "unused_parameter": "warning",
    "unused_table": "warning",
    "unused_party": "warning",
    "deadline_missed": "warning",
    "stage_length_unenforced": "warning",
    "risk_chance_invalid": "warning",
    "horizon_reached": "note",
    "expected_finding_changed": "note",
}
"""Errors and warnings make a scenario unclean (exit status 1); notes are information."""

STATIC_KINDS = frozenset(
    {
        "transition_from_outcome",
        "backward_stage",
        "guard_never_true",
        "unused_state",
        "unused_variable",
        "unused_parameter",
        "unused_table",
        "unused_party",
        "stage_length_unenforced",
        "risk_chance_invalid",
    }
)


@dataclass(frozen=True)
class Finding:
    """One thing the checker found, with where it is declared and how to get there."""

    kind: str
    target: str
    message: str
    where: str = ""  # file:line:col of the element concerned
    trace: tuple[dict[str, Any], ...] = ()  # shortest sequence of steps from the start
    cycle: tuple[dict[str, Any], ...] = ()  # for no_outcome_cycle: the steps round the cycle
    count: int = 1  # snapshots sharing this finding (e.g. deadlocked snapshots in one state)
    expected: str | None = None  # the scenario's reason, when it declares this finding

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.kind]

    @property
    def counts(self) -> bool:
        """True when it makes the scenario unclean: an unexpected error or warning."""
        return self.expected is None and self.severity != "note"


class ScenarioChecks:
    """The scenario and graph a group of checks reads, and where its elements are declared."""

    def __init__(self, scenario: Scenario, graph: StateGraph) -> None:
        self.scenario = scenario
        self.spec = scenario.spec
        self.graph = graph
        self.state_pos = {s.id: i for i, s in enumerate(self.spec.states)}

    def where(self, path: Path_) -> str:
        return self.scenario.document.where(path)

    def edge_record(self, number: int, edge: Edge) -> dict[str, Any]:
        """Step ``number`` of a run shown with a finding: the step along ``edge``."""
        graph = self.graph
        return step_record(
            self.scenario,
            number,
            graph.transition(edge),
            graph.nodes[edge.source],
            graph.nodes[edge.target],
            sources=False,
            params=graph.params,
        )

    def where_state(self, state: str) -> str:
        return self.where(("states", self.state_pos[state]))

    def where_transition(self, index: int) -> str:
        return self.where(("transitions", index))
