"""Plain-data descriptions of steps, shared by run traces and counterexamples.

The records are JSON-ready; their text is `model.reports.steps`.
"""

from __future__ import annotations

from typing import Any

from model.scenario.compiled import CompiledTransition, Scenario
from model.scenario.schema import Quote
from model.semantics.step import Snapshot


def provenance_record(quote: Quote | None, assumption: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if quote is not None:
        out["quote"] = {"text": " ".join(quote.text.split()), "said_by": quote.said_by}
    if assumption is not None:
        out["assumption"] = " ".join(assumption.split())
    return out


def stage_name(scenario: Scenario, state: str) -> str | None:
    stage = scenario.stage_of(state)
    names = {s.id: s.name for s in scenario.spec.stages}
    return names.get(stage) if stage else None


def step_record(
    scenario: Scenario,
    number: int,
    t: CompiledTransition,
    before: Snapshot,
    after: Snapshot | None,
    *,
    sources: bool = True,
) -> dict[str, Any]:
    """One step as JSON-ready data; ``after`` is None for a step the scenario refuses."""
    names = scenario.variable_names
    record: dict[str, Any] = {
        "step": number,
        "day_before": before.day,
        "day": after.day if after else before.day,
        "stage": stage_name(scenario, before.state),
        "actor": t.actor,
        "event": t.trigger,
        "transition": t.name,
        "from": before.state,
        "to": after.state if after else t.dest,
        "changes": {}
        if after is None
        else {
            n: {"from": a, "to": b} for n, a, b in zip(names, before.values, after.values) if a != b
        },
    }
    if sources:
        record.update(provenance_record(t.spec.quote, t.spec.assumption))
    return record
