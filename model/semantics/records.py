"""Plain-data descriptions of steps, shared by run traces and counterexamples.

The records are JSON-ready; their text is `model.reports.steps`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from model.scenario.compiled import DAYS, CompiledTransition, DerivedEnv, ParamValue, Scenario
from model.scenario.expr import Compiled, text_of
from model.scenario.labels import Labels
from model.scenario.provenance import provenance_record
from model.semantics.step import Snapshot


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
    params: Mapping[str, ParamValue] | None = None,
) -> dict[str, Any]:
    """One step as JSON-ready data; ``after`` is None for a step the scenario refuses.
    ``params`` (the run's parameters) lets a risk's chance or a schedule's period that reads
    them be shown as a number."""
    names = scenario.variable_names
    labels = scenario.labels
    dest = after.state if after else t.dest
    record: dict[str, Any] = {
        "step": number,
        "day_before": before.day,
        "day": after.day if after else before.day,
        "stage": stage_name(scenario, before.state),
        "actor": t.actor,
        "event": t.trigger,
        "transition": t.name,
        "from": before.state,
        "to": dest,
        "changes": {}
        if after is None
        else {
            n: {"from": a, "to": b, **_label_field(labels, "variable", n)}
            for n, a, b in zip(names, before.values, after.values)
            if a != b
        },
    }
    # The labels beside the ids (JSON keeps the ids; the text shows the labels).
    record.update(labels.fields(event=("event", t.trigger), **{"from": ("state", before.state)}))
    record.update(labels.fields(to=("state", dest)))
    if labels.has("event", t.trigger):
        record["transition_label"] = labels.transition(t.name)
    record.update(time_record(scenario, t, before, after, params))
    if sources:
        record.update(provenance_record(t.spec, scenario.spec.sources))
    return record


def _label_field(labels: Labels, kind: str, ident: str) -> dict[str, str]:
    """``{"label": ...}`` for an entry keyed by ``ident`` whose element has a label."""
    return {"label": labels.of(kind, ident)} if labels.has(kind, ident) else {}


def _expr(value: str | bool | int) -> str:
    return " ".join(text_of(value).split())


def timing_label(t: CompiledTransition) -> str | None:
    """How a scheduled event, deadline or risk is timed, as written (for diagrams and docs
    pages): ``day 10 of the stage``, ``every 7 days``, ``deadline: day 16``, ``1 in 20 a
    day``; None for a decision."""
    spec = t.spec
    if spec.schedule is not None:
        how, n = spec.schedule.when
        if how == "at":
            return (
                "end of the stage" if _expr(n) == "stage_days" else f"day {_expr(n)} of the stage"
            )
        return f"every {_expr(n)} days" if how == "every" else f"{_expr(n)} days after entering"
    if spec.deadline is not None:
        how, n = spec.deadline.when
        return f"deadline: day {_expr(n)}" if how == "at" else f"deadline: within {_expr(n)} days"
    if spec.risk is not None:
        return f"{_expr(spec.risk.chance)} in {_expr(spec.risk.in_)} a {spec.risk.per}"
    return None


def time_record(
    scenario: Scenario,
    t: CompiledTransition,
    before: Snapshot,
    after: Snapshot | None,
    params: Mapping[str, ParamValue] | None = None,
) -> dict[str, Any]:
    """The keys a step of the time rules adds (none for an instantaneous decision, nor for an
    activity that starts and arrives in the same step, so that records of scenarios without
    time kinds are as before): ``kind`` (scheduled, deadline, risk, days) and ``timing`` (on
    which day, or with what chance, as the step happened); for an activity ``activity``
    (starts, under way, completes) and, when it starts, ``activity_days``; ``abandons``: the
    activity a step moving to another state cut short."""
    out: dict[str, Any] = {}
    spec = t.spec
    if t.index == DAYS:
        out["kind"] = "days"
    elif t.kind == "decision":
        act = after.activity if after is not None else None
        if before.activity is None and act is not None and act[0] == t.index:
            assert after is not None
            out["activity"] = "starts"
            out["activity_days"] = act[1] + after.day - before.day
        elif before.activity is not None and before.activity[0] == t.index:
            out["activity"] = "under way" if act is not None else "completes"
    else:
        out["kind"] = t.kind
        value = _evaluator(scenario, before, params)
        if t.kind == "risk":
            assert spec.risk is not None and t.chance is not None
            chance = value(t.chance[0], spec.risk.chance)
            out["timing"] = (
                f"risk, {chance} in {value(t.chance[1], spec.risk.in_)} a {spec.risk.per}"
            )
        else:
            timing = spec.schedule or spec.deadline
            assert timing is not None
            state = scenario.labels.state(before.state)
            how, n = timing.when
            if how == "at":
                when = f"day {before.day_in_stage} of the stage"
            elif how == "after":
                when = f"{before.days_in_state} days after entering {state}"
            else:
                assert t.due is not None
                every = value(t.due[1], n)
                when = f"day {before.days_in_state} in {state} (every {every} days)"
            who = "scheduled" if t.kind == "scheduled" else "deadline"
            who += f" of {spec.actor}" if t.kind == "deadline" and spec.actor else ""
            out["timing"] = f"{who}: {when}"
    act = before.activity
    if act is not None and act[0] != t.index and after is not None and after.state != before.state:
        out["abandons"] = name = scenario.transitions[act[0]].name
        if name != (shown := scenario.labels.transition(name)):
            out["abandons_label"] = shown
    return out


def _evaluator(scenario: Scenario, snap: Snapshot, params: Mapping[str, ParamValue] | None) -> Any:
    """``value(f, text)``: ``f`` evaluated in ``snap`` under ``params`` as text, or ``text``
    as written where it cannot be (no parameters given, or it reads ``stage_days``)."""
    base: dict[str, Any] = {**(params or {}), **dict(zip(scenario.variable_names, snap.values))}
    base.update(day=snap.day, day_in_stage=snap.day_in_stage)
    env = DerivedEnv(base, scenario)

    def value(f: Compiled, text: str | bool | int) -> str:
        if params is None:
            return _expr(text)
        try:
            return str(f(env))
        except (KeyError, ArithmeticError):
            return _expr(text)

    return value
