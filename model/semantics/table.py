"""A scenario compiled into a transition table: the one step semantics of `model`.

A `Table` is a scenario compiled once under fixed parameters: for each control state, its
candidate transitions in declaration order, each with guard, weight, duration and effects
compiled (`model.semantics.compiler`) to closures over *positional slots*. A run's variables
and clock are one flat tuple ``x = (*values, day, day_in_stage)``; parameters and the state's
``stage_days`` are folded in as constants when the table is built, a derived quantity is
inlined where an expression reads it (it is no slot of ``x``), and a constant-false guard drops
its transition.

The step rules live here alone. A transition is enabled when the run is in one of its source
states, its guard is true, its weight is above zero (a weight of 0 switches a transition off)
and its duration does not take the clock past the horizon, evaluated in that order. Effects are
all evaluated on the values before the step, then assigned together (as in TLA+); bounds are
checked after every effect is evaluated, then invariants in order. A run starts from the
initial values (checked against bounds and invariants) on day 0.

Two paths compute the same steps:

- the **fast path**, `enabled` and `fire` (and `Table.successors`, every step out of a
  snapshot as flat tuples, `Successor` and `Key`): straight-line loops that raise `Slow` or
  `ArithmeticError` at the first sign of trouble. The explorer (`model.analysis.explore`) and
  Monte Carlo (`model.semantics.fastpath`) run on it.
- the **careful path** (`Table.events`, `Table.enables`, `Table.step`,
  `Table.careful_successors`): the same candidates evaluated one piece at a time (each
  condition of a guard, weight, duration, each effect, bound and invariant), raising the
  located `RunError` of the piece that fails (`model.semantics.errors`; a piece that fails
  inside a derived quantity is evaluated once more, tracing, to place the error there). A
  step the fast path gives up on is redone here, so errors are built in one place; the
  `transitions` engine (`model.semantics.engine`, the interactive runner) takes every step
  here.

The tests compare both with an independent interpreter of the same rules on environment dicts
(tests/reference_semantics.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from model.base.errors import EvaluationError, InvariantViolated, OutOfBounds, RunError
from model.base.limits import MAX_RUN_VALUE
from model.scenario import expr
from model.scenario.compiled import CompiledTransition, DerivedEnv, Scenario
from model.scenario.expr import Value
from model.scenario.yamlsource import Path_
from model.semantics.compiler import Compiler, Fn, Through, parse
from model.semantics.errors import (
    derived_error,
    evaluate,
    guard_conditions,
    guard_error,
    integer,
    located,
    negative,
)
from model.semantics.step import Snapshot


class Slow(Exception):
    """A fast loop hands a step to the careful path (`Table.listing`, `Table.step`,
    `Table.careful_successors`), which builds the error it raises."""


Key = tuple[int, tuple[Value, ...], int, int]
"""A snapshot as flat data: its control state's index (in the scenario's order of states), its
values, its day and the day its stage started. Equal keys are equal `Snapshot` objects."""

Successor = tuple[int, int, int, Key]
"""One step out of a snapshot: the transition's index, its weight, its days and the key of
the snapshot it leads to."""

Effect = tuple[int, Fn, int | None, int | None]
"""An effect: the slot it sets, its value, and an integer variable's bounds (low, high; or
None, None)."""

Candidate = tuple[
    int,  # 0: the transition's index in the scenario (as `Event.index`)
    Fn | None,  # 1: guard; None: always true
    int | None,  # 2: a constant weight, or None: call 3
    Fn,  # 3: weight (called only when 2 is None)
    int | None,  # 4: a constant duration (never negative), or None: call 5
    Fn,  # 5: duration (called only when 4 is None)
    tuple[Effect, ...],  # 6: effects, in declaration order
    int,  # 7: destination (control state index)
    bool,  # 8: the destination is in the same stage
]
"""A transition as it leaves one control state, compiled for that state's stage. A flat tuple
rather than a class (the one representation, for building and for running): the run loops
read it by position, without attribute lookups."""


def enabled(
    cands: tuple[Candidate, ...], x: Sequence[Any], limit: int
) -> tuple[list[tuple[Candidate, int, int]], bool]:
    """The enabled candidates of a snapshot ``x``, each with the cumulative weight up to it
    and its duration, and whether a duration passing ``limit`` (the days left before the
    horizon) blocked one.

    Guard, weight and duration are evaluated in that order; where the step rules make an error
    (an expression that cannot be evaluated, a negative or huge weight or duration) this
    raises `Slow` or `ArithmeticError`, and the caller asks the careful path (`Table.listing`)
    for the error. Both the memo graph and the direct loop (``memo=False``) of
    `model.semantics.fastpath` use it: inlining it there gained about 3%
    (bench/montecarlo.py), not worth two copies.
    """
    out: list[tuple[Candidate, int, int]] = []
    blocked = False
    total = 0
    for c in cands:
        guard = c[1]
        if guard is not None and not guard(x):
            continue
        w = c[2]
        if w is None:
            w = c[3](x)
        if w <= 0:
            if w < 0:
                raise Slow
            continue
        if w > MAX_RUN_VALUE:
            raise Slow
        d = c[4]
        if d is None:
            d = c[5](x)
            if d < 0:
                raise Slow
        if d > limit:
            if d > MAX_RUN_VALUE:
                raise Slow
            blocked = True
            continue
        total += w
        out.append((c, total, d))
    return out, blocked


def fire(
    found: Sequence[tuple[Candidate, int, int]],
    x: Sequence[Any],
    values: tuple[Value, ...],
    day: int,
    start: int,
    invariants: Sequence[tuple[str, Fn]],
) -> list[Successor]:
    """The step each of ``found`` (enabled candidates of snapshot ``x``, from `enabled`) takes:
    every effect evaluated on ``x``, bounds, then invariants.

    Where a step breaks a rule (an effect that cannot be evaluated, a bound or an invariant
    broken) this raises `Slow` or `ArithmeticError`, at the first sign of trouble, and the
    caller asks the careful path (`Table.step`) for the error, which follows the rules' order
    of checks.

    The explorer takes every enabled candidate of a snapshot (`Table.successors`); the memo
    graph and the direct loop of `model.semantics.fastpath` one at a time.
    """
    out: list[Successor] = []
    before = 0
    for c, cum, d in found:
        effects = c[6]
        if effects:
            new = list(values)
            for slot, f, low, high in effects:
                v = f(x)
                if low is not None and not low <= v <= high:
                    raise Slow
                new[slot] = v
            after = tuple(new)
        else:
            after = values
        day2 = day + d
        start2 = start if c[8] else day2
        if invariants:
            y = (*after, day2, day2 - start2)
            for _, f in invariants:
                if not f(y):
                    raise Slow
        out.append((c[0], cum - before, d, (c[7], after, day2, start2)))
        before = cum
    return out


class Table:
    """A scenario under fixed parameters, compiled: its candidates per state, its start, and
    the steps out of any snapshot (fast and careful)."""

    def __init__(self, scenario: Scenario, params: Mapping[str, object] | None = None) -> None:
        self.scenario = scenario
        self.params = scenario.parameters(params)
        spec = scenario.spec
        self.horizon = spec.horizon
        self.states: tuple[str, ...] = tuple(s.id for s in spec.states)
        self.stages: tuple[str, ...] = tuple(s.id for s in spec.stages)
        self.names = scenario.variable_names
        n = len(self.names)
        self._slots = {name: i for i, name in enumerate(self.names)} | {
            "day": n,
            "day_in_stage": n + 1,
        }
        self._state_index = {s: i for i, s in enumerate(self.states)}
        self._outcomes = tuple(scenario.outcome_of(s) for s in self.states)
        self._state_stages = tuple(scenario.stage_of(s) for s in self.states)
        stage_pos = {s: i for i, s in enumerate(self.stages)}
        self._stage_bits = tuple(
            1 << stage_pos[st] if st in stage_pos else 0 for st in self._state_stages
        )
        # A stage length that cannot be evaluated breaks the start: `start()` raises it, so
        # the checker and the analyses report it as they report any start that breaks a rule.
        self.start_error: RunError | None = None
        self._stage_days = self._stage_lengths()
        # Derived quantities as written: each compiler inlines them where they are read.
        derived = {d.id: parse(d.value) for d in spec.derived}
        tables = self.scenario.tables  # schedule tables: read by look-ups the compiler builds
        self._compilers: dict[str | None, Compiler] = {}
        for stage in self._state_stages:
            if stage not in self._compilers:
                consts: dict[str, Value] = dict(self.params)
                length = self._stage_days.get(stage)
                if length is not None:
                    consts["stage_days"] = length
                self._compilers[stage] = Compiler(self._slots, consts, derived, tables=tables)
        base = Compiler(self._slots, dict(self.params), derived, tables=tables)
        self._base = base
        self._derived_values = tuple((name, base.tree(expr.Name(name)).fn) for name in derived)
        self._invariants: tuple[tuple[str, Fn], ...] = tuple(
            (inv.id, base.text(inv.holds).fn) for inv in spec.invariants
        )
        # Without a start nothing is reached (and a stage's expressions may need the length
        # that failed): no candidates.
        self.table: tuple[tuple[Candidate, ...], ...] = tuple(
            () if self._outcomes[i] is not None or self.start_error else self._candidates(i)
            for i in range(len(self.states))
        )
        self._initial: Snapshot | None = None
        if self.start_error is None:
            try:
                self._initial = self._start()
            except RunError as exc:
                self.start_error = exc

    # -- building ------------------------------------------------------------------------

    def _stage_lengths(self) -> dict[str | None, int | None]:
        """Each stage's declared length under these parameters (None: none, or not
        evaluated because an earlier one failed: `start_error`)."""
        out: dict[str | None, int | None] = {}
        stage_pos = {s: i for i, s in enumerate(self.stages)}
        for stage, f in self.scenario.stage_days.items():
            out[stage] = None
            if f is not None and self.start_error is None:
                path = ("stages", stage_pos[stage], "days")
                try:
                    out[stage] = integer(
                        self.scenario, f, self.params, f"stage {stage}: days", path
                    )
                except RunError as exc:
                    self.start_error = exc
        return out

    def _candidates(self, state: int) -> tuple[Candidate, ...]:
        name = self.states[state]
        compiler = self._compilers[self._state_stages[state]]
        out = []
        for t in self.scenario.transitions:
            if name in t.sources:
                c = self._candidate(t, name, compiler)
                if c is not None:
                    out.append(c)
        return tuple(out)

    def _candidate(self, t: CompiledTransition, state: str, compiler: Compiler) -> Candidate | None:
        spec = t.spec
        conditions = (spec.guard, *(r.holds for r in spec.requires))
        trees = tuple(parse(c) for c in conditions)
        guard = compiler.tree(expr.BoolOp("and", trees) if len(trees) > 1 else trees[0])
        weight = compiler.text(spec.weight)
        days = compiler.text(spec.days)
        if guard.const and not guard.value:
            return None  # never enabled, and evaluating it cannot fail
        if weight.const and weight.value == 0 and not guard.raises:
            return None  # switched off; no duration is evaluated for it either
        bounds = self.scenario.bounds
        effects = tuple(
            (
                self._slots[name],
                compiler.text(spec.effects[name]).fn,
                *bounds.get(name, (None, None)),
            )
            for name, _ in t.effects
        )
        stage_of = self.scenario.stage_of
        # A negative constant duration (a parameter can make one) is left to the duration's
        # function, so that `enabled` checks it where it checks computed ones.
        constant_days = days.const and days.value >= 0
        return (
            t.index,
            None if guard.const else guard.fn,
            weight.value if weight.const else None,
            weight.fn,
            days.value if constant_days else None,
            days.fn,
            effects,
            self._state_index[t.dest],
            stage_of(t.dest) == stage_of(state),
        )

    def _start(self) -> Snapshot:
        """The initial snapshot; initial values are checked against bounds, then invariants."""
        variable_pos = {v.id: i for i, v in enumerate(self.scenario.spec.variables)}
        values = []
        for name, f in self.scenario.initial_values:
            path = ("variables", variable_pos[name], "initial")
            v = evaluate(self.scenario, f, self.params, f"variable {name}: initial", path)
            self._check_bounds("the initial values", name, v, path)
            values.append(v)
        self.check_invariants((*values, 0, 0), "the start")
        return Snapshot(self.scenario.spec.initial, tuple(values), 0, 0)

    # -- the start and snapshots -----------------------------------------------------------

    def start(self) -> Snapshot:
        """The snapshot a run starts from; raises the `RunError` of a start that breaks a rule
        (a stage length that cannot be evaluated, an initial value out of bounds, an invariant
        false), as ``Run(scenario, params)`` does."""
        if self._initial is None:
            assert self.start_error is not None
            raise self.start_error.with_traceback(None)  # raised again for each run
        return self._initial

    def key(self, snap: Snapshot) -> Key:
        return (self._state_index[snap.state], snap.values, snap.day, snap.stage_start)

    def snapshot(self, key: Key) -> Snapshot:
        state, values, day, start = key
        return Snapshot(self.states[state], values, day, start)

    @property
    def outcomes(self) -> tuple[str | None, ...]:
        """The outcome label of each control state (None: not an outcome), by index."""
        return self._outcomes

    def env_stage_days(self, state: str) -> int | None:
        """The declared length of ``state``'s stage under these parameters, if it has one."""
        return self._stage_days.get(self.scenario.stage_of(state))

    def env(self, snap: Snapshot) -> DerivedEnv:
        """The names an expression may read in ``snap``, derived quantities included (each
        evaluated when read), as a mapping (for checks written independently of the table,
        such as `model.testing`'s invariants)."""
        env: dict[str, Value] = dict(self.params)
        env.update(zip(self.names, snap.values))
        env["day"] = snap.day
        env["day_in_stage"] = snap.day_in_stage
        length = self.env_stage_days(snap.state)
        if length is not None:
            env["stage_days"] = length
        return DerivedEnv(env, self.scenario)

    def derived_values(self, snap: Snapshot) -> dict[str, Value | None]:
        """Each derived quantity's value in ``snap`` (None where it cannot be evaluated), in
        declaration order, for reports."""
        x = (*snap.values, snap.day, snap.day_in_stage)
        out: dict[str, Value | None] = {}
        for name, f in self._derived_values:
            try:
                out[name] = f(x)
            except ArithmeticError:
                out[name] = None
        return out

    # -- the fast path -------------------------------------------------------------------

    def successors(self, key: Key) -> list[Successor]:
        """Every step out of the snapshot ``key`` (not an outcome), in declaration order.

        Raises `Slow` or `ArithmeticError` where some transition's step fails; the caller then
        takes that snapshot's steps one by one (`careful_successors`), which builds the errors.
        """
        state, values, day, start = key
        x = (*values, day, day - start)
        found, _ = enabled(self.table[state], x, self.horizon - day)
        return fire(found, x, values, day, start, self._invariants)

    # -- the careful path ----------------------------------------------------------------

    def listing(self, key: Key) -> tuple[list[tuple[Candidate, int, int]], bool]:
        """`enabled` for the snapshot ``key``, raising the located `EvaluationError` where an
        expression cannot be evaluated (or a weight or duration is negative or too large)."""
        state, values, day, start = key
        x = (*values, day, day - start)
        limit = self.horizon - day
        try:
            return enabled(self.table[state], x, limit)
        except (ArithmeticError, Slow):
            pass
        for c in self.table[state]:
            self._weigh(state, c, x)  # raises the error the fast path met
        raise AssertionError("the careful path found no error where the fast path did")

    def events(self, key: Key) -> list[tuple[int, int, int]]:
        """The enabled transitions of ``key`` as (index, weight, days), in declaration order;
        raises as `listing`."""
        found, _ = self.listing(key)
        out, before = [], 0
        for c, cum, d in found:
            out.append((c[0], cum - before, d))
            before = cum
        return out

    def blocked(self, key: Key) -> bool:
        """Whether a transition of ``key`` is held back only by the horizon (its guard holds
        and its weight is above 0); raises as `listing`."""
        return self.listing(key)[1]

    def enables(self, key: Key, index: int) -> bool:
        """Whether transition ``index`` is enabled in ``key``, evaluating that transition
        alone (raises its located error)."""
        c = self._find(key[0], index)
        if c is None:
            return False
        state, values, day, start = key
        w, d = self._weigh(state, c, (*values, day, day - start))
        return w > 0 and d <= self.horizon - day

    def step(self, key: Key, index: int) -> Key:
        """The snapshot after transition ``index`` (enabled in ``key``) fires, evaluated one
        piece at a time; a step that breaks a rule raises its located `RunError`."""
        c = self._find(key[0], index)
        assert c is not None, "step() of a transition that is not enabled"
        state, values, day, start = key
        x = (*values, day, day - start)
        _, d = self._weigh(state, c, x)
        return self._fire_one(state, c, x, values, day, start, d)

    def careful_successors(self, key: Key) -> tuple[list[Successor], list[tuple[int, RunError]]]:
        """The steps out of ``key`` one transition at a time, for a snapshot where the fast path
        found something wrong: the steps of the transitions that work, and the index and error
        of each transition whose listing or step raises."""
        state, values, day, start = key
        x = (*values, day, day - start)
        limit = self.horizon - day
        out: list[Successor] = []
        errors: list[tuple[int, RunError]] = []
        for c in self.table[state]:
            try:
                w, d = self._weigh(state, c, x)
                if not w or d > limit:
                    continue
                nxt = self._fire_one(state, c, x, values, day, start, d)
            except RunError as exc:
                errors.append((c[0], exc))
                continue
            out.append((c[0], w, d, nxt))
        return out, errors

    def _find(self, state: int, index: int) -> Candidate | None:
        for c in self.table[state]:
            if c[0] == index:
                return c
        return None  # not from this state, or never enabled (dropped when compiled)

    def _weigh(self, state: int, c: Candidate, x: Sequence[Any]) -> tuple[int, int]:
        """Candidate ``c`` in snapshot ``x``, piece by piece: (weight, days), (0, 0) when its
        guard is false or its weight 0 (the duration is then not evaluated)."""
        t = self.scenario.transitions[c[0]]
        if c[1] is not None:
            try:
                if not c[1](x):
                    return 0, 0
            except ArithmeticError as exc:
                raise self._guard_error(state, t, x, exc) from None
        compiler = self._compilers[self._state_stages[state]]
        path = ("transitions", t.index, "weight")
        through = lambda: self._through(compiler, t.spec.weight, x)  # noqa: E731
        w = integer(self.scenario, c[3], x, f"transition {t.name}: weight", path, through)
        if w < 0:
            raise negative(self.scenario, t, "weight", w)
        if w == 0:
            return 0, 0
        path = ("transitions", t.index, "days")
        through = lambda: self._through(compiler, t.spec.days, x)  # noqa: E731
        d = integer(self.scenario, c[5], x, f"transition {t.name}: days", path, through)
        if d < 0:
            raise negative(self.scenario, t, "days", d)
        return w, d

    def _guard_error(
        self, state: int, t: CompiledTransition, x: Sequence[Any], exc: ArithmeticError
    ) -> EvaluationError:
        """The error of a guard that raised, placed at the first condition that raises."""
        conditions = guard_conditions(t)
        field: Path_ = ("guard",)
        compiler = self._compilers[self._state_stages[state]]
        failing = conditions[0][1]
        if len(conditions) > 1:  # find which one (only on this error path)
            for where, text in conditions:
                try:
                    compiler.text(text).fn(x)
                except ArithmeticError:
                    field, failing = where, text
                    break
        chain = self._through(compiler, failing, x)
        if chain:
            return derived_error(self.scenario, chain, f"transition {t.name}: guard", exc)
        return guard_error(self.scenario, t, field, exc)

    def _through(
        self, compiler: Compiler, text: str | bool | int, x: Sequence[Any]
    ) -> tuple[str, ...] | None:
        """The derived quantities through which ``text`` fails in ``x`` (None: its own text
        fails, or it reads none); evaluated again, tracing, on the path that builds errors."""
        if not self.scenario.derived:
            return None
        try:
            compiler.traced().text(text).fn(x)
        except Through as exc:
            return exc.chain
        except ArithmeticError:
            return None
        return None  # pragma: no cover - it failed a moment ago

    def _fire_one(
        self,
        state: int,
        c: Candidate,
        x: Sequence[Any],
        values: tuple[Value, ...],
        day: int,
        start: int,
        d: int,
    ) -> Key:
        """`fire` for one candidate, one effect, bound and invariant at a time."""
        t = self.scenario.transitions[c[0]]
        where = f"transition {t.name}"
        new = list(values)
        compiler = self._compilers[self._state_stages[state]]
        for slot, f, _, _ in c[6]:  # every effect on the values before the step
            name = self.names[slot]
            path: Path_ = ("transitions", t.index, "effects", name)
            text = t.spec.effects[name]
            through = lambda: self._through(compiler, text, x)  # noqa: E731, B023 - called at once
            new[slot] = evaluate(self.scenario, f, x, f"{where}: effect on {name}", path, through)
        for slot, _, _, _ in c[6]:  # then bounds, in the same order
            name = self.names[slot]
            self._check_bounds(where, name, new[slot], ("transitions", t.index, "effects", name))
        after = tuple(new)
        day2 = day + d
        start2 = start if c[8] else day2
        self.check_invariants((*after, day2, day2 - start2), where)
        return (c[7], after, day2, start2)

    def _check_bounds(self, where: str, name: str, value: Value, path: Path_) -> None:
        bounds = self.scenario.bounds
        if name in bounds and not isinstance(value, bool):
            low, high = bounds[name]
            if not low <= int(value) <= high:
                err = OutOfBounds(where, name, int(value), low, high)
                raise located(self.scenario, err, path)

    def check_invariants(self, x: Sequence[Any], after: str) -> None:
        """Each invariant in order on the snapshot ``x``; the first false one raises
        `InvariantViolated` (``after``: "the start" or "transition NAME")."""
        invariants = self.scenario.spec.invariants
        for pos, (name, f) in enumerate(self._invariants):
            path = ("invariants", pos, "holds")
            text = invariants[pos].holds
            through = lambda: self._through(self._base, text, x)  # noqa: E731, B023 - called at once
            if not evaluate(self.scenario, f, x, f"invariant {name}", path, through):
                raise located(self.scenario, InvariantViolated(name, after), path)
