"""Answers to probabilistic questions (`model.scenario.queries`): exact, and by Monte Carlo.

**Exact.** The explored state graph is the absorbing Markov chain of `model.analysis.exact`.
"Reaching" a condition is a first visit, so each question is answered on the chain with the
nodes where the condition holds made absorbing (`model.analysis.chain.absorbing`): the mass
the rational solver (`model.analysis.exact.fraction_flow`) leaves at those nodes is the
probability of reaching them first, node by node, each with its day.

- ``chance of Y``: the mass reaching Y from the start; ``given X``: the mass first reaching X
  (the distribution over X's nodes) is put in again and flows on to Y, divided by the
  probability of X; ``by day N``: only Y's nodes on day N or earlier count; ``within N days
  of X``: X's first visits are grouped by day d, and for each group only Y's nodes by day
  d + N count.
- ``days to Y``: the mean of (day Y is reached - day X was), weighted by that mass.
- ``likeliest run to O``: Dijkstra's shortest path with step lengths -log(probability), the
  probability of the path then multiplied out in fractions.

With a saturating clock (a scenario without a horizon, docs/semantics.md) the day of a node is
exact only up to the clock's cap ``C``: ``by day N`` is answered exactly for N up to ``C``
(every later day is one value, beyond any N <= C); a later N, ``within``, ``days to`` under a
condition, and conditions that read the clock are answered by Monte Carlo only, and the
answer says why. ``days to`` an outcome uses the exact analysis's mean (from the durations).

**Monte Carlo.** Runs are the fast path's (`model.semantics.fastpath`), run ``i`` with seed
``run_seed(seed, i)`` as in `model.analysis.montecarlo`, with the snapshots each passes
through; the conditions are evaluated on them (once per distinct snapshot). A chance is a
share of the runs that reach X, with a Wilson interval; days are a mean with a normal 95%
interval; a likeliest run is checked by the share of runs taking exactly its steps.
"""

from __future__ import annotations

import heapq
import math
from collections import ChainMap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, cast

from model.analysis.endings import Number
from model.analysis.explore import Edge, StateGraph
from model.analysis.montecarlo import Z95, run_seed, wilson
from model.base.errors import RunError
from model.base.limits import DEFAULT_MAX_STEPS
from model.scenario import expr, walk
from model.scenario.compiled import ParamValue, Scenario
from model.scenario.queries import Query, scenario_names
from model.semantics.engine import Run
from model.semantics.rules import Key
from model.semantics.table import Table

if TYPE_CHECKING:
    from model.analysis.chain import Chain
    from model.analysis.exact import ExactResult

CLOCK_NAMES = frozenset({"day", "day_in_stage", "stage_days"})


class Conditions:
    """Conditions of questions evaluated on snapshots (as keys), each value kept once known."""

    def __init__(self, table: Table) -> None:
        self.table = table
        scenario = table.scenario
        names = scenario_names(scenario)
        self._flags = dict.fromkeys(names.flags(), False)
        self._memo: dict[tuple[str, Key], bool] = {}
        self._compiled: dict[str, expr.Compiled] = {}

    def reads_clock(self, text: str) -> bool:
        tree = self.table.scenario.expand(expr.parse(text))
        return bool(walk.names(tree) & CLOCK_NAMES)

    def holds(self, text: str, key: Key) -> bool:
        found = self._memo.get((text, key))
        if found is None:
            found = self._memo[text, key] = self._evaluate(text, key)
        return found

    def _evaluate(self, text: str, key: Key) -> bool:
        f = self._compiled.get(text)
        if f is None:
            tree = expr.parse(text)
            f = self._compiled[text] = expr.compile_expr(tree, self.table.scenario.tables)
        snap = self.table.snapshot(key)
        scenario = self.table.scenario
        flags = dict(self._flags)
        for name in (snap.state, scenario.stage_of(snap.state), scenario.outcome_of(snap.state)):
            if name in flags:
                flags[name] = True
        try:
            # A read-only view (ChainMap's type asks for mutable maps it never writes here).
            return bool(f(ChainMap(cast(Any, flags), cast(Any, self.table.env(snap)))))
        except ArithmeticError as exc:
            raise RunError(
                "evaluation_error",
                f"the condition {text!r} cannot be evaluated on day {snap.day} in state "
                f"{snap.state}: {exc}",
            ) from None


# -- exact answers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExactAnswer:
    """A question's exact answer, or why there is none (``value`` None and ``note``)."""

    value: Number | None
    given: Number | None = None
    """The probability of the condition the question is asked under (None: no condition)."""
    note: str | None = None
    path: tuple[Edge, ...] = ()
    """For ``likeliest run``: the steps, from the start."""


def exact_answers(
    graph: StateGraph, result: ExactResult, queries: Sequence[Query]
) -> list[ExactAnswer]:
    """Each question's exact answer on ``graph`` (complete, solved as ``result``)."""
    from model.analysis.chain import chain

    if result.method != "fraction" or graph.initial_error is not None:
        why = "the start breaks a rule" if graph.initial_error else "too large for fractions"
        return [ExactAnswer(None, note=f"not computed: {why}") for _ in queries]
    c = chain(graph)
    conditions = Conditions(graph.table)
    return [_exact(graph, c, result, conditions, q) for q in queries]


def _mask(graph: StateGraph, conditions: Conditions, text: str) -> Any:
    import numpy as np

    keys = graph.node_keys
    return np.fromiter((conditions.holds(text, k) for k in keys), bool, len(keys))


def _exact(
    graph: StateGraph, c: Chain, result: ExactResult, conditions: Conditions, q: Query
) -> ExactAnswer:
    from model.analysis.chain import absorbing

    if q.kind == "run":
        return _likeliest(graph, c, q.target)
    cap = result.clock_cap
    if cap is not None:
        why = _saturated(q, cap, conditions, graph.scenario)
        if why is not None:
            return ExactAnswer(None, note=why)
    start: dict[int, Fraction] = {0: Fraction(1)}
    given: Fraction | None = None
    if q.given is not None:
        mask = _mask(graph, conditions, q.given)
        start = _first(mask, start, absorbing(c, mask))
        given = sum(start.values(), Fraction(0))
        if not given:
            return ExactAnswer(None, given, f"{q.given} is never reached")
    hits = _mask(graph, conditions, q.target)
    target = absorbing(c, hits)
    if q.kind == "days" and q.given is None and cap is not None:
        # The target is an outcome (others are refused above): the analysis's mean.
        ending = result.ending(q.target)
        return ExactAnswer(ending.expected_days)
    by_day = q.within is not None or (q.kind == "days" and q.given is not None)
    # Each mass labelled by the day its run first reached the condition (0 without one), so
    # that one pass of the solver follows every group of runs (`ByDay`).
    labelled = {node: ByDay({int(c.day[node]) if by_day else 0: m}) for node, m in start.items()}
    reached = Fraction(0)
    weighted_days = Fraction(0)
    for node, masses in _first(hits, labelled, target).items():
        day = int(c.day[node])
        for since, mass in masses.items():
            if q.last_day is not None and day > q.last_day:
                continue
            if q.within is not None and day > since + q.within:
                continue
            reached += mass
            weighted_days += mass * (day - since)
    if q.kind == "days":
        if not reached:
            return ExactAnswer(None, given, f"{q.target} is never reached")
        return ExactAnswer(weighted_days / reached, given)
    return ExactAnswer(reached if given is None else reached / given, given)


def _first(mask: Any, start: Mapping[int, Any], c: Chain) -> dict[int, Any]:
    """The mass first reaching each node of ``mask`` from ``start``, on ``c`` (a chain where
    runs stop at those nodes: `absorbing`); masses are fractions or `ByDay` vectors."""
    from model.analysis.exact import fraction_flow

    ends, _ = fraction_flow(c, cast(Mapping[int, Fraction], start))
    return {j: m for j, m in ends.items() if m and mask[j]}


class ByDay(dict[int, Fraction]):
    """Masses of probability labelled by a day: a vector the rational solver
    (`model.analysis.exact.fraction_flow`) carries as it carries one fraction, since it only
    adds masses, subtracts them and scales them by fractions."""

    def __add__(self, other: object) -> ByDay:
        out = ByDay(self)
        if isinstance(other, ByDay):
            for k, v in other.items():
                out[k] = out.get(k, 0) + v
        elif other != 0:
            return NotImplemented
        return out

    __radd__ = __add__

    def __sub__(self, other: object) -> ByDay:
        return self + (-1) * other if isinstance(other, ByDay) else self + other

    def __rsub__(self, other: object) -> ByDay:
        return (-1) * self + other

    def __mul__(self, factor: object) -> ByDay:
        if not isinstance(factor, Fraction | int):
            return NotImplemented
        return ByDay({k: v * factor for k, v in self.items()})

    __rmul__ = __mul__

    def __truediv__(self, divisor: object) -> ByDay:
        if not isinstance(divisor, Fraction | int):
            return NotImplemented
        return ByDay({k: v / divisor for k, v in self.items()})


def _saturated(q: Query, cap: int, conditions: Conditions, scenario: Scenario) -> str | None:
    """Why ``q`` has no exact answer under a clock kept exactly only to day ``cap`` (None:
    it has one)."""
    texts = [q.target] + ([q.given] if q.given else [])
    if any(conditions.reads_clock(t) for t in texts):
        return (
            f"Monte Carlo only: the condition reads the clock, kept exactly only to day {cap:,} "
            "(no horizon)"
        )
    if q.last_day is not None and q.last_day > cap:
        return (
            f"Monte Carlo only: the clock is kept exactly only to day {cap:,} (no horizon); "
            f"ask for day {cap:,} or earlier for an exact answer"
        )
    if q.within is not None:
        return f"Monte Carlo only: days after day {cap:,} are not kept (no horizon)"
    if q.kind == "days" and (q.given is not None or q.target not in _outcomes(scenario)):
        return (
            f"Monte Carlo only: days after day {cap:,} are not kept (no horizon); "
            "exact expected days are known for outcomes"
        )
    return None


def _outcomes(scenario: Scenario) -> set[str]:
    return {s.outcome for s in scenario.spec.states if s.outcome}


def _likeliest(graph: StateGraph, c: Chain, outcome: str) -> ExactAnswer:
    """The most probable sequence of steps from the start to a node of ``outcome``."""
    labels = graph.state_outcomes
    keys = graph.node_keys
    total = c.total.tolist()
    best: dict[int, float] = {0: 0.0}
    via: dict[int, int] = {}
    queue = [(0.0, 0)]
    found = None
    while queue:
        cost, i = heapq.heappop(queue)
        if cost > best.get(i, math.inf):
            continue
        if labels[keys[i][0]] == outcome:
            found = i
            break
        for e in range(graph.edge_offsets[i], graph.edge_offsets[i + 1]):
            j = graph.edge_target[e]
            step = cost - math.log(graph.edge_weight[e] / total[i])
            if step < best.get(j, math.inf):
                best[j] = step
                via[j] = e
                heapq.heappush(queue, (step, j))
    if found is None:
        return ExactAnswer(None, note=f"{outcome} is never reached")
    path: list[Edge] = []
    node = found
    while node != 0:
        edge = graph.edge(via[node])
        path.append(edge)
        node = edge.source
    path.reverse()
    p = Fraction(1)
    for edge in path:
        p *= Fraction(edge.weight, total[edge.source])
    return ExactAnswer(p, path=tuple(path))


# -- Monte Carlo -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleAnswer:
    """A question's Monte Carlo estimate: ``value`` with a 95% interval over ``n`` runs (the
    runs that reach the question's condition: all runs when it has none)."""

    value: float | None
    low: float | None
    high: float | None
    count: int
    n: int
    runs: int


def sample_answers(
    scenario: Scenario,
    params: Mapping[str, ParamValue],
    queries: Sequence[Query],
    paths: Mapping[int, tuple[int, ...]],
    *,
    runs: int,
    seed: int = 0,
    max_steps: int = DEFAULT_MAX_STEPS,
    progress: Callable[[int, int], None] | None = None,
) -> list[SampleAnswer]:
    """Each question estimated from ``runs`` runs (``paths``: for the likeliest-run
    questions, by position, the transitions of the exact path to count)."""
    from model.semantics.fastpath import compile_table

    try:
        table = compile_table(scenario, params)
    except RunError:  # the start breaks a rule: no run reaches anything
        return [_summary(q, [], runs) for q in queries]
    conditions = Conditions(table)
    seen: list[list[float]] = [[] for _ in queries]  # per question: one entry per counted run
    for i in range(runs):
        r = table.run(run_seed(seed, i), max_steps, strict=False, trace=True, keys=True)
        assert r.keys is not None and r.trace is not None
        for k, q in enumerate(queries):
            if q.kind == "run":
                seen[k].append(float(r.trace == paths.get(k)))
                continue
            found = _observe(q, r.keys, conditions)
            if found is not None:
                seen[k].append(found)
        if progress is not None and (i + 1) % 1000 == 0:
            progress(i + 1, runs)
    return [_summary(q, values, runs) for q, values in zip(queries, seen)]


def _observe(q: Query, keys: Sequence[Key], conditions: Conditions) -> float | None:
    """What one run says about ``q``: None when it does not count (it never reaches the
    condition; for ``days``, nor the target after it); else 1.0/0.0 (the target reached
    in time or not) or the days taken."""
    begin, since = 0, 0
    if q.given is not None:
        at = next((i for i, k in enumerate(keys) if conditions.holds(q.given, k)), None)
        if at is None:
            return None
        begin, since = at, keys[at][2]
    hit = next((k for k in keys[begin:] if conditions.holds(q.target, k)), None)
    if q.kind == "days":
        return None if hit is None else float(hit[2] - since)
    if hit is None:
        return 0.0
    day = hit[2]
    if q.last_day is not None and day > q.last_day:
        return 0.0
    if q.within is not None and day > since + q.within:
        return 0.0
    return 1.0


def _summary(q: Query, values: list[float], runs: int) -> SampleAnswer:
    n = len(values)
    if q.kind != "days":
        count = int(sum(values))
        low, high = wilson(count, n)
        return SampleAnswer(count / n if n else None, low, high, count, n, runs)
    if not n:
        return SampleAnswer(None, None, None, 0, 0, runs)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    half = Z95 * sd / math.sqrt(n)
    return SampleAnswer(mean, mean - half, mean + half, n, n, runs)


# -- both, side by side ------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryResult:
    """Questions with their exact answers (when the graph could be solved) and estimates."""

    queries: tuple[Query, ...]
    exact: tuple[ExactAnswer, ...] | None
    exact_note: str | None
    """Why there are no exact answers (``exact`` None)."""
    states: int
    clock_cap: int | None
    samples: tuple[SampleAnswer, ...]
    runs: int
    seed: int
    max_steps: int


def answer_queries(
    scenario: Scenario,
    params: Mapping[str, ParamValue],
    queries: Sequence[Query],
    *,
    runs: int,
    seed: int = 0,
    max_steps: int = DEFAULT_MAX_STEPS,
    max_states: int,
    progress: Callable[[int, int], None] | None = None,
) -> QueryResult:
    """Answer ``queries`` exactly (within ``max_states`` snapshots) and from ``runs`` runs."""
    from model.analysis.exact import IncompleteGraph, analyse
    from model.analysis.explore import explore

    exact: tuple[ExactAnswer, ...] | None = None
    note = None
    states = 0
    cap = None
    if max_states <= 0:
        note = "not computed (--max-states 0)"
    else:
        graph = explore(scenario, params, max_states=max_states)
        try:
            result = analyse(graph)
        except IncompleteGraph:
            note = f"not computed: more than {max_states:,} states (--max-states)"
        else:
            exact = tuple(exact_answers(graph, result, queries))
            states, cap = result.states, result.clock_cap
    paths = {k: tuple(e.transition for e in a.path) for k, a in enumerate(exact or ()) if a.path}
    samples = sample_answers(
        scenario,
        params,
        queries,
        paths,
        runs=runs,
        seed=seed,
        max_steps=max_steps,
        progress=progress,
    )
    return QueryResult(
        tuple(queries), exact, note, states, cap, tuple(samples), runs, seed, max_steps
    )


def replay(scenario: Scenario, params: Mapping[str, ParamValue], path: Sequence[Edge]) -> Run:
    """The steps of ``path`` (a likeliest run) taken on the engine, for its trace."""
    run = Run(scenario, params)
    for edge in path:
        run.fire(edge.transition)
    return run


__all__ = [
    "Conditions",
    "ExactAnswer",
    "QueryResult",
    "SampleAnswer",
    "answer_queries",
    "exact_answers",
    "replay",
    "sample_answers",
]
