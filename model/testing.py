"""Property-test any scenario with Hypothesis: one stateful-test rule per transition.

`state_machine` turns a scenario into a Hypothesis ``RuleBasedStateMachine``. Hypothesis then
fires random sequences of enabled events through the engine (`model.semantics.engine.Run`),
checks the scenario's invariants and variable bounds after every step and, when a step breaks
one, shrinks the run to a short sequence of events that still breaks it. In your own test file::

    from model.testing import state_machine
    TestMyScenario = state_machine("scenarios/my_scenario.yaml").TestCase

pytest (or unittest) then runs it with the active Hypothesis profile (a relative path is
read from the directory pytest runs in; a loaded `Scenario` works too). A failure names the
transition, the rule it broke and the events that led there; Hypothesis prints the same
events as ``state.fire_<transition>()`` calls. `run_state_machine` does the same from a
function, e.g. with explicit ``settings``.

Each transition becomes a rule ``fire_<name>`` (``release_batch_from_gaza[8]`` becomes
``fire_release_batch_from_gaza_8``) that runs only while the engine lists it in
``run.enabled()``. Each scenario invariant becomes an ``@invariant`` ``invariant_<id>`` and the
integer bounds one more, ``bounds_hold``; they re-evaluate the compiled expressions on the
current values, independently of the engine's own check inside ``Run.fire``.

Hypothesis stops a test with "No progress can be made" when no rule can run, so a run that
reaches an outcome, gets stuck or hits the horizon has one more rule, ``idle``, enabled only
then: it does nothing, and shrinking removes it from any failing example.

Hypothesis picks among the enabled rules uniformly, not by the scenario's weights, so runs of
a scenario with early exits (a walkout in the talks) rarely get far. Switch such transitions
off through a weight or chance parameter set to 0, e.g. ``state_machine(s, {"walkout_chance": 0})``.
Hypothesis's own random switching-off of rules ("swarm testing") is disabled here because it
made shrinking unreliable (see `_all_rules_on`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from hypothesis import currently_in_test_context, event, target
from hypothesis import settings as Settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from hypothesis.strategies import just

from model.base.errors import RunError
from model.scenario.compiled import DAYS, CompiledTransition, ParamValue, Scenario
from model.scenario.expr import Compiled
from model.scenario.loader import load
from model.semantics.engine import Run

__all__ = ["ScenarioMachine", "ScenarioRunFailed", "run_state_machine", "state_machine"]


class ScenarioRunFailed(AssertionError):
    """A generated run broke a rule of the scenario (reported by Hypothesis as the failure).

    ``events`` are the transitions fired from the start, ending with ``transition`` when a
    step failed; ``error`` is the engine's `RunError`, when the engine raised one.
    """

    def __init__(
        self,
        message: str,
        events: tuple[str, ...],
        transition: str | None = None,
        error: RunError | None = None,
    ) -> None:
        self.events, self.transition, self.error = events, transition, error
        trail = ", ".join(events) or "none"
        super().__init__(f"{message}\n  events from the start: {trail}")


class ScenarioMachine(RuleBasedStateMachine):
    """Base of the generated machines: one `Run` per generated test case, in ``self.run``.

    Not used directly: `state_machine` subclasses it with the scenario's rules and invariants.
    """

    scenario: ClassVar[Scenario]
    params: ClassVar[dict[str, ParamValue]]

    def __init__(self) -> None:
        super().__init__()
        _all_rules_on(self)
        self.events: list[str] = []  # names of the transitions fired so far
        try:
            self.run = Run(self.scenario, self.params)
        except RunError as exc:
            raise ScenarioRunFailed(
                f"the start of the run is invalid: {exc}", (), None, exc
            ) from exc
        self._enabled = self._enabled_now(None)
        self._furthest = self._stage_reached()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(state={self.run.state!r}, day={self.run.day})"

    def _enabled_now(self, after: str | None) -> frozenset[int]:
        """Indices of the enabled transitions; computed once per step, read by preconditions."""
        try:
            return frozenset(e.index for e in self.run.enabled())
        except RunError as exc:
            where = f"after {after}" if after else "at the start"
            raise ScenarioRunFailed(
                f"{where}, working out which events can happen in state "
                f"{self.run.state!r} failed: {exc}",
                tuple(self.events),
                after,
                exc,
            ) from exc

    def _fire(self, t: CompiledTransition) -> None:
        """Fire ``t`` through the engine; a broken bound or invariant fails the test."""
        try:
            self.run.fire(t.index)
        except RunError as exc:
            raise ScenarioRunFailed(
                f"transition {t.name!r} failed in state {self.run.state!r} on day "
                f"{self.run.day}: {exc}",
                (*self.events, t.name),
                t.name,
                exc,
            ) from exc
        self.events.append(t.name)
        self._enabled = self._enabled_now(t.name)
        self._furthest = max(self._furthest, self._stage_reached())

    def _stage_reached(self) -> int:
        stage = self.run.stage
        return -1 if stage is None else self.scenario.stage_index(stage)

    def _fail(self, message: str) -> ScenarioRunFailed:
        after = f"after {self.events[-1]}" if self.events else "at the start"
        return ScenarioRunFailed(
            f"{message} {after} (state {self.run.state!r}, day {self.run.day}, "
            f"values {self.run.values})",
            tuple(self.events),
        )

    def _check_invariant(self, name: str, holds: Compiled) -> None:
        env = self.run.semantics.env(self.run.snapshot)
        try:
            ok = holds(env)
        except ZeroDivisionError as exc:
            raise self._fail(f"invariant {name!r} cannot be evaluated ({exc})") from exc
        if not ok:
            raise self._fail(f"invariant {name!r} is false")

    def teardown(self) -> None:
        """Ask Hypothesis to favour runs that reach later stages; count how runs end.

        ``target`` feeds Hypothesis's targeted phase; the endings appear in
        ``pytest --hypothesis-show-statistics``.
        """
        if currently_in_test_context():
            try:
                status: str = self.run.status
            except RunError:  # the failure itself is already being reported
                status = "error"
            event(f"run ended: {status} in {self.run.state}")
            if len(self.scenario.spec.stages) > 1:
                target(float(self._furthest), label="furthest stage reached")

    @invariant()
    def bounds_hold(self) -> None:
        """Every integer variable is within its declared ``min``/``max``."""
        values = self.run.values
        for name, (low, high) in self.scenario.bounds.items():
            value = values[name]
            if isinstance(value, int) and not isinstance(value, bool) and not low <= value <= high:
                raise self._fail(f"{name} = {value} is outside its bounds [{low}, {high}]")

    @precondition(lambda self: not self._enabled)
    @rule()
    def idle(self) -> None:
        """Nothing can happen (outcome, dead end or horizon): a step that does nothing.

        Hypothesis needs a runnable rule at every step and has no way to end a run early.
        """


def state_machine(
    scenario: Scenario | str | Path, params: Mapping[str, object] | None = None
) -> type[ScenarioMachine]:
    """A Hypothesis state machine class testing ``scenario`` (or the file at that path).

    ``params`` override parameter defaults as for `Run` (checked now, so a wrong name fails
    here). Use ``.TestCase`` for pytest/unittest, or `run_state_machine` to run it now.
    """
    if not isinstance(scenario, Scenario):
        scenario = load(scenario)
    values = scenario.parameters(params)
    namespace: dict[str, Any] = {
        "scenario": scenario,
        "params": values,
        "__module__": __name__,
        "__doc__": f"Stateful test of scenario {scenario.id!r} ({scenario.file}).",
        # Hypothesis keys its example database on the class; this tells scenarios and
        # parameter sets apart (the class has no source for it to hash).
        "_hypothesis_internal_add_digest": _digest(scenario, values),
    }
    for t in scenario.transitions:
        namespace[_unique(namespace, f"fire_{_identifier(t.name)}")] = _fire_rule(t)
    # Days passing with no event (a step of the time rules, docs/semantics.md), where it is one.
    namespace[_unique(namespace, "fire_days_pass")] = _fire_rule(scenario.transition(DAYS))
    for name, holds in scenario.invariants:
        namespace[_unique(namespace, f"invariant_{_identifier(name)}")] = _invariant(name, holds)
    class_name = "".join(p.capitalize() for p in _identifier(scenario.id).split("_")) + "Machine"
    machine = type(class_name, (ScenarioMachine,), namespace)
    machine.__qualname__ = class_name
    return machine


def run_state_machine(
    scenario: Scenario | str | Path,
    params: Mapping[str, object] | None = None,
    settings: Settings | None = None,
) -> None:
    """Run the stateful test of ``scenario`` now; raise the (shrunk) failure if one is found.

    Without ``settings``, uses the active Hypothesis profile (as ``.TestCase`` does), with no
    deadline and no health checks.
    """
    run_state_machine_as_test(state_machine(scenario, params), settings=settings)


def _fire_rule(t: CompiledTransition) -> Callable[..., None]:
    def fire(self: ScenarioMachine) -> None:
        self._fire(t)

    def is_enabled(self: ScenarioMachine) -> bool:
        return t.index in self._enabled

    fire.__name__ = fire.__qualname__ = f"fire_{_identifier(t.name)}"
    fire.__doc__ = f"Fire transition {t.name!r} ({t.trigger} by {t.actor}) through the engine."
    return precondition(is_enabled)(rule()(fire))


def _invariant(name: str, holds: Compiled) -> Callable[..., None]:
    def check(self: ScenarioMachine) -> None:
        self._check_invariant(name, holds)

    check.__name__ = check.__qualname__ = f"invariant_{_identifier(name)}"
    check.__doc__ = f"Scenario invariant {name!r} holds on the current values."
    return invariant()(check)


class _AllRulesOn:
    """Feature flags that never switch a rule off (see `_all_rules_on`)."""

    def is_enabled(self, name: object) -> bool:
        return True


def _all_rules_on(machine: RuleBasedStateMachine) -> None:
    """Turn off Hypothesis's swarm testing of rules, so failing runs shrink to a minimum.

    Hypothesis normally switches random subsets of rules off for each test case ("swarm
    testing"). The extra choices it draws for that got the shrinker stuck in about one run
    in six on tests/fixtures/testing/three_step_breach.yaml (e.g. 5 or 7 events instead of
    3); with every rule on it found the 3-event minimum every time. There is no setting for
    this, so it replaces an internal strategy; if Hypothesis renames it, nothing changes
    and tests/test_testing.py notices.
    """
    strategy = getattr(machine, "_rules_strategy", None)
    if strategy is not None and hasattr(strategy, "enabled_rules_strategy"):
        strategy.enabled_rules_strategy = just(_AllRulesOn())


def _identifier(name: str) -> str:
    return re.sub(r"\W+", "_", name).strip("_") or "unnamed"


def _unique(namespace: Mapping[str, object], name: str) -> str:
    candidate, n = name, 2
    while candidate in namespace or hasattr(ScenarioMachine, candidate):
        candidate, n = f"{name}_{n}", n + 1
    return candidate


def _digest(scenario: Scenario, params: Mapping[str, ParamValue]) -> bytes:
    key = json.dumps([scenario.file, scenario.id, sorted(params.items())])
    return hashlib.sha256(key.encode()).digest()
