"""Exact outcome probabilities: the explored state graph as an absorbing Markov chain.

A run in snapshot ``i`` picks one of the enabled transitions with probability proportional
to its weight (`model.semantics.step.weighted_choice`), so each explored node is a state of a
Markov chain and each edge carries probability ``weight / (sum of enabled weights)``. A run
ends in

- an **outcome** node (outcome states are not expanded: runs end there);
- a **dead end**: no event can happen, because of the horizon (``horizon``) or not
  (``stuck``) -- the same statuses `Run.play` reports;
- an **error**: the chosen step breaks a bound or an invariant, or an expression cannot be
  evaluated (the engine refuses it; the run ends where it was);
- or never: zero-duration cycles can trap a run for ever (``cycling``). Monte Carlo runs
  report these as ``max_steps``.

The probabilities of these endings sum to 1. Expected days to an outcome are conditional on
reaching it; because the clock is part of every snapshot, the day a run ends is the day of
the node where it ends, so the whole distribution of days is exact too, not just its mean.

Two independent solvers, which the tests check against each other:

- ``"fraction"``: rational arithmetic. Strongly connected components of the graph are
  taken in topological order; probability mass flows forward through acyclic parts and each
  cyclic component is solved exactly by Gaussian elimination over `fractions.Fraction`.
- ``"sparse"``: floating point. The expected number of visits ``v`` to each transient node
  solves ``(I - Q)^T v = e_start`` (Q: transitions between transient nodes), one sparse LU
  factorisation (`scipy.sparse.linalg.splu`) in topological order.

Nodes from which no ending can be reached are left out of the linear system (mass entering
them is the ``cycling`` share), so the system is always non-singular.

Where an exact solve is too large, ``"interval"`` gives bounds instead: mass is pushed
forward one step at a time (a sparse product); the mass that has ended at each node is a
lower bound of the exact value, and the mass still moving bounds what all of them miss
together, so iterating until it is below ``tolerance`` certifies every probability (and
every day's) to within ``tolerance`` -- up to floating-point rounding, about 1e-15 per step.
The chain and its components are built on arrays (`model.analysis.chain`). ``"auto"`` picks
the rational solver when its estimated memory is within `FRACTION_MEMORY_BUDGET`
(`model.base.limits`), the sparse one otherwise; the result names the method.

Notebook use::

    from model import load
    from model.analysis.exact import analyse_scenario
    result = analyse_scenario(load("scenarios/cairo_three_stage_truce.yaml"), {"batch_size": 20})
    for e in result.endings:
        print(e.name, float(e.probability), e.expected_days)
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, cast

from model.analysis.chain import TRANSIENT, Chain, Kind, Restriction, chain
from model.analysis.endings import (
    NO_OUTCOME,
    ExactEnding,
    Number,
    beyond_cap,
    float_endings,
    fraction_endings,
)
from model.analysis.explore import StateGraph, explore
from model.analysis.linear import solve_rows
from model.analysis.solvers import DEFAULT_TOLERANCE, METHODS, Method
from model.base.limits import FRACTION_MEMORY_BUDGET, MAX_INTERVAL_ITERATIONS
from model.scenario.compiled import ParamValue, Scenario

Solved = Literal["fraction", "sparse", "interval"]

FRACTION_BYTES_PER_STATE = 600
"""Memory of the rational solver per transient state, for `FRACTION_MEMORY_BUDGET`:
measured with tracemalloc on the scaled long_exchange model (bench/exact.py), where the mass
of a state is a fraction of a few dozen digits, with the dictionaries holding them."""
FRACTION_BYTES_PER_ENTRY = 200
"""Memory per entry of the dense matrix that solves the largest cyclic component exactly
(a fraction with its numerator and denominator)."""
DEFAULT_MAX_STATES = 200_000
"""Default exploration limit for `analyse_scenario`."""


class IncompleteGraph(ValueError):
    """The state graph was cut off (``max_states``): exact probabilities are unknown."""


@dataclass(frozen=True)
class ExactResult:
    """Every ending of a scenario under fixed parameters, with exact probabilities."""

    scenario_id: str
    params: Mapping[str, ParamValue]
    states: int
    edges: int
    method: Solved
    endings: tuple[ExactEnding, ...]
    cyclic_components: int
    """Strongly connected components with a cycle (possible only through zero-duration
    steps), including those a run can never leave."""
    explore_seconds: float = 0.0
    solve_seconds: float = 0.0
    bound: float | None = None
    """With ``method="interval"``: each probability (and each day's) is a lower bound, and
    the exact values exceed them by at most this much in all (None for exact solves)."""
    iterations: int = 0
    """Steps of interval iteration (0 for exact solves)."""
    clock_cap: int | None = None
    """With a saturating clock (a scenario without a horizon): the last day of a run kept
    exactly; later days are one value, and expected days come from the steps' durations."""
    clock_stage_cap: int | None = None
    """With a saturating clock: the last day within a stage kept exactly."""
    tolerance: float | None = None
    """The bound interval iteration aimed at (`bound` is above it only when it stopped at
    `MAX_INTERVAL_ITERATIONS`)."""

    def ending(self, name: str, kind: Kind = "outcome") -> ExactEnding:
        for e in self.endings:
            if e.name == name and e.kind == kind:
                return e
        raise KeyError(name)

    @property
    def outcomes(self) -> dict[str, Number]:
        return {e.name: e.probability for e in self.endings if e.kind == "outcome"}

    @property
    def never_absorbed(self) -> Number:
        """Probability of never reaching an outcome (dead ends, errors and cycles)."""
        return sum(
            (e.probability for e in self.endings if e.kind == "no_outcome"),
            start=Fraction(0) if self.method == "fraction" else 0.0,
        )

    @property
    def total(self) -> Number:
        """Sum over every ending: 1 (exactly, with ``method="fraction"``)."""
        return sum(
            (e.probability for e in self.endings),
            start=Fraction(0) if self.method == "fraction" else 0.0,
        )


# -- the solvers ----------------------------------------------------------------------------
# Each returns the mass that ends at each node (a terminal node, or a node from which no
# ending can be reached: ``cycling``) and the mass whose step breaks a rule at each node.


def fraction_flow(
    c: Chain,
    start: Mapping[int, Fraction] | None = None,
    visits: dict[int, Fraction] | None = None,
) -> tuple[dict[int, Fraction], dict[int, Fraction]]:
    """Rational arithmetic: mass flows through the components in topological order; each
    cyclic component is solved exactly by Gaussian elimination. ``start``: the mass put in
    at each node (default: 1 at the start); ``visits``, if given, receives the expected
    visits of each transient node."""
    import numpy as np

    by_source = np.argsort(c.source, kind="stable")
    ptr = np.searchsorted(c.source[by_source], np.arange(c.n + 1)).tolist()
    targets, weights = c.target[by_source].tolist(), c.weight[by_source].tolist()
    total, error_weight = c.total.tolist(), c.error_weight.tolist()
    transient = c.transient
    comp = c.component[transient]
    cuts = (np.flatnonzero(np.diff(comp)) + 1).tolist()
    cyclic = c.cyclic[comp[[0, *cuts]]].tolist() if len(transient) else []
    nodes = transient.tolist()
    inflow: dict[int, Fraction] = {0: Fraction(1)} if start is None else dict(start)
    errors: dict[int, Fraction] = {}

    def push(i: int, mass: Fraction, skip: Mapping[int, int] | None) -> None:
        if visits is not None:
            visits[i] = mass
        share = mass / total[i]
        if error_weight[i]:
            errors[i] = share * error_weight[i]
        for k in range(ptr[i], ptr[i + 1]):
            j = targets[k]
            if skip is None or j not in skip:
                inflow[j] = inflow.get(j, 0) + share * weights[k]

    bounds = [0, *cuts, len(nodes)]
    for g, is_cyclic in enumerate(cyclic):
        members = nodes[bounds[g] : bounds[g + 1]]
        if not is_cyclic:
            mass = inflow.pop(members[0], None)
            if mass is not None:
                push(members[0], mass, None)
            continue
        index = {i: k for k, i in enumerate(members)}
        b = [inflow.pop(i, Fraction(0)) for i in members]
        if not any(b):
            continue
        edges = [(index[i], k) for i in members for k in range(ptr[i], ptr[i + 1])]
        v = _solve_component(edges, targets, weights, total, members, index, b)
        for i, mass in zip(members, v):
            if mass:
                push(i, mass, index)
    return inflow, errors


def _fraction_days(
    c: Chain, visits: Mapping[int, Fraction]
) -> tuple[dict[int, Fraction], dict[int, Fraction]]:
    """Day-weighted masses: for each node where runs end, the sum over the runs ending there
    of probability × days taken (so that dividing by the probability gives the mean day
    without reading the node's day, which a saturating clock does not keep). They solve the
    same system as the visits, with mass put in at each step's target: its source's visits ×
    its probability × its days."""
    total = c.total.tolist()
    inject: dict[int, Fraction] = {}
    for i, j, w, d in zip(c.source.tolist(), c.target.tolist(), c.weight.tolist(), c.days.tolist()):
        if d and i in visits:
            inject[j] = inject.get(j, Fraction(0)) + visits[i] * Fraction(w * d, total[i])
    return fraction_flow(c, inject)


def _zero_day_cycles(c: Chain) -> int:
    """Groups of states a run can go round without a day passing (with a saturating clock,
    cycles in which days pass are ordinary: the clock no longer grows)."""
    import numpy as np

    from model.analysis.chain import components

    instant = c.days == 0
    _, _, cyclic = components(c.n, c.source[instant], c.target[instant])
    return int(np.count_nonzero(cyclic))


def _solve_component(
    edges: list[tuple[int, int]],
    targets: list[int],
    weights: list[int],
    total: list[int],
    members: list[int],
    index: Mapping[int, int],
    b: list[Fraction],
) -> list[Fraction]:
    """Solve ``v = b + Q_CC^T v`` for one cyclic component exactly (`solve_rows`)."""
    rows: list[list[tuple[int, Number]]] = [[] for _ in members]
    for c, k in edges:
        to = index.get(targets[k])
        if to is not None:
            rows[to].append((c, Fraction(weights[k], total[members[c]])))
    # The masses may be fractions or per-day vectors of them (`queries.ByDay`), which the
    # elimination treats alike: what it returns is of the masses' kind.
    solved = solve_rows(rows, b, [True] * len(members), Fraction)
    return cast(list[Fraction], solved)


def _transient_system(c: Chain) -> tuple[int, Any, Any, Any, Any]:
    """Over the live transient nodes (rows ``transient``): the row of the start (-1: runs
    end or cycle for ever there), the transposed transitions between them ``Q^T``, the
    transposed transitions into every node ``P^T`` (n rows) and each node's error share;
    floating point."""
    import numpy as np
    from scipy.sparse import csr_matrix

    transient = c.transient
    m = len(transient)
    row = np.full(c.n, -1, dtype=np.int64)
    row[transient] = np.arange(m)
    total = c.total.astype(float)
    out = row[c.source] >= 0
    src, tgt = row[c.source[out]], c.target[out]
    p = c.weight[out].astype(float) / total[c.source[out]]
    into_transient = row[tgt] >= 0
    qt = csr_matrix((p[into_transient], (row[tgt[into_transient]], src[into_transient])), (m, m))
    pt = csr_matrix((p, (tgt, src)), shape=(c.n, m))
    error_share = c.error_weight[transient].astype(float) / total[transient]  # total > 0
    return int(row[0]), transient, qt, pt, error_share


def _sparse_flow(c: Chain, with_days: bool = False) -> tuple[Any, Any, Any]:
    """Floating point: expected visits ``v`` to the live transient nodes solve
    ``(I - Q)^T v = e_start``, one sparse LU factorisation.

    The nodes are numbered in topological order of their components, so the matrix is
    lower triangular but for the blocks of cycles of zero-duration steps: factorised in that
    order (no column permutation) the factors fill in only inside those blocks. The matrix is
    column diagonally dominant (a column holds 1 - Q_jj on the diagonal and the other
    probabilities of leaving j below it), so elimination without row exchanges is stable,
    and the diagonal is never 0 (a live node can leave). ``with_days``: also the
    day-weighted masses (see `_fraction_days`)."""
    import numpy as np
    from scipy.sparse import identity
    from scipy.sparse.linalg import splu

    start, transient, qt, pt, error_share = _transient_system(c)
    m = len(transient)
    if start < 0:
        return (*_at_start(c), None)
    rhs = np.zeros(m)
    rhs[start] = 1.0
    matrix = (identity(m, format="csc") - qt).tocsc()
    lu = splu(matrix, permc_spec="NATURAL", diag_pivot_thresh=0.0)
    v = lu.solve(rhs)
    ends, errors = _flows(c, transient, pt, error_share, v)
    if not with_days:
        return ends, errors, None
    # The days: the same system, mass put in where each step's days are spent (see
    # `_fraction_days`).
    row = np.full(c.n, -1, dtype=np.int64)
    row[transient] = np.arange(m)
    total = c.total.astype(float)
    src_row = row[c.source]
    took = c.days.astype(float) * c.weight.astype(float) / total[c.source]
    took[src_row < 0] = 0.0
    inject = np.zeros(c.n)
    np.add.at(inject, c.target, np.where(src_row >= 0, took * v[np.maximum(src_row, 0)], 0.0))
    u = lu.solve(inject[transient])
    ends_u, errors_u = _flows(c, transient, pt, error_share, u)
    ends_u += np.where(row < 0, inject, 0.0)
    return ends, errors, (ends_u, errors_u)


def _at_start(c: Chain) -> tuple[Any, Any]:
    """Runs end at the start (or cycle for ever from there): all the mass ends there."""
    import numpy as np

    ends = np.zeros(c.n)
    ends[0] = 1.0
    return ends, np.zeros(c.n)


def _flows(c: Chain, transient: Any, pt: Any, error_share: Any, v: Any) -> tuple[Any, Any]:
    """Mass ending at each node, and breaking a rule at each node, from visits ``v``."""
    import numpy as np

    ends = pt @ v
    ends[transient] = 0.0  # mass passing through, not ending
    errors = np.zeros(c.n)
    errors[transient] = v * error_share
    return ends, errors


def _interval_flow(c: Chain, tolerance: float) -> tuple[Any, Any, float, int]:
    """Certified bounds by iteration: after ``k`` steps, the mass that has ended is a lower
    bound at every node, and the mass still moving (``gap``) bounds from above what is
    missing from all of them together. Iterates until ``gap <= tolerance`` (or
    `MAX_INTERVAL_ITERATIONS`). Memory: the transition matrix and a few vectors."""
    import numpy as np

    start, transient, qt, pt, error_share = _transient_system(c)
    if start < 0:
        return (*_at_start(c), 0.0, 0)
    x = np.zeros(len(transient))
    x[start] = 1.0
    visits = np.zeros(len(transient))
    gap, steps = 1.0, 0
    while gap > tolerance and steps < MAX_INTERVAL_ITERATIONS:
        visits += x
        x = qt @ x
        gap = float(x.sum())
        steps += 1
    ends, errors = _flows(c, transient, pt, error_share, visits)
    return ends, errors, gap, steps


def _fraction_bytes(c: Chain) -> int:
    """Estimated memory of the rational solver (see `FRACTION_MEMORY_BUDGET`)."""
    import numpy as np

    cyclic_sizes = np.bincount(c.component, minlength=len(c.cyclic))[c.cyclic]
    largest = int(cyclic_sizes.max()) if len(cyclic_sizes) else 0
    transient = int(np.count_nonzero(c.ending == TRANSIENT))
    return FRACTION_BYTES_PER_STATE * transient + FRACTION_BYTES_PER_ENTRY * largest**2


# -- the analysis ---------------------------------------------------------------------------


def analyse(
    graph: StateGraph,
    method: Method = "auto",
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    restriction: Restriction | None = None,
) -> ExactResult:
    """Exact probability and days of every ending, from a complete explored graph.

    ``graph`` comes from `model.analysis.explore.explore` without ``stop`` (a stopped snapshot would
    count as a dead end). ``method``: ``"fraction"`` (exact rationals), ``"sparse"``
    (floating point), ``"interval"`` (lower bounds within ``tolerance`` of the exact values,
    the bound certified), or ``"auto"`` (rationals when their estimated memory is within
    `FRACTION_MEMORY_BUDGET`, sparse otherwise).
    ``restriction``: only the steps it keeps (a party's strategy, `model.analysis.game`).
    Raises `IncompleteGraph` when exploration was cut off by ``max_states``.
    """
    _check_options(method, tolerance)
    started = time.perf_counter()
    scenario = graph.scenario
    labels = _outcome_labels(scenario)
    if graph.initial_error is not None:  # the start itself breaks a rule
        chosen: Solved = "fraction" if method == "auto" else method
        zero: Number = Fraction(0) if chosen == "fraction" else 0.0
        one = zero + 1
        endings = [ExactEnding("outcome", label, zero, {}) for label in labels]
        endings += [
            ExactEnding("no_outcome", k, one, {0: one})
            if k == "error"
            else ExactEnding("no_outcome", k, zero, {})
            for k in NO_OUTCOME
        ]
        interval = chosen == "interval"
        return ExactResult(
            scenario.id,
            dict(graph.params),
            0,
            0,
            chosen,
            tuple(endings),
            0,
            bound=0.0 if interval else None,
            tolerance=tolerance if interval else None,
        )
    if not graph.complete or not all(graph.expanded):
        raise IncompleteGraph(
            f"the state graph of {scenario.id} was cut off at {len(graph.nodes):,} "
            "states; raise max_states for exact probabilities"
        )
    c = chain(graph, restriction)
    if method == "auto":
        method = "fraction" if _fraction_bytes(c) <= FRACTION_MEMORY_BUDGET else "sparse"
    bound: float | None = None
    steps = 0
    clock = graph.table.clock
    cap = None if clock is None else clock.day
    if method == "fraction":
        visits: dict[int, Fraction] = {}
        ends_f, errors_f = fraction_flow(c, visits=visits)
        endings = fraction_endings(c, labels, ends_f, errors_f)
        if cap is not None:
            endings = beyond_cap(c, endings, cap, _fraction_days(c, visits))
    else:
        weighted = None
        if method == "sparse":
            ends, errors, weighted = _sparse_flow(c, with_days=cap is not None)
        else:
            ends, errors, bound, steps = _interval_flow(c, tolerance)
        endings = float_endings(c, labels, ends, errors)
        if cap is not None:
            endings = beyond_cap(c, endings, cap, weighted)
    return ExactResult(
        scenario_id=scenario.id,
        params=dict(graph.params),
        states=c.n,
        edges=len(graph.edges),
        method=method,
        endings=tuple(endings),
        cyclic_components=int(c.cyclic.sum()) if cap is None else _zero_day_cycles(c),
        clock_cap=cap,
        clock_stage_cap=None if clock is None else clock.stage,
        solve_seconds=time.perf_counter() - started,
        bound=bound,
        iterations=steps,
        tolerance=tolerance if method == "interval" else None,
    )


def _check_options(method: str, tolerance: float) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: one of {', '.join(METHODS)}")
    if not 0 < tolerance < 1:
        raise ValueError(f"tolerance must be between 0 and 1, found {tolerance}")


def _outcome_labels(scenario: Scenario) -> list[str]:
    """Outcome labels in the order their states are declared, each once."""
    seen: dict[str, None] = {}
    for s in scenario.spec.states:
        if s.outcome:
            seen.setdefault(s.outcome, None)
    return list(seen)


def analyse_scenario(
    scenario: Scenario,
    params: Mapping[str, object] | None = None,
    *,
    method: Method = "auto",
    tolerance: float = DEFAULT_TOLERANCE,
    max_states: int | None = DEFAULT_MAX_STATES,
) -> ExactResult:
    """Explore ``scenario`` (up to ``max_states`` snapshots) and analyse it exactly.

    Raises `IncompleteGraph` when the scenario has more states than ``max_states``.
    """
    _check_options(method, tolerance)  # before exploring, which can take long
    started = time.perf_counter()
    graph = explore(scenario, params, max_states=max_states)
    explored = time.perf_counter() - started
    result = analyse(graph, method, tolerance=tolerance)
    return dataclasses.replace(result, explore_seconds=explored)


__all__ = [
    "DEFAULT_MAX_STATES",
    "DEFAULT_TOLERANCE",
    "METHODS",
    "ExactResult",
    "IncompleteGraph",
    "analyse",
    "analyse_scenario",
    "fraction_flow",
]
