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

The records as text and CSV: `model.reports.sweep`; as a chart: `model.render.sweep_chart`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, Future
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Literal

from model.analysis.exact import DEFAULT_MAX_STATES, ExactResult, IncompleteGraph
from model.analysis.montecarlo import Progress, monte_carlo
from model.analysis.parallel import (
    DeferredSignals,
    ScenarioSource,
    fingerprint,
    gather,
    own_pool,
    source_for,
)
from model.analysis.whatif import exact_in_worker, exact_or_none
from model.base.errors import clip
from model.base.limits import DEFAULT_MAX_STEPS, MAX_SWEEP_POINTS
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


def sweep(
    scenario: Scenario | ScenarioSource,
    axes: Sequence[Axis],
    params: Mapping[str, object] | None = None,
    *,
    method: SweepMethod = "auto",
    runs: int = 2000,
    seed: int = 0,
    max_steps: int = DEFAULT_MAX_STEPS,
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
    steps (`model.analysis.parallel.DeferredSignals`)."""
    exact: list[ExactResult | None] = [None] * len(points)
    if method != "montecarlo":
        if executor is not None:
            src = source or source_for(scenario)
            digest = fingerprint(scenario)
            futures = {
                executor.submit(exact_in_worker, src, digest, p, max_states): k
                for k, p in enumerate(points)
            }

            def collect(future: Future[ExactResult | None], k: int) -> None:
                exact[k] = future.result()

            gather(futures, signals, collect)
        else:
            exact = [exact_or_none(scenario, p, max_states) for p in points]
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
            signals=signals,
        )
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


__all__ = ["Axis", "grid", "sweep"]
