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

Runs are cut into chunks; each chunk returns a `Tally` (counts and histograms of days,
exactly mergeable), so results do not depend on how runs are split among workers: the same
seed gives the same figures whatever ``jobs`` or executor is used.

Scaling out: pass any `concurrent.futures.Executor`. With a Dask cluster::

    from dask.distributed import Client
    from model.analysis.montecarlo import ScenarioSource, monte_carlo

    client = Client("tcp://scheduler:8786")          # workers need this package installed
    source = ScenarioSource.from_file("scenarios/cairo_three_stage_truce.yaml")
    result = monte_carlo(source, {"batch_size": 20}, runs=1_000_000, seed=1,
                         executor=client.get_executor())

Workers receive the scenario as its source (file path or text), not as the loaded object
(compiled expressions do not pickle), and load it once per process.

The per-run function is pluggable: ``runner`` builds a ``run_once(seed) -> RunSummary``
for a scenario, so a compiled fast path can replace `semantics_runner` without changing
anything else.
"""

from __future__ import annotations

import hashlib
import math
import os
import random
import signal
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    as_completed,
    wait,
)
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import Any, Literal, Protocol, TypeVar

from model.base.errors import RunError
from model.base.limits import MAX_CHUNKS, MAX_JOBS_PER_CPU
from model.scenario.compiled import ParamValue, Scenario
from model.scenario.loader import load, load_text
from model.semantics.step import Semantics, weighted_choice

T = TypeVar("T")
EndStatus = Literal["outcome", "stuck", "horizon", "max_steps", "error"]
NO_OUTCOME_STATUSES: tuple[EndStatus, ...] = ("stuck", "horizon", "max_steps", "error")
Z95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054


# -- one run ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunSummary:
    """How one run ended: what a fast path must return for a seed."""

    status: EndStatus
    outcome: str | None  # the outcome label when status == "outcome"
    day: int  # the day the run ended
    steps: int
    stages: frozenset[str]  # stages whose states the run visited
    error: str | None = None  # RunError.kind when status == "error"


RunOnce = Callable[[int], RunSummary]


class RunnerFactory(Protocol):
    """Builds the per-run function for a scenario under fixed parameters.

    Must be picklable (a module-level function) to be used with an executor.
    """

    def __call__(
        self, scenario: Scenario, params: Mapping[str, ParamValue], max_steps: int
    ) -> RunOnce: ...


def run_seed(seed: int, index: int) -> int:
    """The seed of run ``index`` in a Monte Carlo with ``seed``: a hash of both, so runs
    are independent of each other and of how runs are split among workers."""
    digest = hashlib.sha256(f"ceasefire-model:{seed}:{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def semantics_runner(
    scenario: Scenario, params: Mapping[str, ParamValue], max_steps: int
) -> RunOnce:
    """``run_once(seed)`` on `model.semantics.step`, with the choices and statuses of `Run.play`.

    Where the engine raises (a guard or weight that cannot be evaluated), the run ends with
    status ``error`` here.
    """
    sem = Semantics(scenario, params)
    stage_of = {s.id: s.stage for s in scenario.spec.states}
    outcome_of = {s.id: s.outcome for s in scenario.spec.states}

    def run_once(seed: int) -> RunSummary:
        rng = random.Random(seed)
        try:
            snap = sem.initial()
        except RunError as exc:
            return RunSummary("error", None, 0, 0, frozenset(), exc.kind)
        stages: set[str] = set()
        steps = 0
        while True:
            stage = stage_of[snap.state]
            if stage is not None:
                stages.add(stage)
            outcome = outcome_of[snap.state]
            if outcome is not None:
                return RunSummary("outcome", outcome, snap.day, steps, frozenset(stages))
            try:
                enabled = sem.enabled(snap)
                if not enabled:
                    status: EndStatus = "horizon" if sem.blocked_by_horizon(snap) else "stuck"
                    return RunSummary(status, None, snap.day, steps, frozenset(stages))
                if steps >= max_steps:
                    return RunSummary("max_steps", None, snap.day, steps, frozenset(stages))
                t, _ = enabled[weighted_choice(rng, [w for _, w in enabled])]
                snap = sem.apply(t, snap)
            except RunError as exc:
                return RunSummary("error", None, snap.day, steps, frozenset(stages), exc.kind)
            steps += 1

    return run_once


# -- tallies ------------------------------------------------------------------------------

EndingKey = tuple[Literal["outcome", "no_outcome"], str]


def ending_of(summary: RunSummary) -> EndingKey:
    if summary.status == "outcome":
        assert summary.outcome is not None
        return ("outcome", summary.outcome)
    return ("no_outcome", summary.status)


@dataclass
class Tally:
    """Counts from some runs; tallies of disjoint runs add up exactly (``a + b``)."""

    runs: int = 0
    endings: Counter[EndingKey] = field(default_factory=Counter)
    days: dict[EndingKey, Counter[int]] = field(default_factory=dict)
    steps: dict[EndingKey, Counter[int]] = field(default_factory=dict)
    stages: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, summary: RunSummary) -> None:
        key = ending_of(summary)
        self.runs += 1
        self.endings[key] += 1
        self.days.setdefault(key, Counter())[summary.day] += 1
        self.steps.setdefault(key, Counter())[summary.steps] += 1
        self.stages.update(summary.stages)
        if summary.error is not None:
            self.errors[summary.error] += 1

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


# -- scenarios in other processes ---------------------------------------------------------


@dataclass(frozen=True)
class ScenarioSource:
    """How a worker process loads the scenario: a file, or text with its base directory."""

    path: str | None = None
    display: str | None = None
    text: str | None = None
    base_dir: str | None = None
    root: str | None = None  # the project root the scenario was loaded with (None: found)

    @classmethod
    def from_file(
        cls, path: str | Path, display: str | None = None, root: str | Path | None = None
    ) -> ScenarioSource:
        """The file as `load` finds it (a shipped scenario by name too), by absolute path."""
        from model.base.paths import find_scenario

        return cls(
            path=str(find_scenario(path).resolve()),
            display=display or str(path),
            root=None if root is None else str(root),
        )

    @classmethod
    def from_text(
        cls,
        text: str,
        base_dir: str | Path = ".",
        file: str = "<text>",
        root: str | Path | None = None,
    ) -> ScenarioSource:
        return cls(
            text=text,
            base_dir=str(Path(base_dir).resolve()),
            display=file,
            root=None if root is None else str(root),
        )

    def load(self) -> Scenario:
        if self.text is not None:
            return load_text(self.text, self.display or "<text>", self.base_dir or ".", self.root)
        assert self.path is not None, "a ScenarioSource needs a path or a text"
        return load(self.path, self.display, self.root)


def fingerprint(scenario: Scenario) -> str:
    """A digest of the scenario's definition: a worker checks it loaded the same one."""
    return hashlib.sha256(scenario.spec.model_dump_json().encode()).hexdigest()[:16]


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


# A compiled runner keeps its own random generator and memo table, so it must never be shared
# between threads (a thread-pool Executor runs several chunks at once in one process): the
# cache is per thread.
_WORKER = threading.local()


def run_chunk(chunk: Chunk) -> Tally:
    """Run one chunk in this process (loading the scenario once per process and thread)."""
    cache: dict[tuple[object, ...], RunOnce] = _WORKER.__dict__.setdefault("cache", {})
    key = (chunk.source, chunk.fingerprint, chunk.params, chunk.max_steps, chunk.runner)
    run_once = cache.get(key)
    if run_once is None:
        scenario = chunk.source.load()
        if fingerprint(scenario) != chunk.fingerprint:
            raise RuntimeError(
                f"{chunk.source.display}: the scenario loaded in this worker differs from the "
                "one the Monte Carlo was started with (was the file changed?)"
            )
        if len(cache) >= 8:
            cache.clear()
        run_once = chunk.runner(scenario, dict(chunk.params), chunk.max_steps)
        cache[key] = run_once
    return _tally(run_once, chunk.seed, range(chunk.start, chunk.stop))


def _tally(run_once: RunOnce, seed: int, indices: Iterable[int]) -> Tally:
    tally = Tally()
    for i in indices:
        tally.add(run_once(run_seed(seed, i)))
    return tally


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


# -- the driver ---------------------------------------------------------------------------

Progress = Callable[[int, int], None]
"""Called with (runs done, runs in all) as chunks finish."""


def default_jobs() -> int:
    """The CPUs this process may use (``--jobs 0``, and the most ``--jobs`` allowed)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def max_jobs() -> int:
    """The most worker processes a local pool may start: `MAX_JOBS_PER_CPU` per CPU."""
    return MAX_JOBS_PER_CPU * default_jobs()


def worker_pool(jobs: int) -> ProcessPoolExecutor:
    """A local process pool whose workers leave interrupts to this process and end with it.

    Workers ignore SIGINT (Ctrl-C reaches the whole process group; this process handles it and
    ends them, so no worker prints a traceback) and, on Linux, are sent SIGTERM by the kernel
    when this process ends for any reason (``PR_SET_PDEATHSIG``), so none outlives it.
    """
    return ProcessPoolExecutor(
        max_workers=min(jobs, max_jobs()), initializer=_worker_init, initargs=(os.getpid(),)
    )


class DeferredSignals:
    """Ctrl-C and SIGTERM noted while a local pool runs, and acted on at safe points.

    Python raises KeyboardInterrupt (and `cli` raises on SIGTERM) wherever the main thread
    happens to be; inside the pool's own code that can leave its locks held, and shutting it
    down then hangs. While this is active the signal is only noted; `check` (called between
    steps of our own code) stops the work, `own_pool` ends the workers, then the signal is
    raised again for the handler in place before (KeyboardInterrupt, `cli.Terminated`, or
    the default action).
    """

    def __init__(self) -> None:
        self.pending: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> DeferredSignals:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._note)
        return self

    def _note(self, signum: int, frame: object) -> None:
        if self.pending is None:
            self.pending = signum

    def check(self) -> None:
        if self.pending is not None:
            raise _Stop

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> bool:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        if self.pending is not None:
            signal.raise_signal(self.pending)  # the handler restored above acts on it now
        return kind is _Stop


class _Stop(Exception):
    """A noted signal: unwind out of the pool (`DeferredSignals`)."""


@contextmanager
def own_pool(jobs: int) -> Iterator[tuple[ProcessPoolExecutor, DeferredSignals]]:
    """A `worker_pool` with interrupts deferred to safe points; its workers are ended at once
    when the block is left early (an interrupt, an error) and shut down in order otherwise."""
    with DeferredSignals() as signals:
        pool = worker_pool(jobs)
        finished = False
        try:
            yield pool, signals
            finished = True
        finally:
            end_pool(pool, kill=not finished)


def gather(
    futures: Mapping[Future[T], int],
    signals: DeferredSignals,
    collect: Callable[[Future[T], int], None],
) -> None:
    """Hand each finished future to ``collect`` (with its index), checking for interrupts
    every 0.2 s."""
    pending = set(futures)
    while pending:
        finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        signals.check()
        for future in finished:
            collect(future, futures[future])


def end_pool(pool: ProcessPoolExecutor, *, kill: bool) -> None:
    """Shut ``pool`` down; with ``kill`` (an interrupt, an error) end its workers at once
    instead of waiting for the runs under way."""
    if kill:
        # `_processes` is the executor's table of its workers (CPython 3.8+); ending them is
        # the only way to stop a chunk under way.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=2)
            if process.is_alive():  # pragma: no cover - SIGTERM is not ignored in workers
                process.kill()
                process.join()
    pool.shutdown(wait=True, cancel_futures=True)


def _worker_init(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A forked worker inherits the parent's handlers; `cli` makes SIGTERM raise, which in a
    # worker would unwind inside the pool's queue locks. Here SIGTERM simply ends it.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the parent ends us
            pass
    if os.getppid() != parent:  # the parent ended before prctl took effect
        os._exit(1)


def monte_carlo(
    scenario: Scenario | ScenarioSource,
    params: Mapping[str, object] | None = None,
    *,
    runs: int,
    seed: int = 0,
    max_steps: int = 500,
    jobs: int = 1,
    executor: Executor | None = None,
    source: ScenarioSource | None = None,
    chunk_size: int | None = None,
    runner: RunnerFactory | None = None,
    progress: Progress | None = None,
) -> MonteCarloResult:
    """Run ``scenario`` ``runs`` times and summarise how the runs end.

    - ``jobs``: with no ``executor``, 1 runs everything in this process and more starts a
      local ``ProcessPoolExecutor`` with that many workers (closed on return).
    - ``executor``: any `concurrent.futures.Executor` (a process pool, a Dask
      ``client.get_executor()``, Ray's ...); it is used, not closed. Chunks are submitted
      to it; their tallies are merged in run order.
    - ``source``: how workers load the scenario. Needed with ``jobs > 1`` or an executor
      unless ``scenario`` is a `ScenarioSource` or was loaded from a file that still
      exists under ``scenario.file``.
    - ``runner``: builds ``run_once(seed) -> RunSummary`` (default: the compiled fast path,
      `model.semantics.fastpath.runner`, which tests show gives the same runs as `semantics_runner`
      and the `transitions` engine, seed for seed).

    The result depends only on the scenario, ``params``, ``runs``, ``seed``, ``max_steps``
    and ``runner``.
    """
    if runs < 0:
        raise ValueError("runs must be 0 or more")
    if runner is None:
        from model.semantics.fastpath import (
            runner as fast_runner,  # imported here: it imports this module
        )

        runner = fast_runner
    if isinstance(scenario, ScenarioSource):
        source = scenario
        scenario = scenario.load()
    values = scenario.parameters(params)
    parallel = executor is not None or jobs > 1
    if not parallel:
        size = chunk_size or max(1, min(1000, math.ceil(runs / 50)))
        run_once = runner(scenario, values, max_steps)
        tally = Tally()
        for start in range(0, runs, size):
            tally = tally + _tally(run_once, seed, range(start, min(runs, start + size)))
            if progress is not None:
                progress(min(runs, start + size), runs)
        return summarise(scenario, values, tally, seed=seed, max_steps=max_steps)

    if source is None:
        source = source_for(scenario)
    workers = jobs if executor is None else max(jobs, 1)
    # About 8 chunks a worker balance the work; at most MAX_CHUNKS chunks however many runs.
    size = chunk_size or max(
        1, math.ceil(runs / MAX_CHUNKS), min(2000, math.ceil(runs / (8 * workers)))
    )
    chunks = [
        Chunk(
            source,
            fingerprint(scenario),
            tuple(sorted(values.items())),
            max_steps,
            runner,
            seed,
            start,
            min(runs, start + size),
        )
        for start in range(0, runs, size)
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
        futures = {executor.submit(run_chunk, c): k for k, c in enumerate(chunks)}
        for future in as_completed(futures):
            collect(future, futures[future])
    else:
        with own_pool(min(jobs, len(chunks))) as (pool, signals):
            submitted = {}
            for k, c in enumerate(chunks):
                submitted[pool.submit(run_chunk, c)] = k
                signals.check()
            gather(submitted, signals, collect)
    tally = Tally()
    for part in results:
        assert part is not None
        tally = tally + part
    return summarise(scenario, values, tally, seed=seed, max_steps=max_steps)


def source_for(scenario: Scenario) -> ScenarioSource:
    """The file a scenario was loaded from, for workers to load it again."""
    path = Path(scenario.file)
    if path.is_file():
        return ScenarioSource.from_file(path, scenario.file)
    raise ValueError(
        f"cannot run {scenario.file!r} in other processes: pass source=ScenarioSource.from_file"
        "(...) or ScenarioSource.from_text(...), or the ScenarioSource itself"
    )


__all__ = [
    "Chunk",
    "EndingStats",
    "MonteCarloResult",
    "RunSummary",
    "RunnerFactory",
    "ScenarioSource",
    "StageStats",
    "Tally",
    "monte_carlo",
    "run_chunk",
    "run_seed",
    "semantics_runner",
    "source_for",
    "summarise",
    "wilson",
]
