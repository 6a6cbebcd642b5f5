"""`model.reports.text` and `model.reports.steps`: helpers every text report shares."""

from __future__ import annotations

from model.reports.steps import step_line
from model.reports.text import fmt_value, plural, wrap


def test_plural_writes_the_count_with_thousands_separators() -> None:
    # The trace and the check wrote counts without separators before sharing this helper.
    assert plural(1, "step") == "1 step"
    assert plural(0, "finding") == "0 findings"
    assert plural(1234, "sentence") == "1,234 sentences"


def test_values_are_shown_as_a_scenario_writes_them() -> None:
    assert [fmt_value(v) for v in (True, False, 3, "agreed")] == ["true", "false", "3", "agreed"]


def test_wrap_indents_the_first_line_and_hangs_the_rest() -> None:
    lines = wrap("alpha beta gamma delta", "  ", 2, width=14)
    assert lines == ["  alpha beta", "    gamma", "    delta"]
    long = "x" * 30
    assert wrap(long, width=10, break_long_words=False) == [long]


def test_step_line() -> None:
    step = {
        "day_before": 0,
        "day": 2,
        "actor": "mediators",
        "transition": "talks",
        "from": "a",
        "to": "b",
        "changes": {"x": {"from": 1, "to": 2}, "open": {"from": False, "to": True}},
    }
    assert step_line(step) == "day 0→2 · mediators: talks (a → b) · x 1→2, open false→true"
    same_day = {**step, "day": 0, "to": "a", "changes": {}}
    assert step_line(same_day) == "day 0 · mediators: talks"
