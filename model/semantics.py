"""What one step of a scenario means, in one place.

A snapshot is the control state, every variable's value and the clock. A transition is
enabled when the run is in one of its source states, its guard is true, its weight is above
zero (a weight of 0 switches a transition off) and its duration does not take the clock past
the horizon. Effects are all evaluated on the values before the step, then assigned together
(as in TLA+); an integer leaving its bounds is an error naming the transition.

The `transitions` engine (model.engine) calls these functions from its conditions and
callbacks, and the explorer calls them directly, so both give one semantics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from random import Random

from .errors import EvaluationError, InvariantViolated, OutOfBounds
from .expr import Compiled, Value
from .scenario import CompiledTransition, ParamValue, Scenario


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The whole state of a run at one moment (hashable: the explorer's state key)."""

    state: str
    values: tuple[Value, ...]  # in the order of scenario.variable_names
    day: int
    stage_start: int

    @property
    def day_in_stage(self) -> int:
        return self.day - self.stage_start


class Semantics:
    """Step semantics of one scenario under fixed parameter values."""

    def __init__(self, scenario: Scenario, params: Mapping[str, ParamValue]) -> None:
        self.scenario = scenario
        self.params = dict(params)
        self.names = scenario.variable_names
        self.horizon = scenario.spec.horizon
        self._bounds = scenario.bounds
        self._by_source: dict[str, list[CompiledTransition]] = {}
        for t in scenario.transitions:
            for s in t.sources:
                self._by_source.setdefault(s, []).append(t)
        self._stage_days: dict[str | None, int | None] = {}
        for stage, f in scenario.stage_days.items():
            self._stage_days[stage] = None if f is None else self._int(f, self.params, stage)

    # -- environments ------------------------------------------------------------------------

    def env_stage_days(self, state: str) -> int | None:
        """The declared length of ``state``'s stage under these parameters, if it has one."""
        return self._stage_days.get(self.scenario.stage_of(state))

    def env(self, snap: Snapshot) -> dict[str, Value]:
        """Names an expression may read in ``snap``."""
        env: dict[str, Value] = dict(self.params)
        env.update(zip(self.names, snap.values))
        env["day"] = snap.day
        env["day_in_stage"] = snap.day_in_stage
        length = self.env_stage_days(snap.state)
        if length is not None:
            env["stage_days"] = length
        return env

    def initial(self) -> Snapshot:
        """The snapshot a run starts from; initial values are checked against bounds."""
        values = []
        for name, f in self.scenario.initial_values:
            v = f(self.params)
            self._check_bounds("the initial values", name, v)
            values.append(v)
        snap = Snapshot(self.scenario.spec.initial, tuple(values), 0, 0)
        self.check_invariants(snap, "the start")
        return snap

    # -- steps -------------------------------------------------------------------------------

    def candidates(self, state: str) -> list[CompiledTransition]:
        """Transitions leaving ``state``, in declaration order."""
        return self._by_source.get(state, [])

    def weight(self, t: CompiledTransition, env: Mapping[str, Value]) -> int:
        w = self._int(t.weight, env, f"transition {t.name}: weight")
        if w < 0:
            raise EvaluationError(f"transition {t.name}", f"weight is negative ({w})")
        return w

    def duration(self, t: CompiledTransition, env: Mapping[str, Value]) -> int:
        d = self._int(t.days, env, f"transition {t.name}: days")
        if d < 0:
            raise EvaluationError(f"transition {t.name}", f"duration is negative ({d} days)")
        return d

    def is_enabled(self, t: CompiledTransition, snap: Snapshot, env: Mapping[str, Value]) -> bool:
        if snap.state not in t.sources:
            return False
        if not _call(t.guard, env, f"transition {t.name}: guard"):
            return False
        return self.weight(t, env) > 0 and snap.day + self.duration(t, env) <= self.horizon

    def blocked_by_horizon(self, snap: Snapshot) -> bool:
        """True when some transition's guard holds but its duration passes the horizon."""
        env = self.env(snap)
        return any(
            _call(t.guard, env, f"transition {t.name}: guard")
            and self.weight(t, env) > 0
            and snap.day + self.duration(t, env) > self.horizon
            for t in self.candidates(snap.state)
        )

    def enabled(self, snap: Snapshot) -> list[tuple[CompiledTransition, int]]:
        """Enabled transitions with their weights, in declaration order."""
        env = self.env(snap)
        return [
            (t, self.weight(t, env))
            for t in self.candidates(snap.state)
            if self.is_enabled(t, snap, env)
        ]

    def apply(self, t: CompiledTransition, snap: Snapshot) -> Snapshot:
        """The snapshot after ``t`` fires in ``snap`` (``t`` must be enabled there)."""
        env = self.env(snap)
        values = dict(zip(self.names, snap.values))
        new = {
            name: _call(f, env, f"transition {t.name}: effect on {name}") for name, f in t.effects
        }
        for name, v in new.items():
            self._check_bounds(f"transition {t.name}", name, v)
        values.update(new)
        day = snap.day + self.duration(t, env)
        same_stage = self.scenario.stage_of(t.dest) == self.scenario.stage_of(snap.state)
        after = Snapshot(
            t.dest,
            tuple(values[n] for n in self.names),
            day,
            snap.stage_start if same_stage else day,
        )
        self.check_invariants(after, f"transition {t.name}")
        return after

    def check_invariants(self, snap: Snapshot, after: str) -> None:
        env = self.env(snap)
        for name, f in self.scenario.invariants:
            if not _call(f, env, f"invariant {name}"):
                raise InvariantViolated(name, after)

    def is_outcome(self, snap: Snapshot) -> bool:
        return self.scenario.outcome_of(snap.state) is not None

    # -- helpers -----------------------------------------------------------------------------

    def _check_bounds(self, where: str, name: str, value: Value) -> None:
        if name in self._bounds and not isinstance(value, bool):
            low, high = self._bounds[name]
            if not low <= int(value) <= high:
                raise OutOfBounds(where, name, int(value), low, high)

    @staticmethod
    def _int(f: Compiled, env: Mapping[str, Value], where: str | None) -> int:
        value = _call(f, env, str(where))
        assert isinstance(value, int) and not isinstance(value, bool)
        return value


def _call(f: Compiled, env: Mapping[str, Value], where: str) -> Value:
    try:
        return f(env)
    except ZeroDivisionError as exc:
        raise EvaluationError(where, str(exc)) from None


def weighted_choice(rng: Random, weights: Sequence[int]) -> int:
    """Index chosen with probability proportional to its (integer) weight.

    Integer arithmetic only (``randrange`` on the total), so a seed gives the same choices
    on every platform; the simulation fast path must use this same function.
    """
    total = sum(weights)
    if total <= 0:
        raise ValueError("no positive weight to choose from")
    r = rng.randrange(total)
    for i, w in enumerate(weights):
        if r < w:
            return i
        r -= w
    raise AssertionError("unreachable")  # pragma: no cover
