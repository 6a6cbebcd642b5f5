"""Monte Carlo across processes: any cut of the runs and any executor give the figures of one
process (model.analysis.montecarlo, model.analysis.parallel, model.analysis.whatif), and the
executor example of docs/what-if.md runs as written."""

from __future__ import annotations

import dataclasses
import pickle
import re
import runpy
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from test_markov import EVERY_ENDING

from model.analysis.exact import ExactResult
from model.analysis.montecarlo import Chunk, MonteCarloResult, chunk_plan, monte_carlo
from model.analysis.parallel import ScenarioSource, fingerprint, worker_runner
from model.analysis.whatif import exact_or_none, monte_carlo_with_exact
from model.base.limits import MAX_CHUNKS
from model.semantics.fastpath import runner as fast_runner

TRUCE = ScenarioSource.from_file(ROOT / "scenarios" / "cairo_three_stage_truce.yaml")
ENDINGS = ScenarioSource.from_text(yaml.safe_dump(EVERY_ENDING), ROOT / "scenarios")


def same(a: MonteCarloResult, b: MonteCarloResult) -> None:
    assert a == b
    assert a.tally == b.tally


# -- the cut ------------------------------------------------------------------------------


@given(
    runs=st.integers(0, 10**8),
    workers=st.none() | st.integers(1, 64),
    chunk_size=st.none() | st.integers(1, 10**6),
    parallel=st.booleans(),
)
def test_a_chunk_plan_covers_the_runs_in_order(
    runs: int, workers: int | None, chunk_size: int | None, parallel: bool
) -> None:
    plan = chunk_plan(runs, workers, chunk_size, parallel=parallel)
    assert len(plan) <= MAX_CHUNKS
    stops = [stop for _, stop in plan]
    assert [start for start, _ in plan] == [0, *stops][: len(plan)]
    assert (plan[-1][1] if plan else 0) == runs
    assert all(start < stop for start, stop in plan)


def test_chunks_for_known_workers_are_few_and_shrink() -> None:
    plan = chunk_plan(1_000_000, 2, parallel=True)
    sizes = [stop - start for start, stop in plan]
    assert len(plan) <= 60  # was 500 chunks of 2,000 runs: slower on 2 workers than on 1
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[-2] <= 1000  # the last chunks are small: the workers finish together


# -- any executor, any cut: the same figures ------------------------------------------------


@pytest.fixture(scope="module")
def process_pool() -> Iterator[Executor]:
    with ProcessPoolExecutor(2) as pool:
        yield pool


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    runs=st.integers(0, 3000),
    jobs=st.integers(1, 4),
    chunk_size=st.none() | st.integers(1, 700),
    threads=st.booleans(),
)
def test_same_seed_same_figures_on_any_executor(
    process_pool: Executor,
    seed: int,
    runs: int,
    jobs: int,
    chunk_size: int | None,
    threads: bool,
) -> None:
    one = monte_carlo(ENDINGS, runs=runs, seed=seed, max_steps=20)
    cut = monte_carlo(ENDINGS, runs=runs, seed=seed, max_steps=20, chunk_size=chunk_size)
    same(one, cut)
    if threads:
        with ThreadPoolExecutor(3) as pool:
            other = monte_carlo(
                ENDINGS, runs=runs, seed=seed, max_steps=20, executor=pool, jobs=jobs
            )
    else:
        other = monte_carlo(
            ENDINGS,
            runs=runs,
            seed=seed,
            max_steps=20,
            executor=process_pool,
            jobs=jobs,
            chunk_size=chunk_size,
        )
    same(one, other)


@pytest.mark.parametrize(("runs", "seed"), [(1, 0), (2500, 7), (9001, 123456789)])
def test_same_seed_same_figures_whatever_the_jobs(runs: int, seed: int) -> None:
    one = monte_carlo(TRUCE, runs=runs, seed=seed)
    for jobs in (2, 3):
        same(one, monte_carlo(TRUCE, runs=runs, seed=seed, jobs=jobs))


# -- Monte Carlo with exact values beside it --------------------------------------------------


@pytest.mark.parametrize("max_states", [0, 50, 50_000])
def test_exact_values_beside_the_runs_are_the_same_in_one_pool(max_states: int) -> None:
    scenario = TRUCE.load()
    params = scenario.parameters({"batch_size": 20})
    here = monte_carlo_with_exact(
        scenario, params, runs=3000, seed=2, max_steps=500, max_states=max_states
    )
    pooled = monte_carlo_with_exact(
        scenario, params, runs=3000, seed=2, max_steps=500, max_states=max_states, jobs=2
    )
    same(here[0], pooled[0])
    alone = exact_or_none(scenario, params, max_states)
    assert untimed(here[1]) == untimed(pooled[1]) == untimed(alone)
    assert (alone is None) == (max_states < 50_000)  # its graph has 13,816 snapshots


def untimed(result: ExactResult | None) -> ExactResult | None:
    """The result without how long it took."""
    if result is None:
        return None
    return dataclasses.replace(result, explore_seconds=0.0, solve_seconds=0.0)


# -- the example of docs/what-if.md -----------------------------------------------------------

MARKER = "<!-- tested: the next block runs in tests/test_parallel_montecarlo.py -->"


def docs_example() -> str:
    text = (ROOT / "docs" / "what-if.md").read_text()
    found = re.search(re.escape(MARKER) + r"\n```python\n(.+?)\n```", text, re.DOTALL)
    assert found, "docs/what-if.md lost its tested executor example"
    return found.group(1)


def test_the_executor_example_in_the_docs_gives_the_figures_of_one_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    script = tmp_path / "example.py"
    script.write_text(docs_example())
    assert "ProcessPoolExecutor" in script.read_text() and "executor=pool" in script.read_text()
    monkeypatch.chdir(ROOT)  # the example names the scenario relative to the project
    result = runpy.run_path(str(script), run_name="__main__")["result"]
    alone = monte_carlo(
        ScenarioSource.from_file("scenarios/cairo_three_stage_truce.yaml"),
        {"batch_size": 20},
        runs=20_000,
        seed=1,
    )
    same(result, alone)
    e = alone.ending("three_stages_completed")
    assert capsys.readouterr().out == f"{e.share:.1%} ({e.low:.1%} to {e.high:.1%})\n"


def test_a_worker_builds_the_per_run_function_once_for_all_its_chunks() -> None:
    scenario = TRUCE.load()
    params = tuple(sorted(scenario.parameters().items()))
    chunks = [
        Chunk(TRUCE, fingerprint(scenario), params, 500, fast_runner, 3, start, start + 10)
        for start in (0, 10)
    ]
    # as a worker receives them: each a fresh copy
    a, b = (pickle.loads(pickle.dumps(c)) for c in chunks)
    assert a.runner is fast_runner
    built = worker_runner(a.source, a.fingerprint, a.params, a.max_steps, a.runner)
    assert worker_runner(b.source, b.fingerprint, b.params, b.max_steps, b.runner) is built
