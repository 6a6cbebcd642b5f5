"""Where a timeline's pieces go, in points, before anything is drawn (no matplotlib here).

`model.render.timeline` draws; this module decides what it draws and where, so that the
rules are plain functions a test can call:

- which series a run shows (`tracked_series`: bookkeeping variables left out unless asked
  for) and which share a panel (`unit_panels`: one unit per panel, a variable without a unit
  alone);
- markers that fall on one day of one row set side by side (`dodge`);
- each event's name beside its marker, or on a lane below the row with a leader line where it
  would cover another marker or name (`place_labels`);
- long text broken into lines that fit a width (`fit_lines`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from model.scenario.compiled import Scenario
    from model.semantics.engine import Run

GAP = 4.0
"""Points kept free between two names on one lane."""
MARK_HALF = 5.0
"""Half the width of an event marker (points), with some air."""
DODGE = 10.0
"""Points between the centres of two markers of one row on one day."""
BESIDE = 7.0
"""Points from a marker's centre to its name when the name is beside it."""


def is_bookkeeping(scenario: Scenario, name: str) -> bool:
    """Whether variable ``name`` is marked ``bookkeeping: true`` (a helper of the model)."""
    return any(v.id == name and getattr(v, "bookkeeping", False) for v in scenario.spec.variables)


def unit_of(scenario: Scenario, name: str) -> str | None:
    """The ``unit`` of an integer variable or a derived quantity, if it has one."""
    for element in (*scenario.spec.variables, *scenario.spec.derived):
        if element.id == name:
            unit = getattr(element, "unit", None)
            return unit if isinstance(unit, str) else None
    return None


def tracked_variables(run: Run, bookkeeping: bool = False) -> list[str]:
    """Integer variables whose value changes during the run, in the scenario's order; those
    marked as bookkeeping only if ``bookkeeping``."""
    scenario = run.scenario
    ints = set(scenario.bounds)
    changed = {name for step in run.history for name in step.changes}
    return [
        n
        for n in scenario.variable_names
        if n in ints and n in changed and (bookkeeping or not is_bookkeeping(scenario, n))
    ]


def tracked_series(
    run: Run, bookkeeping: bool = False
) -> list[tuple[str, list[int], list[object]]]:
    """Each tracked integer variable, then each integer derived quantity that changes during
    the run (and can be evaluated at every step), as (name, days, values): a value per
    snapshot of the run, from the first."""
    first = run.history[0].before if run.history else run.snapshot
    snaps = [first, *(s.after for s in run.history)]
    days = [snap.day for snap in snaps]
    names = run.scenario.variable_names
    out: list[tuple[str, list[int], list[object]]] = [
        (name, days, [snap.values[names.index(name)] for snap in snaps])
        for name in tracked_variables(run, bookkeeping)
    ]
    if run.scenario.derived_names:
        table = run.semantics
        rows = [table.derived_values(snap) for snap in snaps]
        for name in run.scenario.derived_names:
            values = [row[name] for row in rows]
            numbers = all(type(v) is int for v in values)
            if numbers and len(set(values)) > 1:
                out.append((name, days, list(values)))
    return out


def unit_panels(scenario: Scenario, names: Sequence[str]) -> list[tuple[str | None, list[str]]]:
    """The series grouped into panels, in the order of their first series: one panel per
    unit, and a panel of its own for each series without a unit (nothing says it counts the
    same thing as another)."""
    panels: list[tuple[str | None, list[str]]] = []
    by_unit: dict[str, list[str]] = {}
    for name in names:
        unit = unit_of(scenario, name)
        if unit is None:
            panels.append((None, [name]))
        elif unit in by_unit:
            by_unit[unit].append(name)
        else:
            by_unit[unit] = [name]
            panels.append((unit, by_unit[unit]))
    return panels


def dodge(keys: Sequence[tuple[int, str]]) -> list[float]:
    """For markers keyed by (day, row), in drawing order: each one's horizontal offset in
    points, so that the markers of one day on one row stand side by side, centred on the
    day, instead of on top of each other."""
    count: dict[tuple[int, str], int] = {}
    for key in keys:
        count[key] = count.get(key, 0) + 1
    seen: dict[tuple[int, str], int] = {}
    out = []
    for key in keys:
        k = seen.get(key, 0)
        seen[key] = k + 1
        out.append((k - (count[key] - 1) / 2) * DODGE)
    return out


@dataclass(frozen=True)
class Placed:
    """An event name placed on its row: lane 0 is beside the markers, lane k > 0 is k lines
    below them (with a leader line to the marker); ``x0``..``x1`` its extent in points."""

    lane: int
    x0: float
    x1: float
    right: bool  # the name starts at the marker and goes right (else it ends there)


def place_labels(
    markers: Sequence[float],
    labels: Sequence[tuple[float, float]],
    left: float,
    right: float,
) -> list[Placed]:
    """Place names on one row: ``markers`` the x of every marker (points), ``labels`` each
    name's (x of its marker, width), in order. A name goes beside its marker, to the right
    (to the left where it would pass ``right``), if it covers no other marker and no name
    placed before it; else on the first lane below where it covers no other name there. Names
    stay within ``left``..``right`` as far as their width allows."""
    taken: dict[int, list[tuple[float, float]]] = {}
    out: list[Placed] = []

    def free(lane: int, a: float, b: float) -> bool:
        return _free(taken.get(lane, []), a, b)

    for x, width in labels:
        for lane in range(len(labels) + 1):
            near = BESIDE if lane == 0 else 2.0
            goes_right = x + near + width <= right or x - near - width < left
            a = x + near if goes_right else x - near - width
            a = max(left, min(a, right - width)) if width <= right - left else left
            b = a + width
            if lane == 0 and any(m + MARK_HALF > a and m - MARK_HALF < b for m in markers):
                continue
            if free(lane, a, b):
                taken.setdefault(lane, []).append((a, b))
                out.append(Placed(lane, a, b, goes_right))
                break
    return out


def fit_lines(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width`` (as ``measure`` gives a
    line's width); a word wider than that alone is broken between characters."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        trial = f"{current} {word}" if current else word
        if measure(trial) <= width:
            current = trial
            continue
        if current:
            lines.append(current)
        current = ""
        for ch in word:
            if current and measure(current + ch) > width:
                lines.append(current)
                current = ""
            current += ch
    lines.append(current)
    return lines


def stack(wanted: Sequence[tuple[float, float]], left: float, right: float) -> list[int]:
    """The lane of each span (start, width), in order: the first lane on which it overlaps no
    span placed before it (each start kept within ``left``..``right`` by the caller)."""
    taken: dict[int, list[tuple[float, float]]] = {}
    lanes = []
    for a, width in wanted:
        b = a + width
        lane = 0
        while not _free(taken.get(lane, []), a, b):
            lane += 1
        taken.setdefault(lane, []).append((a, b))
        lanes.append(lane)
    return lanes


def _free(spans: Sequence[tuple[float, float]], a: float, b: float) -> bool:
    """Whether a..b keeps `GAP` points from every span in ``spans``."""
    return all(b + GAP <= c or d + GAP <= a for c, d in spans)
