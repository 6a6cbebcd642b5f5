"""Timelines and sweep charts that read, measured on the drawn figure (matplotlib's renderer
extents): no two texts overlap and all stay inside the canvas, markers of one day do not
coincide, series of different units never share an axis, bookkeeping variables appear only
when asked for, every series looks different; sweep ticks are the swept values, every
outcome has its own marker, a two-parameter sweep has one legend. On every shipped scenario
and on generated ones."""

from __future__ import annotations

import contextlib
import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from strategies import scenario_data

from model.analysis.sweep import Axis, sweep
from model.base.errors import RunError
from model.render.draw import renderer, style
from model.render.palette import series_style
from model.render.sweep_chart import draw_sweep
from model.render.timeline import draw_timeline, play
from model.render.timeline_layout import dodge, fit_lines, place_labels, unit_of
from model.scenario.loader import load, load_text
from model.semantics.engine import Run

SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
TRUCE = ROOT / "scenarios" / "cairo_three_stage_truce.yaml"
EXCHANGE = ROOT / "scenarios" / "hostage_prisoner_exchange.yaml"


def _texts(fig: Figure) -> list[tuple[str, Bbox]]:
    """Every drawn, non-empty text of ``fig`` with its extent (display points, 72 dpi): tick
    labels only where their tick is within the axis' limits (matplotlib keeps others unseen),
    an annotation's text without its leader line."""
    r = renderer(fig)
    ticks = {}
    for ax in fig.axes:
        for axis, (low, high) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            lo, hi = min(low, high), max(low, high)
            for tick in axis.get_major_ticks():
                shown = lo - 1e-9 <= tick.get_loc() <= hi + 1e-9 and ax.get_visible()
                for label in (tick.label1, tick.label2):
                    ticks[id(label)] = shown and label.get_visible()
    out = []
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip() or not ticks.get(id(t), True):
            continue
        out.append((t.get_text(), Text.get_window_extent(t, r)))
    return out


def _overlap(a: Bbox, b: Bbox, tol: float = 0.5) -> bool:
    return a.x0 + tol < b.x1 and b.x0 + tol < a.x1 and a.y0 + tol < b.y1 and b.y0 + tol < a.y1


def text_problems(fig: Figure) -> list[str]:
    """Texts that overlap one another or leave the canvas."""
    with style():
        fig.draw_without_rendering()  # ticks and legends placed as in a saved file
        texts = _texts(fig)
    page = fig.bbox
    problems = []
    for (s, a), (u, b) in itertools.combinations(texts, 2):
        if _overlap(a, b):
            problems.append(f"{s!r} overlaps {u!r}")
    for s, a in texts:
        if a.x0 < page.x0 - 0.5 or a.x1 > page.x1 + 0.5 or a.y0 < -0.5 or a.y1 > page.y1 + 0.5:
            problems.append(f"{s!r} leaves the canvas")
    return problems


def marker_problems(fig: Figure) -> list[str]:
    """Event markers of one day and row that are drawn on top of each other."""
    ax = fig.axes[0]
    points = []
    for line in ax.get_lines():
        if line.get_marker() in ("None", None, "") or len(line.get_xdata()) != 1:
            continue
        x, y = float(line.get_xdata()[0]), float(line.get_ydata()[0])
        shown = line.get_transform().transform((x, y))
        points.append(((x, y), (float(shown[0]), float(shown[1]))))
    problems = []
    for (key, p), (other, q) in itertools.combinations(points, 2):
        if key == other and abs(p[0] - q[0]) < 6 and abs(p[1] - q[1]) < 6:
            problems.append(f"two markers on day {key[0]} coincide")
    return problems


def series_problems(fig: Figure, scenario: Any) -> list[str]:
    """Series of different units (or without one) sharing an axis; two series alike."""
    problems = []
    looks = []
    for ax in fig.axes[1:]:
        names = [line.get_gid() for line in ax.get_lines() if line.get_gid()]
        units = {unit_of(scenario, n) for n in names}
        if len(units) > 1 or (None in units and len(names) > 1):
            problems.append(f"{names} share an axis with units {units}")
        for line in ax.get_lines():
            if line.get_gid():
                looks.append((line.get_color(), line.get_marker(), str(line.get_linestyle())))
    if len(set(map(repr, looks))) != len(looks):
        problems.append(f"two series look alike: {looks}")
    return problems


def all_problems(fig: Figure, scenario: Any) -> list[str]:
    return text_problems(fig) + marker_problems(fig) + series_problems(fig, scenario)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_timelines_read(path: Path) -> None:
    scenario = load(path)
    for seed in (0, 15):
        run = play(scenario, seed)
        assert all_problems(draw_timeline(run), scenario) == []
        assert all_problems(draw_timeline(run, bookkeeping=True), scenario) == []


@settings(max_examples=25)
@given(scenario_data(time=True, derived=True), st.data())
def test_generated_timelines_read(data: dict[str, Any], choices: st.DataObject) -> None:
    for variable in data.get("variables", []):
        if variable.get("type") == "int":  # units and bookkeeping flags drawn at random
            unit = choices.draw(st.sampled_from([None, "people", "trucks"]))
            if unit:
                variable["unit"] = unit
            if choices.draw(st.booleans()):
                variable["bookkeeping"] = True
    if choices.draw(st.booleans()):  # long names: a title over two lines, 48-character labels
        data["title"] = "A long title " * 9
        for t in data["transitions"]:
            t["label"] = f"{t['trigger']} named at the longest length allowed"[:48]
        data["stages"][0]["name"] = "A stage with a name long enough to be pushed aside"
    scenario = load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios")
    try:
        run = Run(scenario)
    except RunError:  # the initial state breaks an invariant: no run to draw
        return
    with contextlib.suppress(RunError):  # a run stopped by an error is drawn up to there
        run.play(seed=choices.draw(st.integers(0, 50)), max_steps=60)
    for bookkeeping in (False, True):
        assert all_problems(draw_timeline(run, bookkeeping=bookkeeping), scenario) == []


def test_units_split_the_panels_and_bookkeeping_is_left_out() -> None:
    scenario = load(TRUCE)
    run = play(scenario, seed=15)
    panels = [[line.get_gid() for line in ax.get_lines() if line.get_gid()] for ax in run_axes(run)]
    assert ["held_in_gaza"] in panels and ["released_from_prisons"] in panels
    assert not any("exchange_floor" in p for p in panels)  # bookkeeping: true
    with_all = draw_timeline(run, bookkeeping=True).axes[1:]
    panels = [[line.get_gid() for line in ax.get_lines() if line.get_gid()] for ax in with_all]
    assert ["held_in_gaza", "exchange_floor"] in panels  # both people


def run_axes(run: Any) -> list[Any]:
    return list(draw_timeline(run).axes[1:])


def test_every_event_is_named_and_markers_of_one_day_stand_apart() -> None:
    scenario = load(ROOT / "scenarios" / "cairo_talks_process.yaml")
    run = play(scenario, seed=0)
    fig = draw_timeline(run)
    named = {t.get_text().split(" ×")[0] for t in fig.axes[0].texts}
    events = {s.event.trigger for s in run.history if s.event.trigger != "days_pass"}
    assert {scenario.labels.event(e) for e in events} <= named
    # two egypt events on day 18: side by side, at the same day in data
    assert marker_problems(fig) == []


def test_a_short_run_has_a_whole_day_axis() -> None:
    run = play(load(ROOT / "scenarios" / "hamas_position.yaml"), seed=0)
    ax = draw_timeline(run).axes[0]
    low, high = ax.get_xlim()
    assert low < 0 and high >= 4  # at least four days shown
    ticks = [t for t in ax.get_xticks() if low <= t <= high]
    assert ticks and all(float(t).is_integer() for t in ticks)


def test_series_styles_differ() -> None:
    looks = [series_style(i) for i in range(35)]
    pairs = {(s["color"], repr(s["linestyle"])) for s in looks}
    assert len(pairs) == 35
    first = looks[:5]
    for key in ("color", "linestyle", "marker"):
        assert len({repr(s[key]) for s in first}) == 5


def test_layout_rules() -> None:
    assert dodge([(1, "a"), (1, "a"), (2, "a"), (1, "b")]) == [-5.0, 5.0, 0.0, 0.0]
    # a name that would cover the next marker goes one lane down; one that fits stays beside
    placed = place_labels([100, 120, 300], [(100, 80), (300, 40)], 0, 720)
    assert [p.lane for p in placed] == [1, 0]
    # near the right edge, a name ends at its marker
    (end,) = place_labels([700], [(700, 100)], 0, 720)
    assert end.lane == 0 and not end.right and end.x1 <= 700
    assert fit_lines("aaa bbb ccc", 7, len) == ["aaa bbb", "ccc"]
    assert fit_lines("abcdefghij", 4, len) == ["abcd", "efgh", "ij"]


# Sweep charts


def _sweep_lines(fig: Figure) -> list[Line2D]:
    return [line for ax in fig.axes for line in ax.get_lines() if line.get_label()[0] != "_"]


def test_one_parameter_sweep_chart() -> None:
    scenario = load(EXCHANGE)
    records = sweep(scenario, [Axis.parse("batch_size=5:30:5")])
    fig = draw_sweep(records, title=scenario.spec.title, labels=scenario.labels)
    (ax,) = fig.axes
    assert list(ax.get_xticks()) == [5, 10, 15, 20, 25, 30]
    lines = _sweep_lines(fig)
    assert len(lines) >= 2
    assert len({line.get_marker() for line in lines}) == len(lines)  # greyscale: shapes
    assert len({repr(line.get_linestyle()) for line in lines}) == len(lines)
    assert text_problems(fig) == []


def test_two_parameter_sweep_chart_has_one_legend_and_bands() -> None:
    scenario = load(EXCHANGE)
    records = sweep(
        scenario,
        [Axis.parse("batch_size=10:30:10"), Axis.parse("halt_chance=1,3")],
        method="montecarlo",
        runs=40,
    )
    fig = draw_sweep(records, labels=scenario.labels)
    legends = fig.findobj(Legend)
    assert len(legends) == 1 and legends[0] in fig.legends
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert all(list(ax.get_xticks()) == [10, 20, 30] for ax in shown)
    for ax in shown:
        markers = [line.get_marker() for line in ax.get_lines()]
        assert len(set(markers)) == len(markers) == 2
        assert ax.collections  # the interval bands
    assert text_problems(fig) == []


def test_many_swept_values_keep_a_tick_each() -> None:
    records = sweep(load(EXCHANGE), [Axis.parse("batch_size=1:40:1")], method="montecarlo", runs=5)
    ax = draw_sweep(records).axes[0]
    assert list(ax.get_xticks()) == list(range(1, 41))
    numbered = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert 2 <= len(numbered) <= 12 and numbered[0] == "1"


def test_cli_bookkeeping_option(tmp_path: Path) -> None:
    from model.timeline import main

    args = [str(TRUCE), "--seed", "15"]
    assert main([*args, "-o", str(tmp_path / "a.svg")]) == 0
    assert main([*args, "--bookkeeping", "-o", str(tmp_path / "b.svg")]) == 0
    # exchange_floor (bookkeeping) is drawn only with --bookkeeping (its line has its id)
    assert 'id="exchange_floor"' not in (tmp_path / "a.svg").read_text()
    assert 'id="exchange_floor"' in (tmp_path / "b.svg").read_text()
