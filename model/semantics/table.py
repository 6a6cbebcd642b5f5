"""A scenario compiled into a transition table, with a lazily built graph of its snapshots.

`Run` (model.semantics.engine) drives a real `transitions` machine and builds an environment
dict, a list of `Event` objects and a `Step` for every event; that is what a notebook wants and
far too slow for hundreds of thousands of runs. A `Table` is the same semantics compiled once
for a scenario under fixed parameters:

- the **table**: for each control state, its candidate transitions in declaration order, each
  with guard, weight, duration and effects compiled (`model.semantics.compiler`) to closures
  over *positional slots*. A run's variables and clock are one flat tuple
  ``x = (*values, day, day_in_stage)``; parameters and the state's ``stage_days`` are folded in
  as constants when the table is built, and a constant-false guard drops its transition.
- a **lazily built graph of snapshots** (on by default, ``memo=True``): the first time a
  snapshot is reached, its enabled transitions, their integer weights and cumulative weights
  are computed once and kept in a `Node`; the first time a transition fires from it, the node
  it leads to (or the error it raises) is linked in. The graph is dropped and rebuilt (by its
  user) if it grows past ``max_nodes``, so memory stays bounded on scenarios with huge state
  spaces.

The semantics are the engine's (model.semantics.step), step for step: candidates in declaration
order; a transition is enabled when its guard holds, its weight is above 0 and its duration
does not pass the horizon (evaluated in that order, so the same expressions raise the same
`EvaluationError`); effects are all evaluated before bounds are checked, then invariants in
order. Where anything goes wrong the step is handed to the engine's `Semantics`, so errors are
built in one place. `Table.successors` gives every step out of a snapshot as flat tuples
(`Successor`, `Key`): the explorer (`model.analysis.explore`) runs on it. Weighted random runs
over the table are `model.semantics.fastpath`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from model.base.errors import EvaluationError, RunError
from model.base.limits import MAX_RUN_VALUE
from model.scenario import expr
from model.scenario.compiled import CompiledTransition, Scenario
from model.scenario.expr import Value
from model.semantics.compiler import Compiler, Fn
from model.semantics.step import Semantics, Snapshot
from model.semantics.summary import EndStatus

DEFAULT_MAX_NODES = 100_000
"""About 64 MB of memo graph (some 640 bytes a snapshot) before it is dropped and rebuilt."""


class Slow(Exception):
    """A fast loop hands a step to the careful path (`Table._node`, `Table._fire`), which
    asks the engine for the error it raises."""


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
    """The enabled candidates of a snapshot ``x`` (the engine's `enabled()`), each with the
    cumulative weight up to it and its duration, and whether a duration passing ``limit`` (the
    days left before the horizon) blocked one.

    Guard, weight and duration are evaluated in the engine's order; where the engine raises
    (an expression that cannot be evaluated, a negative or huge weight or duration) this
    raises `Slow` or `ArithmeticError`, and the caller asks the engine for its error. Both
    the memo graph and the direct loop (``memo=False``) of `model.semantics.fastpath` use it:
    inlining it there gained about 3% (bench/montecarlo.py), not worth two copies.
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
    the engine's `apply`, every effect evaluated on ``x``, bounds, then invariants.

    Where the engine raises (an effect that cannot be evaluated, a bound or an invariant
    broken) this raises `Slow` or `ArithmeticError`, at the first sign of trouble, and the
    caller asks the engine for its error (which follows the engine's order of checks).

    The explorer takes every enabled candidate of a snapshot (`Table.successors`), the memo
    graph one at a time (`Table._fire`). The direct loop of `model.semantics.fastpath`
    (``memo=False``) keeps these lines inline: calling this from it cost 6% of its runs a
    second (bench/montecarlo.py, 0.75x -> 0.70x the hand-written loop).
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


class Node:
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
        self.status: EndStatus = "stuck"
        self.error: EvaluationError | None = None  # status "error": listing events failed
        self.cands: tuple[Candidate, ...] = ()
        self.cum: tuple[int, ...] = ()  # cumulative weights, for the choice
        self.days: tuple[int, ...] = ()
        self.indices: tuple[int, ...] = ()
        self.succ: list[Node | Failure | None] = []


@dataclass(frozen=True, slots=True)
class Failure:
    """A step that breaks a bound or an invariant (or whose effect cannot be evaluated);
    with ``index`` None, listing the enabled events failed."""

    index: int | None
    error: RunError


class Table:
    """A scenario under fixed parameters, compiled: its candidates per state and the snapshots
    reached so far (`Node`), each with its enabled transitions and successors."""

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
        self._compilers: dict[str | None, Compiler] = {}
        for state in self.states:
            stage = scenario.stage_of(state)
            if stage not in self._compilers:
                consts: dict[str, Value] = dict(self.params)
                length = sem.env_stage_days(state)
                if length is not None:
                    consts["stage_days"] = length
                self._compilers[stage] = Compiler(self._slots, consts)
        base = Compiler(self._slots, dict(self.params))
        self._invariants: tuple[tuple[str, Fn], ...] = tuple(
            (inv.id, base.text(inv.holds).fn) for inv in spec.invariants
        )
        self.table: tuple[tuple[Candidate, ...], ...] = tuple(
            () if self._outcomes[i] is not None else self._candidates(state)
            for i, state in enumerate(self.states)
        )
        self.initial = sem.initial()  # raises as `Run(...)` does for a bad start
        self._nodes: dict[tuple[int, tuple[Value, ...], int, int], Node] = {}
        self._root = self._start()

    # -- building ------------------------------------------------------------------------

    def _candidates(self, state: str) -> tuple[Candidate, ...]:
        compiler = self._compilers[self.scenario.stage_of(state)]
        out = []
        for t in self.semantics.candidates(state):
            c = self._candidate(t, state, compiler)
            if c is not None:
                out.append(c)
        return tuple(out)

    def _candidate(self, t: CompiledTransition, state: str, compiler: Compiler) -> Candidate | None:
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

    # -- snapshots -----------------------------------------------------------------------

    def _start(self) -> Node:
        snap = self.initial
        state = self._state_index[snap.state]
        return self._node(state, snap.values, snap.day, snap.stage_start)

    def _node(self, state: int, values: tuple[Value, ...], day: int, start: int) -> Node:
        """A node for a snapshot with its enabled transitions (the engine's `enabled()`).

        Where the engine's `enabled()` raises, the node has status "error" and the error.
        """
        node = Node(state, values, day, start, self._stage_bits[state])
        if self._outcomes[state] is not None:
            node.status = "outcome"
            return node
        try:
            self._enable(node)
        except EvaluationError as exc:
            node.status = "error"
            node.error = exc
        return node

    def _enable(self, node: Node) -> None:
        try:
            found, blocked = enabled(self.table[node.state], node.x, self.horizon - node.day)
        except (ArithmeticError, Slow):
            # The engine lists the enabled events again and raises its own error, placed in
            # the scenario file: errors are built in one place.
            self.semantics.enabled(self.snapshot(node))
            raise AssertionError("the engine found no error where the fast path did") from None
        if not found:
            node.status = "horizon" if blocked else "stuck"
            return
        node.cands = tuple(c for c, _, _ in found)
        node.cum = tuple(cum for _, cum, _ in found)
        node.days = tuple(d for _, _, d in found)
        node.total = node.cum[-1]
        node.indices = tuple(c[0] for c in node.cands)
        node.succ = [None] * len(found)

    def _fire(self, node: Node, i: int) -> Node | Failure:
        """The node after the ``i``-th enabled transition of ``node`` (the engine's `apply`)."""
        c = node.cands[i]
        try:
            ((_, _, _, key),) = fire(
                ((c, 0, node.days[i]),), node.x, node.values, node.day, node.start, self._invariants
            )
        except (ArithmeticError, Slow):
            return self._failure(node, c)
        if not self.memo:
            return self._node(*key)
        found = self._nodes.get(key)
        if found is None:
            found = self._nodes[key] = self._node(*key)
        return found

    def successors(self, key: Key) -> list[Successor]:
        """Every step out of the snapshot ``key`` (not an outcome), in declaration order:
        the engine's `enabled()` and `apply` for each enabled transition.

        Raises `Slow` or `ArithmeticError` where the engine raises for some transition;
        the caller then takes that snapshot's steps one by one on the engine (its `Semantics`),
        which builds the errors.
        """
        state, values, day, start = key
        x = (*values, day, day - start)
        found, _ = enabled(self.table[state], x, self.horizon - day)
        return fire(found, x, values, day, start, self._invariants)

    def blocked(self, key: Key) -> bool:
        """Whether a transition of the snapshot ``key`` is held back only by the horizon (as
        `Semantics.blocked_by_horizon`); raises `Slow` or `ArithmeticError` where it does."""
        state, values, day, start = key
        return enabled(self.table[state], (*values, day, day - start), self.horizon - day)[1]

    def key(self, snap: Snapshot) -> Key:
        return (self._state_index[snap.state], snap.values, snap.day, snap.stage_start)

    @property
    def outcomes(self) -> tuple[str | None, ...]:
        """The outcome label of each control state (None: not an outcome), by index."""
        return self._outcomes

    def _failure(self, node: Node, c: Candidate) -> Failure:
        """The engine's error for a step the fast path found failing (built in one place)."""
        try:
            self.semantics.apply(self.scenario.transitions[c[0]], self.snapshot(node))
        except RunError as exc:
            return Failure(c[0], exc)
        raise AssertionError("the engine found no error where the fast path did")

    def snapshot(self, node: Node) -> Snapshot:
        return Snapshot(self.states[node.state], node.values, node.day, node.start)

    @property
    def nodes(self) -> int:
        """Snapshots currently held in the memo graph."""
        return len(self._nodes)
