"""Linear systems ``v = Q v + b`` on sparse rows, exact or in floating point.

Shared by the exact analysis (a cyclic component of the chain, in rational arithmetic) and the
strategies' policy iteration (`model.analysis.strategy`). Row ``r`` of ``Q`` is a list of
``(column, coefficient)``; ``Q`` is substochastic on the rows solved, so ``I - Q`` is a
nonsingular M-matrix there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from model.analysis.endings import Number

SPARSE_FROM = 100
"""Floating-point systems of more rows than this go to scipy's sparse solver (below, its
set-up costs more than the elimination)."""


def reaching(
    m: int, rows: Sequence[Sequence[tuple[int, Number]]], start: Sequence[bool]
) -> list[bool]:
    """Rows from which a row in ``start`` can be reached."""
    back: list[list[int]] = [[] for _ in range(m)]
    for r, row in enumerate(rows):
        for col, _ in row:
            back[col].append(r)
    seen = list(start)
    stack = [r for r in range(m) if seen[r]]
    while stack:
        r = stack.pop()
        for q in back[r]:
            if not seen[q]:
                seen[q] = True
                stack.append(q)
    return seen


def solve_rows(
    rows: Sequence[Sequence[tuple[int, Number]]],
    rhs: Sequence[Number],
    live: Sequence[bool],
    number: Callable[[int], Number],
) -> list[Number]:
    """``v = Q v + b`` on the live rows (others 0): elimination on sparse rows (exact for
    fractions; for floats the matrix ``I - Q`` of a substochastic ``Q`` is an M-matrix, which
    needs no pivoting), a scipy sparse solve for floats above `SPARSE_FROM` rows."""
    keep = [r for r in range(len(rows)) if live[r]]
    pos = {r: k for k, r in enumerate(keep)}
    out: list[Number] = [number(0)] * len(rows)
    if not keep:
        return out
    if number is float and len(keep) > SPARSE_FROM:
        import numpy as np
        from scipy.sparse import csc_matrix, identity
        from scipy.sparse.linalg import spsolve

        data, ri, ci = [], [], []
        for r in keep:
            for col, p in rows[r]:
                if col in pos:
                    data.append(float(p))
                    ri.append(pos[r])
                    ci.append(pos[col])
        m = len(keep)
        matrix = identity(m, format="csc") - csc_matrix((data, (ri, ci)), shape=(m, m))
        solution = np.atleast_1d(spsolve(matrix, np.array([float(rhs[r]) for r in keep])))
        for k, r in enumerate(keep):
            out[r] = float(solution[k])
        return out
    m = len(keep)
    a: list[dict[int, Number]] = []
    for r in keep:
        row: dict[int, Number] = {pos[r]: number(1)}
        for col, p in rows[r]:
            if col in pos:
                row[pos[col]] = row.get(pos[col], number(0)) - p
        a.append(row)
    b = [rhs[r] for r in keep]
    for col in range(m):  # Gaussian elimination on sparse rows (the matrix is nonsingular)
        pivot = next(r for r in range(col, m) if a[r].get(col, 0) != 0)
        a[col], a[pivot] = a[pivot], a[col]
        b[col], b[pivot] = b[pivot], b[col]
        inv = 1 / a[col][col]
        a[col] = {k: x * inv for k, x in a[col].items()}
        b[col] = b[col] * inv
        for r in range(m):
            f = a[r].get(col, 0) if r != col else 0
            if f:
                for k, x in a[col].items():
                    a[r][k] = a[r].get(k, 0) - f * x
                b[r] -= f * b[col]
    for k, r in enumerate(keep):
        out[r] = b[k]
    return out


__all__ = ["SPARSE_FROM", "reaching", "solve_rows"]
