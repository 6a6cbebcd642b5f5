"""Consistency checks: static checks of the definition, then findings in the explored graph.

`check(scenario)` returns every finding with the shortest counterexample trace from the
start, in the spirit of TLA+'s TLC but in words a policy student reads. Each kind can be
switched off; a scenario can declare findings that are the point of the model
(``expected_findings``), which are then reported as expected, and reported missing when absent.

The checks themselves are in `model.analysis.static_checks` (the definition) and
`model.analysis.graph_checks` (the explored graph), the scenario's properties in
`model.analysis.properties` (a failed one is a ``property_violated`` finding); the finding
kinds in `model.analysis.findings`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from model.analysis.explain import EXPLAINERS, Explanation, explain
from model.analysis.explore import DEFAULT_MAX_STATES, StateGraph, explore
from model.analysis.findings import SEVERITY, STATIC_KINDS, Finding
from model.analysis.graph_checks import GraphChecks
from model.analysis.properties import PropertyChecks, PropertyResult
from model.analysis.static_checks import StaticChecks
from model.scenario.compiled import ParamValue, Scenario
from model.scenario.labels import Labels
from model.scenario.provenance import provenance_record, provenance_texts
from model.scenario.schema import ExpectedFinding
from model.scenario.schema_base import Source


@dataclass
class CheckResult:
    scenario: Scenario
    params: dict[str, ParamValue]
    graph: StateGraph
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # checks skipped, and why
    properties: list[PropertyResult] = field(default_factory=list)  # in the file's order
    # Why each unreachable outcome or state and never-enabled transition is so (explain).
    explanations: list[Explanation] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.graph.complete

    @property
    def outcomes_reached(self) -> list[str]:
        return sorted(set(self.graph.outcome_nodes.values()))

    @property
    def now_reached(self) -> list[str]:
        """Outcomes the scenario expects unreachable that a --set setting made reachable."""
        changed = {f.target for f in self.findings if f.kind == "expected_finding_changed"}
        return [o for o in self.outcomes_reached if f"unreachable_outcome {o!r}" in changed]

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
    properties = PropertyChecks(scenario, graph).results()
    findings = static.findings() + GraphChecks(scenario, graph).findings()
    findings += [r.finding() for r in properties if r.status == "fails"]
    findings = [f for f in findings if f.kind not in ignore]
    findings = _match_expected(scenario, findings, ignore, graph.complete, graph.params)
    # --ignore expected_finding_missing: _match_expected adds those, so filter again
    findings = [f for f in findings if f.kind not in ignore]
    order = list(SEVERITY)
    findings.sort(key=lambda f: (f.expected is not None, order.index(f.kind), f.target))
    result = CheckResult(scenario, dict(graph.params), graph, findings, static.notes, properties)
    # In the order of EXPLAINERS (outcomes, states, transitions): the report shows the
    # chains of the outcomes in full, then what the same causes block.
    kinds = list(EXPLAINERS)
    ranked = sorted(
        (f for f in findings if f.kind in kinds), key=lambda f: (kinds.index(f.kind), f.target)
    )
    result.explanations = explain(graph, ranked)
    return result


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
    defaults = scenario.parameters()
    changed = {
        k: v for k, v in params.items() if defaults.get(k) != v or type(defaults[k]) is not type(v)
    }
    for i, e in declared:
        # An incomplete search cannot show that a finding is absent (only static ones).
        if i in used or e.kind in ignore or not (complete or e.kind in STATIC_KINDS):
            continue
        target = f" {e.target!r}" if e.target else ""
        where = scenario.document.where(("expected_findings", i))
        # A finding declared without `when` describes the scenario under its defaults: one
        # that a --set parameter (not named in `when`) overturns is the answer to "what if",
        # reported as a change, not as an error.
        setting = {k: v for k, v in changed.items() if k not in e.when}
        if setting:
            values = ", ".join(f"{k}={_show(v)}" for k, v in setting.items())
            message = (
                f"{_now(e, scenario.labels)} with {values}, although the scenario expects "
                f"{e.kind}{target} "
                f"({_reason(e, scenario.spec.sources)})"
            )
            out.append(Finding("expected_finding_changed", f"{e.kind}{target}", message, where))
            continue
        out.append(
            Finding(
                "expected_finding_missing",
                f"{e.kind}{target}",
                f"the scenario declares the finding {e.kind}{target} as expected, but the "
                "checker did not find it",
                where,
            )
        )
    return out


def _now(e: ExpectedFinding, labels: Labels) -> str:
    """What happens now that an expected finding no longer holds, in plain words."""
    t = e.target
    match e.kind:
        case "unreachable_outcome" | "unreachable_state" if t:
            what = "outcome" if e.kind == "unreachable_outcome" else "state"
            return f"{what} {labels.quoted(what, t)} is now reached"
        case "unreachable_state":
            return "every state is now reached"
        case "never_enabled" if t:
            return f"transition {labels.named(t)} now happens"
        case "never_enabled":
            return "every transition now happens"
        case "guard_never_true" if t:
            return f"the guard of {labels.named(t)} can now be true"
        case "property_violated" if t:
            return f"property {t} now holds"
    return f"{e.kind}" + (f" {t!r}" if t else "") + " no longer occurs"


def _show(v: ParamValue) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def _reason(e: ExpectedFinding, sources: Sequence[Source]) -> str:
    """Why a finding is expected, in the words of its provenance (the assumption first)."""
    texts = provenance_texts(provenance_record(e, sources))
    first = next((t for t in texts if t.startswith("assumption: ")), texts[0])
    return first.removeprefix("assumption: ").removeprefix("source: ")
