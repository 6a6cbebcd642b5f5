"""Plain-data descriptions of steps, shared by run traces and counterexamples.

The records are JSON-ready; their text is `model.reports.steps`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

from model.scenario import expr
from model.scenario.compiled import DAYS, CompiledTransition, DerivedEnv, ParamValue, Scenario
from model.scenario.expr import Compiled, Value, text_of
from model.scenario.provenance import provenance_record
from model.semantics.compiler import Compiler
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
    record.update(time_record(scenario, t, before, after, params))
    if sources:
        record.update(provenance_record(t.spec, scenario.spec.sources))
    return record


def _expr(value: str | bool | int) -> str:
    return " ".join(text_of(value).split())


Show = Callable[[str | bool | int], str]
"""How a picture or page shows an expression of a timing: as written (`_expr`) or folded."""


def folded(scenario: Scenario, constants: Mapping[str, Value]) -> Show:
    """``show(text)``: the value of an expression where it folds to a constant under
    ``constants`` (parameter values, a stage's ``stage_days``), else the text as written (it
    reads a variable or the clock). Folded by the engine's own compiler."""
    names = (*scenario.variable_names, "day", "day_in_stage")
    compiler = Compiler(
        {n: i for i, n in enumerate(names)},
        constants,
        scenario.derived_trees,
        tables=scenario.tables,
    )

    def fold(e: expr.Expr) -> expr.Expr:
        """``e`` with every part that is constant under ``constants`` replaced by its value."""
        try:
            code = compiler.tree(e)
        except (KeyError, ArithmeticError):  # stage_days without a length; 1 // 0
            code = None
        if code is not None and code.const:
            return expr.Const(code.value)
        if isinstance(e, expr.Name | expr.Const | expr.Lookup):
            return e
        if isinstance(e, expr.IfExp):  # a constant test chooses the branch shown
            test = fold(e.test)
            if isinstance(test, expr.Const):
                return fold(e.body if test.value else e.orelse)
        children: dict[str, object] = {}
        for f in dataclasses.fields(e):
            v = getattr(e, f.name)
            if isinstance(v, tuple) and f.name != "ops":
                children[f.name] = tuple(fold(x) for x in v)
            elif f.name != "ops" and not isinstance(v, str):
                children[f.name] = fold(v)
        return dataclasses.replace(e, **children)  # type: ignore[arg-type]

    def show(text: str | bool | int) -> str:
        shown = expr.render(fold(expr.parse(text_of(text))))
        return shown[1:-1] if shown.startswith("(") and shown.endswith(")") else shown

    return show


CLOCK_DAY = re.compile(
    r"max\(0, \((\d+) - \(day - day_in_stage\)\)\)|(\d+) - \(day - day_in_stage\)"
)
"""A day of the stage written as a day of the clock, folded: ``max(0, N - (day -
day_in_stage))`` is day N of the clock (``day - day_in_stage`` is the day the stage began;
at once if it began later): how scenarios write a date (scenarios/minsk_ii.yaml)."""


def _days(n: str) -> str:
    """``7 days``; ``1 day`` for one."""
    return "1 day" if n == "1" else f"{n} days"


def _day(show: Show, n: str | bool | int) -> str:
    """``day N of the stage``, or ``day N of the clock`` for the idiom `CLOCK_DAY`."""
    text = show(n)
    m = CLOCK_DAY.fullmatch(text)
    return f"day {m[1] or m[2]} of the clock" if m else f"day {text}"


def timing_label(t: CompiledTransition, show: Show = _expr) -> str | None:
    """How a scheduled event, deadline or risk is timed (for diagrams and docs pages): ``day
    10 of the stage``, ``every 7 days``, ``deadline: day 16``, ``1 in 20 a day``; None for a
    decision. Its numbers as ``show`` gives them (by default as written; `folded`: values)."""
    spec = t.spec
    if spec.schedule is not None:
        how, n = spec.schedule.when
        if how == "at":
            if _expr(n) == "stage_days":
                return "end of the stage"
            day = _day(show, n)
            return day if day.endswith("clock") else f"{day} of the stage"
        days = _days(show(n))
        if how == "every":
            return "every day" if days == "1 day" else f"every {days}"
        return f"{days} after entering"
    if spec.deadline is not None:
        how, n = spec.deadline.when
        return f"deadline: {_day(show, n)}" if how == "at" else f"deadline: within {_days(show(n))}"
    if spec.risk is not None:
        return f"{show(spec.risk.chance)} in {show(spec.risk.in_)} a {spec.risk.per}"
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
            how, n = timing.when
            if how == "at":
                when = f"day {before.day_in_stage} of the stage"
            elif how == "after":
                when = f"{before.days_in_state} days after entering {before.state}"
            else:
                assert t.due is not None
                every = value(t.due[1], n)
                when = f"day {before.days_in_state} in {before.state} (every {every} days)"
            who = "scheduled" if t.kind == "scheduled" else "deadline"
            who += f" of {spec.actor}" if t.kind == "deadline" and spec.actor else ""
            out["timing"] = f"{who}: {when}"
    act = before.activity
    if act is not None and act[0] != t.index and after is not None and after.state != before.state:
        out["abandons"] = scenario.transitions[act[0]].name
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
