"""One step, as `model.semantics.records.step_record` describes it, in a line of text."""

from __future__ import annotations

from typing import Any

from model.reports.text import fmt_value, plural
from model.scenario.labels import shown


def days_text(step: dict[str, Any]) -> str:
    """``day 0→2`` (or ``day 2`` for a step that takes no time)."""
    return f"day {step['day_before']}" + (
        f"→{step['day']}" if step["day"] != step["day_before"] else ""
    )


def changes_text(step: dict[str, Any]) -> str:
    """``x 1→2, y false→true``: the variables a step changes ("" when none)."""
    return ", ".join(
        f"{c.get('label', k)} {fmt_value(c['from'])}→{fmt_value(c['to'])}"
        for k, c in step["changes"].items()
    )


def days_pass_text(first: dict[str, Any], last: dict[str, Any] | None = None) -> str:
    """``days 3→9 pass (6 days, no event)``: days passing with nothing happening, from
    ``first`` to ``last`` (consecutive such steps, shown as one)."""
    start, end = first["day_before"], (last or first)["day"]
    return f"days {start}→{end} pass ({plural(end - start, 'day')}, no event)"


def happening(step: dict[str, Any], name: str) -> str:
    """``name`` with what the time rules say of the step: ``consultations_continue starts ·
    2 days`` (an activity that does not arrive in the same step), ``... under way``, ``...
    completes``, ``violation (risk, 1 in 20 a day)``, ``release (scheduled: day 10 of the
    stage)``, ``talks_overdue (deadline of israel: day 16 of the stage)``; ``name`` alone for
    an instantaneous decision."""
    activity = step.get("activity")
    if activity == "starts":
        return f"{name} starts · {plural(step['activity_days'], 'day')}"
    if activity is not None:
        return f"{name} {activity}"
    if "timing" in step:
        return f"{name} ({step['timing']})"
    return name


def move_text(step: dict[str, Any]) -> str:
    """``Negotiating → Stage 1 in force``, or ``stays in Stage 1 in force``."""
    if step["from"] == step["to"]:
        return f"stays in {shown(step, 'to')}"
    return f"{shown(step, 'from')} → {shown(step, 'to')}"


def step_line(step: dict[str, Any]) -> str:
    """``day 0→2 · mediators: consultations_continue · x 1→2`` for compact traces."""
    if step.get("kind") == "days":
        return days_pass_text(step)
    changes = changes_text(step)
    move = f" ({move_text(step)})" if step["from"] != step["to"] else ""
    abandons = f" · {shown(step, 'abandons')} abandoned" if "abandons" in step else ""
    return (
        f"{days_text(step)} · {step['actor']}: {happening(step, shown(step, 'transition'))}{move}"
        + (f" · {changes}" if changes else "")
        + abandons
    )
