"""One run summarised, and the per-run functions that produce it.

`RunSummary` is how a weighted random run ended (status, outcome, day, steps, stages visited,
error kind): what Monte Carlo tallies (`model.analysis.montecarlo`) and what every per-run
function must return for a seed. A `RunnerFactory` builds such a function for a scenario under
fixed parameters: `model.semantics.fastpath.runner` (the compiled table) is the default; the
tests' reference (`semantics_runner` in tests/reference_semantics.py) gives the same summary
for every seed. It lives in the semantics layer so that the fast path and Monte Carlo both
import it from below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from model.scenario.compiled import ParamValue, Scenario

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
