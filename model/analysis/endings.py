"""The endings of an exact analysis: the mass that ends at each node, grouped by how and when.

`model.analysis.exact`'s solvers give the mass that ends at each node (and that breaks a rule
at each node); this module groups it into `ExactEnding` values, by outcome and day. With a
saturating clock (a scenario without a horizon, docs/semantics.md) the day of a node is exact
only up to the clock's cap: mass ending later is kept apart (``beyond``), and the expected
days come from the durations of the steps instead (`model.analysis.exact`'s second pass).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from model.analysis.chain import TRANSIENT, Chain, Kind

Number = Fraction | float

NO_OUTCOME = ("stuck", "horizon", "error", "cycling")
"""Endings without an outcome, in report order."""


@dataclass(frozen=True)
class ExactEnding:
    """One way a run can end, with its exact probability and the days it takes."""

    kind: Kind
    name: str
    probability: Number
    days: Mapping[int, Number] = field(repr=False)
    """Probability of ending this way on each day (sums to ``probability`` but for
    ``beyond``); empty for ``cycling``, which never ends."""
    beyond: Number = 0
    """With a saturating clock: the probability of ending this way after day ``after``
    (the day itself not kept)."""
    after: int | None = None
    """With a saturating clock: the last day kept exactly (None: every day is exact)."""
    mean: Number | None = None
    """With a saturating clock: the expected day, from the durations of the steps."""

    @property
    def expected_days(self) -> Number | None:
        """Mean day of the ending, given that the run ends this way (None if it cannot)."""
        if self.after is not None:
            return self.mean
        if not self.days or self.probability == 0:
            return None
        total = sum((d * p for d, p in self.days.items()), start=self._zero())
        return total / self.probability

    def quantile(self, q: float) -> int | None:
        """The smallest day by which a share ``q`` of the runs ending this way have ended
        (None where that day lies beyond a saturated clock)."""
        if not self.days or self.probability == 0:
            return None
        acc = self._zero()
        target = self.probability * (Fraction(q) if isinstance(acc, Fraction) else q)
        for day in sorted(self.days):
            acc += self.days[day]
            if acc >= target:
                return day
        if self.beyond:
            return None
        return max(self.days)  # pragma: no cover - float rounding only

    def _zero(self) -> Number:
        return Fraction(0) if isinstance(self.probability, Fraction) else 0.0


def fraction_endings(
    c: Chain, labels: list[str], ends: Mapping[int, Fraction], errors: Mapping[int, Fraction]
) -> list[ExactEnding]:
    days: dict[tuple[Kind, str], dict[int, Number]] = {}
    zero = Fraction(0)

    def add(key: tuple[Kind, str], day: int, mass: Fraction) -> None:
        per_day = days.setdefault(key, {})
        per_day[day] = per_day.get(day, zero) + mass

    cycling = zero
    ending, day = c.ending.tolist(), c.day.tolist()
    for j, mass in ends.items():
        if ending[j] == TRANSIENT:
            cycling += mass
        else:
            add(c.keys[ending[j]], day[j], mass)
    for i, mass in errors.items():
        add(("no_outcome", "error"), day[i], mass)
    return _endings(labels, days, cycling, zero)


def float_endings(c: Chain, labels: list[str], ends: Any, errors: Any) -> list[ExactEnding]:
    """The same as `fraction_endings`, on arrays: masses grouped by (ending, day)."""
    import numpy as np

    keys = [*c.keys, ("no_outcome", "error")]
    terminal = c.ending != TRANSIENT
    cycling = float(ends[~terminal].sum())
    key = np.concatenate([c.ending[terminal], np.full(c.n, len(keys) - 1)])
    day = np.concatenate([c.day[terminal], c.day])
    mass = np.concatenate([ends[terminal], errors])
    width = int(day.max()) + 1 if len(day) else 1
    pair, inverse = np.unique(key * width + day, return_inverse=True)
    sums = np.bincount(inverse, weights=mass, minlength=len(pair))
    days: dict[tuple[Kind, str], dict[int, Number]] = {}
    for p, total in zip(pair.tolist(), sums.tolist()):
        if total:
            days.setdefault(keys[p // width], {})[p % width] = total
    return _endings(labels, days, cycling, 0.0)


def _endings(
    labels: list[str],
    days: Mapping[tuple[Kind, str], Mapping[int, Number]],
    cycling: Number,
    zero: Number,
) -> list[ExactEnding]:
    endings = [
        _ending("outcome", label, days.get(("outcome", label), {}), zero) for label in labels
    ]
    for name in NO_OUTCOME:
        if name == "cycling":
            endings.append(ExactEnding("no_outcome", "cycling", cycling, {}))
        else:
            endings.append(_ending("no_outcome", name, days.get(("no_outcome", name), {}), zero))
    return endings


def _ending(kind: Kind, name: str, per_day: Mapping[int, Number], zero: Number) -> ExactEnding:
    ordered = {d: per_day[d] for d in sorted(per_day) if per_day[d]}
    return ExactEnding(kind, name, sum(ordered.values(), start=zero), ordered)


def beyond_cap(
    c: Chain, endings: list[ExactEnding], cap: int, weighted: tuple[Any, Any] | None
) -> list[ExactEnding]:
    """``endings`` of a graph explored with a saturating clock kept exactly up to day
    ``cap``: the mass of later days kept apart, and the mean day from ``weighted`` (the
    day-weighted masses ending and breaking a rule at each node; None: not computed, as
    with interval iteration)."""
    sums: dict[tuple[Kind, str], Number] = {}
    if weighted is not None:
        ends_u, errors_u = weighted
        ending = c.ending.tolist()
        for j in range(c.n):
            mass = _at(ends_u, j)
            if mass and ending[j] != TRANSIENT:
                key = c.keys[ending[j]]
                sums[key] = sums.get(key, 0) + mass
            mass = _at(errors_u, j)
            if mass:
                error: tuple[Kind, str] = ("no_outcome", "error")
                sums[error] = sums.get(error, 0) + mass
    out = []
    for e in endings:
        if e.name == "cycling":
            out.append(e)
            continue
        kept = {d: p for d, p in e.days.items() if d <= cap}
        beyond = sum((p for d, p in e.days.items() if d > cap), start=e._zero())
        mean = None
        if weighted is not None and e.probability:
            mean = sums.get((e.kind, e.name), e._zero()) / e.probability
        out.append(ExactEnding(e.kind, e.name, e.probability, kept, beyond, cap, mean))
    return out


def _at(masses: Any, j: int) -> Number:
    """Node ``j``'s entry of a mass per node (a dict of fractions or an array of floats)."""
    if isinstance(masses, dict):
        return masses.get(j, 0)  # type: ignore[no-any-return]
    return float(masses[j])
