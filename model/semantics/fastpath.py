"""Simulation fast path: weighted random runs over the compiled table, for Monte Carlo.

`compile_table` compiles a scenario under fixed parameters into a `FastTable`: the
`model.semantics.table.Table` (candidates per state compiled to positional closures) with two
ways to take a weighted random run:

- over a **lazily built graph of snapshots** (the default, ``memo=True``): the first time a
  snapshot is reached, its enabled transitions, their integer weights and cumulative weights
  are computed once and kept in a `Node`; the first time a transition fires from it, the node
  it leads to (or the error it raises, a `Failure`) is linked in. A run through a snapshot that
  an earlier run reached only draws a number and follows a link. The graph is dropped and
  rebuilt if it grows past ``max_nodes``, so memory stays bounded on huge state spaces.
- a **direct loop** (``memo=False``) that evaluates the table afresh at every step (`enabled`,
  `fire`) and keeps nothing.

Any step where something goes wrong (an expression that raises, a negative weight or duration,
a broken bound or invariant) is handed to the table's careful path, so errors are built in one
place. The semantics are the table's, as the engine's (see `model.semantics.table`); the choice is
`weighted_choice`'s (one ``randrange(total)`` of the summed integer weights per step, even with
a single candidate, then the first index whose cumulative weight exceeds the draw). A step that
breaks a bound or an invariant ends the run with status ``"error"`` and the `RunError` the
engine raises; an expression that cannot be evaluated while listing the enabled events raises,
as `Run.play` does (or, with ``strict=False``, ends the run with status ``"error"``).
`tests/test_fastpath.py` checks all of this against `Run.play`, trace for trace, and `runner`
against the tests' reference (`semantics_runner`, tests/reference_semantics.py), run for run.

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

import dataclasses
import random
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import cast

from model.base.errors import RunError
from model.base.limits import DEFAULT_MAX_STEPS
from model.scenario.compiled import ParamValue, Scenario
from model.semantics.rules import Choice, Key, Slow
from model.semantics.step import Snapshot
from model.semantics.summary import EndStatus, RunOnce, RunSummary
from model.semantics.table import Table

DEFAULT_MAX_NODES = 100_000
"""About 64 MB of memo graph (some 640 bytes a snapshot) before it is dropped and rebuilt."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """How one run ended: what `Run.play` returns and what its `Run` holds afterwards."""

    status: EndStatus
    snapshot: Snapshot  # the last snapshot (before the failing step, on an error)
    steps: int  # events fired
    stages: tuple[str, ...]  # stages the run was in at some point, in the declared order
    outcome: str | None  # the outcome label, when status is "outcome"
    trace: tuple[int, ...] | None = None  # fired transition indices, when asked for
    error: RunError | None = None  # on status "error": what the engine raises
    failed: int | None = None  # on status "error": the transition that failed, if one did
    keys: tuple[Key, ...] | None = None  # the snapshots passed through, start first, when asked for

    @property
    def day(self) -> int:
        return self.snapshot.day

    @property
    def state(self) -> str:
        return self.snapshot.state


class Node:
    """One snapshot with its steps (and, once taken, where they lead)."""

    __slots__ = (
        "choices",
        "cum",
        "error",
        "indices",
        "key",
        "stage_bit",
        "status",
        "succ",
        "total",
    )

    def __init__(self, key: Key, stage_bit: int) -> None:
        self.key = key
        self.stage_bit = stage_bit
        self.total = 0  # sum of the steps' weights; 0: the run stops here with `status`
        self.status: EndStatus = "stuck"
        self.error: RunError | None = None  # status "error": listing the steps failed
        self.choices: list[Choice] = []
        self.cum: tuple[int, ...] = ()  # cumulative weights, for the choice
        self.indices: tuple[int, ...] = ()
        self.succ: list[Node | Failure | None] = []


@dataclass(frozen=True, slots=True)
class Failure:
    """A step that breaks a bound or an invariant (or whose effect cannot be evaluated);
    with ``index`` None, listing the enabled events failed."""

    index: int | None
    error: RunError


class FastTable(Table):
    """A compiled `Table` with weighted random runs over it (and the memo graph of `Node`)."""

    def __init__(
        self,
        scenario: Scenario,
        params: Mapping[str, object] | None = None,
        *,
        memo: bool = True,
        max_nodes: int = DEFAULT_MAX_NODES,
    ) -> None:
        super().__init__(scenario, params)
        self.initial = self.start()  # raises as `Run(...)` does for a bad start
        self.memo = memo
        self.max_nodes = max_nodes
        self._nodes: dict[Key, Node] = {}
        self._root = self._start_node()
        self._stage_sets = _StageSets(self.stages)
        self._rng = random.Random()
        self._draw = _drawer(self._rng)

    # -- the memo graph --------------------------------------------------------------------

    def _start_node(self) -> Node:
        return self._node(self.key(self.initial))

    def _node(self, key: Key) -> Node:
        """A node for a snapshot with its steps; where listing them fails, the node has
        status "error" and the error."""
        node = Node(key, self._stage_bits[key[0]])
        if self._outcomes[key[0]] is not None:
            node.status = "outcome"
            return node
        try:
            try:
                found, blocked = self.choices(key, False)
            except (ArithmeticError, Slow):
                found, blocked = self.listing(key)
        except RunError as exc:
            node.status = "error"
            node.error = exc
            return node
        if not found:
            node.status = "horizon" if blocked else "stuck"
            return node
        node.choices = found
        node.cum = tuple(accumulate(ch[1] for ch in found))
        node.total = node.cum[-1]
        node.indices = tuple(ch[0] for ch in found)
        node.succ = [None] * len(found)
        return node

    def _fire(self, node: Node, i: int) -> Node | Failure:
        """The node after the ``i``-th step of ``node``."""
        choice = node.choices[i]
        try:
            key = self.take(node.key, choice, False)
        except (ArithmeticError, Slow):
            try:
                self.take(node.key, choice, True)
            except RunError as exc:
                return Failure(choice[0], exc)
            raise AssertionError(
                "the careful path found no error where the fast path did"
            ) from None
        if not self.memo:
            return self._node(key)
        found = self._nodes.get(key)
        if found is None:
            found = self._nodes[key] = self._node(key)
        return found

    @property
    def nodes(self) -> int:
        """Snapshots currently held in the memo graph."""
        return len(self._nodes)

    # -- runs --------------------------------------------------------------------------------

    def run(
        self,
        seed: int | random.Random | None = 0,
        max_steps: int = DEFAULT_MAX_STEPS,
        *,
        trace: bool = False,
        strict: bool = True,
        keys: bool = False,
    ) -> RunResult:
        """One weighted random run: the same as ``Run(scenario, params).play(seed, max_steps)``.

        ``seed`` is a seed for ``random.Random`` (as `Run.play` takes) or a generator to draw
        from (and advance). With ``trace``, the result lists the fired transitions' indices;
        with ``keys``, the snapshots the run passed through (as keys), for questions about
        the whole run (`model.analysis.queries`).

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
        visited: list[Key] | None = [] if keys else None
        result = self._walk(draw, max_steps, fired, visited)
        if strict and result.error is not None and result.failed is None:
            raise result.error.with_traceback(None)
        return result

    def _walk(
        self,
        draw: Callable[[int], int],
        max_steps: int,
        fired: list[int] | None,
        visited: list[Key] | None = None,
    ) -> RunResult:
        """One run: over the memo graph, extending it where the run goes first, or (without
        ``memo``) evaluating every step afresh and keeping nothing."""
        memo = self.memo
        if not memo:
            node = self._node(self.key(self.initial))
        else:
            if len(self._nodes) > self.max_nodes:
                self._nodes = {}
                self._root = self._start_node()
            node = self._root
        mask = node.stage_bit
        if visited is not None:
            visited.append(node.key)
        steps = 0
        failure: Failure | None = None
        while steps < max_steps:
            total = node.total
            if not total:
                break
            r = draw(total)  # one draw a step, as `weighted_choice`, even with one candidate
            cum = node.cum
            i = bisect_right(cum, r) if len(cum) > 1 else 0
            nxt = node.succ[i] if memo else None
            if nxt is None:
                nxt = self._fire(node, i)
                if memo:
                    node.succ[i] = nxt
            if isinstance(nxt, Failure):
                failure = nxt
                break
            if fired is not None:
                fired.append(node.indices[i])
            if visited is not None:
                visited.append(nxt.key)
            node = nxt
            mask |= node.stage_bit
            steps += 1
        status: EndStatus
        if failure is not None:
            status = "error"
        elif node.error is not None:
            status, failure = "error", Failure(None, node.error)
        elif node.total:
            status = "max_steps"
        else:
            status = node.status
        result = self._result(status, node.key, steps, mask, fired, failure)
        if visited is not None:
            result = dataclasses.replace(result, keys=tuple(visited))
        return result

    def _result(
        self,
        status: EndStatus,
        key: Key,
        steps: int,
        mask: int,
        fired: list[int] | None,
        failure: Failure | None,
    ) -> RunResult:
        return RunResult(
            status=status,
            snapshot=self.snapshot(key),
            steps=steps,
            stages=self._stage_sets[mask],
            outcome=self._outcomes[key[0]],
            trace=None if fired is None else tuple(fired),
            error=None if failure is None else failure.error,
            failed=None if failure is None else failure.index,
        )


def compile_table(
    scenario: Scenario,
    params: Mapping[str, object] | None = None,
    *,
    memo: bool = True,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> FastTable:
    """Compile ``scenario`` under ``params`` (defaults, with overrides as `Run` takes them).

    Raises what ``Run(scenario, params)`` raises for bad parameters or a bad start.
    """
    return FastTable(scenario, params, memo=memo, max_nodes=max_nodes)


def runner(scenario: Scenario, params: Mapping[str, ParamValue], max_steps: int) -> RunOnce:
    """A `model.semantics.summary.RunnerFactory` on the fast path: ``run_once(seed) ->
    RunSummary``.

    Gives what the tests' reference `semantics_runner` gives, run for run (tested), so
    ``monte_carlo(..., runner=model.semantics.fastpath.runner)`` changes the speed, not the figures.
    """
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
