"""model.testing: every scenario as a Hypothesis state machine, and shrunk failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, SCENARIOS
from hypothesis import seed, settings
from hypothesis.errors import InvalidDefinition
from hypothesis.stateful import run_state_machine_as_test
from test_loader_errors import MINIMAL

from model.base.errors import EvaluationError, InvariantViolated, OutOfBounds
from model.scenario.compiled import DAYS, ParameterError, Scenario
from model.scenario.loader import load, load_text
from model.semantics.table import Table
from model.testing import ScenarioMachine, ScenarioRunFailed, run_state_machine, state_machine

CAIRO = ROOT / "scenarios" / "cairo_three_stage_truce.yaml"
FIXTURES = ROOT / "tests" / "fixtures" / "testing"
BREACH = FIXTURES / "three_step_breach.yaml"
BREACH_EVENTS = ("draft_agreed", "text_signed", "breach_reported")
OUT_OF_BOUNDS = FIXTURES / "out_of_bounds.yaml"

# The two lines a user writes in their own test file; pytest collects and runs the class.
# (Runs of this fixture stop after at most two events: an outcome, a dead end, the horizon.)
TestDeadEnd = state_machine(FIXTURES / "dead_end.yaml").TestCase

# For failing scenarios: no example database, so each test shrinks from scratch; a fixed
# seed keeps the run (and its time) the same every time.
FIND = settings(max_examples=200, database=None, deadline=None, report_multiple_bugs=False)


def failure(scenario: Path | Scenario, seed_value: int = 0) -> ScenarioRunFailed:
    machine = seed(seed_value)(state_machine(scenario))
    with pytest.raises(ScenarioRunFailed) as info:
        run_state_machine_as_test(machine, settings=FIND)
    return info.value


def reported_steps(exc: BaseException) -> list[str]:
    """The rule calls in Hypothesis's "Failing test case" report (invariant checks left out)."""
    notes = "\n".join(getattr(exc, "__notes__", []))
    return [line for line in notes.splitlines() if line.startswith("state.fire_")]


# -- (a) the shipped scenarios pass ----------------------------------------------------------


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_shipped_scenario_passes_its_state_machine(path: Path) -> None:
    # Settings of the active profile (tests/conftest.py), as `.TestCase` uses.
    run_state_machine_as_test(state_machine(load(path)))


def test_cairo_passes_through_all_three_stages_with_walkouts_switched_off() -> None:
    # Uniform choice among enabled rules rarely gets past the talks (a walk-out is one event
    # away); chances of 0 switch those exits off, so the later invariants get exercised.
    scenario = load(CAIRO)
    stages: set[str | None] = set()
    machine = state_machine(scenario, {"walkout_chance": 0, "breakdown_chance": 0})

    class Recording(machine):  # type: ignore[misc,valid-type]
        def teardown(self) -> None:
            stages.update(scenario.stage_of(step.after.state) for step in self.run.history)
            super().teardown()

    run_state_machine_as_test(Recording)
    assert scenario.spec.stages[-1].id in stages


def test_one_rule_per_transition_and_one_invariant_per_invariant() -> None:
    scenario = load(CAIRO)
    setup = state_machine(scenario).setup_state()
    rules = {r.function.__name__ for r in setup.rules}
    # `release_batch_from_gaza[11]` (a trigger shared by two transitions) -> `..._gaza_11`
    expected = {
        f"fire_{t.trigger}_{t.index}" if "[" in t.name else f"fire_{t.name}"
        for t in scenario.transitions
    }
    assert any("[" in t.name for t in scenario.transitions)
    assert rules == expected | {"idle", "fire_days_pass"}
    assert all(name.isidentifier() for name in rules)
    invariants = {i.function.__name__ for i in setup.invariants}
    assert invariants == {"bounds_hold"} | {f"invariant_{name}" for name, _ in scenario.invariants}


# -- (b) a broken invariant shrinks to the three events that break it ------------------------


@pytest.mark.parametrize("seed_value", [0, 1, 2])
def test_shrinks_to_the_three_events_that_break_the_invariant(seed_value: int) -> None:
    exc = failure(BREACH, seed_value)
    assert exc.events == BREACH_EVENTS
    assert exc.transition == "breach_reported"
    assert isinstance(exc.error, InvariantViolated) and exc.error.invariant == "never_breached"
    assert str(exc).startswith(
        "transition 'breach_reported' failed in state 'talking' on day 0: "
        "invariant 'never_breached' is false after transition breach_reported"
    )
    assert reported_steps(exc) == [f"state.fire_{name}()" for name in BREACH_EVENTS]


def test_invariants_are_checked_independently_of_the_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With the engine's own check switched off, the machine's @invariant still catches it.
    monkeypatch.setattr(Table, "check_invariants", lambda self, snap, after, state: None)
    exc = failure(BREACH)
    assert exc.events == BREACH_EVENTS
    assert exc.transition is None and exc.error is None
    assert str(exc).startswith("invariant 'never_breached' is false after breach_reported")


def test_swarm_testing_hook_is_still_there() -> None:
    # `_all_rules_on` replaces this Hypothesis internal; if it disappears, shrinking may get
    # stuck again on longer sequences (see model/testing.py).
    machine = state_machine(load(BREACH))()
    assert hasattr(machine._rules_strategy, "enabled_rules_strategy")


# -- (c) an out-of-bounds effect names the transition ----------------------------------------


def test_out_of_bounds_effect_names_the_transition() -> None:
    exc = failure(OUT_OF_BOUNDS)
    assert exc.events == ("double_release", "double_release")
    assert exc.transition == "double_release"
    assert isinstance(exc.error, OutOfBounds) and exc.error.variable == "released"
    assert str(exc).startswith(
        "transition 'double_release' failed in state 'talking' on day 0: transition "
        "double_release: released would become 4, outside its bounds [0, 3]"
    )
    assert reported_steps(exc) == ["state.fire_double_release()"] * 2


def test_bounds_are_checked_independently_of_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Table, "_check_bounds", lambda self, where, name, value, path: None)
    exc = failure(OUT_OF_BOUNDS)
    assert exc.events == ("double_release", "double_release")
    assert str(exc).startswith("released = 4 is outside its bounds [0, 3] after double_release")


# -- runs that stop, and other errors --------------------------------------------------------


def test_a_run_that_ends_in_an_outcome_after_one_event_passes() -> None:
    run_state_machine(load_text(MINIMAL, "tiny.yaml"))


def test_days_passing_is_a_rule_of_its_own() -> None:
    """Where time must pass (risks, scheduled days), the machine lets days pass: without
    that rule Hypothesis finds no runnable rule at the start of a scenario that opens by
    waiting for a scheduled day."""
    machine = state_machine(ROOT / "tests" / "fixtures" / "clock" / "open_talks.yaml")()
    assert machine._enabled == {DAYS}
    machine.fire_days_pass()
    assert machine.run.day == 2 and machine.events == ["days pass"]
    machine.fire_aid_handed_out()
    assert machine.run.values["aid_rounds"] == 1


def test_without_the_idle_rule_hypothesis_refuses_a_dead_end() -> None:
    # Why `idle` exists: Hypothesis stops with "No progress can be made" when no rule can run.
    # If this starts passing, Hypothesis has changed and `idle` may be unnecessary.
    machine = state_machine(load_text(MINIMAL, "tiny.yaml"))
    no_idle = type("NoIdle", (machine,), {"idle": None})
    with pytest.raises(InvalidDefinition, match="No progress can be made"):
        run_state_machine_as_test(no_idle, settings=FIND)


def test_an_expression_that_fails_after_a_step_names_the_step() -> None:
    text = MINIMAL.replace("dest: done", "dest: talking").replace(
        "guard: hostages_held > 0", "guard: 10 // (hostages_held - 132) >= 0"
    )
    exc = failure(load_text(text, "tiny.yaml"))
    assert exc.events == ("release",) and exc.transition == "release"
    assert isinstance(exc.error, EvaluationError)
    assert str(exc).startswith(
        "after release, working out which events can happen in state 'talking' failed: "
        "transition release: guard: division by zero"
    )


def test_parameters_are_applied_and_checked_when_the_class_is_built() -> None:
    machine: type[ScenarioMachine] = state_machine(CAIRO, {"batch_size": "20"})
    assert machine.params["batch_size"] == 20
    with pytest.raises(ParameterError, match="did you mean 'batch_size'"):
        state_machine(CAIRO, {"batch_sise": 20})
