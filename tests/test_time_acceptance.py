"""Acceptance of issue 13 on the shipped scenarios: outcome probabilities mean "per day".

On the three-stage truce the exact (rational) outcome probabilities and expected days do not
depend on how the releases are batched, as long as the chance per day of a breakdown is the
same: the odds are a finding about the agreement, not about the number of steps the model
takes. The example scenarios of the issue (scenarios/examples/) terminate, check clean and do
what their summaries say. docs/semantics.md ("What changed when time became days") shows the
same figures.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from typing import Any

import pytest
from conftest import ROOT

from model.analysis.consistency import check
from model.analysis.exact import ExactResult, analyse_scenario
from model.scenario.loader import load, load_text
from model.semantics.engine import Run

TRUCE = ROOT / "scenarios" / "cairo_three_stage_truce.yaml"
EXAMPLES = sorted((ROOT / "scenarios" / "examples").glob("*.yaml"))


@cache
def _truce(**params: int) -> ExactResult:
    return analyse_scenario(load(TRUCE), params, method="fraction")


def _endings(result: ExactResult) -> dict[tuple[str, str], tuple[Any, Any]]:
    return {(e.kind, e.name): (e.probability, e.expected_days) for e in result.endings}


@pytest.mark.parametrize("batch_size", [33, 133])
def test_truce_odds_do_not_depend_on_the_batch_size(batch_size: int) -> None:
    weekly_11 = _truce(batch_size=11)
    other = _truce(batch_size=batch_size)
    assert other.states != weekly_11.states  # a different encoding of the releases
    assert _endings(other) == _endings(weekly_11)  # Fraction equality, expected days too


def test_truce_odds_are_the_same_with_daily_or_weekly_batches() -> None:
    weekly = _truce(batch_size=11)
    daily = _truce(batch_size=2, batch_interval_days=1)  # 50 daily batches in stage 2
    assert daily.states > weekly.states
    assert _endings(daily) == _endings(weekly)


STAGE_2_TABLE = """
tables:
  - id: stage_2_releases
    description: People released from Gaza on each day of stage 2.
    rows: {ROWS}
    assumption: test
"""

STAGE_2_BY_TABLE = """
  - trigger: stage_2_releases_of_the_day
    source: stage_2_in_force
    dest: stage_2_in_force
    actor: hamas
    guard: stage_2_releases[day_in_stage] > 0
    schedule: {every: 1}
    effects:
      held_in_gaza: held_in_gaza - stage_2_releases[day_in_stage]
      released_from_prisons: >-
        prisoners_per_person * (held_at_start - held_in_gaza + stage_2_releases[day_in_stage])
    assumption: test

  # --- stage 3"""


def _truce_with_stage_2_table(rows: dict[int, int]) -> ExactResult:
    """The three-stage truce with stage 2's releases (each matched at once) read from a
    schedule table instead of the exchange's weekly batches."""
    text = TRUCE.read_text(encoding="utf-8")
    replacements = [
        (
            "slots: {during: [stage_1_in_force, stage_2_in_force]}",
            "slots: {during: [stage_1_in_force]}",
        ),
        ("\nstates:\n", STAGE_2_TABLE.replace("{ROWS}", str(rows)) + "\nstates:\n"),
        ("\n  # --- stage 3", STAGE_2_BY_TABLE),
    ]
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    scenario = load_text(text, "table.yaml", base_dir=TRUCE.parent)
    return analyse_scenario(scenario, {"batch_size": 11}, method="fraction")


@pytest.mark.parametrize(
    "rows",
    [
        {**{7 * k: 11 for k in range(1, 10)}, 70: 1},  # the weekly batches, as a table
        {1: 3, 7: 4, 14: 20, 21: 20, 35: 20, 49: 20, 63: 13},  # another schedule
    ],
    ids=["weekly", "irregular"],
)
def test_truce_odds_are_the_same_with_stage_2_releases_from_a_schedule_table(
    rows: dict[int, int],
) -> None:
    assert sum(rows.values()) == 100  # the people stage 2 releases
    table = _truce_with_stage_2_table(rows)
    assert _endings(table) == _endings(_truce(batch_size=11))


def test_truce_survives_each_day_with_the_chance_written() -> None:
    """Once begun, the truce lasts 42 + 70 + 42 days, each side ending it with a chance of
    2 in 1000 on each of them: it is completed with probability (998/1000)^(2·154). (A
    walk-out is certain on the first day of consultations, so that a truce begins on day 0
    or never, and none runs into the horizon.)"""
    result = _truce(batch_size=11, walkout_chance=1000)
    completed = result.ending("three_stages_completed").probability
    collapsed = result.ending("truce_collapsed").probability
    assert completed / (completed + collapsed) == Fraction(998, 1000) ** (2 * 154)
    half = _truce(batch_size=11, walkout_chance=1000, breakdown_chance=1)
    completed = half.ending("three_stages_completed").probability
    collapsed = half.ending("truce_collapsed").probability
    assert completed / (completed + collapsed) == Fraction(999, 1000) ** (2 * 154)


def test_a_stage_ends_on_its_last_day_in_every_run() -> None:
    result = _truce(batch_size=11)
    days = result.ending("three_stages_completed").days
    # the talks take an even number of days (rounds of 48 hours); the stages 154 days in all
    assert set(days) == {154 + 2 * k for k in range(len(days))}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_scenarios_check_clean_and_terminate(path: Any) -> None:
    scenario = load(path)
    report = check(scenario)
    assert report.clean, [f.message for f in report.findings if not f.expected]
    result = analyse_scenario(scenario, method="fraction")
    assert result.total == 1
    assert result.ending("error", "no_outcome").probability == 0
    assert result.ending("stuck", "no_outcome").probability == 0


def test_extendable_truce_lasts_one_more_day_per_ten_more_people() -> None:
    scenario = load(ROOT / "scenarios" / "examples" / "extendable_truce.yaml")
    for extensions in range(4):
        run = Run(scenario, {"collapse_chance": 0})
        agreed = 0
        while run.outcome is None:
            names = [e.trigger for e in run.enabled()]
            if "hamas_agrees_ten_more" in names:
                choice = "hamas_agrees_ten_more" if agreed < extensions else "no_further_extension"
                agreed += choice == "hamas_agrees_ten_more"
                run.fire(choice)
            else:
                run.fire(run.enabled()[0])
        assert run.outcome == "truce_ended"
        assert run.day == 4 + extensions
        assert run.values["released"] == 50 + 10 * extensions


def test_release_schedule_matches_each_category_at_its_ratio() -> None:
    scenario = load(ROOT / "scenarios" / "examples" / "release_schedule.yaml")
    result = analyse_scenario(scenario, method="fraction")
    assert result.ending("stage_completed").probability == Fraction(998, 1000) ** (2 * 42)
    run = Run(scenario, {"breakdown_chance": 0})
    run.play(seed=0)
    assert run.outcome == "stage_completed" and run.day == 42
    v = run.values
    assert (v["civilians_released"], v["soldiers_released"]) == (14, 3)
    assert v["prisoners_released"] == 30 * 14 + 50 * 3


def test_open_ended_phase_is_analysed_over_unlimited_time() -> None:
    """No horizon: the talks go on until an agreement (a chance of 1 in 10 at each week's
    round) or a break-off (2 in 1000 a day for each side), however long that takes."""
    scenario = load(ROOT / "scenarios" / "examples" / "talks_continue.yaml")
    assert scenario.spec.horizon is None
    result = analyse_scenario(scenario, method="fraction")
    agreed = result.ending("next_stage_agreed").probability
    broke = result.ending("talks_broke_down").probability
    assert agreed + broke == 1
    # A week: six days without a break-off, then the round (first in declaration order) and
    # the break-off risks of its seventh day.
    six_days = Fraction(998, 1000) ** (2 * 6)
    week_goes_on = six_days * Fraction(9, 10) * Fraction(998, 1000) ** 2
    assert agreed == six_days * Fraction(1, 10) / (1 - week_goes_on)
