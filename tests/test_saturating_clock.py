"""A scenario without a horizon: the saturating clock (docs/semantics.md).

The explorer keeps each clock exactly only up to the largest day a step compares it with; the
exact analysis then covers unlimited time. Checked against closed forms, and against the same
scenario with a long horizon and an exact clock: what the two disagree on can only be the mass
the horizon cut off.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import yaml
from conftest import ROOT

from model.analysis.exact import analyse, analyse_scenario
from model.analysis.explore import explore
from model.base.errors import ScenarioError
from model.scenario.compiled import Scenario
from model.scenario.loader import load, load_text
from model.simulate import main

FIXTURE = ROOT / "tests" / "fixtures" / "clock" / "open_talks.yaml"


def _with(**changes: object) -> str:
    data = yaml.safe_load(FIXTURE.read_text())
    data.update(changes)
    return yaml.safe_dump(data, sort_keys=False)


def _load(text: str) -> Scenario:
    return load_text(text, base_dir=FIXTURE.parent)


@pytest.mark.parametrize("deal_in,collapse_in", [(30, 100), (7, 9), (2, 1000)])
def test_open_ended_talks_match_the_closed_form(deal_in: int, collapse_in: int) -> None:
    # No weekly walk-out: each day of talks, a deal with chance a, else a collapse with b.
    params = {"deal_in": deal_in, "collapse_in": collapse_in, "walkout_chance": 0}
    result = analyse_scenario(load(FIXTURE), params, method="fraction")
    a, b = Fraction(1, deal_in), Fraction(1, collapse_in)
    q = 1 - (1 - a) * (1 - b)  # some risk happens on a day of talks
    deal = result.ending("deal")
    assert deal.probability == a / q
    assert result.ending("collapsed").probability == 1 - a / q
    # Six days of truce, then a geometric number of days of talks (mean 1/q), whatever the
    # outcome: the two outcomes' expected days are the same.
    assert deal.expected_days == 6 + 1 / q
    assert result.ending("collapsed").expected_days == 6 + 1 / q
    assert result.clock_cap is not None
    sparse = analyse_scenario(load(FIXTURE), params, method="sparse")
    assert sparse.ending("deal").expected_days == pytest.approx(float(6 + 1 / q), rel=1e-9)


@pytest.mark.parametrize("walkout", [0, 1, 4])
def test_the_saturated_clock_agrees_with_a_long_horizon(walkout: int) -> None:
    """The exact clock with horizon H and the saturated clock without one differ by no more
    than the probability of still running at H (which the horizon ends as 'horizon')."""
    params = {"deal_in": 5, "collapse_in": 11, "walkout_chance": walkout}
    open_ = analyse_scenario(load(FIXTURE), params, method="fraction")
    bounded = analyse(explore(_load(_with(horizon=150)), params), "fraction")
    cut = bounded.ending("horizon", "no_outcome").probability
    assert 0 < cut < Fraction(1, 10**6)
    assert bounded.clock_cap is None and open_.clock_cap is not None
    for name in ("deal", "collapsed"):
        exact, within = open_.ending(name), bounded.ending(name)
        assert within.probability <= exact.probability <= within.probability + cut
        # Days up to the cap are kept exactly: the two agree on them.
        for day, mass in exact.days.items():
            assert within.days.get(day, 0) == mass
        # The means differ only through runs longer than the horizon.
        assert abs(float(exact.expected_days) - float(within.expected_days)) < 1e-3
    assert open_.states < bounded.states


def test_a_weekly_risk_falls_on_the_week_of_the_stage() -> None:
    """A walk-out certain at the end of the first week of talks: every run ends by day
    6 + 7 = 13; a deal comes first on day k of the talks with chance a·r^(k-1) (r: neither
    daily risk on a day), and on day 7 the deal, declared first, wins a tie."""
    params = {"deal_in": 20, "collapse_in": 50, "walkout_chance": 10}
    result = analyse_scenario(load(FIXTURE), params, method="fraction")
    a, b = Fraction(1, 20), Fraction(1, 50)
    r = (1 - a) * (1 - b)
    deal = result.ending("deal")
    assert deal.probability == sum(a * r ** (k - 1) for k in range(1, 8))
    assert deal.expected_days * deal.probability == sum(
        a * r ** (k - 1) * (6 + k) for k in range(1, 8)
    )
    collapsed = result.ending("collapsed")
    assert collapsed.probability == 1 - deal.probability
    # Every run ends by day 13, so the whole distribution of days is exact up to the cap.
    assert result.clock_cap is not None and result.clock_cap >= 0
    assert collapsed.expected_days is not None


def test_the_report_says_the_clock_was_abstracted(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(FIXTURE), "--exact"]) == 0
    out = capsys.readouterr().out
    assert "clock abstracted (no horizon)" in out
    assert main([str(ROOT / "scenarios" / "cairo_three_stage_truce.yaml"), "--exact"]) == 0
    assert "clock abstracted" not in capsys.readouterr().out


def test_without_a_horizon_the_clock_may_only_be_compared_with_constants() -> None:
    data = yaml.safe_load(FIXTURE.read_text())
    data["transitions"][3]["guard"] = "day_in_stage * 2 < 40"
    with pytest.raises(ScenarioError) as info:
        _load(yaml.safe_dump(data, sort_keys=False))
    (problem,) = info.value.problems
    assert problem.path == "transitions[3].guard"
    assert "the scenario has no horizon" in problem.message
    assert "'day_in_stage'" in problem.message
    # With a horizon, the same guard is fine (the clock is kept exactly).
    _load(_with(horizon=30, transitions=data["transitions"]))
    data["transitions"][3]["guard"] = "day_in_stage < 40 and 3 > day"  # constants: accepted
    graph = explore(_load(yaml.safe_dump(data, sort_keys=False)))
    clock = graph.table.clock
    assert clock is not None and clock.stage >= 40 and clock.day >= 3


def test_a_table_read_by_the_clock_bounds_it() -> None:
    graph = explore(load(FIXTURE))
    clock = graph.table.clock
    assert clock is not None
    # aid_days is read at day_in_stage: its last key (5) is within the exact range, and the
    # stage's length (6) too; the reviews every 7 days in the talks set the state period.
    assert clock.stage >= 6 and clock.state_period == 7 and clock.stage_period == 7
