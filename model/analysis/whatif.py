"""Monte Carlo with exact values beside it, as ``python -m model.simulate --runs`` reports it.

The exact analysis and the runs do not depend on each other. In one process they run one
after the other; with a local pool (``jobs > 1``) the exact analysis is one more task in the
pool, started first, so it runs while the chunks of runs do instead of after all of them (on
the default scenario it is about a tenth of the work of 10^6 runs, and was all of it on one
core while the other waited). The chunks are cut for the pool's workers
(`model.analysis.montecarlo.chunk_plan`), so the worker that took the exact analysis simply
takes fewer of them.

Also the exact analysis of one point in a worker, for sweeps (`model.analysis.sweep`).
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Future

from model.analysis.exact import ExactResult, IncompleteGraph, analyse_scenario
from model.analysis.montecarlo import MonteCarloResult, Progress, monte_carlo
from model.analysis.parallel import ScenarioSource, fingerprint, gather, own_pool, source_for
from model.analysis.solvers import DEFAULT_TOLERANCE, Method
from model.scenario.compiled import ParamValue, Scenario


def exact_or_none(
    scenario: Scenario,
    params: Mapping[str, ParamValue],
    max_states: int,
    *,
    method: Method = "auto",
    tolerance: float = DEFAULT_TOLERANCE,
) -> ExactResult | None:
    """The exact analysis (`analyse_scenario` with ``method`` and ``tolerance``), or None when
    the graph has more than ``max_states`` states (or ``max_states`` is 0 or less: not asked
    for)."""
    if max_states <= 0:
        return None
    try:
        return analyse_scenario(
            scenario, params, method=method, tolerance=tolerance, max_states=max_states
        )
    except IncompleteGraph:
        return None


def exact_in_worker(
    source: ScenarioSource, digest: str, params: Mapping[str, ParamValue], max_states: int
) -> ExactResult | None:
    """`exact_or_none` in a worker process, on the scenario loaded from ``source`` (checked
    against its ``digest``, a `fingerprint`)."""
    scenario = source.load()
    if fingerprint(scenario) != digest:
        raise RuntimeError(f"{source.display}: the scenario changed while it was being analysed")
    return exact_or_none(scenario, params, max_states)


def monte_carlo_with_exact(
    scenario: Scenario,
    params: Mapping[str, ParamValue],
    *,
    runs: int,
    seed: int,
    max_steps: int,
    max_states: int,
    jobs: int = 1,
    source: ScenarioSource | None = None,
    progress: Progress | None = None,
) -> tuple[MonteCarloResult, ExactResult | None]:
    """`monte_carlo` and `exact_or_none` of the same scenario and parameters.

    With ``jobs`` 1 both run here, one after the other; with more, in one local pool of
    ``jobs`` workers (see the module's docstring), Ctrl-C acted on at once. The results are the
    same either way.
    """
    if jobs <= 1:
        result = monte_carlo(
            scenario, params, runs=runs, seed=seed, max_steps=max_steps, progress=progress
        )
        return result, exact_or_none(scenario, params, max_states)
    if source is None:
        source = source_for(scenario)
    with own_pool(jobs) as (pool, signals):
        later = None
        if max_states > 0:
            digest = fingerprint(scenario)
            later = pool.submit(exact_in_worker, source, digest, dict(params), max_states)
        result = monte_carlo(
            scenario,
            params,
            runs=runs,
            seed=seed,
            max_steps=max_steps,
            jobs=jobs,
            executor=pool,
            source=source,
            progress=progress,
            signals=signals,
        )
        exact: list[ExactResult | None] = [None]
        if later is not None:

            def collect(future: Future[ExactResult | None], k: int) -> None:
                exact[k] = future.result()

            gather({later: 0}, signals, collect)
    return result, exact[0]


__all__ = ["exact_in_worker", "exact_or_none", "monte_carlo_with_exact"]
