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
  solve (`scipy.sparse.linalg.spsolve`).

Nodes from which no ending can be reached are left out of the linear system (mass entering
them is the ``cycling`` share), so the system is always non-singular.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from model.analysis.explore import StateGraph, explore
from model.analysis.graphs import strongly_connected_components
from model.base.errors import RunError
from model.scenario.compiled import ParamValue, Scenario

Method = Literal["auto", "fraction", "sparse"]
Number = Fraction | float
Kind = Literal["outcome", "no_outcome"]

NO_OUTCOME = ("stuck", "horizon", "error", "cycling")
"""Endings without an outcome, in report order."""

FRACTION_MAX_STATES = 50_000
"""``method="auto"`` uses rational arithmetic up to this many states (and cyclic components
of at most `FRACTION_MAX_COMPONENT` nodes), sparse floating point above."""
FRACTION_MAX_COMPONENT = 300
DEFAULT_MAX_STATES = 200_000
"""Default exploration limit for `analyse_scenario`."""


class IncompleteGraph(ValueError):
    """The state graph was cut off (``max_states``): exact probabilities are unknown."""


@dataclass(frozen=True)
class ExactEnding:
    """One way a run can end, with its exact probability and the days it takes."""

    kind: Kind
    name: str
    probability: Number
    days: Mapping[int, Number] = field(repr=False)
    """Probability of ending this way on each day (sums to ``probability``); empty for
    ``cycling``, which never ends."""

    @property
    def expected_days(self) -> Number | None:
        """Mean day of the ending, given that the run ends this way (None if it cannot)."""
        if not self.days or self.probability == 0:
            return None
        total = sum((d * p for d, p in self.days.items()), start=self._zero())
        return total / self.probability

    def quantile(self, q: float) -> int | None:
        """The smallest day by which a share ``q`` of the runs ending this way have ended."""
        if not self.days or self.probability == 0:
            return None
        acc = self._zero()
        target = self.probability * (Fraction(q) if isinstance(acc, Fraction) else q)
        for day in sorted(self.days):
            acc += self.days[day]
            if acc >= target:
                return day
        return max(self.days)  # pragma: no cover - float rounding only

    def _zero(self) -> Number:
        return Fraction(0) if isinstance(self.probability, Fraction) else 0.0


@dataclass(frozen=True)
class ExactResult:
    """Every ending of a scenario under fixed parameters, with exact probabilities."""

    scenario_id: str
    params: Mapping[str, ParamValue]
    states: int
    edges: int
    method: Literal["fraction", "sparse"]
    endings: tuple[ExactEnding, ...]
    cyclic_components: int
    """Strongly connected components with a cycle (possible only through zero-duration
    steps), including those a run can never leave."""
    explore_seconds: float = 0.0
    solve_seconds: float = 0.0

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


# -- the chain ----------------------------------------------------------------------------


@dataclass
class _Chain:
    """The explored graph reduced to what the solvers need."""

    n: int
    day: list[int]
    # per node: (target, weight) with weights summed per target; empty for terminal nodes
    succ: list[list[tuple[int, int]]]
    total: list[int]  # sum of enabled weights (0 for terminal nodes)
    error_weight: list[int]  # share of `total` whose step breaks a rule
    terminal: dict[int, tuple[Kind, str]]  # outcome, stuck and horizon nodes
    live: list[bool] = field(default_factory=list)  # an ending can be reached from here


def _chain(graph: StateGraph) -> _Chain:
    if not graph.complete or not all(graph.expanded):
        raise IncompleteGraph(
            f"the state graph of {graph.scenario.id} was cut off at {len(graph.nodes):,} "
            "states; raise max_states for exact probabilities"
        )
    sem = graph.semantics
    n = len(graph.nodes)
    errors: dict[int, set[int]] = {}
    for se in graph.step_errors:
        errors.setdefault(se.node, set()).add(se.transition)
    outcome_of = {s.id: s.outcome for s in graph.scenario.spec.states}
    succ: list[list[tuple[int, int]]] = []
    total = [0] * n
    error_weight = [0] * n
    terminal: dict[int, tuple[Kind, str]] = {}
    edges = graph.edges
    for i, snap in enumerate(graph.nodes):
        label = outcome_of[snap.state]
        if label is not None:
            succ.append([])
            terminal[i] = ("outcome", label)
            continue
        out: dict[int, int] = {}
        for e in graph.out_edges[i]:
            edge = edges[e]
            out[edge.target] = out.get(edge.target, 0) + edge.weight
        weight = sum(out.values())
        if i in errors:
            try:
                enabled = sem.enabled(snap)
            except RunError:  # a guard, weight or duration cannot be evaluated: runs stop here
                out, weight, enabled = {}, 0, []
                error_weight[i] = 1
            else:
                error_weight[i] = sum(w for t, w in enabled if t.index in errors[i])
            assert not enabled or weight + error_weight[i] == sum(w for _, w in enabled)
        succ.append(list(out.items()))
        total[i] = weight + error_weight[i]
        if total[i] == 0:
            blocked = sem.blocked_by_horizon(snap)
            terminal[i] = ("no_outcome", "horizon" if blocked else "stuck")
    chain = _Chain(n, [s.day for s in graph.nodes], succ, total, error_weight, terminal)
    chain.live = _live(chain)
    return chain


def _live(chain: _Chain) -> list[bool]:
    """Nodes from which some ending (terminal node or error) can be reached."""
    preds: list[list[int]] = [[] for _ in range(chain.n)]
    for i, out in enumerate(chain.succ):
        for j, _ in out:
            preds[j].append(i)
    live = [False] * chain.n
    stack = [i for i in range(chain.n) if i in chain.terminal or chain.error_weight[i] > 0]
    for i in stack:
        live[i] = True
    while stack:
        j = stack.pop()
        for i in preds[j]:
            if not live[i]:
                live[i] = True
                stack.append(i)
    return live


def _components(chain: _Chain, nodes: Sequence[int]) -> list[list[int]]:
    """Strongly connected components of the subgraph on ``nodes``, in topological order."""
    components = strongly_connected_components(nodes, lambda v: (s[0] for s in chain.succ[v]))
    components.reverse()
    return components


def _masses_fraction(chain: _Chain, start: int, comps: list[list[int]]) -> dict[int, Number]:
    """Expected visits to each live transient node (mass flowing through it), exactly."""
    inflow: dict[int, Fraction] = {start: Fraction(1)}
    visits: dict[int, Number] = {}
    for comp in comps:
        if not _cyclic(chain, comp):
            i = comp[0]
            mass = inflow.pop(i, None)
            if mass is None:
                continue
            visits[i] = mass
            _push(chain, i, mass, inflow, None)
            continue
        members = {i: k for k, i in enumerate(comp)}
        b = [inflow.pop(i, Fraction(0)) for i in comp]
        if not any(b):
            continue
        v = _solve_component(chain, comp, members, b)
        for i, mass in zip(comp, v):
            if mass:
                visits[i] = mass
                _push(chain, i, mass, inflow, members)
    return visits


def _push(
    chain: _Chain,
    i: int,
    mass: Fraction,
    inflow: dict[int, Fraction],
    skip: Mapping[int, int] | None,
) -> None:
    total = chain.total[i]
    for j, w in chain.succ[i]:
        if skip is not None and j in skip:
            continue
        inflow[j] = inflow.get(j, Fraction(0)) + mass * w / total


def _solve_component(
    chain: _Chain, comp: list[int], members: Mapping[int, int], b: list[Fraction]
) -> list[Fraction]:
    """Solve ``v = b + Q_CC^T v`` for one cyclic component by Gaussian elimination."""
    m = len(comp)
    rows: list[list[Fraction]] = [[Fraction(0)] * m + [b[r]] for r in range(m)]
    for r in range(m):
        rows[r][r] += 1
    for c, i in enumerate(comp):
        total = chain.total[i]
        for j, w in chain.succ[i]:
            k = members.get(j)
            if k is not None:
                rows[k][c] -= Fraction(w, total)
    for c in range(m):
        pivot = next(r for r in range(c, m) if rows[r][c] != 0)
        rows[c], rows[pivot] = rows[pivot], rows[c]
        inv = 1 / rows[c][c]
        rows[c] = [x * inv for x in rows[c]]
        for r in range(m):
            if r != c and rows[r][c] != 0:
                f = rows[r][c]
                rows[r] = [x - f * y for x, y in zip(rows[r], rows[c])]
    return [rows[r][m] for r in range(m)]


def _masses_sparse(chain: _Chain, start: int, transient: list[int]) -> dict[int, Number]:
    """Expected visits to each live transient node, by one sparse LU solve."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import spsolve

    row_of = {i: r for r, i in enumerate(transient)}
    m = len(transient)
    if start not in row_of:
        return {}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, i in enumerate(transient):
        total = chain.total[i]
        for j, w in chain.succ[i]:
            c = row_of.get(j)
            if c is not None:
                rows.append(c)  # transposed: (I - Q)^T
                cols.append(r)
                vals.append(-w / total)
    diag = np.arange(m, dtype=np.int64)
    data = np.concatenate([np.ones(m), np.asarray(vals, dtype=float)])
    i_idx = np.concatenate([diag, np.asarray(rows, dtype=np.int64)])
    j_idx = np.concatenate([diag, np.asarray(cols, dtype=np.int64)])
    a = coo_matrix((data, (i_idx, j_idx)), shape=(m, m)).tocsc()
    rhs = np.zeros(m)
    rhs[row_of[start]] = 1.0
    v = np.atleast_1d(spsolve(a, rhs))
    return {i: float(v[r]) for r, i in enumerate(transient) if v[r] != 0.0}


def _cyclic(chain: _Chain, comp: list[int]) -> bool:
    """A component with a cycle: several nodes, or one with a step back to itself."""
    return len(comp) > 1 or any(j == comp[0] for j, _ in chain.succ[comp[0]])


def analyse(graph: StateGraph, method: Method = "auto") -> ExactResult:
    """Exact probability and days of every ending, from a complete explored graph.

    ``graph`` comes from `model.analysis.explore.explore` without ``stop`` (a stopped snapshot would
    count as a dead end). ``method``: ``"fraction"`` (exact rationals), ``"sparse"``
    (floating point), or ``"auto"`` (rationals for graphs up to `FRACTION_MAX_STATES`).
    Raises `IncompleteGraph` when exploration was cut off by ``max_states``.
    """
    started = time.perf_counter()
    scenario = graph.scenario
    labels = _outcome_labels(scenario)
    zero: Number = Fraction(0) if method != "sparse" else 0.0
    if graph.initial_error is not None:  # the start itself breaks a rule
        one = zero + 1
        endings = [ExactEnding("outcome", label, zero, {}) for label in labels]
        endings += [
            ExactEnding("no_outcome", k, one, {0: one})
            if k == "error"
            else ExactEnding("no_outcome", k, zero, {})
            for k in NO_OUTCOME
        ]
        chosen: Literal["fraction", "sparse"] = "sparse" if method == "sparse" else "fraction"
        return ExactResult(scenario.id, dict(graph.params), 0, 0, chosen, tuple(endings), 0)
    chain = _chain(graph)
    start = 0
    # components are wholly live or not: live ones are solved, the others only counted
    comps = _components(chain, [i for i in range(chain.n) if i not in chain.terminal])
    cyclic_comps = [c for c in comps if _cyclic(chain, c)]
    comps = [c for c in comps if chain.live[c[0]]]
    transient = [i for c in comps for i in c]
    if method == "auto":
        small = chain.n <= FRACTION_MAX_STATES
        small = small and all(len(c) <= FRACTION_MAX_COMPONENT for c in cyclic_comps)
        method = "fraction" if small else "sparse"
    visits: Mapping[int, Number]
    if method == "fraction":
        visits = _masses_fraction(chain, start, comps)
        zero = Fraction(0)
    else:
        visits = _masses_sparse(chain, start, transient)
        zero = 0.0
    days: dict[tuple[Kind, str], dict[int, Number]] = {}

    def add(key: tuple[Kind, str], day: int, mass: Number) -> None:
        per_day = days.setdefault(key, {})
        per_day[day] = per_day.get(day, zero) + mass

    cycling: Number = zero
    if start in chain.terminal:
        add(chain.terminal[start], chain.day[start], zero + 1)
    elif not chain.live[start]:
        cycling = zero + 1
    for i, mass in visits.items():
        total = chain.total[i]
        if chain.error_weight[i]:
            add(("no_outcome", "error"), chain.day[i], mass * chain.error_weight[i] / total)
        for j, w in chain.succ[i]:
            kind = chain.terminal.get(j)
            if kind is not None:
                add(kind, chain.day[j], mass * w / total)
            elif not chain.live[j]:
                cycling += mass * w / total
    endings = [
        _ending("outcome", label, days.get(("outcome", label), {}), zero) for label in labels
    ]
    for name in NO_OUTCOME:
        if name == "cycling":
            endings.append(ExactEnding("no_outcome", "cycling", cycling, {}))
        else:
            endings.append(_ending("no_outcome", name, days.get(("no_outcome", name), {}), zero))
    return ExactResult(
        scenario_id=scenario.id,
        params=dict(graph.params),
        states=chain.n,
        edges=len(graph.edges),
        method=method,
        endings=tuple(endings),
        cyclic_components=len(cyclic_comps),
        solve_seconds=time.perf_counter() - started,
    )


def _ending(kind: Kind, name: str, per_day: Mapping[int, Number], zero: Number) -> ExactEnding:
    ordered = {d: per_day[d] for d in sorted(per_day) if per_day[d]}
    return ExactEnding(kind, name, sum(ordered.values(), start=zero), ordered)


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
    max_states: int | None = DEFAULT_MAX_STATES,
) -> ExactResult:
    """Explore ``scenario`` (up to ``max_states`` snapshots) and analyse it exactly.

    Raises `IncompleteGraph` when the scenario has more states than ``max_states``.
    """
    started = time.perf_counter()
    graph = explore(scenario, params, max_states=max_states)
    explored = time.perf_counter() - started
    return dataclasses.replace(analyse(graph, method), explore_seconds=explored)


__all__ = [
    "DEFAULT_MAX_STATES",
    "NO_OUTCOME",
    "ExactEnding",
    "ExactResult",
    "IncompleteGraph",
    "analyse",
    "analyse_scenario",
]
