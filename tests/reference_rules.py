"""The step semantics before issue 12 (decisions only), the base of the tests' reference.

`Rules` interprets a scenario's step rules on environment dicts (`model.scenario.expr`
closures), one transition at a time: the loop the `transitions` engine and the explorer ran on
before the compiled table (`model.semantics.table`) became the one step semantics of `model`.
Its decision-only answers (`is_enabled`, `blocked_by_horizon`) are the reference of the
table's per-transition answers (`Table.enables`, `Table.blocked`) where decisions are taken;
`reference_semantics.Semantics` adds the steps under the rules of time. Only the
wording and the places of its errors come from `model.semantics.errors`, so that both report a
failing step identically; which step fails, and which condition raises, this module decides
by its own evaluation.

Derived quantities are read from the environment here (`DerivedEnv`: each evaluated by its own
closure when an expression reads it), where the table inlines their trees at compile time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeVar

from model.base.errors import EvaluationError, InvariantViolated, OutOfBounds, RunError
from model.base.limits import MAX_RUN_VALUE
from model.scenario import expr
from model.scenario.compiled import CompiledTransition, ParamValue, Scenario
from model.scenario.expr import Compiled, Value
from model.scenario.yamlsource import Path_
from model.semantics.errors import derived_error, located, negative, too_large
from model.semantics.step import Snapshot

E = TypeVar("E", bound=RunError)


class Failed(ZeroDivisionError):
    """A derived quantity read from the environment failed: ``chain`` is the one read, then
    those it read in turn, down to the one whose expression raised ``cause``."""

    def __init__(self, chain: tuple[str, ...], cause: ZeroDivisionError) -> None:
        super().__init__(str(cause))
        self.chain, self.cause = chain, cause


class DerivedEnv(Mapping[str, Value]):
    """Parameters, variables and clock, and each derived quantity evaluated when read."""

    def __init__(self, values: dict[str, Value], derived: Mapping[str, Compiled]) -> None:
        self.values, self.derived = values, derived

    def __getitem__(self, name: str) -> Value:
        if name in self.values:
            return self.values[name]
        f = self.derived[name]
        try:
            value = f(self)
        except Failed as exc:
            raise Failed((name, *exc.chain), exc.cause) from None
        except ZeroDivisionError as exc:
            raise Failed((name,), exc) from None
        self.values[name] = value
        return value

    def __iter__(self) -> Iterator[str]:
        return iter({**self.values, **self.derived})

    def __len__(self) -> int:
        return len({**self.values, **self.derived})


class Rules:
    """Step semantics of one scenario under fixed parameter values: environments, guards,
    weights, effects and checks, and the decision-only steps."""

    def __init__(self, scenario: Scenario, params: Mapping[str, ParamValue]) -> None:
        self.scenario = scenario
        self.params = dict(params)
        self.names = scenario.variable_names
        # Without a horizon, runs go on until an outcome (the reference keeps the exact
        # clock: it is compared with the table on the snapshots it reaches).
        horizon = scenario.spec.horizon
        self.horizon = 10**12 if horizon is None else horizon
        self._bounds = scenario.bounds
        self._derived = dict(scenario.derived)
        self._by_source: dict[str, list[CompiledTransition]] = {}
        for t in scenario.transitions:
            for s in t.sources:
                self._by_source.setdefault(s, []).append(t)
        spec = scenario.spec
        self._invariant_pos = {inv.id: i for i, inv in enumerate(spec.invariants)}
        self._variable_pos = {v.id: i for i, v in enumerate(spec.variables)}
        self._stage_pos = {st.id: i for i, st in enumerate(spec.stages)}
        # The states that record the day they were entered: those with a scheduled event or
        # deadline timed by days in the state (after, every, within).
        self._records_entered = {
            s
            for t in scenario.transitions
            if t.due is not None and t.due[0] in ("after", "every")
            for s in t.sources
        }

    # -- environments ------------------------------------------------------------------------

    def stage_length(self, snap: Snapshot) -> int | None:
        """The declared length of ``snap``'s stage on its values (None: no length).

        Reading: evaluated for every snapshot, when its environment is built (so a length
        that cannot be evaluated breaks the start, or the step that reaches the snapshot).
        """
        stage = self.scenario.stage_of(snap.state)
        f = self.scenario.stage_days.get(stage) if stage is not None else None
        if f is None or stage is None:
            return None
        env: dict[str, Value] = dict(self.params)
        env.update(zip(self.names, snap.values))
        path = ("stages", self._stage_pos[stage], "days")
        return self._int(f, env, f"stage {stage}: days", path)

    def env(self, snap: Snapshot) -> DerivedEnv:
        """Names an expression may read in ``snap``."""
        env: dict[str, Value] = dict(self.params)
        env.update(zip(self.names, snap.values))
        env["day"] = snap.day
        env["day_in_stage"] = snap.day_in_stage
        state = next(s for s in self.scenario.spec.states if s.id == snap.state)
        env["state"] = state.id  # invariants and properties may name the state, stage, outcome
        env["stage"] = state.stage or "none"
        env["outcome"] = state.outcome or "none"
        length = self.stage_length(snap)
        if length is not None:
            env["stage_days"] = length
        return DerivedEnv(env, self._derived)

    def initial(self) -> Snapshot:
        """The snapshot a run starts from; initial values are checked against bounds."""
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
                    expr.compile_expr(expr.parse(expr.text_of(text)), self.scenario.tables)(env)
                except ArithmeticError as raised:
                    field, exc = where, raised
                    break
        if isinstance(exc, Failed):
            return derived_error(self.scenario, exc.chain, f"transition {t.name}: guard", exc.cause)
        err = EvaluationError(f"transition {t.name}: guard", str(exc))
        return self.located(err, ("transitions", t.index, *field))

    def negative(self, t: CompiledTransition, what: str, value: int) -> EvaluationError:
        return negative(self.scenario, t, what, value)

    def located(self, err: E, path: Path_) -> E:
        return located(self.scenario, err, path)

    def is_enabled(self, t: CompiledTransition, snap: Snapshot, env: Mapping[str, Value]) -> bool:
        if snap.state not in t.sources:
            return False
        if not self.guard(t, env):
            return False
        return self.weight(t, env) > 0 and snap.day + self.duration(t, env) <= self.horizon

    def blocked_by_horizon(self, snap: Snapshot) -> bool:
        """True when some decision's guard holds but its duration passes the horizon."""
        env = self.env(snap)
        return any(
            self.guard(t, env)
            and self.weight(t, env) > 0
            and snap.day + self.duration(t, env) > self.horizon
            for t in self.candidates(snap.state)
            if t.kind == "decision"
        )

    def check_invariants(self, snap: Snapshot, after: str) -> None:
        env = self.env(snap)
        for name, f in self.scenario.invariants:
            path = ("invariants", self._invariant_pos[name], "holds")
            if not self._call(f, env, f"invariant {name}", path):
                raise self.located(InvariantViolated(name, after), path)

    def is_outcome(self, snap: Snapshot) -> bool:
        return self.scenario.outcome_of(snap.state) is not None

    def _effects(self, t: CompiledTransition, snap: Snapshot) -> tuple[Value, ...]:
        """The values after ``t``'s effects, all evaluated on ``snap``'s values, bounds checked."""
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
        return tuple(values[n] for n in self.names)

    # -- helpers -----------------------------------------------------------------------------

    def _check_bounds(self, where: str, name: str, value: Value, path: Path_) -> None:
        if name in self._bounds and not isinstance(value, bool):
            low, high = self._bounds[name]
            if not low <= int(value) <= high:
                raise self.located(OutOfBounds(where, name, int(value), low, high), path)

    def _call(self, f: Compiled, env: Mapping[str, Value], where: str, path: Path_) -> Value:
        try:
            return f(env)
        except Failed as exc:
            raise derived_error(self.scenario, exc.chain, where, exc.cause) from None
        except ZeroDivisionError as exc:
            raise self.located(EvaluationError(where, str(exc)), path) from None

    def _int(self, f: Compiled, env: Mapping[str, Value], where: str, path: Path_) -> int:
        """An integer expression's value, refused above `MAX_RUN_VALUE`."""
        value = self._call(f, env, where, path)
        assert isinstance(value, int) and not isinstance(value, bool)
        if abs(value) > MAX_RUN_VALUE:
            raise self.located(EvaluationError(where, too_large(value)), path)
        return value
