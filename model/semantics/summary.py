"""One run summarised, and the per-run functions that produce it.

`RunSummary` is how a weighted random run ended (status, outcome, day, steps, stages visited,
error kind): what Monte Carlo tallies (`model.analysis.montecarlo`) and what every per-run
function must return for a seed. A `RunnerFactory` builds such a function for a scenario under
fixed parameters: `semantics_runner` here (a plain loop over `model.semantics.step`, the
reference) or `model.semantics.fastpath.runner` (the compiled table, the default), which give
the same summary for every seed (tested). It lives in the semantics layer so that the fast path
and Monte Carlo both import it from below.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from model.base.errors import RunError
from model.scenario.compiled import ParamValue, Scenario
from model.semantics.step import Semantics, weighted_choice

EndStatus = Literal["outcome", "stuck", "horizon", "max_steps", "error"]
"""How a run ends: with an outcome, or without one (and why)."""


@dataclass(frozen=True, slots=True)
class RunSummary:
    """How one run ended: what a per-run function must return for a seed."""

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
