"""Check results as JSON-ready records and as readable text (rendered from the record)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from model.analysis.consistency import CheckResult
from model.analysis.explain import Explanation, Link, render
from model.analysis.findings import Finding
from model.analysis.lassos import STUTTER
from model.analysis.properties import PropertyResult
from model.base.textfmt import visible
from model.reports.steps import days_pass_text, step_line
from model.reports.text import fmt_value, plural, wrap, wrap_code
from model.scenario.labels import label_in, subject_in, with_labels


def finding_record(f: Finding) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "severity": f.severity,
        "target": f.target,
        "message": f.message,
        "where": f.where,
        "count": f.count,
        "expected": f.expected,
        "trace": list(f.trace),
        "cycle": list(f.cycle),
    }


def why_record(e: Explanation, names: Mapping[str, Any]) -> dict[str, Any]:
    """An explanation as data: each chain as links and as one sentence (its subjects by the
    ``labels`` of ``names``), and its causes."""
    return {
        "kind": e.kind,
        "target": e.target,
        "headline": e.headline,
        "sentences": e.sentences(lambda s: subject_in(names, s)),
        "chains": [[asdict(link) for link in chain] for chain in e.chains],
        "causes": [asdict(c) for c in e.causes],
    }


def property_record(r: PropertyResult) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": r.id,
        "kind": r.kind,
        "statement": r.statement,
        "in": r.quantifier,
        "fair": r.fair,
        "status": r.status,
        "message": r.message,
        "where": r.where,
    }
    if r.run is not None:  # the witness (some run) or counterexample (every run)
        record["trace"] = list(r.trace)
        record["cycle"] = list(r.cycle)
        record["ends"] = r.run.cycle == (STUTTER,)
    return record


def check_record(result: CheckResult) -> dict[str, Any]:
    graph = result.graph
    spec = result.scenario.spec
    names = {"labels": result.scenario.labels.declared()}
    defaults = {p.id: p.default for p in spec.parameters}
    record = {
        "file": result.scenario.file,
        "id": spec.id,
        "title": spec.title,
        "parameters": result.params,
        "changed_parameters": sorted(k for k, v in result.params.items() if defaults[k] != v),
        "variants": result.scenario.variant_labels(result.params),
        "complete": result.complete,
        "max_states": graph.max_states,
        "states": len(graph.nodes),
        "edges": len(graph.edges),
        "max_depth": _depth(result),
        "outcomes_reached": result.outcomes_reached,
        "outcomes_now_reached": result.now_reached,
        "clean": result.clean,
        "why": [why_record(e, names) for e in result.explanations],
        "findings": [finding_record(f) for f in result.findings],
        "properties": [property_record(r) for r in result.properties],
        "notes": list(result.notes),
    }
    risks = [t.name for t in result.scenario.transitions if t.kind == "risk"]
    if risks:  # a key of its own, only where the scenario has risks
        record["risks"] = risks
    return with_labels(record, result.scenario.labels)


def _depth(result: CheckResult) -> int:
    graph = result.graph
    if not graph.nodes:
        return 0
    return len(graph.path_to(len(graph.nodes) - 1))  # breadth first: the last is deepest


_MARK = {"error": "error", "warning": "warning", "note": "note"}


def format_check_text(record: dict[str, Any]) -> str:
    lines = [f"{record['file']}: {record['title']}"]
    changed = record["changed_parameters"]
    params = ", ".join(f"{k}={fmt_value(record['parameters'][k])}" for k in changed) or "defaults"
    scope = (
        "the whole state space"
        if record["complete"]
        else f"stopped at the limit of {record['max_states']:,} states"
    )
    lines.append(
        f"  explored {record['states']:,} states and {record['edges']:,} steps, "
        f"up to {record['max_depth']} steps deep ({scope}); parameters: {params}"
    )
    lines += [f"  variant: {label}" for label in record["variants"]]
    reached = (label_in(record, "outcome", o) for o in record["outcomes_reached"])
    lines.append("  outcomes reached: " + (", ".join(reached) or "none"))
    if "risks" in record:
        risks = ", ".join(label_in(record, "transition", r) for r in record["risks"])
        lines.append(
            f"  odds: the chances of {plural(len(record['risks']), 'risk')} "
            f"({risks}) are per day (per week where a risk says so), "
            "whatever the number of steps"
        )
    changed_findings = [f for f in record["findings"] if f["kind"] == "expected_finding_changed"]
    lines += _changed_lines(record, changed_findings)
    lines += _why_lines(record)
    open_ = [
        f
        for f in record["findings"]
        if f["expected"] is None and f["kind"] != "expected_finding_changed"
    ]
    expected = [f for f in record["findings"] if f["expected"] is not None]
    for f in open_:
        lines += _finding_lines(f, f["severity"])
    for f in expected:
        lines += _finding_lines(f, "expected")
        lines.append(f"      why it is expected: {f['expected']}")
    lines += _property_lines(record.get("properties", []))
    counted = [f for f in open_ if f["severity"] != "note"]
    lines += [f"  note: {note}" for note in record.get("notes", [])]
    if not record["complete"]:
        lines.append(
            f"  INCOMPLETE: the search stopped at {record['max_states']:,} states, so the "
            "scenario is not shown clean; raise --max-states to search further"
        )
    if counted:
        lines.append(f"  {plural(len(counted), 'finding')}")
    elif record["complete"]:
        lines.append("  clean" + (f" ({len(expected)} expected finding(s))" if expected else ""))
    return visible("\n".join(lines)) + "\n"  # titles, messages and names are user text


def _finding_lines(f: dict[str, Any], label: str) -> list[str]:
    more = f" (and {f['count'] - 1} more like it)" if f["count"] > 1 else ""
    lines = [f"  [{label}] {f['kind']}: {f['message']}{more}"]
    if f["where"]:
        lines.append(f"      declared at {f['where']}")
    if f["trace"]:
        lines.append(f"      shortest trace from the start ({plural(len(f['trace']), 'step')}):")
        lines += _steps(f["trace"])
    elif f["kind"] in ("deadlock", "horizon_reached", "nondeterminism"):
        lines.append("      (already at the start)")
    if f["cycle"]:
        prop = f["kind"] == "property_violated"
        lines.append("      then, repeated for ever:" if prop else "      the cycle:")
        lines += _steps(f["cycle"])
    return lines


def _changed_lines(record: dict[str, Any], found: list[dict[str, Any]]) -> list[str]:
    """What a --set setting overturned: the expected findings that no longer hold, and the
    outcomes that became reachable (the answer to "what if"), before anything else."""
    if not found:
        return []
    setting = ", ".join(
        f"{k}={fmt_value(record['parameters'][k])}" for k in record["changed_parameters"]
    )
    head = (
        f"changed by the setting {setting}: {plural(len(found), 'expected finding')} no longer hold"
    )
    now = record.get("outcomes_now_reached", [])
    if now:
        head += (
            f"; outcomes now reachable: {', '.join(label_in(record, 'outcome', o) for o in now)}"
        )
    lines = wrap(head, "  ", 2)
    first = ("unreachable_outcome", "never_enabled", "unreachable_state")
    for f in sorted(
        found, key=lambda f: next((i for i, k in enumerate(first) if f["target"].startswith(k)), 3)
    ):
        lines += wrap(f"- {f['message']}", "    ", 2)
    return lines


def _why_lines(record: dict[str, Any]) -> list[str]:
    """The blocking chains, first in the report: each outcome's chains in full (a source
    quoted once), then, in one line, the states and transitions the same causes block."""
    explanations = record.get("why", [])
    if not explanations:
        return []
    lines = ["  why:"]
    shown: set[tuple[str, str]] = set()
    seen: set[str] = set()
    also: dict[str, list[str]] = {}
    for e in explanations:
        causes = {(c["transition"], c["text"]) for c in e["causes"]}
        chains = [tuple(Link(**link) for link in chain) for chain in e["chains"]]
        if causes and causes <= shown:
            if e["kind"] != "unreachable_outcome":
                also.setdefault(e["kind"], []).append(subject_in(record, e["target"]))
                continue
            gates = dict.fromkeys(
                subject_in(record, c[0].subject) for c in chains if c[0].subject != e["target"]
            )
            text = f"{e['headline']} for the same reason" + (
                f", through {', '.join(gates)}" if gates else ""
            )
            lines += wrap(text, "    ", 2)
            continue
        for n, chain in enumerate(chains):
            lead = f"{e['headline']} because" if n == 0 else "and because"
            said = render(chain, e["target"], seen, lambda s: subject_in(record, s))
            lines += wrap_code(f"{lead} {said}", "    ", 2)
        shown |= causes
    words = {"unreachable_state": "states", "never_enabled": "transitions"}
    if also:
        listed = "; ".join(f"{words.get(k, k)} {', '.join(v)}" for k, v in also.items())
        lines += wrap(f"the same causes also block: {listed}", "    ", 2)
    return lines


def _property_lines(properties: list[dict[str, Any]]) -> list[str]:
    """A line per property that holds or is undecided (a failed one is a finding, above);
    a witness run under one that holds in some run."""
    lines = []
    for p in properties:
        if p["status"] == "fails":
            continue
        lines.append(f"  [{p['status']}] property {p['id']}: {p['message']}")
        if p.get("trace") or p.get("cycle"):
            lines.append(f"      a run ({plural(len(p['trace']), 'step')}):")
            lines += _steps(p["trace"])
            if p.get("ends"):
                lines.append("        and it stays in its last snapshot")
            elif p["cycle"]:
                lines.append("      then, repeated for ever:")
                lines += _steps(p["cycle"])
    return lines


def _steps(steps: list[dict[str, Any]]) -> list[str]:
    """Numbered step lines of a run, consecutive days with no event as one line (a run of a
    truce is mostly days passing, and `simulate` folds them too); a step that breaks a rule
    is never folded and shows its error."""

    def quiet(step: dict[str, Any]) -> bool:
        return step.get("kind") == "days" and "error" not in step

    lines = []
    i = 0
    while i < len(steps):
        j = i
        while quiet(steps[i]) and j + 1 < len(steps) and quiet(steps[j + 1]):
            j += 1
        if j > i:
            text = days_pass_text(steps[i], steps[j])
            lines.append(f"        {steps[i]['step']:>2}-{steps[j]['step']}. {text}")
        else:
            line = f"        {steps[i]['step']:>2}. {step_line(steps[i])}"
            if "error" in steps[i]:
                line += f"  ✗ {steps[i]['error']}"
            lines.append(line)
        i = j + 1
    if len(lines) > _SHOWN_HEAD + _SHOWN_TAIL + 1:
        hidden = len(lines) - _SHOWN_HEAD - _SHOWN_TAIL
        lines[_SHOWN_HEAD:-_SHOWN_TAIL] = [
            f"        … {plural(hidden, 'line')} of steps not shown (--json has every step) …"
        ]
    return lines


_SHOWN_HEAD, _SHOWN_TAIL = 20, 10
"""Step lines a text report shows of a long run: its start and its end (a shortest run to
the horizon can be hundreds of steps of the same talks; the findings must stay readable)."""
