"""The odds of every ending from every explored snapshot, exactly (for the browser explorer).

`model.analysis.exact` pushes the mass of one start forward; a reader stepping through a
scenario wants the odds from wherever the run is now, so this module goes the other way: the
probability ``h_k(i)`` of ending ``k`` from node ``i`` solves ``h(i) = Σ p(i→j) h(j)`` (plus the
share of ``i``'s weight whose step breaks a rule, for the ``error`` ending), with ``h = 1`` at
the nodes where runs end that way. The chain (`model.analysis.chain.chain`) numbers its
components in topological order, so taking them in reverse order meets every successor
before the node itself; a cyclic component (steps of zero days going round) is solved as one
rational system (`model.analysis.linear.solve_rows`). Everything is in `fractions.Fraction`:
the figures are exact, the same numbers the forward solver gives from that snapshot (a test
compares the two), and ``cycling`` is what the others leave of 1.

Rows repeat a great deal (late in a stage, only the day differs), so the result keeps each
distinct row once and gives every node the index of its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from model.analysis.chain import TRANSIENT, Kind, chain
from model.analysis.explore import StateGraph
from model.analysis.linear import solve_rows

Row = tuple[Fraction, ...]


@dataclass(frozen=True)
class Odds:
    """Per explored node, the probability of each ending (``endings``: outcomes in declaration
    order, then ``stuck``, ``horizon``, ``error``, ``cycling``, as `ExactResult.endings`)."""

    endings: tuple[tuple[Kind, str], ...]
    rows: tuple[Row, ...]  # the distinct rows, in order of first use
    row_of: tuple[int, ...]  # per node: its index into ``rows``

    def of(self, node: int) -> dict[tuple[Kind, str], Fraction]:
        return dict(zip(self.endings, self.rows[self.row_of[node]]))


def odds_from_every_snapshot(graph: StateGraph) -> Odds:
    """The exact odds of every ending from each node of a complete explored graph.

    Raises `ValueError` for a graph that was cut off or whose start breaks a rule (there is
    nothing to compute the odds of)."""
    import numpy as np

    if not graph.complete or graph.initial_error is not None or not all(graph.expanded):
        raise ValueError("odds need the whole state graph, explored from a valid start")
    c = chain(graph)
    # The endings: the chain's (outcomes, stuck, horizon), then error; cycling at the end.
    keys: list[tuple[Kind, str]] = [*c.keys, ("no_outcome", "error")]
    error = len(keys) - 1
    width = len(keys)
    by_source = np.argsort(c.source, kind="stable")
    ptr = np.searchsorted(c.source[by_source], np.arange(c.n + 1)).tolist()
    targets, weights = c.target[by_source].tolist(), c.weight[by_source].tolist()
    total, error_weight = c.total.tolist(), c.error_weight.tolist()
    ending, live = c.ending.tolist(), c.live.tolist()
    component = c.component.tolist()
    zero = Fraction(0)
    nothing: Row = (zero,) * width
    h: list[Row | None] = [None] * c.n
    for i in range(c.n):
        if ending[i] != TRANSIENT:
            h[i] = tuple(Fraction(k == ending[i]) for k in range(width))
        elif not live[i]:  # no ending can be reached from here: it cycles for ever
            h[i] = nothing
    members: dict[int, list[int]] = {}
    for i in c.transient.tolist():
        members.setdefault(component[i], []).append(i)
    cyclic = c.cyclic.tolist()
    for comp in reversed(c.order.tolist()):
        nodes = members.get(comp)
        if not nodes:
            continue
        if not cyclic[comp]:
            (i,) = nodes
            h[i] = _row(i, ptr, targets, weights, total, error_weight, h, error, width, None)
            continue
        inside = {i: r for r, i in enumerate(nodes)}
        rows = [
            [
                (inside[targets[k]], Fraction(weights[k], total[i]))
                for k in range(ptr[i], ptr[i + 1])
                if targets[k] in inside
            ]
            for i in nodes
        ]
        outside = [
            _row(i, ptr, targets, weights, total, error_weight, h, error, width, inside)
            for i in nodes
        ]
        solved = [
            solve_rows(rows, [b[k] for b in outside], [True] * len(nodes), Fraction)
            for k in range(width)
        ]
        for r, i in enumerate(nodes):
            h[i] = tuple(Fraction(solved[k][r]) for k in range(width))
    return _distinct([*keys, ("no_outcome", "cycling")], h)


def _row(
    i: int,
    ptr: list[int],
    targets: list[int],
    weights: list[int],
    total: list[int],
    error_weight: list[int],
    h: list[Row | None],
    error: int,
    width: int,
    skip: dict[int, int] | None,
) -> Row:
    """``Σ p(i→j) h(j)`` over the steps out of ``i`` (those into ``skip`` left out), with the
    share of ``i``'s weight that breaks a rule added to the ``error`` ending."""
    out = [Fraction(0)] * width
    if error_weight[i]:
        out[error] = Fraction(error_weight[i], total[i])
    for k in range(ptr[i], ptr[i + 1]):
        j = targets[k]
        if skip is not None and j in skip:
            continue
        hj = h[j]
        assert hj is not None  # components come in reverse topological order
        p = Fraction(weights[k], total[i])
        for q, x in enumerate(hj):
            if x:
                out[q] += p * x
    return tuple(out)


def _distinct(endings: list[tuple[Kind, str]], h: list[Row | None]) -> Odds:
    """Each row with ``cycling`` (1 less the rest) appended, kept once."""
    index: dict[Row, int] = {}
    row_of = []
    for row in h:
        assert row is not None
        full = (*row, 1 - sum(row, Fraction(0)))
        row_of.append(index.setdefault(full, len(index)))
    return Odds(tuple(endings), tuple(index), tuple(row_of))


__all__ = ["Odds", "odds_from_every_snapshot"]
