"""What one step of a scenario means, in one place.

A snapshot is the control state, every variable's value and the clock. A transition is
enabled when the run is in one of its source states, its guard is true, its weight is above
zero (a weight of 0 switches a transition off) and its duration does not take the clock past
the horizon. Effects are all evaluated on the values before the step, then assigned together
(as in TLA+); an integer leaving its bounds is an error naming the transition.

The `transitions` engine (model.semantics.engine) calls these functions from its conditions and
callbacks. The compiled transition table (model.semantics.table) computes the same steps fast
and hands every step that goes wrong back to them, so errors are built here alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from random import Random
from typing import TypeVar

from model.base.errors import EvaluationError, InvariantViolated, OutOfBounds, RunError, show_int
from model.base.limits import MAX_RUN_VALUE
from model.scenario import expr
from model.scenario.compiled import CompiledTransition, ParamValue, Scenario
from model.scenario.expr import Compiled, Value
from model.scenario.yamlsource import Path_

E = TypeVar("E", bound=RunError)


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
        spec = scenario.spec
        self._invariant_pos = {inv.id: i for i, inv in enumerate(spec.invariants)}
        self._variable_pos = {v.id: i for i, v in enumerate(spec.variables)}
        stage_pos = {st.id: i for i, st in enumerate(spec.stages)}
        self._stage_days: dict[str | None, int | None] = {}
        # A stage length that cannot be evaluated breaks the start: `initial` raises it, so
        # the checker and the analyses report it as they report any start that breaks a rule.
        self._start_error: RunError | None = None
        for stage, f in scenario.stage_days.items():
            self._stage_days[stage] = None
            if f is not None and self._start_error is None:
                path = ("stages", stage_pos[stage], "days")
                try:
                    self._stage_days[stage] = self._int(
                        f, self.params, f"stage {stage}: days", path
                    )
                except RunError as exc:
                    self._start_error = exc

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
        if self._start_error is not None:
            raise self._start_error
        values = []
        for name, f in self.scenario.initial_values:
            path = ("variables", self._variable_pos[name], "initial")
            v = self._call(f, self.params, f"variable {name}: initial", path)
            self._check_bounds("the initial values", name, v, path)
            values.append(v)
        snap = Snapshot(self.scenario.spec.initial, tuple(values), 0, 0)
        self.check_invariants(snap, "the start")
        return snap

    # -- steps -------------------------------------------------------------------------------

    def candidates(self, state: str) -> list[CompiledTransition]:
        """Transitions leaving ``state``, in declaration order."""
        return self._by_source.get(state, [])

    def weight(self, t: CompiledTransition, env: Mapping[str, Value]) -> int:
        path = ("transitions", t.index, "weight")
        w = self._int(t.weight, env, f"transition {t.name}: weight", path)
        if w < 0:
            raise self.negative(t, "weight", w)
        return w

    def duration(self, t: CompiledTransition, env: Mapping[str, Value]) -> int:
        path = ("transitions", t.index, "days")
        d = self._int(t.days, env, f"transition {t.name}: days", path)
        if d < 0:
            raise self.negative(t, "days", d)
        return d

    def guard(self, t: CompiledTransition, env: Mapping[str, Value]) -> bool:
        """Whether the guard and every requirement of ``t`` hold."""
        try:
            return bool(t.guard(env))
        except ZeroDivisionError as exc:
            raise self.guard_error(t, env, exc) from None

    def guard_error(
        self, t: CompiledTransition, env: Mapping[str, Value], exc: ArithmeticError
    ) -> EvaluationError:
        """The error of a guard that raised, placed at the condition that raised it."""
        conditions: list[tuple[Path_, str | bool | int]] = [(("guard",), t.spec.guard)]
        conditions += [(("requires", j, "holds"), r.holds) for j, r in enumerate(t.spec.requires)]
        field: Path_ = ("guard",)
        if len(conditions) > 1:  # find which one (only on this error path)
            for where, text in conditions:
                try:
                    expr.compile_expr(expr.parse(expr.text_of(text)))(env)
                except ArithmeticError:
                    field = where
                    break
        err = EvaluationError(f"transition {t.name}: guard", str(exc))
        return self.located(err, ("transitions", t.index, *field))

    def negative(self, t: CompiledTransition, what: str, value: int) -> EvaluationError:
        """The error of a negative weight or duration (``what``: "weight" or "days")."""
        if what == "weight":
            message = f"weight is negative ({value})"
        else:
            message = f"duration is negative ({value} days)"
        return self.located(
            EvaluationError(f"transition {t.name}", message), ("transitions", t.index, what)
        )

    def located(self, err: E, path: Path_) -> E:
        """``err`` with its `Problem` at ``path`` of the scenario file (returned for raising)."""
        message = str(err)
        if isinstance(err, EvaluationError):
            message = (
                f"cannot be evaluated at run time: {err.detail}; make the expression defined "
                "for every value it can meet (`python -m model.check` shows the steps that "
                "lead there)"
            )
        err.problem = self.scenario.document.problem(path, message)
        return err

    def is_enabled(self, t: CompiledTransition, snap: Snapshot, env: Mapping[str, Value]) -> bool:
        if snap.state not in t.sources:
            return False
        if not self.guard(t, env):
            return False
        return self.weight(t, env) > 0 and snap.day + self.duration(t, env) <= self.horizon

    def blocked_by_horizon(self, snap: Snapshot) -> bool:
        """True when some transition's guard holds but its duration passes the horizon."""
        env = self.env(snap)
        return any(
            self.guard(t, env)
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
            name: self._call(
                f,
                env,
                f"transition {t.name}: effect on {name}",
                ("transitions", t.index, "effects", name),
            )
            for name, f in t.effects
        }
        for name, v in new.items():
            self._check_bounds(
                f"transition {t.name}", name, v, ("transitions", t.index, "effects", name)
            )
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
            path = ("invariants", self._invariant_pos[name], "holds")
            if not self._call(f, env, f"invariant {name}", path):
                raise self.located(InvariantViolated(name, after), path)

    def is_outcome(self, snap: Snapshot) -> bool:
        return self.scenario.outcome_of(snap.state) is not None

    # -- helpers -----------------------------------------------------------------------------

    def _check_bounds(self, where: str, name: str, value: Value, path: Path_) -> None:
        if name in self._bounds and not isinstance(value, bool):
            low, high = self._bounds[name]
            if not low <= int(value) <= high:
                raise self.located(OutOfBounds(where, name, int(value), low, high), path)

    def _call(self, f: Compiled, env: Mapping[str, Value], where: str, path: Path_) -> Value:
        try:
            return f(env)
        except ZeroDivisionError as exc:
            raise self.located(EvaluationError(where, str(exc)), path) from None

    def _int(self, f: Compiled, env: Mapping[str, Value], where: str, path: Path_) -> int:
        """An integer expression's value, refused above `MAX_RUN_VALUE`."""
        value = self._call(f, env, where, path)
        assert isinstance(value, int) and not isinstance(value, bool)
        if abs(value) > MAX_RUN_VALUE:
            raise self.located(EvaluationError(where, too_large(value)), path)
        return value


def too_large(value: int) -> str:
    """The message for a weight or length beyond `MAX_RUN_VALUE`."""
    return (
        f"{show_int(value)} is beyond the limit of run-time values (MAX_RUN_VALUE = "
        f"10^{len(str(MAX_RUN_VALUE)) - 1} in model/base/limits.py)"
    )


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
