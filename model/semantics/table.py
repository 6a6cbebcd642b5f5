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
from model.scenario import expr, walk
from model.scenario.compiled import CompiledTransition, DerivedEnv, Scenario
from model.scenario.expr import Value
from model.scenario.yamlsource import Path_
from model.semantics.compiler import Code, Compiler, Fn, Through, parse
from model.semantics.errors import (
    derived_error,
    evaluate,
    guard_conditions,
    guard_error,
    integer,
    located,
    negative,
)
from model.semantics.rules import (
    Candidate,
    Choice,
    Effect,
    Failed,
    Key,
    RiskCand,
    Rules,
    Successor,
    Timed,
)
from model.semantics.saturation import ClockCap, clock_cap
from model.semantics.step import Snapshot

NO_HORIZON = 10**12
"""The horizon of a scenario that declares none: beyond any run."""


class Table(Rules):
    """A scenario under fixed parameters, compiled: its candidates per state, its start, and
    the steps out of any snapshot (fast and careful)."""

    def __init__(self, scenario: Scenario, params: Mapping[str, object] | None = None) -> None:
        self.scenario = scenario
        self.params = scenario.parameters(params)
        spec = scenario.spec
        # Without a horizon runs go on until an outcome; the explorer keeps the clock
        # exactly only up to `clock` (a saturating clock, `saturate`).
        self.horizon = NO_HORIZON if spec.horizon is None else spec.horizon
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
                inlined = derived
                if length is not None:
                    consts["stage_days"] = length
                elif stage in self._variable_lengths:  # read in each snapshot
                    inlined = {**derived, "stage_days": self._variable_lengths[stage]}
                self._compilers[stage] = Compiler(self._slots, consts, inlined, tables=tables)
        base = Compiler(self._slots, dict(self.params), derived, tables=tables)
        self._base = base
        self._derived_values = tuple((name, base.tree(expr.Name(name)).fn) for name in derived)
        self._invariants: tuple[tuple[str, Fn], ...] = tuple(
            (inv.id, base.text(inv.holds).fn) for inv in spec.invariants
        )
        # Without a start nothing is reached (and a stage's expressions may need the length
        # that failed): no candidates.
        built = [
            ((), (), ())
            if self._outcomes[i] is not None or self.start_error
            else self._candidates(i)
            for i in range(len(self.states))
        ]
        self.table: tuple[tuple[Candidate, ...], ...] = tuple(b[0] for b in built)
        self.timed: tuple[tuple[Timed, ...], ...] = tuple(b[1] for b in built)
        self.risks: tuple[tuple[RiskCand, ...], ...] = tuple(b[2] for b in built)
        self.tracks_entry = tuple(any(tm[2] != "at" for tm in timed) for timed in self.timed)
        self.quiet_never = tuple(not (t or r) for t, r in zip(self.timed, self.risks))
        clock = {"day", "day_in_stage", "stage_days"}
        self.clock_invariants = any(
            walk.names(scenario.expand(parse(inv.holds))) & clock for inv in spec.invariants
        )
        self.clock: ClockCap | None = None
        if spec.horizon is None and self.start_error is None:
            self.clock = clock_cap(scenario, self.params, self._stage_days)
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
        self._variable_lengths: dict[str | None, expr.Expr] = {}
        variables = set(self.names)
        for stage, f in self.scenario.stage_days.items():
            out[stage] = None
            text = self.scenario.spec.stages[stage_pos[stage]].days
            if text is not None and walk.names(parse(text)) & variables:
                # A length that reads variables ("one more day per ten released") is an
                # expression of the snapshot: inlined where `stage_days` is read.
                self._variable_lengths[stage] = parse(text)
                continue
            if f is not None and self.start_error is None:
                path = ("stages", stage_pos[stage], "days")
                try:
                    out[stage] = integer(
                        self.scenario, f, self.params, f"stage {stage}: days", path
                    )
                except RunError as exc:
                    self.start_error = exc
        return out

    def _candidates(
        self, state: int
    ) -> tuple[tuple[Candidate, ...], tuple[Timed, ...], tuple[RiskCand, ...]]:
        """The decisions, scheduled events (and deadlines) and risks leaving ``state``, each
        compiled for its stage, in declaration order."""
        name = self.states[state]
        compiler = self._compilers[self._state_stages[state]]
        decisions: list[Candidate] = []
        timed: list[Timed] = []
        risks: list[RiskCand] = []
        for t in self.scenario.transitions:
            if name not in t.sources:
                continue
            if t.kind == "decision":
                c = self._candidate(t, name, compiler)
                if c is not None:
                    decisions.append(c)
                continue
            # Kept even with a guard that is never true: a scheduled event still ahead keeps
            # days passing (rule 4 of docs/semantics.md does not read guards).
            guard = self._guard_code(t, compiler)
            effects = self._effect_codes(t, compiler)
            dest = self._state_index[t.dest]
            same = self.scenario.stage_of(t.dest) == self.scenario.stage_of(name)
            test = guard.fn if not guard.const or not guard.value else None
            if t.due is not None:
                kind, _ = t.due
                timing = t.spec.schedule or t.spec.deadline
                assert timing is not None
                due = compiler.text(timing.when[1]).fn
                timed.append((t.index, test, kind, due, effects, dest, same))
            else:
                assert t.spec.risk is not None
                chance = compiler.text(t.spec.risk.chance).fn
                out_of = compiler.text(t.spec.risk.in_).fn
                weekly = t.spec.risk.per == "week"
                risks.append((t.index, test, chance, out_of, weekly, effects, dest, same))
        return tuple(decisions), tuple(timed), tuple(risks)

    def _guard_code(self, t: CompiledTransition, compiler: Compiler) -> Code:
        conditions = (t.spec.guard, *(r.holds for r in t.spec.requires))
        trees = tuple(parse(c) for c in conditions)
        return compiler.tree(expr.BoolOp("and", trees) if len(trees) > 1 else trees[0])

    def _effect_codes(self, t: CompiledTransition, compiler: Compiler) -> tuple[Effect, ...]:
        bounds = self.scenario.bounds
        return tuple(
            (
                self._slots[name],
                compiler.text(t.spec.effects[name]).fn,
                *bounds.get(name, (None, None)),
            )
            for name, _ in t.effects
        )

    def _candidate(self, t: CompiledTransition, state: str, compiler: Compiler) -> Candidate | None:
        spec = t.spec
        guard = self._guard_code(t, compiler)
        weight = compiler.text(spec.weight)
        days = compiler.text(spec.days)
        if guard.const and not guard.value:
            return None  # never enabled, and evaluating it cannot fail
        if weight.const and weight.value == 0 and not guard.raises:
            return None  # switched off; no duration is evaluated for it either
        effects = self._effect_codes(t, compiler)
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
        return (
            self._state_index[snap.state],
            snap.values,
            snap.day,
            snap.stage_start,
            snap.entered,
            snap.activity,
            snap.fired,
        )

    def saturate(self, key: Key) -> Key:
        """The key the explorer keeps for ``key``: with a saturating clock (no horizon),
        each clock kept exactly only up to its cap (`model.semantics.saturation`)."""
        if self.clock is None:
            return key
        return self.clock.saturate(key, self.tracks_entry[key[0]])

    def snapshot(self, key: Key) -> Snapshot:
        state, values, day, start, entered, act, fired = key
        return Snapshot(self.states[state], values, day, start, entered, act, fired)

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
        stage = self.scenario.stage_of(snap.state)
        if length is None and stage in self._variable_lengths:
            compiler = self._compilers[stage]
            try:  # a length that reads variables, in this snapshot
                length = compiler.tree(expr.Name("stage_days")).fn(
                    (*snap.values, snap.day, snap.day_in_stage)
                )
            except ArithmeticError:
                length = None  # a step that reads it raises the located error
        if length is not None:
            env["stage_days"] = length
        return DerivedEnv(env, self.scenario)

    def condition(self, state: int, tree: expr.Expr) -> Fn:
        """``tree`` compiled for control state ``state`` (its stage's constants), as a closure
        over ``x = (*values, day, day_in_stage)``: what explanations evaluate conjunct by
        conjunct (`model.semantics.why`)."""
        return self._compilers[self._state_stages[state]].tree(tree).fn

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
        """Every step out of the snapshot ``key`` (none from an outcome), in order.

        Raises `Slow` or `ArithmeticError` where some step breaks a rule; the caller then
        takes that snapshot's steps on the careful path (`careful_successors`), which builds
        the errors.
        """
        day = key[2]
        out = []
        for ch in self.choices(key, False)[0]:
            nxt = self.take(key, ch, False)
            out.append((ch[0], ch[1], nxt[2] - day, nxt))
        return out

    # -- the careful path ----------------------------------------------------------------

    def listing(self, key: Key) -> tuple[list[Choice], bool]:
        """`choices` of ``key`` on the careful path: raises the located `RunError` of the
        first piece that cannot be evaluated."""
        try:
            return self.choices(key, True)
        except Failed as exc:
            raise exc.error.with_traceback(None) from None

    def events(self, key: Key) -> list[tuple[int, int, int]]:
        """The steps ``key`` can take as (label, weight, days): for decisions their declared
        days, for the others 0 (a day passing: 1); raises as `listing`."""
        out = []
        for label, w, how, what in self.listing(key)[0]:
            days = what[1] if how == "decision" else int(how in ("risk", "days"))
            out.append((label, w, days))
        return out

    def blocked(self, key: Key) -> bool:
        """Whether a snapshot without a step ended at the horizon (rule 5); raises as
        `listing`."""
        return self.listing(key)[1]

    def enables(self, key: Key, index: int) -> bool:
        """Whether the step labelled ``index`` can be taken in ``key``. Where weighing the
        decisions fails, a decision is evaluated on its own (raising its own error)."""
        try:
            found, _ = self.choices(key, True)
        except Failed as exc:
            if not exc.decision:
                raise exc.error.with_traceback(None) from None
            state, values, day, start = key[0], key[1], key[2], key[3]
            c = next((c for c in self.table[state] if c[0] == index), None)
            if c is None:
                return False
            w, d = self._weigh(state, c, (*values, day, day - start))
            return w > 0 and d <= self.horizon - day
        return any(ch[0] == index for ch in found)

    def step(self, key: Key, index: int) -> Key:
        """The snapshot after the step labelled ``index`` (one of `events`), evaluated one
        piece at a time; a step that breaks a rule raises its located `RunError`."""
        for ch in self.listing(key)[0]:
            if ch[0] == index:
                return self.take(key, ch, True)
        raise AssertionError(f"step() of {index}, which is not a step of this snapshot")

    def careful_successors(self, key: Key) -> tuple[list[Successor], list[tuple[int, RunError]]]:
        """The steps out of ``key`` one at a time, for a snapshot where the fast path found
        something wrong: the steps that work, and the label and error of each that raises.
        Where weighing the decisions fails, each decision is tried on its own (as the
        explorer reports every failing decision); where listing a scheduled event or a risk
        fails, that is the one error (the chances of the others depend on it)."""
        try:
            found, _ = self.choices(key, True)
        except Failed as exc:
            if exc.decision:
                return self._each_decision(key)
            return [], [(exc.index, exc.error), *exc.others]
        return self._take_each(key, found)

    def _each_decision(self, key: Key) -> tuple[list[Successor], list[tuple[int, RunError]]]:
        state, values, day, start = key[0], key[1], key[2], key[3]
        x = (*values, day, day - start)
        out: list[Successor] = []
        errors: list[tuple[int, RunError]] = []
        for c in self.table[state]:  # each decision weighed, then taken, in order
            try:
                w, d = self._weigh(state, c, x)
            except RunError as exc:
                errors.append((c[0], exc))
                continue
            if w and d <= self.horizon - day:
                steps, failed = self._take_each(key, [(c[0], w, "decision", (c, d))])
                out += steps
                errors += failed
        return out, errors

    def _take_each(
        self, key: Key, found: list[Choice]
    ) -> tuple[list[Successor], list[tuple[int, RunError]]]:
        out: list[Successor] = []
        errors: list[tuple[int, RunError]] = []
        for ch in found:
            try:
                nxt = self.take(key, ch, True)
            except RunError as exc:
                errors.append((ch[0], exc))
                continue
            out.append((ch[0], ch[1], nxt[2] - key[2], nxt))
        return out, errors

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

    def _guard(self, state: int, index: int, guard: Fn | None, x: Sequence[Any]) -> bool:
        """A scheduled event's or risk's guard, raising its located error."""
        if guard is None:
            return True
        try:
            return bool(guard(x))
        except ArithmeticError as exc:
            raise self._guard_error(state, self.scenario.transitions[index], x, exc) from None

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
