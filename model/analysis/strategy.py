"""What a party (or coalition) can force: the least and greatest probability of each outcome.

On the decision process of `model.analysis.game` (the coalition's decisions as choices,
everything else by its weights and chances, or the other parties against it), for each
outcome: the least and the greatest probability the coalition can ensure, a strategy that
achieves each, and whether it can force the outcome surely (every run under the strategy
reaches it), almost surely (probability 1), or cannot avoid it (probability 1 whatever it
does).

**Method.** The explored graph is nearly acyclic (the clock grows), so the values are computed
backwards through its strongly connected components in reverse topological order: a snapshot
outside a cycle takes the best of its options over the values already known (one Bellman
step, which is exact); a component with a cycle (zero-day cycles, or a saturated clock) is
solved by policy iteration: each strategy's values solve a linear system exactly, and a
choice changes only where another option is strictly better, which ends at an optimal
strategy (a fixed point of the Bellman equation is optimal for the greatest probability;
for the least, the snapshots where the coalition can avoid the outcome surely are set to 0
first, which makes the fixed point unique). ``"fraction"`` does this in rational arithmetic
(exact answers); ``"float"`` in floating point (the same algorithm: the results differ from
the exact ones by rounding only, checked below 1e-9 by the tests; a choice changes only when
it improves by more than `FLOAT_SLACK`). With ``adversarial`` a cyclic component is a game
whose values are found by value iteration from 0 in floating point until no value moves by
more than `FLOAT_SLACK` (named ``"float+value-iteration"``; the whole game is then solved
in floating point, whatever ``method`` asks). ``"auto"`` takes the rational
arithmetic when the graph has at most `FRACTION_MAX_NODES` snapshots where runs go on and no
cyclic component larger than `FRACTION_MAX_COMPONENT`.

Notebook use::

    from model import load
    from model.analysis.explore import explore
    from model.analysis.strategy import guarantees
    g = guarantees(explore(load("scenarios/cairo_three_stage_truce.yaml")), {"israel"})
    for o in g.outcomes:
        print(o.outcome, float(o.least.probability), float(o.greatest.probability))

`guarantee_table` computes its rows (one per coalition) in ``jobs`` worker processes or on
any `concurrent.futures.Executor`, as Monte Carlo does, with the same result.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from model.analysis.chain import TRANSIENT, Chain
from model.analysis.chain import chain as chain_of
from model.analysis.endings import Number
from model.analysis.exact import ExactResult, IncompleteGraph, analyse
from model.analysis.explore import StateGraph
from model.analysis.game import PASS, Game, Moves, Policy, build_game, restriction, taken
from model.analysis.linear import reaching, solve_rows
from model.analysis.parallel import DeferredSignals, gather, own_pool
from model.scenario.compiled import ParamValue

Arithmetic = Literal["auto", "fraction", "float"]
ARITHMETICS: tuple[Arithmetic, ...] = ("auto", "fraction", "float")
Sense = Literal["least", "greatest"]

FRACTION_MAX_NODES = 20_000
FRACTION_MAX_COMPONENT = 200
FLOAT_SLACK = 1e-12
"""In floating point, a choice changes only when another option is better by more than this."""
MAX_VALUE_ITERATIONS = 1_000_000


@dataclass(frozen=True)
class Bound:
    """The least or greatest probability of one outcome, and a strategy achieving it."""

    outcome: str
    sense: Sense
    probability: Number
    policy: Policy


@dataclass(frozen=True)
class OutcomeGuarantee:
    """What the coalition can do about one outcome."""

    outcome: str
    least: Bound
    greatest: Bound
    surely: bool
    """Some strategy reaches the outcome on every run (not only with probability 1)."""

    @property
    def almost_surely(self) -> bool:
        """The coalition can make the outcome happen with probability 1."""
        return self.greatest.probability == 1

    @property
    def unavoidable(self) -> bool:
        """The outcome happens with probability 1 whatever the coalition does."""
        return self.least.probability == 1

    @property
    def avoidable(self) -> bool:
        """The coalition can make sure the outcome never happens."""
        return self.least.probability == 0

    @property
    def possible(self) -> bool:
        return self.greatest.probability > 0


@dataclass(frozen=True)
class Guarantees:
    """Every outcome's bounds for one coalition, on one explored graph."""

    scenario_id: str
    params: Mapping[str, ParamValue]
    coalition: tuple[str, ...]
    adversarial: bool
    method: str
    states: int
    choice_points: int
    """Snapshots where the coalition has a choice."""
    outcomes: tuple[OutcomeGuarantee, ...]
    game: Game
    seconds: float = 0.0
    clock_cap: int | None = None
    """With a saturating clock (no horizon): the last day kept exactly (see `ExactResult`)."""

    def outcome(self, name: str) -> OutcomeGuarantee:
        for o in self.outcomes:
            if o.outcome == name:
                return o
        raise KeyError(name)


def guarantees(
    graph: StateGraph,
    coalition: Iterable[str],
    *,
    adversarial: bool = False,
    method: Arithmetic = "auto",
    chain: Chain | None = None,
) -> Guarantees:
    """The least and greatest probability of each outcome the ``coalition`` (party ids) can
    ensure on a complete explored ``graph``, with strategies achieving them (``chain``: the
    graph's `model.analysis.chain.chain`, when several coalitions share it)."""
    _check(graph, method)
    started = time.perf_counter()
    game = build_game(graph, frozenset(coalition), adversarial, chain)
    found = solve_row(_Row(game, tuple(_outcome_labels(graph)), method))
    return _guarantees(game, found, time.perf_counter() - started)


def guarantee_table(
    graph: StateGraph,
    coalitions: Iterable[Iterable[str]],
    *,
    adversarial: bool = False,
    method: Arithmetic = "auto",
    jobs: int = 1,
    executor: Executor | None = None,
    signals: DeferredSignals | None = None,
) -> list[Guarantees]:
    """`guarantees` of each coalition on one graph (its chain built once), one row each.

    Rows are independent, so they can be computed elsewhere, as Monte Carlo chunks are
    (`model.analysis.montecarlo`): ``jobs`` (with no ``executor``) 1 computes them in this
    process, more in a local process pool of that many workers (at most one per row; Ctrl-C
    acted on at once; closed on return); ``executor``: any `concurrent.futures.Executor`
    (used, not closed; ``signals``: its `DeferredSignals` if it is an
    `model.analysis.parallel.own_pool`). This process builds each row's decision process
    (`model.analysis.game.Moves`: a few MB, cheaper to send than exploring the graph again,
    and any graph can be split) and the worker solves it, with the same code: the result is
    the same, rationals and floats bit for bit, whatever ``jobs`` or ``executor``.
    """
    _check(graph, method)
    c = chain_of(graph)
    if executor is None and jobs <= 1:
        return [
            guarantees(graph, k, adversarial=adversarial, method=method, chain=c)
            for k in coalitions
        ]
    started = time.perf_counter()
    labels = tuple(_outcome_labels(graph))
    games = [build_game(graph, frozenset(k), adversarial, c) for k in coalitions]
    found: list[_Found | None] = [None] * len(games)

    def collect(future: Future[_Found], k: int) -> None:
        found[k] = future.result()

    def run(pool: Executor, deferred: DeferredSignals | None) -> None:
        futures = {}
        for k, game in enumerate(games):
            futures[pool.submit(solve_row, _Row(game.moves(), labels, method))] = k
            if deferred is not None:
                deferred.check()
        gather(futures, deferred, collect)

    if executor is not None:
        run(executor, signals)
    elif games:
        with own_pool(min(jobs, len(games))) as (pool, own_signals):
            run(pool, own_signals)
    seconds = (time.perf_counter() - started) / max(len(games), 1)  # wall time, shared
    out = []
    for game, row in zip(games, found):
        assert row is not None  # `gather` collected every future
        out.append(_guarantees(game, row, seconds))
    return out


@dataclass(frozen=True)
class _Row:
    """One coalition's bounds to compute: a picklable unit of work."""

    moves: Moves
    labels: tuple[str, ...]
    method: Arithmetic


_Found = tuple[tuple[OutcomeGuarantee, ...], str]
"""A row's outcomes and the method named."""


def solve_row(row: _Row) -> _Found:
    """Every outcome's least and greatest probability on one decision process (in this
    process or a worker: the same code, hence the same numbers)."""
    game = row.moves
    c = game.chain
    # A cyclic component of a game is solved by value iteration, in floating point.
    exact = not (game.adversarial and _cyclic_choices(game)) and (
        row.method == "fraction" or (row.method == "auto" and _small(game))
    )
    solver = _Solver(game, Fraction if exact else float)
    outcomes = []
    for label in row.labels:
        target = [
            c.keys[e] == ("outcome", label) if e != TRANSIENT else False for e in c.ending.tolist()
        ]
        low = solver.solve(target, maximise=False)
        high = solver.solve(target, maximise=True)
        # Surely implies probability 1: the attractor is built only where that is possible.
        near_one = high[0][0] == 1 if exact else float(high[0][0]) >= 1 - 1e-9
        outcomes.append(
            OutcomeGuarantee(
                label,
                Bound(label, "least", low[0][0], low[1]),
                Bound(label, "greatest", high[0][0], high[1]),
                near_one and _surely(game, solver.components, target)[0],
            )
        )
    named = "fraction" if exact else "float"
    return tuple(outcomes), named + ("+value-iteration" if solver.iterated else "")


def _check(graph: StateGraph, method: str) -> None:
    if method not in ARITHMETICS:
        raise ValueError(f"unknown method {method!r}: one of {', '.join(ARITHMETICS)}")
    if graph.initial_error is not None:  # the start itself breaks a rule
        raise graph.initial_error
    if not graph.complete or not all(graph.expanded):
        raise IncompleteGraph(
            f"the state graph of {graph.scenario.id} was cut off at {graph.node_count:,} "
            "states; raise max_states for the bounds"
        )


def _guarantees(game: Game, found: _Found, seconds: float) -> Guarantees:
    graph, clock = game.graph, game.graph.table.clock
    return Guarantees(
        graph.scenario.id,
        dict(graph.params),
        tuple(sorted(game.coalition)),
        game.adversarial,
        found[1],
        graph.node_count,
        len(game.choices),
        found[0],
        game,
        seconds,
        None if clock is None else clock.day,
    )


def under_strategy(g: Guarantees, policy: Policy, method: str = "auto") -> ExactResult:
    """The exact analysis of the runs under ``policy``: an ordinary Markov chain (each
    choice fixed, everything else by its weights), solved by `model.analysis.exact`."""
    chosen = method if method != "auto" else ("fraction" if "fraction" in g.method else "sparse")
    return analyse(g.game.graph, chosen, restriction=restriction(g.game, policy))  # type: ignore[arg-type]


def _outcome_labels(graph: StateGraph) -> list[str]:
    seen: dict[str, None] = {}
    for s in graph.scenario.spec.states:
        if s.outcome:
            seen.setdefault(s.outcome, None)
    return list(seen)


def _cyclic_choices(game: Moves) -> bool:
    """Whether some snapshot with a choice lies on a cycle."""
    import numpy as np

    c = game.chain
    nodes = np.fromiter(game.choices, np.int64, len(game.choices))
    return bool(c.cyclic[c.component[nodes]].any()) if len(nodes) else False


def _small(game: Moves) -> bool:
    import numpy as np

    c = game.chain
    transient = int(np.count_nonzero(c.ending == TRANSIENT))
    sizes = np.bincount(c.component, minlength=len(c.cyclic))[c.cyclic]
    largest = int(sizes.max()) if len(sizes) else 0
    return transient <= FRACTION_MAX_NODES and largest <= FRACTION_MAX_COMPONENT


class _Solver:
    """Values and strategies on one game, for one target set at a time."""

    def __init__(self, game: Moves, number: type[Fraction] | type[float]) -> None:
        import numpy as np

        self.game = game
        self.number = number
        self.zero, self.one = number(0), number(1)
        c = game.chain
        self.targets = c.target.tolist()
        self.weights = c.weight.tolist()
        self.total = c.total.tolist()
        self.terminal = (c.ending != TRANSIENT).tolist()
        self.ptr = game.ptr
        members = np.argsort(c.component, kind="stable")
        cuts = np.searchsorted(c.component[members], np.arange(len(c.cyclic) + 1)).tolist()
        groups = members.tolist()
        self.components = [
            (groups[cuts[k] : cuts[k + 1]], bool(c.cyclic[k])) for k in c.order[::-1].tolist()
        ]
        self.iterated = False

    # -- one node ------------------------------------------------------------------------

    def _ratio(self, num: Number, den: int) -> Number:
        return Fraction(num, den) if self.number is Fraction else num / den  # type: ignore[arg-type]

    def chance_value(self, i: int, v: Sequence[Number]) -> Number:
        acc: Number = self.zero
        for k in range(self.ptr[i], self.ptr[i + 1]):
            acc += self.weights[k] * v[self.targets[k]]
        return self._ratio(acc, self.total[i])

    def best(
        self, i: int, v: Sequence[Number], maximise: bool, current: tuple[int, ...] | None = None
    ) -> tuple[Number, tuple[int, ...]]:
        """The value of node ``i`` with every layer choosing its best option, and the
        choices; a choice in ``current`` is kept unless another is strictly better."""
        ch = self.game.choices[i]
        x: Number | None = None
        if ch.can_pass:
            acc: Number = self.zero
            den = ch.fallback_errors
            for k in ch.fallback:
                acc += self.weights[k] * v[self.targets[k]]
                den += self.weights[k]
            x = self._ratio(acc, den)
        picks: list[int] = []
        slack = 0 if self.number is Fraction else FLOAT_SLACK
        for depth in range(len(ch.layers) - 1, -1, -1):
            player, options = ch.layers[depth]
            up = maximise if player == "coalition" else not maximise
            values = [v[self.targets[e]] if e >= 0 else self.zero for e, _ in options]
            indices = list(range(len(options)))
            if x is not None:
                values.append(x)
                indices.append(PASS)
            keep = None if current is None else current[depth]
            pick = keep if keep is not None else indices[0]
            value = values[indices.index(pick)]
            for idx, val in zip(indices, values):
                if (val > value + slack) if up else (val < value - slack):
                    pick, value = idx, val
            picks.append(pick)
            x = value
        assert x is not None
        return x, tuple(reversed(picks))

    def fixed_value(self, i: int, v: Sequence[Number], policy: Policy) -> Number:
        edges, errors = taken(self.game, i, policy)
        acc: Number = self.zero
        den = sum(self.game.failing.get(i, {}).get(t, 0) for t in errors)
        for k in edges:
            acc += self.weights[k] * v[self.targets[k]]
            den += self.weights[k]
        return self._ratio(acc, den)

    def successors(self, i: int, policy: Policy | None) -> list[tuple[int, int]]:
        """(target, weight) of the steps out of ``i`` (under ``policy``, if given)."""
        if policy is None or i not in self.game.choices:
            ks: Iterable[int] = range(self.ptr[i], self.ptr[i + 1])
        else:
            ks = taken(self.game, i, policy)[0]
        return [(self.targets[k], self.weights[k]) for k in ks]

    # -- the whole graph -----------------------------------------------------------------

    def solve(self, target: Sequence[bool], maximise: bool) -> tuple[list[Number], Policy]:
        """Values of every node (reach ``target``), and an optimal strategy."""
        v: list[Number] = [self.one if t else self.zero for t in target]
        policy: Policy = {}
        choices = self.game.choices
        for members, cyclic in self.components:
            if not cyclic:
                i = members[0]
                if self.terminal[i]:
                    continue
                if i in choices:
                    v[i], policy[i] = self.best(i, v, maximise)
                elif self.total[i]:
                    v[i] = self.chance_value(i, v)
            elif self.game.adversarial and any(i in choices for i in members):
                self._iterate(members, v, policy, maximise)
            else:
                self._policy_iteration(members, v, policy, maximise)
        return v, policy

    def _iterate(self, members: list[int], v: list[Number], policy: Policy, up: bool) -> None:
        """A cyclic component of a game: value iteration from 0 in floating point."""
        self.iterated = True
        for i in members:
            v[i] = 0.0
        for _ in range(MAX_VALUE_ITERATIONS):
            moved = 0.0
            for i in members:
                if self.terminal[i]:
                    continue
                old = v[i]
                if i in self.game.choices:
                    v[i], policy[i] = self.best(i, v, up)
                else:
                    v[i] = self.chance_value(i, v)
                moved = max(moved, abs(float(v[i]) - float(old)))
            if moved <= FLOAT_SLACK:
                return

    def _policy_iteration(
        self, members: list[int], v: list[Number], policy: Policy, up: bool
    ) -> None:
        choices = self.game.choices
        inside = set(members)
        fixed: set[int] = set()
        if not up:  # where the coalition can avoid the target surely, its least value is 0
            forced = self._cannot_avoid(members, v)
            fixed = inside - forced
            for i in fixed:
                if self.terminal[i]:
                    continue
                v[i] = self.zero
                if i in choices:
                    policy[i] = self._avoiding(i, v, forced, inside)
        for i in members:
            if i in choices and i not in fixed:
                policy[i] = self.best(i, v, up)[1]
        while True:
            self._evaluate([i for i in members if i not in fixed], v, policy)
            changed = False
            for i in members:
                if i in choices and i not in fixed:
                    pick = self.best(i, v, up, policy[i])[1]
                    if pick != policy[i]:
                        policy[i], changed = pick, True
            if not changed:
                return

    def _cannot_avoid(self, members: list[int], v: Sequence[Number]) -> set[int]:
        """Members from which every strategy reaches a positive value with positive
        probability (the least fixed point; outside the component, values are known)."""
        positive: set[int] = {i for i in members if self.terminal[i] and v[i] > 0}
        inside = set(members)
        while True:
            grew = False
            for i in members:
                if i in positive or self.terminal[i]:
                    continue
                if self._forced(i, v, positive, inside):
                    positive.add(i)
                    grew = True
            if not grew:
                return positive

    def _hit(self, j: int, v: Sequence[Number], positive: set[int], inside: set[int]) -> bool:
        return j in positive if j in inside else v[j] > 0

    def _forced(self, i: int, v: Sequence[Number], positive: set[int], inside: set[int]) -> bool:
        ch = self.game.choices.get(i)
        if ch is None:
            return any(self._hit(j, v, positive, inside) for j, _ in self.successors(i, None))
        options = [
            e >= 0 and self._hit(self.targets[e], v, positive, inside) for e, _ in ch.layers[0][1]
        ]
        if ch.can_pass:
            options.append(
                any(self._hit(self.targets[k], v, positive, inside) for k in ch.fallback)
            )
        return all(options)

    def _avoiding(
        self, i: int, v: Sequence[Number], positive: set[int], inside: set[int]
    ) -> tuple[int, ...]:
        """A choice at ``i`` (the coalition's layer) none of whose steps reaches a positive
        value (one exists: ``i`` is not forced)."""
        ch = self.game.choices[i]
        for idx, (e, _) in enumerate(ch.layers[0][1]):
            if e < 0 or not self._hit(self.targets[e], v, positive, inside):
                return (idx,)
        return (PASS,)

    def _evaluate(self, members: list[int], v: list[Number], policy: Policy) -> None:
        """The values of ``members`` under ``policy``: a linear system, nodes that cannot
        reach a positive value outside it set to 0."""
        index = {i: r for r, i in enumerate(members)}
        rows: list[list[tuple[int, Number]]] = []
        rhs: list[Number] = []
        for i in members:
            if self.terminal[i]:
                rows.append([])
                rhs.append(v[i])
                continue
            succ = self.successors(i, policy)
            den = sum(w for _, w in succ)
            if i in self.game.choices:
                _, errors = taken(self.game, i, policy)
                den += sum(self.game.failing.get(i, {}).get(t, 0) for t in errors)
            else:
                den = self.total[i]
            row: list[tuple[int, Number]] = []
            b: Number = self.zero
            for j, w in succ:
                p = self._ratio(w, den)
                if j in index:
                    row.append((index[j], p))
                else:
                    b += p * v[j]
            rows.append(row)
            rhs.append(b)
        live = reaching(len(members), rows, [r != 0 for r in rhs])
        values = solve_rows(rows, rhs, live, self.number)
        for r, i in enumerate(members):
            v[i] = values[r]


def _surely(
    game: Moves, components: Sequence[tuple[list[int], bool]], target: Sequence[bool]
) -> list[bool]:
    """Nodes from which some strategy of the coalition reaches ``target`` on every run (the
    other parties' choices, with ``adversarial``, against it): an attractor, built through
    the components in reverse topological order."""
    c = game.chain
    sure = list(target)
    targets = c.target.tolist()
    errors = (c.error_weight != 0).tolist()
    ending = c.ending.tolist()
    ptr = game.ptr

    def forced(i: int) -> bool:
        ch = game.choices.get(i)
        if ch is None:
            steps = range(ptr[i], ptr[i + 1])
            return not errors[i] and len(steps) > 0 and all(sure[targets[k]] for k in steps)
        x: bool | None = None
        if ch.can_pass:
            x = not ch.fallback_errors and all(sure[targets[k]] for k in ch.fallback)
        for player, options in reversed(ch.layers):
            vals = [e >= 0 and sure[targets[e]] for e, _ in options]
            if x is not None:
                vals.append(x)
            x = any(vals) if player == "coalition" else all(vals)
        return bool(x)

    for members, cyclic in components:
        grew = True
        while grew:
            grew = False
            for i in members:
                if not sure[i] and ending[i] == TRANSIENT and forced(i):
                    sure[i] = grew = True
            grew = grew and cyclic
    return sure


__all__ = [
    "ARITHMETICS",
    "Bound",
    "Guarantees",
    "OutcomeGuarantee",
    "guarantee_table",
    "guarantees",
    "solve_row",
    "under_strategy",
]
