"""Running analyses in other processes: how workers load the scenario, and a local pool.

Workers receive the scenario as its source (`ScenarioSource`: a file path, or text with its base
directory), not as the loaded object (compiled expressions do not pickle), check its
`fingerprint` against the one the work was started with, and build the per-run function once
per process and thread (`worker_runner`). A local pool (`own_pool`) defers Ctrl-C and SIGTERM
to safe points (`DeferredSignals`, checked by `gather`) and ends its workers with this process.
Used by Monte Carlo (`model.analysis.montecarlo`), sweeps (`model.analysis.sweep`) and the
guarantee table (`model.analysis.strategy`, whose workers are sent the work, not a source).
"""

from __future__ import annotations

import hashlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import Any, TypeVar

from model.base.limits import MAX_JOBS_PER_CPU
from model.scenario.compiled import ParamValue, Scenario
from model.scenario.loader import load, load_text
from model.semantics.summary import RunnerFactory, RunOnce

T = TypeVar("T")


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


def source_for(scenario: Scenario) -> ScenarioSource:
    """The file a scenario was loaded from, for workers to load it again."""
    path = Path(scenario.file)
    if path.is_file():
        return ScenarioSource.from_file(path, scenario.file)
    raise ValueError(
        f"cannot run {scenario.file!r} in other processes: pass source=ScenarioSource.from_file"
        "(...) or ScenarioSource.from_text(...), or the ScenarioSource itself"
    )


# A compiled runner keeps its own random generator and memo table, so it must never be shared
# between threads (a thread-pool Executor runs several chunks at once in one process): the
# cache is per thread.
_WORKER = threading.local()


def worker_runner(
    source: ScenarioSource,
    digest: str,
    params: tuple[tuple[str, ParamValue], ...],
    max_steps: int,
    runner: RunnerFactory,
) -> RunOnce:
    """The per-run function for this work in this worker: the scenario is loaded (and checked
    against its ``digest``, a `fingerprint`) and the function built once per process and
    thread."""
    cache: dict[tuple[object, ...], RunOnce] = _WORKER.__dict__.setdefault("cache", {})
    key = (source, digest, params, max_steps, runner)
    run_once = cache.get(key)
    if run_once is None:
        scenario = source.load()
        if fingerprint(scenario) != digest:
            raise RuntimeError(
                f"{source.display}: the scenario loaded in this worker differs from the "
                "one the Monte Carlo was started with (was the file changed?)"
            )
        if len(cache) >= 8:
            cache.clear()
        run_once = runner(scenario, dict(params), max_steps)
        cache[key] = run_once
    return run_once


# -- a local process pool -----------------------------------------------------------------


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
    signals: DeferredSignals | None,
    collect: Callable[[Future[T], int], None],
) -> None:
    """Hand each finished future to ``collect`` (with its index) as it finishes; with
    ``signals``, check for interrupts at least every 0.2 s.

    Finished futures are queued by a done-callback, so each one costs the same however many
    are pending (``concurrent.futures.wait`` walks every pending future on each call: with
    hundreds of chunks that was a busy parent taking CPU from its workers).
    """
    finished: SimpleQueue[Future[T]] = SimpleQueue()
    for future in futures:
        future.add_done_callback(finished.put)
    for _ in range(len(futures)):
        if signals is None:
            future = finished.get()
        else:
            while True:
                signals.check()
                try:
                    future = finished.get(timeout=0.2)
                    break
                except Empty:
                    continue
        collect(future, futures[future])
    if signals is not None:
        signals.check()


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
