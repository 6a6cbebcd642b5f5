"""Monte Carlo: many seeded runs of a scenario, summarised with their uncertainty.

Each run starts from the scenario's initial snapshot and, while it can, fires one of the
enabled events chosen in proportion to their weights with
`model.semantics.step.weighted_choice`: exactly what `Run.play` does on the `transitions`
engine, without the engine's per-event overhead. Run ``i`` uses the seed
``run_seed(seed, i)``, so run ``i`` is the same whichever process or machine runs it, and
``Run(scenario, params).play(run_seed(seed, i), max_steps)`` replays it step by step.

A run ends with an outcome, or without one: ``stuck`` (no event can happen), ``horizon``
(the next event would pass the modelled period), ``max_steps``, or ``error`` (a step broke a
bound or an invariant). The summary gives each ending's share with a 95% Wilson score
interval, the days to each ending (median, quartiles, mean), and how often each stage was
reached.

Runs are cut into chunks (`chunk_plan`: for known workers, large first and small last, so
that two workers take about half the time of one); each chunk returns a `Tally` (counts and
histograms of days, exactly mergeable), so results do not depend on how runs are split among
workers: the same seed gives the same figures whatever ``jobs``, executor or cut is used.

Scaling out: pass any `concurrent.futures.Executor`. With a Dask cluster::

    from dask.distributed import Client
    from model.analysis.montecarlo import monte_carlo
    from model.analysis.parallel import ScenarioSource

    client = Client("tcp://scheduler:8786")          # workers need this package installed
    source = ScenarioSource.from_file("scenarios/cairo_three_stage_truce.yaml")
    result = monte_carlo(source, {"batch_size": 20}, runs=1_000_000, seed=1,
                         executor=client.get_executor(), jobs=8)  # its worker threads

Workers receive the scenario as its source (file path or text), not as the loaded object
(compiled expressions do not pickle), and load it once per process: `model.analysis.parallel`.

The per-run function is pluggable: ``runner`` builds a ``run_once(seed) -> RunSummary``
(`model.semantics.summary`) for a scenario; the default is the compiled fast path
(`model.semantics.fastpath.runner`), which gives what the tests' independent reference
(`semantics_runner` in tests/reference_semantics.py) gives, seed for seed.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Literal

from model.analysis.parallel import (
    DeferredSignals,
    ScenarioSource,
    fingerprint,
    gather,
    own_pool,
    source_for,
    worker_runner,
)
from model.base.limits import DEFAULT_MAX_STEPS, MAX_CHUNKS
from model.scenario.compiled import ParamValue, Scenario
from model.semantics.fastpath import runner as fast_runner
from model.semantics.summary import EndStatus, RunnerFactory, RunOnce, RunSummary

NO_OUTCOME_STATUSES: tuple[EndStatus, ...] = ("stuck", "horizon", "max_steps", "error")
Z95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054


# -- one run ------------------------------------------------------------------------------


def run_seed(seed: int, index: int) -> int:
    """The seed of run ``index`` in a Monte Carlo with ``seed``: a hash of both, so runs
    are independent of each other and of how runs are split among workers."""
    digest = hashlib.sha256(f"ceasefire-model:{seed}:{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


# -- tallies ------------------------------------------------------------------------------

EndingKey = tuple[Literal["outcome", "no_outcome"], str]

RunKey = tuple[EndStatus, str | None, int, int, frozenset[str], str | None]
"""A `RunSummary` as a plain tuple (status, outcome, day, steps, stages, error): runs are
counted by it, one dictionary increment a run, and the counts turned into a `Tally` once per
chunk (`Tally.of`)."""


def ending_of(summary: RunSummary) -> EndingKey:
    return _ending(summary.status, summary.outcome)


def _ending(status: EndStatus, outcome: str | None) -> EndingKey:
    if status == "outcome":
        assert outcome is not None
        return ("outcome", outcome)
    return ("no_outcome", status)


@dataclass
class Tally:
    """Counts from some runs; tallies of disjoint runs add up exactly (``a + b``)."""

    runs: int = 0
    endings: Counter[EndingKey] = field(default_factory=Counter)
    days: dict[EndingKey, Counter[int]] = field(default_factory=dict)
    steps: dict[EndingKey, Counter[int]] = field(default_factory=dict)
    stages: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, counts: Mapping[RunKey, int]) -> Tally:
        """The tally of runs counted by `RunKey`."""
        tally = cls()
        for key, n in counts.items():
            tally._count(key, n)
        return tally

    def add(self, summary: RunSummary) -> None:
        s = summary
        self._count((s.status, s.outcome, s.day, s.steps, s.stages, s.error), 1)

    def _count(self, key: RunKey, n: int) -> None:
        status, outcome, day, steps, stages, error = key
        ending = _ending(status, outcome)
        self.runs += n
        self.endings[ending] += n
        self.days.setdefault(ending, Counter())[day] += n
        self.steps.setdefault(ending, Counter())[steps] += n
        for stage in stages:
            self.stages[stage] += n
        if error is not None:
            self.errors[error] += n

    def __add__(self, other: Tally) -> Tally:
        out = Tally(
            self.runs + other.runs,
            self.endings + other.endings,
            {},
            {},
            self.stages + other.stages,
            self.errors + other.errors,
        )
        for key in self.endings.keys() | other.endings.keys():
            out.days[key] = self.days.get(key, Counter()) + other.days.get(key, Counter())
            out.steps[key] = self.steps.get(key, Counter()) + other.steps.get(key, Counter())
        return out


@dataclass(frozen=True)
class Chunk:
    """Runs ``start`` to ``stop - 1`` of a Monte Carlo: a picklable unit of work."""

    source: ScenarioSource
    fingerprint: str
    params: tuple[tuple[str, ParamValue], ...]
    max_steps: int
    runner: RunnerFactory
    seed: int
    start: int
    stop: int


def run_chunk(chunk: Chunk) -> Tally:
    """Run one chunk in this process (loading the scenario once per process and thread)."""
    run_once = worker_runner(
        chunk.source, chunk.fingerprint, chunk.params, chunk.max_steps, chunk.runner
    )
    return _tally(run_once, chunk.seed, range(chunk.start, chunk.stop))


def _tally(run_once: RunOnce, seed: int, indices: Iterable[int]) -> Tally:
    return Tally.of(_counts(run_once, seed, indices))


def _counts(
    run_once: RunOnce, seed: int, indices: Iterable[int], counts: Counter[RunKey] | None = None
) -> Counter[RunKey]:
    """Runs counted by `RunKey` (added to ``counts`` when given)."""
    if counts is None:
        counts = Counter()
    for i in indices:
        s = run_once(run_seed(seed, i))
        counts[s.status, s.outcome, s.day, s.steps, s.stages, s.error] += 1
    return counts


# -- statistics ---------------------------------------------------------------------------


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion (95% by default); (0, 1) when n is 0.

    Chosen over the normal ("Wald") interval because it stays inside [0, 1] and keeps close
    to its nominal coverage for proportions near 0 or 1 and for small n, where most
    scenario endings are.
    """
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def histogram_quantile(hist: Mapping[int, int], q: float) -> float | None:
    """Sample quantile of a histogram {value: count}, interpolated between order statistics
    as numpy's default ("linear") method does."""
    n = sum(hist.values())
    if n == 0:
        return None
    h = (n - 1) * q
    lo = math.floor(h)
    values = _order_stats(hist, (lo, min(lo + 1, n - 1)))
    return values[0] + (h - lo) * (values[1] - values[0])


def _order_stats(hist: Mapping[int, int], ranks: tuple[int, int]) -> tuple[int, int]:
    out: list[int] = []
    seen = 0
    want = iter(sorted(ranks))
    r = next(want)
    for value in sorted(hist):
        seen += hist[value]
        while r < seen:
            out.append(value)
            r = next(want, -1)
            if r < 0:
                return (out[0], out[1])
    raise AssertionError("ranks beyond the histogram")  # pragma: no cover


@dataclass(frozen=True)
class EndingStats:
    """One ending across the runs: how often, with its interval, and when."""

    kind: Literal["outcome", "no_outcome"]
    name: str
    count: int
    share: float
    low: float
    high: float
    median_days: float | None
    q1_days: float | None
    q3_days: float | None
    mean_days: float | None
    mean_steps: float | None


@dataclass(frozen=True)
class StageStats:
    stage: str
    name: str
    count: int
    share: float
    low: float
    high: float


@dataclass(frozen=True)
class MonteCarloResult:
    """Summary of ``runs`` runs; the same seed gives an identical result whatever ``jobs``."""

    scenario_id: str
    params: Mapping[str, ParamValue]
    runs: int
    seed: int
    max_steps: int
    endings: tuple[EndingStats, ...]
    stages: tuple[StageStats, ...]
    errors: Mapping[str, int]
    tally: Tally = field(repr=False, compare=False)

    def ending(self, name: str, kind: str = "outcome") -> EndingStats:
        for e in self.endings:
            if e.name == name and e.kind == kind:
                return e
        raise KeyError(name)


def summarise(
    scenario: Scenario,
    params: Mapping[str, ParamValue],
    tally: Tally,
    *,
    seed: int,
    max_steps: int,
) -> MonteCarloResult:
    """Turn a tally into shares with Wilson intervals, day quartiles and stage reach.

    Every declared outcome is listed (with 0 runs if none reached it), then the endings
    without an outcome, in a fixed order.
    """
    labels: dict[str, None] = {}
    for s in scenario.spec.states:
        if s.outcome:
            labels.setdefault(s.outcome, None)
    keys: list[EndingKey] = [("outcome", label) for label in labels]
    keys += [k for k in sorted(tally.endings) if k[0] == "outcome" and k[1] not in labels]
    keys += [("no_outcome", s) for s in NO_OUTCOME_STATUSES]
    n = tally.runs
    endings = []
    for key in keys:
        count = tally.endings.get(key, 0)
        days = tally.days.get(key, Counter())
        steps = tally.steps.get(key, Counter())
        low, high = wilson(count, n)
        endings.append(
            EndingStats(
                kind=key[0],
                name=key[1],
                count=count,
                share=count / n if n else 0.0,
                low=low,
                high=high,
                median_days=histogram_quantile(days, 0.5),
                q1_days=histogram_quantile(days, 0.25),
                q3_days=histogram_quantile(days, 0.75),
                mean_days=_mean(days),
                mean_steps=_mean(steps),
            )
        )
    stages = []
    for st in scenario.spec.stages:
        count = tally.stages.get(st.id, 0)
        low, high = wilson(count, n)
        stages.append(StageStats(st.id, st.name, count, count / n if n else 0.0, low, high))
    return MonteCarloResult(
        scenario_id=scenario.id,
        params=dict(params),
        runs=n,
        seed=seed,
        max_steps=max_steps,
        endings=tuple(endings),
        stages=tuple(stages),
        errors=dict(sorted(tally.errors.items())),
        tally=tally,
    )


def _mean(hist: Mapping[int, int]) -> float | None:
    n = sum(hist.values())
    return sum(v * c for v, c in hist.items()) / n if n else None


# -- cutting the runs into chunks ---------------------------------------------------------

SERIAL_CHUNK = 1000
"""Runs between progress reports in one process (at most; 50 reports at least)."""

MIN_CHUNK = 1000
"""Fewest runs in a chunk sent to a worker (unless there are fewer runs): a chunk costs about a
millisecond on top of its runs (sending it, its tally back, the worker waiting for the next),
about 70 runs of the default scenario."""

MAX_CHUNK = 50_000
"""Most runs in a chunk sent to a worker, so progress is shown every second or so."""

GUIDED = 4
"""A chunk for known workers takes 1/(GUIDED * workers) of the runs not yet cut (`chunk_plan`)."""

UNKNOWN_WORKERS_CHUNK = 2000
"""Most runs in a chunk for an executor of unknown size: small enough to spread over many
workers."""


def chunk_plan(
    runs: int, workers: int | None, chunk_size: int | None = None, *, parallel: bool = False
) -> list[tuple[int, int]]:
    """How ``runs`` runs are cut into chunks: ``(start, stop)`` pairs, in run order.

    The figures never depend on the cut (tallies add up exactly); only the speed does.

    - ``chunk_size``: chunks of that many runs.
    - In one process (``parallel`` false): chunks only pace the progress reports.
    - For ``workers`` processes: guided self-scheduling, each chunk 1/(GUIDED * workers) of
      the runs left, between MIN_CHUNK and MAX_CHUNK runs. Large chunks first spread the
      per-chunk cost over many runs (small chunks made two workers slower than one); small
      ones at the end keep the workers finishing together, even when one was slowed down
      by other work on the machine. About 40 chunks for 10^6 runs on 2 workers.
    - For an executor of unknown size (``workers`` None): chunks of at most
      UNKNOWN_WORKERS_CHUNK runs, so that a large cluster gets work for every worker.

    Never more than `MAX_CHUNKS` chunks.
    """
    floor = math.ceil(runs / MAX_CHUNKS)
    if chunk_size is not None:
        size = max(chunk_size, floor)
        return [(start, min(runs, start + size)) for start in range(0, runs, size)]
    if not parallel:
        size = max(1, floor, min(SERIAL_CHUNK, math.ceil(runs / 50)))
        return [(start, min(runs, start + size)) for start in range(0, runs, size)]
    if workers is None:
        size = max(1, floor, min(UNKNOWN_WORKERS_CHUNK, math.ceil(runs / 8)))
        return [(start, min(runs, start + size)) for start in range(0, runs, size)]
    plan = []
    start = 0
    while start < runs:
        left = runs - start
        size = max(floor, min(MAX_CHUNK, max(MIN_CHUNK, math.ceil(left / (GUIDED * workers)))))
        plan.append((start, min(runs, start + size)))
        start += size
    return plan


# -- the driver ---------------------------------------------------------------------------

Progress = Callable[[int, int], None]
"""Called with (runs done, runs in all) as chunks finish."""


def monte_carlo(
    scenario: Scenario | ScenarioSource,
    params: Mapping[str, object] | None = None,
    *,
    runs: int,
    seed: int = 0,
    max_steps: int = DEFAULT_MAX_STEPS,
    jobs: int = 1,
    executor: Executor | None = None,
    source: ScenarioSource | None = None,
    chunk_size: int | None = None,
    runner: RunnerFactory | None = None,
    progress: Progress | None = None,
    signals: DeferredSignals | None = None,
) -> MonteCarloResult:
    """Run ``scenario`` ``runs`` times and summarise how the runs end.

    - ``jobs``: with no ``executor``, 1 runs everything in this process and more starts a
      local ``ProcessPoolExecutor`` with that many workers (closed on return).
    - ``executor``: any `concurrent.futures.Executor` (a process pool, a Dask
      ``client.get_executor()``, Ray's ...); it is used, not closed. Chunks are submitted
      to it; their tallies are merged in run order. Give ``jobs`` its number of workers
      to have the chunks sized for them (`chunk_plan`); with ``jobs`` 1 they are sized for
      a cluster of unknown size (many small chunks).
    - ``signals``: with an ``executor`` from `model.analysis.parallel.own_pool`, its
      `DeferredSignals`, so that Ctrl-C is acted on while the chunks run.
    - ``source``: how workers load the scenario. Needed with ``jobs > 1`` or an executor
      unless ``scenario`` is a `ScenarioSource` or was loaded from a file that still
      exists under ``scenario.file``.
    - ``runner``: builds ``run_once(seed) -> RunSummary`` (default: the compiled fast path,
      `model.semantics.fastpath.runner`, which tests show gives the same runs as the tests'
      reference `semantics_runner` and the `transitions` engine, seed for seed).

    The result depends only on the scenario, ``params``, ``runs``, ``seed``, ``max_steps``
    and ``runner``.
    """
    if runs < 0:
        raise ValueError("runs must be 0 or more")
    if runner is None:
        runner = fast_runner
    if isinstance(scenario, ScenarioSource):
        source = scenario
        scenario = scenario.load()
    values = scenario.parameters(params)
    parallel = executor is not None or jobs > 1
    if not parallel:
        run_once = runner(scenario, values, max_steps)
        counts: Counter[RunKey] = Counter()
        for start, stop in chunk_plan(runs, None, chunk_size):
            _counts(run_once, seed, range(start, stop), counts)
            if progress is not None:
                progress(stop, runs)
        return summarise(scenario, values, Tally.of(counts), seed=seed, max_steps=max_steps)

    if source is None:
        source = source_for(scenario)
    # A local pool has ``jobs`` workers; an executor has as many as ``jobs`` says, if more
    # than 1, else an unknown number (`chunk_plan`).
    workers = jobs if executor is None or jobs > 1 else None
    chunks = [
        Chunk(
            source,
            fingerprint(scenario),
            tuple(sorted(values.items())),
            max_steps,
            runner,
            seed,
            start,
            stop,
        )
        for start, stop in chunk_plan(runs, workers, chunk_size, parallel=True)
    ]
    results: list[Tally | None] = [None] * len(chunks)
    done = 0

    def collect(future: Future[Tally], k: int) -> None:
        nonlocal done
        results[k] = future.result()
        done += chunks[k].stop - chunks[k].start
        if progress is not None:
            progress(done, runs)

    if executor is not None:
        _run_chunks(executor, signals, chunks, collect)
    else:
        with own_pool(min(jobs, len(chunks))) as (pool, own_signals):
            _run_chunks(pool, own_signals, chunks, collect)
    tally = Tally()
    for part in results:
        assert part is not None
        tally = tally + part
    return summarise(scenario, values, tally, seed=seed, max_steps=max_steps)


def _run_chunks(
    executor: Executor,
    signals: DeferredSignals | None,
    chunks: list[Chunk],
    collect: Callable[[Future[Tally], int], None],
) -> None:
    futures = {}
    for k, c in enumerate(chunks):
        futures[executor.submit(run_chunk, c)] = k
        if signals is not None:
            signals.check()
    gather(futures, signals, collect)


__all__ = [
    "Chunk",
    "EndingStats",
    "MonteCarloResult",
    "Progress",
    "StageStats",
    "Tally",
    "chunk_plan",
    "monte_carlo",
    "run_chunk",
    "run_seed",
    "summarise",
    "wilson",
]
