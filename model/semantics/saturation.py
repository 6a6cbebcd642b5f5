"""The saturating clock of a scenario without a horizon (docs/semantics.md).

When every step compares the clock only with constants (`model.scenario.clock`; the loader
refuses other reads when there is no horizon), days beyond the largest such constant cannot
be told apart by any step. `ClockCap` computes those constants under fixed parameters, for
each of the three clocks a snapshot holds (`day`, `day_in_stage`, days in the current state),
with the periods that repeat beyond them (`every` N, weekly risks), and `saturate` maps a
snapshot's key to the representative the explorer keeps: a clock value ``v`` above its cap
``C`` becomes ``C + 1 + (v - C - 1) % L`` (``L`` the period), which every comparison with a
constant up to ``C`` and every remainder by a divisor of ``L`` read the same as ``v``. Runs
(the engine, Monte Carlo) keep the exact clock; only the explorer saturates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from math import lcm

from model.scenario import expr, walk
from model.scenario.clock import clock_reads, step_expressions
from model.scenario.compiled import Scenario
from model.scenario.expr import Value
from model.semantics.rules import Key


@dataclass(frozen=True)
class ClockCap:
    """The day up to which each clock is kept exactly, and the period beyond it."""

    day: int
    stage: int  # day_in_stage
    state: int  # days in the current state
    stage_period: int = 1
    state_period: int = 1

    def saturate(self, key: Key, tracks_entry: bool) -> Key:
        """``key`` with each clock kept exactly up to its cap (see the module docstring)."""
        state, values, day, start, entered, act, fired = key
        d = _sat(day, self.day, 1)
        s = _sat(day - start, self.stage, self.stage_period)
        e = d - _sat(day - entered, self.state, self.state_period) if tracks_entry else 0
        return (state, values, d, d - s, e, act, fired)


def _sat(v: int, cap: int, period: int) -> int:
    return v if v <= cap else cap + 1 + (v - cap - 1) % period


def clock_cap(
    scenario: Scenario,
    params: Mapping[str, Value],
    lengths: Mapping[str | None, int | None],
) -> ClockCap:
    """The caps of ``scenario`` (which has no horizon) under ``params``, the stages having
    the constant ``lengths``."""
    spec = scenario.spec
    fixed = set(params) | {"stage_days"}
    every_length = [v for v in lengths.values() if v is not None] or [0]

    def values(e: expr.Expr) -> list[int]:
        """``e`` under the parameters, for each stage length it may be read with."""
        f = expr.compile_expr(e)
        out = []
        for length in every_length:
            v = f({**params, "stage_days": length})
            out.append(int(v))
        return out

    caps = {"day": 0, "day_in_stage": max(every_length), "state": 0}
    stage_period = state_period = 1
    last_keys = {t: max(rows.rows, default=0) for t, rows in scenario.tables.items()}
    trees = [scenario.expand(expr.parse(expr.text_of(t))) for _, t in step_expressions(spec)]
    for tree in trees:
        for name, compared in clock_reads(tree, lambda e: walk.names(e) <= fixed, last_keys):
            assert compared is not None, "refused by the loader when there is no horizon"
            caps[name] = max(caps[name], *values(compared))
    for t in spec.transitions:
        timed = t.schedule or t.deadline
        if timed is not None:
            kind, text = timed.when
            days = values(expr.parse(expr.text_of(text)))
            if kind == "at":
                caps["day_in_stage"] = max(caps["day_in_stage"], *days)
            elif kind == "after":
                caps["state"] = max(caps["state"], *days)
            else:
                state_period = lcm(state_period, *(max(1, d) for d in days))
        if t.risk is not None and t.risk.per == "week":
            stage_period = lcm(stage_period, 7)
    return ClockCap(caps["day"], caps["day_in_stage"], caps["state"], stage_period, state_period)
