"""Parameter sweeps: outcome probabilities across a grid of one or two parameters.

At each point of the grid the scenario is analysed exactly when its state graph is small enough
(`model.analysis.exact`), otherwise by Monte Carlo (`model.analysis.montecarlo`) with a 95%
Wilson interval. `sweep` returns long-format records, one per grid point and ending, ready for
``pandas.DataFrame(records)``::

    from model import load
    from model.analysis.sweep import Axis, sweep
    records = sweep(load("scenarios/hostage_prisoner_exchange.yaml"),
                    [Axis.parse("batch_size=5:30:5")])
    # [{'batch_size': 5, 'kind': 'outcome', 'ending': 'exchange_completed',
    #   'probability': 0.29, 'low': 0.29, 'high': 0.29, 'method': 'exact', ...}, ...]

Monte Carlo points all use the same seed (common random numbers), so differences between
neighbouring points are not blurred by different random draws. Exact points (and Monte
Carlo chunks) go to the ``executor`` when one is given, as in `model.analysis.montecarlo`.

`plot_sweep` draws each ending's probability against the (first) parameter with its
interval; matplotlib is imported only there.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, Future
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from model.analysis.exact import DEFAULT_MAX_STATES, ExactResult, IncompleteGraph, analyse_scenario
from model.analysis.montecarlo import Progress, monte_carlo
from model.analysis.parallel import (
    DeferredSignals,
    ScenarioSource,
    fingerprint,
    gather,
    own_pool,
    source_for,
)
from model.base.errors import clip
from model.base.limits import MAX_SWEEP_POINTS
from model.base.textfmt import format_percent
from model.scenario.compiled import ParameterError, ParamValue, Scenario
from model.semantics.summary import RunnerFactory

SweepMethod = Literal["auto", "exact", "montecarlo"]
MAX_POINTS = MAX_SWEEP_POINTS
Record = dict[str, Any]


@dataclass(frozen=True)
class Axis:
    """One swept parameter and its values (as typed: checked against the scenario later)."""

    name: str
    values: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Axis:
        """``NAME=START:STOP:STEP`` (whole numbers, STOP included when on the grid) or
        ``NAME=V1,V2,...`` (any values, e.g. ``true,false`` for a variant)."""
        name, sep, spec = text.partition("=")
        name, spec = name.strip(), spec.strip()
        usage = "write NAME=START:STOP:STEP (e.g. batch_size=5:30:5) or NAME=V1,V2,..."
        if not sep or not name or not spec:
            raise ParameterError(f"--sweep {clip(text, 80)}: {usage}")
        if ":" in spec:
            parts = spec.split(":")
            try:
                start, stop, step = (int(p) for p in parts) if len(parts) == 3 else (0, 0, 0)
            except ValueError:
                raise ParameterError(f"--sweep {clip(text, 80)}: {usage}") from None
            if len(parts) != 3 or step == 0 or (stop - start) * step < 0:
                raise ParameterError(
                    f"--sweep {clip(text, 80)}: {usage}; STEP must not be 0 and must lead from "
                    "START to STOP"
                )
            count = (stop - start) // step + 1
            if count > MAX_POINTS:
                raise ParameterError(
                    f"--sweep {clip(text, 80)}: {count:,} values; at most {MAX_POINTS:,} "
                    "(MAX_SWEEP_POINTS in model/base/limits.py)"
                )
            values = tuple(str(start + k * step) for k in range(count))
        else:
            values = tuple(v.strip() for v in spec.split(",") if v.strip())
            if not values:
                raise ParameterError(f"--sweep {clip(text, 80)}: {usage}")
        return cls(name, values)


def grid(
    scenario: Scenario, axes: Sequence[Axis], params: Mapping[str, object] | None = None
) -> list[dict[str, ParamValue]]:
    """Every point of the sweep as full parameter values (checked: `ParameterError`)."""
    if not 1 <= len(axes) <= 2:
        raise ParameterError("sweep one or two parameters")
    names = [a.name for a in axes]
    if len(set(names)) != len(names):
        raise ParameterError(f"--sweep names {names[0]!r} twice")
    base = dict(params or {})
    for name in names:
        if name in base:
            raise ParameterError(f"{name!r} is both swept and set with --set")
    count = math.prod(len(a.values) for a in axes)
    if count > MAX_POINTS:  # checked before building any point
        raise ParameterError(f"the sweep has {count:,} points; at most {MAX_POINTS:,}")
    points = []
    for combo in itertools.product(*(a.values for a in axes)):
        points.append(scenario.parameters({**base, **dict(zip(names, combo))}))
    if len(points) > MAX_POINTS:
        raise ParameterError(f"the sweep has {len(points)} points; at most {MAX_POINTS}")
    return points


def _exact_point(
    source: ScenarioSource,
    digest: str,
    params: Mapping[str, ParamValue],
    max_states: int,
) -> ExactResult | None:
    """Exact analysis of one grid point in a worker (None when the graph is too large)."""
    scenario = source.load()
    if fingerprint(scenario) != digest:
        raise RuntimeError(f"{source.display}: the scenario changed while the sweep ran")
    return _exact_local(scenario, params, max_states)


def _exact_local(
    scenario: Scenario, params: Mapping[str, ParamValue], max_states: int
) -> ExactResult | None:
    try:
        return analyse_scenario(scenario, params, max_states=max_states)
    except IncompleteGraph:
        return None


def sweep(
    scenario: Scenario | ScenarioSource,
    axes: Sequence[Axis],
    params: Mapping[str, object] | None = None,
    *,
    method: SweepMethod = "auto",
    runs: int = 2000,
    seed: int = 0,
    max_steps: int = 500,
    max_states: int = DEFAULT_MAX_STATES,
    jobs: int = 1,
    executor: Executor | None = None,
    source: ScenarioSource | None = None,
    runner: RunnerFactory | None = None,
    progress: Progress | None = None,
) -> list[Record]:
    """Probability of every ending at every point of the grid, as long-format records.

    ``method``: ``"exact"`` (raise `IncompleteGraph` where a graph has more than
    ``max_states`` states), ``"montecarlo"`` (``runs`` runs per point), or ``"auto"``
    (exact where it fits in ``max_states``, Monte Carlo elsewhere). Each record holds the
    swept parameters' values, ``kind`` (outcome / no_outcome), ``ending``, ``probability``,
    ``low``/``high`` (the 95% interval; equal to ``probability`` when exact), ``method``,
    ``runs`` and ``count`` (Monte Carlo only) and ``expected_days``.
    """
    if isinstance(scenario, ScenarioSource):
        source = scenario
        scenario = scenario.load()
    points = grid(scenario, axes, params)
    names = [a.name for a in axes]
    own: AbstractContextManager[tuple[Executor | None, DeferredSignals | None]] = (
        own_pool(jobs) if executor is None and jobs > 1 else nullcontext((executor, None))
    )
    with own as (pool, signals):
        return _sweep_points(
            scenario,
            points,
            names,
            method,
            runs,
            seed,
            max_steps,
            max_states,
            pool,
            signals,
            source,
            runner,
            progress,
        )


def _sweep_points(
    scenario: Scenario,
    points: list[dict[str, ParamValue]],
    names: list[str],
    method: SweepMethod,
    runs: int,
    seed: int,
    max_steps: int,
    max_states: int,
    executor: Executor | None,
    signals: DeferredSignals | None,
    source: ScenarioSource | None,
    runner: RunnerFactory | None,
    progress: Progress | None,
) -> list[Record]:
    """The body of `sweep`; with a local pool, ``signals`` lets interrupts stop it between
    steps (`model.analysis.montecarlo.DeferredSignals`)."""
    exact: list[ExactResult | None] = [None] * len(points)
    if method != "montecarlo":
        if executor is not None:
            src = source or source_for(scenario)
            digest = fingerprint(scenario)
            futures = {
                executor.submit(_exact_point, src, digest, p, max_states): k
                for k, p in enumerate(points)
            }
            if signals is not None:

                def collect(future: Future[ExactResult | None], k: int) -> None:
                    exact[k] = future.result()

                gather(futures, signals, collect)
            else:
                for future, k in futures.items():
                    exact[k] = future.result()
        else:
            exact = [_exact_local(scenario, p, max_states) for p in points]
        if method == "exact":
            for p, r in zip(points, exact):
                if r is None:
                    shown = ", ".join(f"{n}={p[n]}" for n in names)
                    raise IncompleteGraph(
                        f"at {shown} the scenario has more than {max_states:,} states; "
                        "raise max_states or use Monte Carlo"
                    )
    records: list[Record] = []
    todo = sum(1 for r in exact if r is None)
    done = 0
    for k in range(len(points)):
        point = {n: points[k][n] for n in names}
        result = exact[k]
        if result is not None:
            records += _exact_records(point, result)
            continue
        mc = monte_carlo(
            scenario,
            points[k],
            runs=runs,
            seed=seed,
            max_steps=max_steps,
            jobs=1,
            executor=executor,
            source=source,
            runner=runner,
        )
        if signals is not None:
            signals.check()
        for e in mc.endings:
            records.append(
                {
                    **point,
                    "kind": e.kind,
                    "ending": e.name,
                    "probability": e.share,
                    "low": e.low,
                    "high": e.high,
                    "method": "montecarlo",
                    "runs": mc.runs,
                    "count": e.count,
                    "expected_days": e.mean_days,
                }
            )
        done += 1
        if progress is not None:
            progress(done, todo)
    return records


def _exact_records(point: Mapping[str, ParamValue], result: ExactResult) -> list[Record]:
    out = []
    for e in result.endings:
        p = float(e.probability)
        days = e.expected_days
        out.append(
            {
                **point,
                "kind": e.kind,
                "ending": e.name,
                "probability": p,
                "low": p,
                "high": p,
                "method": "exact",
                "runs": None,
                "count": None,
                "expected_days": None if days is None else float(days),
            }
        )
    return out


# -- presenting ---------------------------------------------------------------------------


def swept_names(records: Sequence[Record]) -> list[str]:
    fixed = {"kind", "ending", "probability", "low", "high", "method", "runs", "count"}
    fixed.add("expected_days")
    return [k for k in records[0] if k not in fixed] if records else []


def shown_endings(records: Sequence[Record]) -> list[tuple[str, str]]:
    """Endings to show: every outcome, and endings without one that happen somewhere."""
    out: dict[tuple[str, str], None] = {}
    for r in records:
        if r["kind"] == "outcome" or r["probability"] > 0:
            out.setdefault((r["kind"], r["ending"]), None)
    return list(out)


def label(kind: str, name: str) -> str:
    return name if kind == "outcome" else f"no outcome: {name}"


def format_table(records: Sequence[Record]) -> str:
    """One row per grid point, one column per ending: exact probabilities, or Monte Carlo
    shares with their 95% intervals."""
    names = swept_names(records)
    endings = shown_endings(records)
    by_point: dict[tuple[Any, ...], dict[tuple[str, str], Record]] = {}
    for r in records:
        by_point.setdefault(tuple(r[n] for n in names), {})[(r["kind"], r["ending"])] = r
    header = [*names, *(label(k, e) for k, e in endings), "method"]
    rows = []
    for key, cells in by_point.items():
        row = [_value(v) for v in key]
        method = ""
        for ending in endings:
            cell = cells.get(ending)
            if cell is None:
                row.append("—")
                continue
            method = cell["method"]
            if method == "exact":
                row.append(format_percent(cell["probability"]))
            else:
                low, high = format_percent(cell["low"]), format_percent(cell["high"])
                row.append(f"{format_percent(cell['probability'])} [{low}, {high}]")
        row.append(method if method == "exact" else f"{cells[endings[0]]['runs']:,} runs")
        rows.append(row)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    for row in rows:
        cells_out = [
            c.ljust(w) if i < len(names) else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths))
        ]
        lines.append("  ".join(cells_out).rstrip())
    return "\n".join(lines) + "\n"


def _value(v: object) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def to_csv(records: Sequence[Record]) -> str:
    if not records:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    for r in records:
        writer.writerow({k: _csv_value(v) for k, v in r.items()})
    return out.getvalue()


def _csv_value(v: object) -> object:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return repr(v)
    return v


def plot_sweep(
    records: Sequence[Record],
    path: str | Path,
    *,
    title: str = "",
    force: bool = False,
) -> Path:
    """Draw each ending's probability against the swept parameter, with its interval, and
    write a PNG to ``path`` atomically. An existing file is never overwritten unless ``force``
    (`OutputError` otherwise).

    One parameter: one line per ending with a shaded 95% band. Two parameters: one panel
    per ending, the first parameter on the x axis and one line per value of the second.
    """
    from matplotlib.figure import Figure

    from model.base.output import write_bytes
    from model.base.textfmt import drawable

    target = Path(path)
    names = swept_names(records)
    endings = shown_endings(records)
    if not names or not endings:
        raise ValueError("nothing to plot")
    x_name = names[0]
    xs = list(dict.fromkeys(r[x_name] for r in records))
    numeric = all(isinstance(x, int) and not isinstance(x, bool) for x in xs)
    positions = {x: (x if numeric else k) for k, x in enumerate(xs)}
    methods = {r["method"] for r in records}
    y_label = (
        "probability (exact)"
        if methods == {"exact"}
        else "probability (95% interval shaded)"
        if methods == {"montecarlo"}
        else "probability (exact, or Monte Carlo with 95% band)"
    )

    def series(
        ending: tuple[str, str], second: object = None
    ) -> tuple[list[Any], list[float], list[float], list[float]]:
        rows = [
            r
            for r in records
            if (r["kind"], r["ending"]) == ending and (len(names) < 2 or r[names[1]] == second)
        ]
        return (
            [positions[r[x_name]] for r in rows],
            [r["probability"] for r in rows],
            [r["low"] for r in rows],
            [r["high"] for r in rows],
        )

    if len(names) == 1:
        fig = Figure(figsize=(8, 5), layout="constrained")
        ax = fig.add_subplot()
        for ending in endings:
            x, p, lo, hi = series(ending)
            (line,) = ax.plot(x, p, marker="o", label=drawable(label(*ending)))
            if any(a != b for a, b in zip(lo, hi)):
                ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
        _style(ax, x_name, xs, positions, numeric, y_label)
        ax.legend(fontsize="small")
        if title:
            ax.set_title(drawable(title), fontsize="medium")
    else:
        seconds = list(dict.fromkeys(r[names[1]] for r in records))
        cols = min(3, len(endings))
        nrows = -(-len(endings) // cols)
        fig = Figure(figsize=(4.5 * cols, 3.6 * nrows + 0.6), layout="constrained")
        axes = fig.subplots(nrows, cols, squeeze=False)
        for k, ending in enumerate(endings):
            ax = axes[k // cols][k % cols]
            for second in seconds:
                x, p, lo, hi = series(ending, second)
                (line,) = ax.plot(x, p, marker="o", label=f"{names[1]}={_value(second)}")
                if any(a != b for a, b in zip(lo, hi)):
                    ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
            _style(ax, x_name, xs, positions, numeric, y_label)
            ax.set_title(drawable(label(*ending)), fontsize="medium")
            ax.legend(fontsize="x-small")
        for k in range(len(endings), nrows * cols):
            axes[k // cols][k % cols].set_visible(False)
        if title:
            fig.suptitle(drawable(title), fontsize="medium")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return write_bytes(target, buffer.getvalue(), force=force)


def _style(
    ax: Any, x_name: str, xs: list[Any], positions: Mapping[Any, Any], numeric: bool, y: str
) -> None:
    ax.set_xlabel(x_name)
    ax.set_ylabel(y)
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, alpha=0.3)
    if numeric:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        ax.set_xticks([positions[x] for x in xs], [_value(x) for x in xs])


__all__ = [
    "Axis",
    "format_table",
    "grid",
    "plot_sweep",
    "sweep",
    "to_csv",
]
