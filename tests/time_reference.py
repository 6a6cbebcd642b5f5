"""Helpers of the time-semantics tests: exact endings by the reference, by the table, and the
comparisons of the table, the engine and the fast path with the reference, node by node and
run by run (tests/test_time_semantics.py, tests/test_time_metamorphic.py)."""

from __future__ import annotations

from collections import deque
from fractions import Fraction
from typing import Any

import yaml
from conftest import ROOT
from hypothesis import reject
from reference_semantics import Semantics, walk

from model.base.errors import RunError, ScenarioError
from model.scenario.compiled import Scenario
from model.scenario.loader import load_text
from model.semantics.step import Snapshot

Ending = tuple[str, str]
Endings = dict[Ending, tuple[Fraction, Fraction | None]]
"""Each ending with its probability and expected day (None: never, or not compared)."""


def load_data(data: dict[str, Any]) -> Scenario:
    try:
        return load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios")
    except ScenarioError:
        reject()  # a constant division by zero: the loader refuses it
        raise  # pragma: no cover - reject() raises


def error_data(exc: RunError) -> tuple[str, str, Any]:
    return (type(exc).__name__, str(exc), exc.problem)


def outcome(f: Any, *args: Any) -> Any:
    """``f(*args)``, or the error it raises as comparable data."""
    try:
        return ("ok", f(*args))
    except RunError as exc:
        return ("error", error_data(exc))


# -- exact endings ---------------------------------------------------------------------------


class TooLarge(Exception):
    """More snapshots than the reference's exact solver takes."""


def reference_endings(scenario: Scenario, limit: int = 400) -> Endings:
    """Every ending's exact probability and expected day, by the reference alone: its
    snapshots breadth first, then (I - P) x = terminal mass by Gaussian elimination on
    fractions (the mass that can reach no ending is ``cycling``, as in the exact analysis)."""
    sem = Semantics(scenario, scenario.parameters())
    try:
        start = sem.initial()
    except RunError:
        return {("no_outcome", "error"): (Fraction(1), Fraction(0))}
    nodes: list[Snapshot] = [start]
    index = {start: 0}
    edges: list[list[tuple[Fraction, int]]] = []
    ends: list[dict[Ending, Fraction]] = []
    i = 0
    while i < len(nodes):
        snap = nodes[i]
        i += 1
        out: list[tuple[Fraction, int]] = []
        end: dict[Ending, Fraction] = {}
        edges.append(out)
        ends.append(end)
        label = scenario.outcome_of(snap.state)
        if label is not None:
            end["outcome", label] = Fraction(1)
            continue
        node = sem.node(snap)
        if not node.listed:
            end["no_outcome", "error"] = Fraction(1)
            continue
        if node.kind == "end":
            end["no_outcome", node.ending or "stuck"] = Fraction(1)
            continue
        for e in node.entries:
            assert e.weight is not None
            p = Fraction(e.weight, node.total)
            if isinstance(e.result, RunError):
                end["no_outcome", "error"] = end.get(("no_outcome", "error"), Fraction(0)) + p
                continue
            j = index.get(e.result)
            if j is None:
                if len(nodes) >= limit:
                    raise TooLarge
                j = index[e.result] = len(nodes)
                nodes.append(e.result)
            out.append((p, j))
    return _solve(nodes, edges, ends)


def _solve(
    nodes: list[Snapshot],
    edges: list[list[tuple[Fraction, int]]],
    ends: list[dict[Ending, Fraction]],
) -> Endings:
    n = len(nodes)
    keys = sorted({k for end in ends for k in end})
    # live: nodes from which some ending can be reached
    back: list[list[int]] = [[] for _ in range(n)]
    for a, out in enumerate(edges):
        for _, b in out:
            back[b].append(a)
    live = {a for a in range(n) if ends[a]}
    queue = deque(live)
    while queue:
        b = queue.popleft()
        for a in back[b]:
            if a not in live:
                live.add(a)
                queue.append(a)
    order = sorted(live)
    pos = {a: r for r, a in enumerate(order)}
    # rows: x_a - sum p x_b = ends[a] (probability) and ends[a] * day (day-weighted)
    width = 2 * len(keys)
    rows: list[dict[int, Fraction]] = []
    rhs: list[list[Fraction]] = []
    for a in order:
        row: dict[int, Fraction] = {pos[a]: Fraction(1)}
        for p, b in edges[a]:
            if b in live:
                row[pos[b]] = row.get(pos[b], Fraction(0)) - p
        rows.append(row)
        values = [Fraction(0)] * width
        for k, p in ends[a].items():
            c = keys.index(k)
            values[c] = p
            values[len(keys) + c] = p * nodes[a].day
        rhs.append(values)
    m = len(order)
    for col in range(m):  # Gauss-Jordan on sparse rows
        piv = next(r for r in range(col, m) if rows[r].get(col, 0) != 0)
        rows[col], rows[piv] = rows[piv], rows[col]
        rhs[col], rhs[piv] = rhs[piv], rhs[col]
        f = rows[col][col]
        rows[col] = {c: v / f for c, v in rows[col].items()}
        rhs[col] = [v / f for v in rhs[col]]
        for r in range(m):
            g = rows[r].get(col, 0)
            if r != col and g != 0:
                for c, v in rows[col].items():
                    rows[r][c] = rows[r].get(c, Fraction(0)) - g * v
                rhs[r] = [x - g * y for x, y in zip(rhs[r], rhs[col])]
    out: Endings = {}
    if 0 not in pos:
        return {("no_outcome", "cycling"): (Fraction(1), None)}
    start = rhs[pos[0]]
    for c, k in enumerate(keys):
        p = start[c]
        if p:
            out[k] = (p, start[len(keys) + c] / p)
    rest = 1 - sum(p for p, _ in out.values())
    if rest:
        out["no_outcome", "cycling"] = (rest, None)
    return out


def table_endings(scenario: Scenario) -> Endings:
    """Every ending's exact probability and expected day by the exact analysis (the table)."""
    from model.analysis.exact import analyse_scenario

    result = analyse_scenario(scenario, method="fraction")
    out: Endings = {}
    for e in result.endings:
        if e.probability:
            p = Fraction(e.probability)
            days = e.expected_days
            out[e.kind, e.name] = (p, None if days is None else Fraction(days))
    return out


def endings(scenario: Scenario, solver: str) -> Endings:
    return reference_endings(scenario) if solver == "reference" else table_endings(scenario)


def without_error_days(e: Endings) -> Endings:
    """``e`` with the expected day of errors left out: a step that breaks a rule on a folded
    day fails as a whole, on the day it started (splitting it moves that day)."""
    return {k: (p, None if k == ("no_outcome", "error") else d) for k, (p, d) in e.items()}


# -- the table, the engine and the fast path against the reference ---------------------------


def compare_table(scenario: Scenario, limit: int) -> int:
    """Breadth first over the reference's snapshots (up to ``limit``): the table's careful
    steps, fast steps, listing and ending agree with the reference at each one. Returns the
    number of snapshots compared."""
    from model.semantics.table import Table

    sem = Semantics(scenario, scenario.parameters())
    table = Table(scenario)
    start = outcome(sem.initial)
    assert outcome(table.start) == start
    if start[0] == "error":
        return 0
    seen = {start[1]}
    queue = deque([start[1]])
    count = 0
    while queue and count < limit:
        snap = queue.popleft()
        count += 1
        if sem.is_outcome(snap):
            continue
        key = table.key(snap)
        assert table.snapshot(key) == snap
        node = sem.node(snap)
        steps, errors = sem.steps(snap)
        where = f"snapshot {snap}"
        found, careful_errors = table.careful_successors(key)
        got = [(i, d, table.snapshot(k)) for i, _, d, k in found]
        assert got == [(label, d, nxt) for label, _, d, nxt in steps], where
        assert [(i, error_data(e)) for i, e in careful_errors] == [
            (label, error_data(e)) for label, e in errors
        ], where
        listing = outcome(table.events, key)
        if node.listed:
            assert listing[0] == "ok", where
            assert [(i, w) for i, w, _ in listing[1]] == [
                (e.label, e.weight) for e in node.entries
            ], where  # the same integer weights: the same draws for a seed
            total = sum(w for _, w, _ in listing[1])
            assert [Fraction(w, total) for _, w, _, _ in found] == [p for _, p, _, _ in steps]
        else:
            first = next(e.result for e in node.entries if e.weight is None)
            assert isinstance(first, RunError)
            assert listing == ("error", error_data(first)), where
            if found:  # the weights of the steps that work, relative to each other
                total = sum(w for _, w, _, _ in found)
                share = sum(p for _, p, _, _ in steps)
                assert [Fraction(w, total) for _, w, _, _ in found] == [
                    p / share for _, p, _, _ in steps
                ], where
        fast = _fast_successors(table, key)
        if errors:  # the fast path gives up where a step breaks a rule
            assert fast is None, f"{where}: the fast path missed {errors}"
        elif fast is not None:
            assert fast == found, where
        if not steps and not errors:
            assert ("horizon" if table.blocked(key) else "stuck") == sem.ending(snap), where
        for *_, nxt in steps:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return count


def _fast_successors(table: Any, key: Any) -> Any:
    """The fast path's steps, or None where it gives up (the careful path then decides)."""
    from model.semantics.rules import Slow

    try:
        return table.successors(key)
    except (ArithmeticError, Slow, RunError):
        return None


def _run_data(r: Any) -> Any:
    error = None if r.error is None else (type(r.error).__name__, str(r.error))
    return (r.status, tuple(r.trace), r.snapshot, error, r.outcome, tuple(r.stages))


def compare_runs(scenario: Scenario, seeds: range, max_steps: int) -> None:
    """The fast path, the engine and Monte Carlo's runner against `walk` and
    `semantics_runner`, seed by seed."""
    from reference_semantics import semantics_runner

    from model.semantics.engine import Run
    from model.semantics.fastpath import compile_table, runner

    params = scenario.parameters()
    sem = Semantics(scenario, params)
    want = []
    for seed in seeds:
        w = walk(sem, seed, max_steps)
        if w.status == "raised":
            assert w.error is not None
            want.append(("raised", (type(w.error).__name__, str(w.error))))
        else:
            want.append(_run_data(w))
    for memo in (True, False):
        try:
            table = compile_table(scenario, params, memo=memo)
        except RunError as exc:
            assert all(x == ("raised", (type(exc).__name__, str(exc))) for x in want)
            break
        for seed, expected in zip(seeds, want):
            try:
                got = _run_data(table.run(seed, max_steps, trace=True))
            except RunError as exc:
                got = ("raised", (type(exc).__name__, str(exc)))
            assert got == expected, f"fast path, seed {seed}, memo={memo}"
    for seed, expected in zip(seeds, want):
        try:
            run = Run(scenario, params)
            status = run.play(seed, max_steps)
        except RunError as exc:
            assert expected == ("raised", (type(exc).__name__, str(exc))), f"engine, seed {seed}"
            continue
        trace = tuple(s.event.index for s in run.history)
        seen = {scenario.stage_of(scenario.spec.initial)}
        seen.update(scenario.stage_of(s.after.state) for s in run.history)
        stages = tuple(s.id for s in scenario.spec.stages if s.id in seen)
        error = None if run.error is None else (type(run.error).__name__, str(run.error))
        got = (status, trace, run.snapshot, error, run.outcome, stages)
        assert got == expected, f"engine, seed {seed}"
    reference = semantics_runner(scenario, params, max_steps)
    fast = runner(scenario, params, max_steps)
    for seed in seeds:
        assert fast(seed) == reference(seed), f"runner, seed {seed}"
