"""One step, as `model.semantics.records.step_record` describes it, in a line of text."""

from __future__ import annotations

from typing import Any

from model.reports.text import fmt_value


def days_text(step: dict[str, Any]) -> str:
    """``day 0→2`` (or ``day 2`` for a step that takes no time)."""
    return f"day {step['day_before']}" + (
        f"→{step['day']}" if step["day"] != step["day_before"] else ""
    )


def changes_text(step: dict[str, Any]) -> str:
    """``x 1→2, y false→true``: the variables a step changes ("" when none)."""
    return ", ".join(
        f"{k} {fmt_value(c['from'])}→{fmt_value(c['to'])}" for k, c in step["changes"].items()
    )


def step_line(step: dict[str, Any]) -> str:
    """``day 0→2 · mediators: consultations_continue · x 1→2`` for compact traces."""
    changes = changes_text(step)
    move = f" ({step['from']} → {step['to']})" if step["from"] != step["to"] else ""
    return f"{days_text(step)} · {step['actor']}: {step['transition']}{move}" + (
        f" · {changes}" if changes else ""
    )
