"""Turn a finished run into a record (for ``--json``) and into readable text.

The text is rendered from the record, so both always hold the same steps.
"""

from __future__ import annotations

from typing import Any

from model.base.textfmt import visible
from model.reports.steps import changes_text, days_pass_text, days_text, happening, move_text
from model.reports.text import derived_text, fmt_value, values_text, wrap
from model.scenario.labels import shown, with_labels
from model.scenario.provenance import provenance_texts
from model.semantics.engine import Run, Status, Step
from model.semantics.records import stage_name, step_record


def _step(run: Run, step: Step) -> dict[str, Any]:
    t = run.scenario.transition(step.event.index)
    return step_record(run.scenario, step.number, t, step.before, step.after, params=run.params)


def run_record(run: Run, *, seed: int | None, max_steps: int, status: Status) -> dict[str, Any]:
    """Everything a reader needs to reproduce and follow one run, as JSON-ready data."""
    spec = run.scenario.spec
    first = run.history[0].before if run.history else run.snapshot
    defaults = {p.id: p.default for p in spec.parameters}
    labels = run.scenario.labels
    record: dict[str, Any] = {
        "scenario": {"id": spec.id, "title": spec.title, "file": run.scenario.file},
        "seed": seed,
        "max_steps": max_steps,
        "parameters": dict(run.params),
        "changed_parameters": sorted(k for k, v in run.params.items() if defaults.get(k) != v),
        "variants": run.scenario.variant_labels(run.params),
        "other_variants": run.scenario.other_variants(run.params),
        "start": {
            "state": first.state,
            "stage": stage_name(run.scenario, first.state),
            "day": first.day,
            "values": dict(zip(run.semantics.names, first.values)),
            **labels.fields(state=("state", first.state)),
        },
        "steps": [_step(run, s) for s in run.history],
        "end": {
            "status": status,
            "state": run.state,
            "outcome": run.outcome,
            "day": run.day,
            "steps": len(run.history),
            "values": run.values,
            "error": str(run.error) if run.error else None,
            **labels.fields(state=("state", run.state), outcome=("outcome", run.outcome)),
        },
    }
    record = with_labels(record, labels)
    if run.scenario.derived_names:  # a key of its own, only where the scenario declares them
        record["start"]["derived"] = run.semantics.derived_values(first)
        record["end"]["derived"] = run.semantics.derived_values(run.snapshot)
    return record


def _source_lines(item: dict[str, Any], indent: str) -> list[str]:
    return [line for text in provenance_texts(item) for line in wrap(text, indent, 2)]


_ENDINGS = {
    "outcome": "outcome reached",
    "stuck": "no event can happen and no outcome was reached",
    "horizon": "the modelled period ends before the next event could happen",
    "max_steps": "stopped after the maximum number of steps",
    "error": "the run broke a rule of the scenario",
    "running": "still running",
}


def format_text(record: dict[str, Any]) -> str:
    """A readable trace: one block per step, with its source sentence or assumption."""
    sc = record["scenario"]
    changed = record["changed_parameters"]
    out = [
        sc["title"],
        f"scenario {sc['file']} · seed {record['seed']} · up to {record['max_steps']} steps",
        "parameters: "
        + (
            ", ".join(f"{k}={fmt_value(record['parameters'][k])}" for k in changed)
            if changed
            else "defaults"
        )
        + " (--list-parameters shows all)",
        *(f"variant: {label}" for label in record["variants"]),
        *(f"other account: {label}" for label in record["other_variants"]),
        "",
    ]
    return visible("\n".join(out + trace_lines(record))) + "\n"  # user text: escaped


def trace_lines(record: dict[str, Any]) -> list[str]:
    """The steps of a run record, from its start to its end, each with its source."""
    start, end = record["start"], record["end"]
    out = [f"start · day {start['day']} · {start['stage']} · state {shown(start, 'state')}"]
    out += wrap(values_text(record, start["values"]), "  ", 2)
    if "derived" in start:
        out += wrap(derived_text(start["derived"]), "  ", 2)
    steps = record["steps"]
    i = 0
    while i < len(steps):
        s = steps[i]
        out.append("")
        if s.get("kind") == "days":  # consecutive days with no event: one block
            j = i
            while j + 1 < len(steps) and steps[j + 1].get("kind") == "days":
                j += 1
            numbers = f"{s['step']}" if j == i else f"{s['step']}–{steps[j]['step']}"
            out.append(f"{numbers:>3} · {days_pass_text(s, steps[j])} · {s['stage']}")
            out.append(f"      {move_text(s)}")
            i = j + 1
            continue
        head = f"{s['step']:>3} · {days_text(s)} · {s['stage']} · {s['actor']}: "
        out.append(head + happening(s, shown(s, "event")))
        out.append(f"      {move_text(s)}")
        if "abandons" in s:
            out.append(f"      abandons {shown(s, 'abandons')} (its effects never take place)")
        if s["changes"]:
            out.append(f"      changed: {changes_text(s)}")
        out.extend(_source_lines(s, "      "))
        i += 1
    out.append("")
    summary = f"end · day {end['day']} · after {end['steps']} steps · {_ENDINGS[end['status']]}"
    if end["outcome"]:
        summary += f": {shown(end, 'outcome')}"
    out.append(summary)
    if end["error"]:
        out.append(f"  {end['error']}")
    if "derived" in end:
        out += wrap(derived_text(end["derived"]), "  ", 2)
    return out


__all__ = ["format_text", "run_record", "trace_lines"]
