"""What a step is made of: the snapshot a run is in, and the weighted choice of the next event.

A snapshot is the control state, every variable's value and the clock. Which events are
enabled in it and what firing one gives is the compiled table's (`model.semantics.table`), the
one step semantics of `model`; every runner chooses among the enabled events with
`weighted_choice`, so a seed gives the same run on the engine and on the fast path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from random import Random

from model.scenario.expr import Value


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The whole state of a run at one moment (hashable: the explorer's state key)."""

    state: str
    values: tuple[Value, ...]  # in the order of scenario.variable_names
    day: int
    stage_start: int
    # The time rules' bookkeeping (docs/semantics.md, "The rules, precisely"): the day the
    # control state was entered (0 unless the state has events timed by days in the state),
    # the activity under way as (transition index, days left), and the scheduled events and
    # deadlines fired today (bit i: transition index i).
    entered: int = 0
    activity: tuple[int, int] | None = None
    fired: int = 0

    @property
    def day_in_stage(self) -> int:
        return self.day - self.stage_start

    @property
    def days_in_state(self) -> int:
        return self.day - self.entered


def weighted_choice(rng: Random, weights: Sequence[int]) -> int:
    """Index chosen with probability proportional to its (integer) weight.

    Integer arithmetic only (``randrange`` on the total), so a seed gives the same choices
    on every platform; the simulation fast path must use this same function.
    """
    total = sum(weights)
    if total <= 0:
        raise ValueError("no positive weight to choose from")
    r = rng.randrange(total)
    for i, w in enumerate(weights):
        if r < w:
            return i
        r -= w
    raise AssertionError("unreachable")  # pragma: no cover
