"""The rules of time (docs/semantics.md, "The rules, precisely"): the compiled table, the
engine, the fast path, Monte Carlo's runner and the exact analysis against the tests'
independent reference (tests/reference_semantics.py), on generated scenarios with risks,
scheduled events, deadlines and activities, and on every shipped scenario.

Node by node (`time_reference.compare_table`): the same steps (label, days, next snapshot),
the same integer weights in the same order (so a seed draws the same run everywhere), the
same probabilities, the same located errors, the same ending where no step leaves. Run by
run (`time_reference.compare_runs`): the same trace, snapshot, status and error for a seed.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from conftest import ROOT, SCENARIOS
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_semantics import Semantics
from strategies import scenario_data
from time_reference import (
    TooLarge,
    compare_runs,
    compare_table,
    load_data,
    reference_endings,
    table_endings,
)

from model.scenario.loader import load
from model.semantics.table import Table

TIME = st.one_of(
    scenario_data(time=True),
    scenario_data(time=True, hazards=True),
    scenario_data(time=True, derived=True),
)


@settings(max_examples=300, deadline=None)
@given(TIME)
def test_table_matches_the_reference_on_generated_time_scenarios(data: dict[str, Any]) -> None:
    compare_table(load_data(data), 300)


@settings(max_examples=150, deadline=None)
@given(TIME, st.integers(0, 2**32))
def test_runs_match_the_reference_on_generated_time_scenarios(
    data: dict[str, Any], seed: int
) -> None:
    compare_runs(load_data(data), range(seed, seed + 4), 40)


@settings(max_examples=150, deadline=None)
@given(st.one_of(scenario_data(time=True), scenario_data(time=True, derived=True)))
def test_exact_analysis_matches_the_reference_on_generated_time_scenarios(
    data: dict[str, Any],
) -> None:
    scenario = load_data(data)
    try:
        want = reference_endings(scenario)
    except TooLarge:
        return
    assert table_endings(scenario) == want


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenarios_match_the_reference(path: Any) -> None:
    scenario = load(path)
    assert compare_table(scenario, 400) > 0
    compare_runs(scenario, range(6), 300)


def test_time_fixtures_match_the_reference() -> None:
    for path in sorted((ROOT / "tests" / "fixtures").rglob("*.yaml")):
        text = path.read_text()
        if not any(k in text for k in ("risk:", "schedule:", "deadline:")):
            continue
        try:
            scenario = load(path)
        except Exception:  # fixtures the loader refuses on purpose
            continue
        compare_table(scenario, 400)
        compare_runs(scenario, range(4), 200)


# -- the reference on its own: worked examples of docs/semantics.md -----------------------


def _scenario(transitions: list[dict[str, Any]], **extra: Any) -> Any:
    data: dict[str, Any] = {
        "id": "example",
        "title": "Example",
        "summary": "A worked example of docs/semantics.md.",
        "horizon": extra.pop("horizon", 60),
        "sources": [{"id": "seed", "file": "../seeds/000_fe535af938dae792.txt"}],
        "parties": [{"id": "p", "name": "P", "role": "party", "assumption": "example"}],
        "stages": [{"id": "s", "name": "S", "assumption": "example", **extra.pop("stage", {})}],
        "states": [
            {"id": "a", "stage": "s", "assumption": "example"},
            {"id": "b", "stage": "s", "assumption": "example"},
            {"id": "done", "outcome": "done", "assumption": "example"},
            {"id": "broken", "outcome": "broken", "assumption": "example"},
        ],
        "initial": "a",
        "transitions": [{"actor": "p", "assumption": "example", **t} for t in transitions],
        **extra,
    }
    return load_data(data)


def test_a_daily_risk_over_a_stage_example() -> None:
    scenario = _scenario(
        [
            {"trigger": "breakdown", "source": "a", "dest": "broken", "risk": {"in": 100}},
            {"trigger": "ends", "source": "a", "dest": "done", "schedule": {"at": "stage_days"}},
        ],
        stage={"days": 42},
    )
    got = reference_endings(scenario)
    assert got["outcome", "broken"][0] == 1 - Fraction(99, 100) ** 42
    assert got["outcome", "done"] == (Fraction(99, 100) ** 42, Fraction(42))
    sem = Semantics(scenario, {})
    steps, errors = sem.steps(sem.initial())
    assert not errors and [(label, p, d) for label, p, d, _ in steps] == [
        (0, Fraction(1, 100), 1),
        (-1, Fraction(99, 100), 1),
    ]


def test_an_activity_folds_its_quiet_days_and_its_arrival() -> None:
    # "Consultations continue within 48 hours" (days: 2), a walk-out risk of 1 in 50 a day.
    scenario = _scenario(
        [
            {"trigger": "consult", "source": "a", "dest": "b", "days": 2},
            {"trigger": "finish", "source": "b", "dest": "done"},
        ]
    )
    sem = Semantics(scenario, {})
    steps, _ = sem.steps(sem.initial())
    assert [(label, p, d, nxt.state, nxt.activity) for label, p, d, nxt in steps] == [
        (0, Fraction(1), 2, "b", None)  # one step of two days, as before the rules of time
    ]
    risky = _scenario(
        [
            {"trigger": "consult", "source": "a", "dest": "b", "days": 2},
            {"trigger": "finish", "source": "b", "dest": "done"},
            {"trigger": "walk_out", "source": "a", "dest": "broken", "risk": {"in": 50}},
        ]
    )
    assert reference_endings(risky)["outcome", "done"][0] == Fraction(49, 50) ** 2


def test_a_scheduled_self_loop_fires_once_a_day_and_every_counts_days_in_the_state() -> None:
    scenario = _scenario(
        [
            {
                "trigger": "release",
                "source": "a",
                "dest": "a",
                "schedule": {"every": 3},
                "effects": {"released": "released + 1"},
            },
            {"trigger": "ends", "source": "a", "dest": "done", "schedule": {"at": 9}},
        ],
        variables=[
            {"id": "released", "type": "int", "min": 0, "max": 10, "initial": 0, "assumption": "x"}
        ],
    )
    sem = Semantics(scenario, {})
    snap, labels = sem.initial(), []
    while not sem.is_outcome(snap):
        steps, errors = sem.steps(snap)
        assert not errors and len(steps) == 1
        label, _, _, snap = steps[0]
        labels.append((label, snap.day, snap.values, snap.fired))
    assert labels == [
        (-1, 3, (0,), 0),  # quiet days folded into one step
        (0, 6, (1,), 0),  # the release on day 3, then quiet days to day 6
        (0, 9, (2,), 0),
        (0, 9, (3,), 1),  # day 9: the release fires (and joins the fired set), then ends
        (1, 9, (3,), 0),
    ]


def test_a_scheduled_move_abandons_an_activity_and_a_deadline_counts_days_in_its_state() -> None:
    scenario = _scenario(
        [
            {"trigger": "consult", "source": "a", "dest": "done", "days": 3},
            {"trigger": "recess", "source": "a", "dest": "b", "schedule": {"at": 2}},
            {
                "trigger": "overdue",
                "source": "b",
                "dest": "broken",
                "guard": "not talks",
                "deadline": {"within": 4},
            },
            {
                "trigger": "talk",
                "source": "b",
                "dest": "b",
                "days": 1,
                "guard": "day > 4",
                "effects": {"talks": "true"},
            },
        ],
        variables=[{"id": "talks", "type": "bool", "initial": False, "assumption": "x"}],
    )
    sem = Semantics(scenario, {})
    snap, path = sem.initial(), []
    while not sem.is_outcome(snap):
        steps, errors = sem.steps(snap)
        assert not errors and len(steps) == 1
        label, _, days, snap = steps[0]
        path.append((label, days, snap.state, snap.day, snap.entered, snap.activity))
    assert path == [
        (0, 2, "a", 2, 0, (0, 1)),  # consultations under way, quiet days folded
        (1, 3, "b", 5, 2, None),  # the recess on day 2 abandons them; quiet to day 5
        (3, 1, "b", 6, 2, (3, 0)),  # talks (day > 4) start: 1 day, arriving on day 6, but...
        (2, 0, "broken", 6, 0, None),  # ...the deadline (4 days in b) is due first: breach
    ]


# -- the disagreements found between the table and the reference, as examples -------------


def test_a_timed_event_whose_guard_is_constant_false_is_still_pending() -> None:
    # "Pending": a scheduled event or deadline that can still become due with time, whatever
    # its guard; so days pass to day 1 (then the run is stuck), not stuck on day 0.
    scenario = _scenario(
        [{"trigger": "never", "source": "a", "dest": "a", "guard": "false", "deadline": {"by": 1}}],
        horizon=1,
    )
    assert reference_endings(scenario) == {("no_outcome", "stuck"): (Fraction(1), Fraction(1))}
    compare_table(scenario, 10)


def test_an_invariant_broken_by_days_passing_ends_an_engine_run_in_error() -> None:
    scenario = _scenario(
        [{"trigger": "ends", "source": "a", "dest": "done", "schedule": {"at": 2}}],
        invariants=[{"id": "early", "holds": "day < 1", "assumption": "example"}],
    )
    compare_table(scenario, 10)  # the table agrees: an error of the days passing (-1)
    compare_runs(scenario, range(2), 10)  # the engine must stop with it, not raise otherwise


@pytest.mark.parametrize(
    "timing",
    [{"schedule": {"at": "BIG"}}, {"deadline": {"within": "BIG"}}, {"risk": {"in": "BIG"}}],
    ids=["at", "within", "in"],
)
def test_the_fast_path_refuses_a_timing_beyond_max_run_value(timing: dict[str, Any]) -> None:
    big = "(1000000000000000 * 1000000000000000 * 2)"  # 2 * 10**30 > MAX_RUN_VALUE
    timing = {k: {f: big for f in v} for k, v in timing.items()}
    scenario = _scenario([{"trigger": "t", "source": "a", "dest": "a", **timing}], horizon=1)
    compare_table(scenario, 10)  # the careful path raises the limit's error: so must the fast
    compare_runs(scenario, range(2), 10)


def test_a_day_whose_risks_cannot_be_weighed_reports_every_failing_risk() -> None:
    # Found by CI (a fresh Hypothesis database): the reference lists the error of each risk of
    # the day; the table stopped at the first. Both risks fail here, one by its chance, one
    # by its guard.
    scenario = _scenario(
        [
            {"trigger": "r1", "source": "a", "dest": "broken", "risk": {"chance": 3, "in": 2}},
            {
                "trigger": "r2",
                "source": "a",
                "dest": "broken",
                "guard": "1 // (day - day) > 0",
                "risk": {"in": 2},
            },
        ]
    )
    table = Table(scenario)
    steps, errors = table.careful_successors(table.key(table.start()))
    assert steps == [] and [i for i, _ in errors] == [0, 1]
    compare_table(scenario, 5)
