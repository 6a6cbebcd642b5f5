"""Simulation fast path: a scenario compiled into a transition table, for Monte Carlo.

`Run` (model.semantics.engine) drives a real `transitions` machine and builds an environment
dict, a list of `Event` objects and a `Step` for every event; that is what a notebook wants and
far too slow for hundreds of thousands of runs.
`compile_table` turns a scenario under fixed parameters into:

- a **table**: for each control state, its candidate transitions in declaration order, each
  with guard, weight, duration and effects compiled to closures over *positional slots*.
  A run's variables and clock are one flat tuple ``x = (*values, day, day_in_stage)``;
  parameters and the state's ``stage_days`` are folded in as constants when the table is
  built, so a weight such as ``progress_weight`` is a plain integer, ``not israel_accepts``
  is ``lambda x: not x[0]``, and a constant-false guard drops its transition.
  The compiler walks `model.scenario.expr` trees (`parse` on the scenario's own expression texts);
  nothing is evaluated from source text.
- a **lazily built graph of snapshots** (on by default, ``memo=True``): the first time a run
  reaches a snapshot, its enabled transitions, their integer weights and cumulative weights
  are computed once and kept in a node; the first time a transition fires from it, the node it
  leads to (or the error it raises) is linked in. Later runs through the same snapshot only
  draw a number and follow a link. The graph is dropped and rebuilt if it grows past
  ``max_nodes``, so memory stays bounded on scenarios with huge state spaces. With
  ``memo=False`` a tight loop evaluates the table afresh at every step and keeps nothing.

The semantics are the engine's (model.semantics.step), step for step: candidates in declaration
order; a transition is enabled when its guard holds, its weight is above 0 and its duration
does not pass the horizon (evaluated in that order, so the same expressions raise the same
`EvaluationError`); the choice is `weighted_choice`'s (one ``randrange(total)`` of the summed
integer weights per step, even with a single candidate, then the first index whose cumulative
weight exceeds the draw); effects are all evaluated before bounds are checked, then
invariants in order. A step that breaks a bound or an invariant ends the run with status
``"error"`` and the `RunError` the engine raises; an expression that cannot be evaluated while
listing the enabled events raises, as `Run.play` does (or, with ``strict=False``, ends the run
with status ``"error"``). `tests/test_fastpath.py` checks all of this against `Run.play`,
trace for trace, and `runner` against `model.analysis.montecarlo.semantics_runner`, run for run.

Use::

    from model.semantics.fastpath import compile_table
    table = compile_table(load("scenarios/cairo_three_stage_truce.yaml"), {"batch_size": 20})
    result = table.run(seed=3, max_steps=1000)       # like Run(...).play(seed=3)
    result.status, result.outcome, result.day, result.steps, result.stages

    # model.analysis.montecarlo:
    monte_carlo(scenario, runs=100_000, runner=model.semantics.fastpath.runner)

`bench/montecarlo.py` measures it against the engine and a hand-written machine.
"""

from __future__ import annotations

import operator
import random
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from model.base.errors import EvaluationError, RunError
from model.base.limits import MAX_RUN_VALUE
from model.scenario import expr
from model.scenario.compiled import CompiledTransition, ParamValue, Scenario
from model.scenario.expr import Value
from model.semantics.step import Semantics, Snapshot

if TYPE_CHECKING:
    from model.analysis.montecarlo import RunSummary

Status = Literal["outcome", "stuck", "horizon", "max_steps", "error"]

Fn = Callable[[Sequence[Any]], Any]
"""A compiled expression: a function of ``x = (*values, day, day_in_stage)``."""

DEFAULT_MAX_NODES = 100_000
"""About 64 MB of memo graph (some 640 bytes a snapshot) before it is dropped and rebuilt."""


# --- compiling expressions to positional closures --------------------------------------------


@dataclass(frozen=True, slots=True)
class _Code:
    """A compiled expression with what the compiler knows about it."""

    fn: Fn
    const: bool = False  # fn ignores x and returns `value`
    value: Any = None
    slot: int = -1  # >= 0: fn is a plain read of x[slot]
    raises: bool = False  # may raise ZeroDivisionError


def _constant(value: Any) -> _Code:
    return _Code(lambda x: value, const=True, value=value)


def _read(i: int) -> _Code:
    return _Code(operator.itemgetter(i), slot=i)


def _floordiv(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in '//'")  # the engine's message
    return a // b


def _mod(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in '%'")
    return a % b


_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "//": _floordiv,
    "%": _mod,
}
_SAFE_DIV: dict[str, Callable[[Any, Any], Any]] = {"//": operator.floordiv, "%": operator.mod}
_CMP: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _binary(op: Callable[[Any, Any], Any], a: _Code, b: _Code, raises: bool) -> _Code:
    """``op(a, b)``: folded when both sides are constant, specialised for slots and constants."""
    if a.const and b.const:
        try:
            return _constant(op(a.value, b.value))
        except ZeroDivisionError:
            pass  # raise when evaluated, as the engine does
    fa, fb = a.fn, b.fn
    i, j, u, v = a.slot, b.slot, a.value, b.value
    fn: Fn
    if i >= 0 and b.const:
        fn = lambda x: op(x[i], v)  # noqa: E731
    elif i >= 0 and j >= 0:
        fn = lambda x: op(x[i], x[j])  # noqa: E731
    elif a.const and j >= 0:
        fn = lambda x: op(u, x[j])  # noqa: E731
    elif b.const:
        fn = lambda x: op(fa(x), v)  # noqa: E731
    elif a.const:
        fn = lambda x: op(u, fb(x))  # noqa: E731
    else:
        fn = lambda x: op(fa(x), fb(x))  # noqa: E731
    return _Code(fn, raises=raises)


def _compare_slot_const(op: str, i: int, c: Any) -> Fn | None:
    """The commonest guard shapes (``v > 0``, ``v == 'name'``) without an operator call."""
    match op:
        case "==":
            return lambda x: x[i] == c
        case "!=":
            return lambda x: x[i] != c
        case "<":
            return lambda x: x[i] < c
        case "<=":
            return lambda x: x[i] <= c
        case ">":
            return lambda x: x[i] > c
        case ">=":
            return lambda x: x[i] >= c
    return None  # pragma: no cover - the comparison operators are closed


class _Compiler:
    """Compiles `model.scenario.expr` trees to `_Code` for one environment of slots and
    constants."""

    def __init__(self, slots: Mapping[str, int], constants: Mapping[str, Value]) -> None:
        self.slots = slots
        self.constants = constants

    def text(self, value: str | bool | int) -> _Code:
        return self.tree(expr.parse(expr.text_of(value)))

    def tree(self, e: expr.Expr) -> _Code:
        match e:
            case expr.Const(value=v):
                return _constant(v)
            case expr.Name(id=n):
                if n in self.constants:
                    return _constant(self.constants[n])
                return _read(self.slots[n])
            case expr.Unary(op="-", operand=operand):
                a = self.tree(operand)
                if a.const:
                    return _constant(-a.value)
                fa = a.fn
                return _Code(lambda x: -fa(x), raises=a.raises)
            case expr.Unary(op="not", operand=operand):
                a = self.tree(operand)
                if a.const:
                    return _constant(not a.value)
                fa = a.fn
                return _Code(lambda x: not fa(x), raises=a.raises)
            case expr.Binary(op=op, left=left, right=right):
                a, b = self.tree(left), self.tree(right)
                fn = _ARITH[op]
                divides = op in _SAFE_DIV
                if divides and b.const and b.value != 0:
                    fn, divides = _SAFE_DIV[op], False
                return _binary(fn, a, b, a.raises or b.raises or divides)
            case expr.Compare(left=left, ops=ops, comparators=comparators):
                return self._compare(left, ops, comparators)
            case expr.BoolOp(op=op, values=values):
                return self._boolop(op == "and", [self.tree(v) for v in values])
            case expr.IfExp(test=test, body=body, orelse=orelse):
                t, b, o = self.tree(test), self.tree(body), self.tree(orelse)
                if t.const:
                    return b if t.value else o
                ft, fb, fo = t.fn, b.fn, o.fn
                return _Code(
                    lambda x: fb(x) if ft(x) else fo(x), raises=t.raises or b.raises or o.raises
                )
            case expr.Call(func=func, args=args):
                codes = [self.tree(a) for a in args]
                agg = min if func == "min" else max
                raises = any(c.raises for c in codes)
                if all(c.const for c in codes):
                    return _constant(agg(c.value for c in codes))
                if len(codes) == 1:
                    return codes[0]
                if len(codes) == 2:
                    return _binary(agg, codes[0], codes[1], raises)
                fs = tuple(c.fn for c in codes)
                return _Code(lambda x: agg([f(x) for f in fs]), raises=raises)
        raise AssertionError(e)  # pragma: no cover - the tree is closed

    def _compare(
        self, left: expr.Expr, ops: tuple[str, ...], comparators: tuple[expr.Expr, ...]
    ) -> _Code:
        codes = [self.tree(c) for c in (left, *comparators)]
        raises = any(c.raises for c in codes)
        if len(ops) == 1:
            a, b = codes
            if a.slot >= 0 and b.const:
                fn = _compare_slot_const(ops[0], a.slot, b.value)
                if fn is not None:
                    return _Code(fn)
            return _binary(_CMP[ops[0]], a, b, raises)
        # A chain: each operand evaluated once, left to right, stopping at the first false.
        fs = tuple(c.fn for c in codes)
        cmps = tuple(_CMP[op] for op in ops)
        pairs = tuple(zip(cmps, fs[1:]))
        first = fs[0]

        def chain(x: Sequence[Any]) -> bool:
            lhs = first(x)
            for cmp, f in pairs:
                rhs = f(x)
                if not cmp(lhs, rhs):
                    return False
                lhs = rhs
            return True

        return _Code(chain, raises=raises)

    @staticmethod
    def _boolop(conjunction: bool, codes: list[_Code]) -> _Code:
        """``and``/``or`` with the engine's short-circuit order; constants folded away."""
        kept: list[_Code] = []
        for c in codes:
            if c.const:
                if bool(c.value) == conjunction:
                    continue  # `true and ...`, `false or ...`: no effect
                decided = _constant(not conjunction)
                if not any(k.raises for k in kept):
                    return decided
                kept.append(decided)  # earlier operands still run (and may raise)
                break
            kept.append(c)
        if not kept:
            return _constant(conjunction)
        if len(kept) == 1:
            return kept[0]
        raises = any(k.raises for k in kept)
        fs = tuple(k.fn for k in kept)
        if len(fs) == 2:
            fa, fb = fs
            if conjunction:
                return _Code(lambda x: bool(fa(x)) and bool(fb(x)), raises=raises)
            return _Code(lambda x: bool(fa(x)) or bool(fb(x)), raises=raises)
        if conjunction:

            def all_of(x: Sequence[Any]) -> bool:
                for f in fs:  # noqa: SIM110 - a loop is faster than all() over a generator
                    if not f(x):
                        return False
                return True

            return _Code(all_of, raises=raises)

        def any_of(x: Sequence[Any]) -> bool:
            for f in fs:  # noqa: SIM110 - a loop is faster than any() over a generator
                if f(x):
                    return True
            return False

        return _Code(any_of, raises=raises)


# --- the table ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """A transition as it leaves one control state, compiled for that state's stage."""

    index: int  # the transition's index in the scenario (as `Event.index`)
    name: str
    guard: Fn | None  # None: always true
    weight: int | None  # a constant weight, or None: call weight_fn
    weight_fn: Fn | None
    days: int | None  # a constant duration, or None: call days_fn
    days_fn: Fn | None
    effects: tuple[Effect, ...]  # in declaration order
    dest: int  # control state index
    same_stage: bool


@dataclass(frozen=True, slots=True)
class Effect:
    slot: int
    variable: str
    value: Fn
    bounds: tuple[int, int] | None  # an integer variable's [min, max]


class _Node:
    """One snapshot with its enabled transitions (and, once fired, their successors)."""

    __slots__ = (
        "cands",
        "cum",
        "day",
        "days",
        "error",
        "indices",
        "stage_bit",
        "start",
        "state",
        "status",
        "succ",
        "total",
        "values",
        "x",
    )

    def __init__(
        self, state: int, values: tuple[Value, ...], day: int, start: int, stage_bit: int
    ) -> None:
        self.state = state
        self.values = values
        self.day = day
        self.start = start
        self.x = (*values, day, day - start)  # what compiled expressions read
        self.stage_bit = stage_bit
        self.total = 0  # sum of the enabled weights; 0: the run stops here with `status`
        self.status: Status = "stuck"
        self.error: EvaluationError | None = None  # status "error": listing events failed
        self.cands: tuple[Candidate, ...] = ()
        self.cum: tuple[int, ...] = ()  # cumulative weights, for the choice
        self.days: tuple[int, ...] = ()
        self.indices: tuple[int, ...] = ()
        self.succ: list[_Node | _Failure | None] = []


@dataclass(frozen=True, slots=True)
class _Failure:
    """A step that breaks a bound or an invariant (or whose effect cannot be evaluated);
    with ``index`` None, listing the enabled events failed."""

    index: int | None
    error: RunError


@dataclass(frozen=True, slots=True)
class RunResult:
    """How one run ended: what `Run.play` returns and what its `Run` holds afterwards."""

    status: Status
    snapshot: Snapshot  # the last snapshot (before the failing step, on an error)
    steps: int  # events fired
    stages: tuple[str, ...]  # stages the run was in at some point, in the declared order
    outcome: str | None  # the outcome label, when status is "outcome"
    trace: tuple[int, ...] | None = None  # fired transition indices, when asked for
    error: RunError | None = None  # on status "error": what the engine raises
    failed: int | None = None  # on status "error": the transition that failed, if one did

    @property
    def day(self) -> int:
        return self.snapshot.day

    @property
    def state(self) -> str:
        return self.snapshot.state


class Table:
    """A scenario under fixed parameters, compiled for fast weighted random runs."""

    def __init__(
        self,
        scenario: Scenario,
        params: Mapping[str, object] | None = None,
        *,
        memo: bool = True,
        max_nodes: int = DEFAULT_MAX_NODES,
    ) -> None:
        self.scenario = scenario
        self.params = scenario.parameters(params)
        self.semantics = sem = Semantics(scenario, self.params)  # stage lengths, initial values
        self.memo = memo
        self.max_nodes = max_nodes
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
        stage_pos = {s: i for i, s in enumerate(self.stages)}
        self._stage_bits = tuple(
            1 << stage_pos[st] if (st := scenario.stage_of(s)) in stage_pos else 0
            for s in self.states
        )
        self._compilers: dict[str | None, _Compiler] = {}
        for state in self.states:
            stage = scenario.stage_of(state)
            if stage not in self._compilers:
                consts: dict[str, Value] = dict(self.params)
                length = sem.env_stage_days(state)
                if length is not None:
                    consts["stage_days"] = length
                self._compilers[stage] = _Compiler(self._slots, consts)
        base = _Compiler(self._slots, dict(self.params))
        self._invariants: tuple[tuple[str, Fn], ...] = tuple(
            (inv.id, base.text(inv.holds).fn) for inv in spec.invariants
        )
        self.table: tuple[tuple[Candidate, ...], ...] = tuple(
            () if self._outcomes[i] is not None else self._candidates(state)
            for i, state in enumerate(self.states)
        )
        self.initial = sem.initial()  # raises as `Run(...)` does for a bad start
        self._nodes: dict[tuple[int, tuple[Value, ...], int, int], _Node] = {}
        self._root = self._start()
        self._plain: tuple[tuple[_Plain, ...], ...] = tuple(
            tuple(_plain(c) for c in cands) for cands in self.table
        )
        self._stage_sets = _StageSets(self.stages)
        self._rng = random.Random()
        self._draw = _drawer(self._rng)

    # -- building ------------------------------------------------------------------------

    def _candidates(self, state: str) -> tuple[Candidate, ...]:
        compiler = self._compilers[self.scenario.stage_of(state)]
        out = []
        for t in self.semantics.candidates(state):
            c = self._candidate(t, state, compiler)
            if c is not None:
                out.append(c)
        return tuple(out)

    def _candidate(
        self, t: CompiledTransition, state: str, compiler: _Compiler
    ) -> Candidate | None:
        spec = t.spec
        conditions = (spec.guard, *(r.holds for r in spec.requires))
        trees = tuple(expr.parse(expr.text_of(c)) for c in conditions)
        guard = compiler.tree(expr.BoolOp("and", trees) if len(trees) > 1 else trees[0])
        weight = compiler.text(spec.weight)
        days = compiler.text(spec.days)
        if guard.const and not guard.value:
            return None  # never enabled, and evaluating it cannot fail
        if weight.const and weight.value == 0 and not guard.raises:
            return None  # switched off; the engine evaluates no duration for it either
        bounds = self.scenario.bounds
        effects = tuple(
            Effect(self._slots[name], name, compiler.text(spec.effects[name]).fn, bounds.get(name))
            for name, _ in t.effects
        )
        stage_of = self.scenario.stage_of
        return Candidate(
            index=t.index,
            name=t.name,
            guard=None if guard.const else guard.fn,
            weight=weight.value if weight.const else None,
            weight_fn=None if weight.const else weight.fn,
            days=days.value if days.const else None,
            days_fn=None if days.const else days.fn,
            effects=effects,
            dest=self._state_index[t.dest],
            same_stage=stage_of(t.dest) == stage_of(state),
        )

    # -- snapshots -----------------------------------------------------------------------

    def _start(self) -> _Node:
        snap = self.initial
        state = self._state_index[snap.state]
        return self._node(state, snap.values, snap.day, snap.stage_start)

    def _node(self, state: int, values: tuple[Value, ...], day: int, start: int) -> _Node:
        """A node for a snapshot with its enabled transitions (the engine's `enabled()`).

        Where the engine's `enabled()` raises, the node has status "error" and the error.
        """
        node = _Node(state, values, day, start, self._stage_bits[state])
        if self._outcomes[state] is not None:
            node.status = "outcome"
            return node
        try:
            self._enable(node)
        except EvaluationError as exc:
            node.status = "error"
            node.error = exc
        return node

    def _enable(self, node: _Node) -> None:
        x, day = node.x, node.day
        limit = self.horizon - day
        blocked = False
        cands: list[Candidate] = []
        cum: list[int] = []
        durations: list[int] = []
        total = 0
        try:
            for c in self.table[node.state]:
                if c.guard is not None and not c.guard(x):
                    continue
                w = c.weight
                if w is None:
                    w = c.weight_fn(x)  # type: ignore[misc]
                if w <= 0:
                    if w < 0:
                        raise _Slow
                    continue
                if w > MAX_RUN_VALUE:
                    raise _Slow
                d = c.days
                if d is None:
                    d = c.days_fn(x)  # type: ignore[misc]
                if d < 0:
                    raise _Slow
                if d > limit:
                    if d > MAX_RUN_VALUE:
                        raise _Slow
                    blocked = True
                    continue
                cands.append(c)
                total += w
                cum.append(total)
                durations.append(d)
        except (ArithmeticError, _Slow):
            # The engine lists the enabled events again and raises its own error, placed in
            # the scenario file: errors are built in one place.
            self.semantics.enabled(self.snapshot(node))
            raise AssertionError("the engine found no error where the fast path did") from None
        if not cands:
            node.status = "horizon" if blocked else "stuck"
            return
        node.total = total
        node.cum = tuple(cum)
        node.cands = tuple(cands)
        node.days = tuple(durations)
        node.indices = tuple(c.index for c in cands)
        node.succ = [None] * len(cands)

    def _fire(self, node: _Node, i: int) -> _Node | _Failure:
        """The node after the ``i``-th enabled transition of ``node`` (the engine's `apply`)."""
        c = node.cands[i]
        x = node.x
        try:
            new = [e.value(x) for e in c.effects]
            values = list(node.values)
            for e, v in zip(c.effects, new):
                if e.bounds is not None:
                    low, high = e.bounds
                    if not low <= v <= high:
                        raise _Slow
                values[e.slot] = v
            day = node.day + node.days[i]
            start = node.start if c.same_stage else day
            after = tuple(values)
            if self._invariants:
                y = (*after, day, day - start)
                for _, f in self._invariants:
                    if not f(y):
                        raise _Slow
        except (ArithmeticError, _Slow):
            return self._failure(node, c)
        if not self.memo:
            return self._node(c.dest, after, day, start)
        key = (c.dest, after, day, start)
        found = self._nodes.get(key)
        if found is None:
            found = self._nodes[key] = self._node(c.dest, after, day, start)
        return found

    def _failure(self, node: _Node, c: Candidate) -> _Failure:
        """The engine's error for a step the fast path found failing (built in one place)."""
        try:
            self.semantics.apply(self.scenario.transitions[c.index], self.snapshot(node))
        except RunError as exc:
            return _Failure(c.index, exc)
        raise AssertionError("the engine found no error where the fast path did")

    def snapshot(self, node: _Node) -> Snapshot:
        return Snapshot(self.states[node.state], node.values, node.day, node.start)

    # -- running -------------------------------------------------------------------------

    def run(
        self,
        seed: int | random.Random | None = 0,
        max_steps: int = 1000,
        *,
        trace: bool = False,
        strict: bool = True,
    ) -> RunResult:
        """One weighted random run: the same as ``Run(scenario, params).play(seed, max_steps)``.

        ``seed`` is a seed for ``random.Random`` (as `Run.play` takes) or a generator to draw
        from (and advance). With ``trace``, the result lists the fired transitions' indices.

        Where `Run.play` raises `EvaluationError` (an expression that cannot be evaluated
        while listing the enabled events), so does this; with ``strict=False`` the run ends
        there instead, with status "error" and the error in the result (``failed`` None).
        """
        if isinstance(seed, random.Random):
            draw = _drawer(seed)
        else:
            self._rng.seed(seed)  # the state random.Random(seed) starts in, without a new one
            draw = self._draw
        fired: list[int] | None = [] if trace else None
        if self.memo:
            result = self._walk_graph(draw, max_steps, fired)
        else:
            result = self._walk(draw, max_steps, fired)
        if strict and result.error is not None and result.failed is None:
            raise result.error.with_traceback(None)
        return result

    def _walk_graph(
        self, draw: Callable[[int], int], max_steps: int, fired: list[int] | None
    ) -> RunResult:
        """A run over the memo graph, extending it where the run goes first."""
        if len(self._nodes) > self.max_nodes:
            self._nodes = {}
            self._root = self._start()
        node = self._root
        mask = node.stage_bit
        steps = 0
        failure: _Failure | None = None
        while steps < max_steps:
            total = node.total
            if not total:
                break
            r = draw(total)
            cum = node.cum
            i = bisect_right(cum, r) if len(cum) > 1 else 0
            nxt = node.succ[i]
            if nxt is None:
                nxt = node.succ[i] = self._fire(node, i)
            if isinstance(nxt, _Failure):
                failure = nxt
                break
            if fired is not None:
                fired.append(node.indices[i])
            node = nxt
            mask |= node.stage_bit
            steps += 1
        status: Status
        if failure is not None:
            status = "error"
        elif node.error is not None:
            status, failure = "error", _Failure(None, node.error)
        elif node.total:
            status = "max_steps"
        else:
            status = node.status
        return self._result(
            status, node.state, node.values, node.day, node.start, steps, mask, fired, failure
        )

    def _walk(
        self, draw: Callable[[int], int], max_steps: int, fired: list[int] | None
    ) -> RunResult:
        """A run evaluated step by step, nothing kept (``memo=False``).

        The same evaluation order as `_node` and `_fire`; where anything goes wrong (an
        expression that raises, a negative weight or duration, a broken bound or invariant)
        the step is handed to them, so errors are built in one place.
        """
        init = self.initial
        state = self._state_index[init.state]
        values, day, start = init.values, init.day, init.stage_start
        table, outcomes, bits = self._plain, self._outcomes, self._stage_bits
        invariants = self._invariants
        horizon = self.horizon
        mask = bits[state]
        steps = 0
        status: Status = "max_steps"
        failure: _Failure | None = None
        while True:
            if outcomes[state] is not None:
                status = "outcome"
                break
            x = (*values, day, day - start)
            limit = horizon - day
            total = 0
            enabled: list[tuple[_Plain, int, int]] = []
            blocked = False
            try:
                for c in table[state]:
                    guard = c[1]
                    if guard is not None and not guard(x):
                        continue
                    w = c[2]
                    if w is None:
                        w = c[3](x)
                    if w <= 0:
                        if w < 0:
                            raise _Slow
                        continue
                    if w > MAX_RUN_VALUE:
                        raise _Slow
                    d = c[4]
                    if d is None:
                        d = c[5](x)
                        if d < 0:
                            raise _Slow
                    if d > limit:
                        if d > MAX_RUN_VALUE:
                            raise _Slow
                        blocked = True
                        continue
                    total += w
                    enabled.append((c, total, d))
            except (ArithmeticError, _Slow):
                error = self._node(state, values, day, start).error  # the engine's error
                assert error is not None
                failure = _Failure(None, error)
                status = "error"
                break
            if not total:
                status = "horizon" if blocked else "stuck"
                break
            if steps >= max_steps:
                break
            r = draw(total)
            for chosen in enabled:
                if r < chosen[1]:
                    break
            c, _, days = chosen
            effects = c[6]
            try:
                if effects:
                    new = list(values)
                    for slot, f, low, high in effects:
                        v = f(x)
                        if low is not None and not low <= v <= high:
                            raise _Slow
                        new[slot] = v
                    after = tuple(new)
                else:
                    after = values
                day2 = day + days
                start2 = start if c[8] else day2
                if invariants:
                    y = (*after, day2, day2 - start2)
                    for _, f in invariants:
                        if not f(y):
                            raise _Slow
            except (ArithmeticError, _Slow):
                node = self._node(state, values, day, start)
                result = self._fire(node, node.indices.index(c[0]))
                assert isinstance(result, _Failure)
                failure = result
                status = "error"
                break
            if fired is not None:
                fired.append(c[0])
            state, values, day, start = c[7], after, day2, start2
            mask |= bits[state]
            steps += 1
        return self._result(status, state, values, day, start, steps, mask, fired, failure)

    def _result(
        self,
        status: Status,
        state: int,
        values: tuple[Value, ...],
        day: int,
        start: int,
        steps: int,
        mask: int,
        fired: list[int] | None,
        failure: _Failure | None,
    ) -> RunResult:
        return RunResult(
            status=status,
            snapshot=Snapshot(self.states[state], values, day, start),
            steps=steps,
            stages=self._stage_sets[mask],
            outcome=self._outcomes[state],
            trace=None if fired is None else tuple(fired),
            error=None if failure is None else failure.error,
            failed=None if failure is None else failure.index,
        )

    @property
    def nodes(self) -> int:
        """Snapshots currently held in the memo graph."""
        return len(self._nodes)


def compile_table(
    scenario: Scenario,
    params: Mapping[str, object] | None = None,
    *,
    memo: bool = True,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Table:
    """Compile ``scenario`` under ``params`` (defaults, with overrides as `Run` takes them).

    Raises what ``Run(scenario, params)`` raises for bad parameters or a bad start.
    """
    return Table(scenario, params, memo=memo, max_nodes=max_nodes)


def runner(
    scenario: Scenario, params: Mapping[str, ParamValue], max_steps: int
) -> Callable[[int], RunSummary]:
    """A `model.analysis.montecarlo.RunnerFactory` on the fast path: ``run_once(seed) ->
    RunSummary``.

    Gives what `model.analysis.montecarlo.semantics_runner` gives, run for run (tested), so
    ``monte_carlo(..., runner=model.semantics.fastpath.runner)`` changes the speed, not the figures.
    """
    from model.analysis.montecarlo import RunSummary

    Semantics(scenario, params)  # raises where semantics_runner's factory does
    try:
        table = compile_table(scenario, params)
    except RunError as exc:  # the start breaks a bound or an invariant: every run does
        failed = RunSummary("error", None, 0, 0, frozenset(), exc.kind)
        return lambda seed: failed
    stage_sets: dict[tuple[str, ...], frozenset[str]] = {}

    def run_once(seed: int) -> RunSummary:
        r = table.run(seed, max_steps, strict=False)
        stages = stage_sets.get(r.stages)
        if stages is None:
            stages = stage_sets[r.stages] = frozenset(r.stages)
        kind = None if r.error is None else r.error.kind
        return RunSummary(r.status, r.outcome, r.snapshot.day, r.steps, stages, kind)

    return run_once


class _Slow(Exception):
    """The direct loop hands a step to the careful path (`_node`, `_fire`)."""


_Plain = tuple[
    int,  # 0: transition index
    Fn | None,  # 1: guard
    int | None,  # 2: constant weight
    Fn,  # 3: weight
    int | None,  # 4: constant duration
    Fn,  # 5: duration
    tuple[tuple[int, Fn, int | None, int | None], ...],  # 6: (slot, value, low, high)
    int,  # 7: destination
    bool,  # 8: same stage
]


def _never(x: Sequence[Any]) -> Any:  # pragma: no cover - only behind a constant
    raise AssertionError("a constant was called")


def _plain(c: Candidate) -> _Plain:
    """A candidate as a flat tuple, for the direct loop to unpack without attribute lookups."""
    return (
        c.index,
        c.guard,
        c.weight,
        c.weight_fn or _never,
        c.days,
        c.days_fn or _never,
        tuple(
            (e.slot, e.value, *(e.bounds if e.bounds is not None else (None, None)))
            for e in c.effects
        ),
        c.dest,
        c.same_stage,
    )


class _StageSets(dict[int, tuple[str, ...]]):
    """Stage names for a bit mask of stage positions, computed once per mask."""

    def __init__(self, stages: tuple[str, ...]) -> None:
        super().__init__()
        self.stages = stages

    def __missing__(self, mask: int) -> tuple[str, ...]:
        names = tuple(s for b, s in enumerate(self.stages) if mask >> b & 1)
        self[mask] = names
        return names


def _drawer(rng: random.Random) -> Callable[[int], int]:
    """``rng.randrange`` for a positive bound, skipping its argument checks when that is safe.

    `random.Random.randrange(n)` with a positive int returns ``self._randbelow(n)``; calling
    that directly draws exactly the same numbers. A subclass that overrides `randrange` gets
    its own method.
    """
    if type(rng).randrange is random.Random.randrange:
        below = getattr(rng, "_randbelow", None)
        if callable(below):
            return cast(Callable[[int], int], below)
    return rng.randrange
