"""The Minsk II package of measures (scenarios/minsk_ii.yaml): its deadlines fall on the days
the document sets, its invariants hold and bite, its accounts of disputed terms change what
they should and nothing else, and the exact probabilities agree with Monte Carlo."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from functools import cache

import pytest
import yaml
from conftest import ROOT
from test_montecarlo import _check_coverage, _pairs

from model.analysis.consistency import check
from model.analysis.exact import ExactResult, analyse_scenario
from model.analysis.montecarlo import monte_carlo
from model.analysis.trace import trace
from model.scenario.compiled import Scenario
from model.scenario.loader import load, load_text

PATH = ROOT / "scenarios" / "minsk_ii.yaml"
CEASEFIRE = date(2015, 2, 15)  # day 0 of the clock: the ceasefire took effect at 00:00
SIGNED = date(2015, 2, 12)
END_OF_2015 = (date(2015, 12, 31) - CEASEFIRE).days  # 319

# Every way the timetable can be kept: nobody postpones, stalls, disputes or breaks the
# ceasefire, the Rada acts at once and every meeting agrees.
KEPT = {
    "postpone_weight": 0,
    "stall_weight": 0,
    "dispute_weight": 0,
    "violation_chance": 0,
    "rada_chance": 1000,
    "no_agreement_weight": 0,
}


@cache
def scenario() -> Scenario:
    return load(PATH)


@cache
def _exact(items: tuple[tuple[str, int | bool], ...]) -> ExactResult:
    return analyse_scenario(scenario(), dict(items), method="fraction")


def exact(**params: int | bool) -> ExactResult:
    return _exact(tuple(sorted(params.items())))


def days_of(result: ExactResult, outcome: str) -> set[int]:
    """The days on which runs end in ``outcome`` (with a positive probability)."""
    return {d for d, p in result.ending(outcome).days.items() if p > 0}


# --- the calendar ------------------------------------------------------------------------------


def test_the_clock_days_are_the_documents_dates() -> None:
    params = {p.id: p.default for p in scenario().spec.parameters}
    assert params["end_of_2015_day"] == END_OF_2015 == 319
    # "no later than 30 days after the date of signing": 14 March 2015.
    assert CEASEFIRE + timedelta(params["rada_resolution_latest_day"]) == SIGNED + timedelta(30)
    # "day 2 of the ceasefire" is 16 February; "the second day after" it, 17 February.
    variants = {v.label: v.value for v in scenario().spec.parameters[0].variants}
    assert CEASEFIRE + timedelta(variants["day 2 of the ceasefire (16 February)"]) == date(
        2015, 2, 16
    )
    assert CEASEFIRE + timedelta(
        variants["the second day after the ceasefire (17 February)"]
    ) == date(2015, 2, 17)
    assert params["withdrawal_window_days"] == 14
    assert params["exchange_latest_day_after_withdrawal"] == 5


# --- deadlines fall where the text puts them ---------------------------------------------------


@pytest.mark.parametrize(("latest", "deadline_day"), [(1, 2), (2, 3)])
def test_a_start_put_off_is_caught_the_day_after_its_latest_day(
    latest: int, deadline_day: int
) -> None:
    never = exact(begin_weight=0, withdrawal_start_latest_day=latest)
    assert days_of(never, "withdrawal_start_missed") == {deadline_day}
    assert never.ending("package_implemented").probability == 0


def test_a_withdrawal_that_never_ends_is_caught_on_day_14_of_the_ceasefire() -> None:
    never = exact(withdraw_weight=0)
    assert days_of(never, "withdrawal_not_completed_in_time") == {14}
    assert never.ending("package_implemented").probability == 0
    # Under the account counting the 14 days from the start, 14 days after each start day
    # (the start is on day 0 or day 1, its latest day).
    from_start = exact(withdraw_weight=0, withdrawal_days_from_start=True)
    assert days_of(from_start, "withdrawal_not_completed_in_time") == {14, 15}


def test_an_exchange_never_made_is_caught_on_day_6_after_the_withdrawal() -> None:
    # Kept timetable but no exchange: the withdrawal starts on day 0 and its three classes of 4
    # days end on day 12, so the exchange is overdue on day 18.
    never = exact(**{**KEPT, "exchange_weight": 0})
    assert days_of(never, "exchange_not_completed_in_time") == {12 + 6}
    assert never.ending("exchange_not_completed_in_time").probability == 1
    fixed = exact(**{**KEPT, "exchange_weight": 0, "exchange_by_fixed_day": True})
    assert days_of(fixed, "exchange_not_completed_in_time") == {19}


def test_a_rada_that_never_acts_is_caught_on_day_28() -> None:
    never = exact(**{**KEPT, "rada_chance": 0})
    assert days_of(never, "rada_resolution_missed") == {28}
    assert never.ending("rada_resolution_missed").probability == 1


def test_the_end_of_2015_deadlines_fire_on_1_january_2016() -> None:
    no_reform = exact(**{**KEPT, "reform_weight": 0})
    assert days_of(no_reform, "reform_not_in_force_by_end_of_2015") == {END_OF_2015 + 1}
    assert no_reform.ending("reform_not_in_force_by_end_of_2015").probability == 1
    no_elections = exact(**{**KEPT, "elections_weight": 0})
    assert days_of(no_elections, "border_control_not_restored_by_end_of_2015") == {END_OF_2015 + 1}
    assert no_elections.ending("border_control_not_restored_by_end_of_2015").probability == 1


def test_a_timetable_kept_implements_the_package_within_2015() -> None:
    kept = exact(**KEPT)
    assert kept.ending("package_implemented").probability == 1
    assert max(days_of(kept, "package_implemented")) <= END_OF_2015


# --- accounts of disputed terms ---------------------------------------------------------------


def test_when_the_dialogue_begins_changes_no_probability() -> None:
    # The dialogue on elections begins on day 1 of the withdrawal or the day after it: either
    # way before any meeting can agree on elections, so no outcome's odds or days change.
    annex, translations = exact(), exact(dialogue_on_withdrawal_start=False)
    assert annex.endings == translations.endings
    assert annex.states != translations.states  # the run does differ: the dialogue's day


def test_the_accounts_of_the_deadlines_move_the_odds_the_right_way() -> None:
    default = exact()
    later_start = exact(withdrawal_start_latest_day=2)
    p = "withdrawal_start_missed"
    assert later_start.ending(p).probability < default.ending(p).probability
    from_start = exact(withdrawal_days_from_start=True)
    q = "withdrawal_not_completed_in_time"
    assert from_start.ending(q).probability < default.ending(q).probability


def test_every_account_checks_clean_with_its_expected_findings() -> None:
    for params in (
        {},
        {"withdrawal_start_latest_day": 2, "withdrawal_days_from_start": True},
        {"dialogue_on_withdrawal_start": False, "exchange_by_fixed_day": True},
    ):
        result = check(scenario(), params)
        assert result.clean, [(f.kind, f.target) for f in result.findings if f.expected is None]
        kinds = {f.kind for f in result.findings}
        assert "invariant_violated" not in kinds and "deadlock" not in kinds


# --- invariants hold, and would catch a broken encoding ---------------------------------------


def _mutated(old: str, new: str) -> Scenario:
    text = PATH.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    return load_text(text.replace(old, new), base_dir=PATH.parent)


def test_withdrawing_without_the_osce_breaks_an_invariant() -> None:
    broken = _mutated("      osce_monitoring: true\n", "      osce_monitoring: false\n")
    found = {(f.kind, f.target) for f in check(broken).findings}
    assert ("invariant_violated", "osce_monitors_from_day_1_of_the_withdrawal") in found


def test_completing_the_border_before_the_reform_breaks_an_invariant() -> None:
    broken = _mutated(
        "guard: day % meeting_every_days == 0 and local_elections_held and reform_in_force\n",
        "guard: day % meeting_every_days == 0 and local_elections_held\n",
    )
    found = {(f.kind, f.target) for f in check(broken).findings}
    assert ("invariant_violated", "border_after_the_settlement") in found


@pytest.mark.parametrize("annex", [True, False])
def test_after_the_verified_withdrawal_the_zone_is_140_km_and_the_dialogue_has_begun(
    annex: bool,
) -> None:
    from model.analysis.explore import explore

    graph = explore(scenario(), {"dialogue_on_withdrawal_start": annex})
    names = scenario().variable_names
    table = {t.id: t for t in scenario().spec.tables}["zone_width_km"]
    assert {int(k): v for k, v in table.rows.items()} == {1: 50, 2: 70, 3: 140}
    seen = set()
    for key in graph.node_keys:
        state = graph.states[key[0]]
        values = dict(zip(names, key[1], strict=True))
        if state in ("exchange_completed", "political_process"):
            seen.add(state)
            assert values["classes_withdrawn"] == 3 and values["osce_monitoring"]
            assert values["election_dialogue_started"] and values["detainees_exchanged"]
        if state == "withdrawal_under_way":
            assert values["election_dialogue_started"] == annex
    assert seen == {"exchange_completed", "political_process"}


# --- exact and Monte Carlo agree ---------------------------------------------------------------


def test_monte_carlo_intervals_cover_the_exact_probabilities() -> None:
    pairs = []
    for params in ({}, {"withdrawal_days_from_start": True, "exchange_by_fixed_day": True}):
        truth = analyse_scenario(scenario(), params)
        for seed in range(3):
            mc = monte_carlo(scenario(), params, runs=400, seed=seed)
            pairs += _pairs("minsk_ii", truth, mc)
    _check_coverage(pairs, minimum=30)
    assert exact().ending("package_implemented").probability > Fraction(1, 3)


# --- provenance --------------------------------------------------------------------------------


def test_every_point_is_cited_or_named_in_the_summary_as_not_modelled() -> None:
    (doc,) = [d for d in trace([scenario()]).documents if d.source.id == "minsk2"]
    assert doc.source.sections == tuple(f"point {n}" for n in range(1, 14))
    assert doc.uncited_sections == ("point 5", "point 7", "point 8", "point 10")
    summary = yaml.safe_load(PATH.read_text(encoding="utf-8"))["summary"]
    assert "Points 5, 7, 8 and 10 set no date and no condition" in " ".join(summary.split())
    # Every element rests on a citation or an assumption, none on a stored text.
    assert all(e.quote is None for e in doc.elements)
