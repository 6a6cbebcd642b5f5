"""The engine: a real `transitions` machine, the notebook API, and the step semantics."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS
from hypothesis import given
from hypothesis import strategies as st
from test_loader_errors import MINIMAL
from transitions import Machine

from model.base.errors import EvaluationError, OutOfBounds, RunError
from model.scenario.loader import load, load_text
from model.semantics.engine import DAYS_PASS, Run

DEFAULT = ROOT / "scenarios" / "cairo_three_stage_truce.yaml"


def tiny(text: str) -> Run:
    return Run(load_text(text, "tiny.yaml"))


def test_run_is_driven_by_a_transitions_machine() -> None:
    run = Run(load(DEFAULT))
    machine = run._machine
    assert isinstance(machine, Machine)
    assert set(machine.states) == {s.id for s in run.scenario.spec.states}
    triggers = {t.trigger for t in run.scenario.spec.transitions}
    assert set(machine.events) == triggers | {DAYS_PASS}
    run.fire("israel_accepts_framework")
    run.fire("hamas_accepts_framework")
    run.fire("truce_begins")
    assert run.state == "stage_1_in_force" == run.snapshot.state
    assert run.stage == "stage_1"


def test_enabled_events_list_actors_and_fire_records_history() -> None:
    run = Run(load(DEFAULT))
    enabled = {e.trigger: e.actor for e in run.enabled()}
    assert enabled == {
        "israel_accepts_framework": "israel",
        "hamas_accepts_framework": "hamas",
        "consultations_continue": "mediators",
        "israel_leaves_talks": "israel",
        "hamas_leaves_talks": "hamas",
    }
    step = run.fire("consultations_continue")
    assert (step.before.day, step.after.day) == (0, 2)  # "within 48 hours"
    step = run.fire("israel_accepts_framework")
    assert step.changes == {"israel_accepts": (False, True)}
    assert [s.event.trigger for s in run.history] == [
        "consultations_continue",
        "israel_accepts_framework",
    ]
    assert "israel_accepts_framework" not in {e.trigger for e in run.enabled()}


def test_firing_a_disabled_event_is_refused_and_changes_nothing() -> None:
    run = Run(load(DEFAULT))
    with pytest.raises(ValueError, match="'truce_begins' is not enabled in state 'negotiating'"):
        run.fire("truce_begins")
    assert run.history == [] and run.state == "negotiating"


def test_ambiguous_trigger_must_be_chosen_by_event() -> None:
    text = MINIMAL.replace("    assumption: test\n", "    assumption: test\n", 1) + (
        "  - trigger: release\n    source: talking\n    dest: talking\n    actor: israel\n"
        "    assumption: test\n"
    )
    run = tiny(text)
    with pytest.raises(ValueError, match="matches 2 enabled transitions"):
        run.fire("release")
    loop = next(e for e in run.enabled() if e.dest == "talking")
    run.fire(loop)
    assert run.state == "talking" and run.history[0].event.name == "release[1]"


def test_out_of_bounds_effect_names_transition_and_values() -> None:
    run = tiny(MINIMAL.replace("hostages_held - 1", "hostages_held + 1"))
    with pytest.raises(OutOfBounds) as info:
        run.fire("release")
    assert str(info.value) == (
        "transition release: hostages_held would become 134, outside its bounds [0, 133]"
    )
    assert run.state == "talking" and run.values["hostages_held"] == 133
    assert run.status == "error"


def test_division_by_zero_names_the_transition() -> None:
    run = tiny(MINIMAL.replace("hostages_held - 1", "hostages_held // (hostages_held - 133)"))
    with pytest.raises(EvaluationError, match="transition release: effect on hostages_held"):
        run.fire("release")


def test_effects_are_simultaneous() -> None:
    text = MINIMAL.replace(
        "states:",
        "  - id: other\n    type: int\n    min: 0\n    max: 133\n    initial: 1\n"
        "    assumption: test\nstates:",
    ).replace(
        "      hostages_held: hostages_held - 1",
        "      hostages_held: other\n      other: hostages_held",
    )
    run = tiny(text)
    run.fire("release")
    assert run.values == {"hostages_held": 1, "other": 133}


def test_horizon_disables_long_steps() -> None:
    run = tiny(MINIMAL.replace("    guard: hostages_held > 0\n", "    days: 31\n"))
    assert run.enabled() == [] and run.status == "horizon"
    run = tiny(MINIMAL.replace("    guard: hostages_held > 0\n", "    days: 30\n"))
    run.fire("release")
    assert run.day == 30 and run.status == "outcome"


def test_weight_zero_disables_and_stuck_is_reported() -> None:
    run = tiny(MINIMAL.replace("    guard: hostages_held > 0\n", "    weight: 0\n"))
    assert run.enabled() == [] and run.status == "stuck"


def test_day_in_stage_restarts_when_the_stage_changes() -> None:
    run = Run(load(DEFAULT))
    run.fire("consultations_continue")
    run.fire("israel_accepts_framework")
    run.fire("hamas_accepts_framework")
    run.fire("truce_begins")
    env = run.semantics.env(run.snapshot)
    assert (env["day"], env["day_in_stage"], env["stage_days"]) == (2, 0, 42)


def _default_invariants_hold(run: Run) -> None:
    """The default scenario's invariants, written again in Python as an independent oracle."""
    v, p = run.values, run.params
    assert isinstance(p["prisoners_per_person"], int) and isinstance(p["held_at_start"], int)
    assert v["released_from_prisons"] <= p["prisoners_per_person"] * (
        p["held_at_start"] - int(v["held_in_gaza"])
    )
    assert v["return_north"] == "not_begun" or v["force_deployed"] is True
    assert v["israeli_deployment_north"] == "present" or v["return_north"] == "monitored"
    for name, (low, high) in run.scenario.bounds.items():
        assert low <= int(v[name]) <= high
    assert 0 <= run.day <= run.scenario.spec.horizon


@given(
    choices=st.lists(st.integers(0, 20), max_size=80),
    batch=st.integers(1, 133),
    ratio=st.integers(0, 100),
    stage1=st.integers(0, 133),
    interval=st.integers(1, 60),
)
def test_random_event_sequences_keep_bounds_and_invariants(
    choices: list[int], batch: int, ratio: int, stage1: int, interval: int
) -> None:
    params = {
        "batch_size": batch,
        "prisoners_per_person": ratio,
        "stage1_releases": stage1,
        "batch_interval_days": interval,
    }
    run = Run(load(DEFAULT), params)
    _default_invariants_hold(run)
    for choice in choices:
        events = run.enabled()
        if not events:
            break
        try:
            run.fire(events[choice % len(events)])
        except RunError as exc:  # pragma: no cover - a failure here is the bug we look for
            pytest.fail(f"{exc} after {[s.event.name for s in run.history]}")
        _default_invariants_hold(run)
        assert run.state == run.snapshot.state  # transitions' state and ours agree


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_play_is_deterministic_per_seed(path: Path) -> None:
    scenario = load(path)
    first, second = Run(scenario), Run(scenario)
    first.play(3)
    second.play(3)
    assert [s.event.index for s in first.history] == [s.event.index for s in second.history]
