"""Consistency checks: static checks of the definition, then findings in the explored graph.

`check(scenario)` returns every finding with the shortest counterexample trace from the
start, in the spirit of TLA+'s TLC but in words a policy student reads. Each kind can be
switched off; a scenario can declare findings that are the point of the model
(``expected_findings``), which are then reported as expected, and reported missing when absent.

The checks themselves are in `model.analysis.static_checks` (the definition) and
`model.analysis.graph_checks` (the explored graph); the finding kinds in
`model.analysis.findings`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from model.analysis.explore import DEFAULT_MAX_STATES, StateGraph, explore
from model.analysis.findings import SEVERITY, STATIC_KINDS, Finding
from model.analysis.graph_checks import GraphChecks
from model.analysis.static_checks import StaticChecks
from model.scenario.compiled import ParamValue, Scenario
from model.scenario.provenance import provenance_record, provenance_texts
from model.scenario.schema import ExpectedFinding, Source


@dataclass
class CheckResult:
    scenario: Scenario
    params: dict[str, ParamValue]
    graph: StateGraph
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # checks skipped, and why

    @property
    def complete(self) -> bool:
        return self.graph.complete

    @property
    def outcomes_reached(self) -> list[str]:
        return sorted(set(self.graph.outcome_nodes.values()))

    @property
    def clean(self) -> bool:
        """No unexpected findings and the whole state space explored."""
        return self.complete and not any(f.counts for f in self.findings)


def check(
    scenario: Scenario,
    params: Mapping[str, object] | None = None,
    *,
    max_states: int | None = DEFAULT_MAX_STATES,
    ignore: Collection[str] = (),
) -> CheckResult:
    """Run every check on ``scenario`` (under ``params``) and return the findings."""
    graph = explore(scenario, params, max_states=max_states)
    static = StaticChecks(scenario, graph)
    findings = static.findings() + GraphChecks(scenario, graph).findings()
    findings = [f for f in findings if f.kind not in ignore]
    findings = _match_expected(scenario, findings, ignore, graph.complete, graph.params)
    # --ignore expected_finding_missing: _match_expected adds those, so filter again
    findings = [f for f in findings if f.kind not in ignore]
    order = list(SEVERITY)
    findings.sort(key=lambda f: (f.expected is not None, order.index(f.kind), f.target))
    return CheckResult(scenario, dict(graph.params), graph, findings, static.notes)


def _match_expected(
    scenario: Scenario,
    findings: list[Finding],
    ignore: Collection[str],
    complete: bool,
    params: Mapping[str, ParamValue],
) -> list[Finding]:
    out: list[Finding] = []
    used: set[int] = set()
    # Expected findings that apply under these parameters, with their index in the file.
    declared = [
        (i, e)
        for i, e in enumerate(scenario.spec.expected_findings)
        if all(params.get(k) == v and type(params.get(k)) is type(v) for k, v in e.when.items())
    ]
    for f in findings:
        for i, e in declared:
            if e.kind == f.kind and (e.target is None or e.target == f.target):
                f = replace(f, expected=_reason(e, scenario.spec.sources))
                used.add(i)
                break
        out.append(f)
    for i, e in declared:
        # An incomplete search cannot show that a finding is absent (only static ones).
        if i not in used and e.kind not in ignore and (complete or e.kind in STATIC_KINDS):
            target = f" {e.target!r}" if e.target else ""
            out.append(
                Finding(
                    "expected_finding_missing",
                    f"{e.kind}{target}",
                    f"the scenario declares the finding {e.kind}{target} as expected, but the "
                    "checker did not find it",
                    scenario.document.where(("expected_findings", i)),
                )
            )
    return out


def _reason(e: ExpectedFinding, sources: Sequence[Source]) -> str:
    """Why a finding is expected, in the words of its provenance (the assumption first)."""
    texts = provenance_texts(provenance_record(e, sources))
    first = next((t for t in texts if t.startswith("assumption: ")), texts[0])
    return first.removeprefix("assumption: ").removeprefix("source: ")
