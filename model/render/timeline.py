"""Draw a simulated run over days: stage bands, each event with its actor and its name, and
the integer variables and derived quantities that change (people held, prisoners released,
trucks delivered, ...) as step lines, one panel per unit.

Drawn for ``python -m model.timeline`` and ``python -m model.diagram --timeline``. Imports
matplotlib; nothing outside the drawing modules does. Where things go is decided first, in
points, by `model.render.timeline_layout`; this module paints.

An event that takes days is drawn as a thin bar from its start to the day it completes, with
the actor's marker at the end. Every event is named (its label) beside its marker, or on a
lane below its row with a leader line where the name would cover another marker or name;
an event is named once per row and stage, at its first marker, with the count of its repeats
("×3"). Markers of one row on one day stand side
by side. Scheduled events and deadlines are drawn on a row of their own, the schedule's (below
the parties); days passing with no event are not drawn, and an activity whose days are split
over several steps (a scheduled event or a risk's day in between) is one bar, its marker on
the day it completes.

Series of different units never share a scale: each unit has its panel, and a series without
a unit a panel of its own; variables marked ``bookkeeping`` are left out unless asked for.
Every series has its own colour, dash pattern and end marker (`model.render.palette`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from model.base.limits import DEFAULT_MAX_STEPS
from model.base.textfmt import drawable
from model.render.palette import series_style
from model.render.timeline_layout import (
    BESIDE,
    Placed,
    dodge,
    fit_lines,
    place_labels,
    stack,
    tracked_series,
    unit_panels,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from model.scenario.compiled import Scenario
    from model.semantics.engine import Run

WIDTH = 720.0
"""Points (the figure is at 72 dpi: display pixels are points; PNG at `draw.PNG_DPI`)."""
LEFT = 100.0  # the row names and the y axis title
RIGHT = 16.0
LINE = 12.0  # points per lane of the events panel
ROW_GAP = 1.6  # lanes between a row's markers and the lowest name of the row above
VAR_PANEL = 105.0  # height of a panel of series
BOTTOM = 40.0  # day ticks and the axis title
MIN_DAYS = 4  # the day axis spans at least this many days
TICK_SIZE = 8.0
LEGEND_WRAP = 60  # characters of a series' name per line in a legend


@dataclass(frozen=True)
class Band:
    name: str
    start: int
    end: int
    outcome: bool


def stage_bands(run: Run) -> list[Band]:
    """Consecutive stretches of days spent in one stage (or, at the end, an outcome)."""
    scenario = run.scenario
    labels = scenario.labels

    def label(state: str) -> tuple[str, bool]:
        outcome = scenario.outcome_of(state)
        if outcome:
            return "outcome", True  # named in the subtitle
        stage = scenario.stage_of(state)
        return (labels.stage(stage) if stage else state), False

    first = run.history[0].before if run.history else run.snapshot
    current, is_outcome = label(first.state)
    start = first.day
    bands: list[Band] = []
    for step in run.history:
        name, outcome = label(step.after.state)
        if name != current:
            bands.append(Band(current, start, step.after.day, is_outcome))
            current, is_outcome, start = name, outcome, step.after.day
    bands.append(Band(current, start, run.snapshot.day, is_outcome))
    return bands


@dataclass(frozen=True)
class Mark:
    """An event's marker: the day it happens or completes, its row, its name, and whether it
    changed the state (drawn larger)."""

    day: int
    actor: str
    trigger: str
    moved: bool
    visit: int  # which stretch of one stage (`stage_bands`) it happened in, from 0


def event_marks(run: Run) -> tuple[list[Mark], list[tuple[str, int, int]], set[str]]:
    """The markers of ``run``'s events, the bars of the days events took (row, first day,
    last day), and every actor of an event (days passing are no event)."""
    from model.scenario.compiled import DAYS

    scenario = run.scenario
    marks: list[Mark] = []
    bars: list[tuple[str, int, int]] = []
    actors: set[str] = set()
    visit = 0
    stage = scenario.stage_of(run.history[0].before.state) if run.history else None
    for step in run.history:
        if scenario.stage_of(step.before.state) != stage:
            visit, stage = visit + 1, scenario.stage_of(step.before.state)
        if step.event.index == DAYS:
            continue  # days passing: nothing drawn
        actor = step.event.actor
        actors.add(actor)
        act = step.after.activity
        if act is not None:  # an activity still under way: its bar so far, on its row
            doer = scenario.transitions[act[0]].actor
            if step.after.day > step.before.day:
                bars.append((doer, step.before.day, step.after.day))
            if act[0] == step.event.index:
                continue  # its start or one of its days: the marker comes at arrival
        kind = scenario.transitions[step.event.index].kind
        # a scheduled event or deadline happens on the day it is due, a risk at the end of its
        # day (later days of the step are quiet); a decision completes at the end
        if kind in ("scheduled", "deadline"):
            day = step.before.day
        elif kind == "risk":
            day = step.before.day + 1
        else:
            day = step.after.day
        if kind == "decision" and step.after.day > step.before.day:
            bars.append((actor, step.before.day, step.after.day))
        moved = step.before.state != step.after.state
        marks.append(Mark(day, actor, step.event.trigger, moved, visit))
    return marks, bars, actors


def draw_timeline(run: Run, subtitle: str | None = None, *, bookkeeping: bool = False) -> Figure:
    """The timeline of ``run`` (played or fired by hand) as a matplotlib figure; variables
    marked as bookkeeping only if ``bookkeeping``."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator
    from matplotlib.transforms import ScaledTranslation

    from model.render.draw import (
        LANE_SHADES,
        SCHEDULE_STYLE,
        font_kwargs,
        measure,
        new_figure,
        party_styles,
        renderer,
        style,
    )
    from model.scenario.compiled import SCHEDULE

    scenario = run.scenario
    labels = scenario.labels
    marks, bars, actors = event_marks(run)
    parties = [p.id for p in scenario.spec.parties]
    acting = [p for p in parties if p in actors] or parties[:1]
    if SCHEDULE in actors:
        acting.append(SCHEDULE)  # scheduled events and deadlines: a row of their own
    series = tracked_series(run, bookkeeping)
    panels = unit_panels(scenario, [name for name, _, _ in series])
    last_day = run.snapshot.day
    end = max(last_day, MIN_DAYS)
    pad = 0.03 * end + 0.3
    x_lo, x_hi = -pad, end + pad
    ax_left, ax_right = LEFT, WIDTH - RIGHT

    def x_pt(day: float) -> float:
        return ax_left + (day - x_lo) / (x_hi - x_lo) * (ax_right - ax_left)

    text_size = measure()

    def width(text: str, style_name: str) -> float:
        # measured under the package's settings (hinting changes widths; the measure's
        # cache is shared with the diagrams)
        with style():
            return text_size(text, style_name)[0]

    # Event names: an event named once per row and stage (at its first marker, with the
    # count of its repeats), placed in points.
    bands = stage_bands(run)
    shifts = dodge([(m.day, m.actor) for m in marks])
    placed: dict[int, tuple[Placed, str]] = {}  # mark index -> placement, its text
    lanes = {p: 0 for p in acting}
    for actor in acting:
        mine = [i for i, m in enumerate(marks) if m.actor == actor]
        named: dict[tuple[str, int], int] = {}  # (event, visit) -> its index in `runs`
        runs: list[tuple[int, int]] = []  # (first mark, count)
        for i in mine:
            key = (marks[i].trigger, marks[i].visit)
            if key in named:
                k = named[key]
                runs[k] = (runs[k][0], runs[k][1] + 1)
            else:
                named[key] = len(runs)
                runs.append((i, 1))
        texts = [
            drawable(labels.event(marks[i].trigger)) + (f" ×{n}" if n > 1 else "") for i, n in runs
        ]
        spots = place_labels(
            [x_pt(marks[i].day) + shifts[i] for i in mine],
            [
                (x_pt(marks[i].day) + shifts[i], width(t, "node_small") + 3)
                for (i, _), t in zip(runs, texts)
            ],
            ax_left + 2,
            WIDTH - 6,
        )
        for (i, _), spot, text in zip(runs, spots, texts):
            placed[i] = (spot, text)
        lanes[actor] = max((s.lane for s in spots), default=0)
    ys: dict[str, float] = {}
    y = 0.0
    for k, actor in enumerate(reversed(acting)):  # from the bottom row up
        y = 0.0 if k == 0 else y + ROW_GAP + lanes[actor]
        ys[actor] = y
    y_lo, y_hi = -lanes[acting[-1]] - 0.9, y + 0.9
    who = "acting party or schedule" if SCHEDULE in acting else "acting party"
    events_height = max((y_hi - y_lo) * LINE, width(who, "legend") + 12)

    # Titles and stage names, in lines that fit.
    title_lines = fit_lines(drawable(scenario.spec.title), WIDTH - 24, lambda t: width(t, "title"))
    if subtitle is None:
        subtitle = run_summary(run)
    sub_lines = fit_lines(drawable(subtitle), WIDTH - 24, lambda t: width(t, "legend"))
    stage_style = {**font_kwargs("edge"), "fontweight": "bold"}
    stage_spans = []
    for band in bands:
        w = width(drawable(band.name), "edge") * 1.15 + 1  # bold: up to 15% wider
        x0 = x_pt(band.start)
        x1 = x_pt(band.end) if not band.outcome else ax_right
        a = max(x0, (x0 + x1) / 2 - w / 2)
        stage_spans.append((max(2.0, min(a, WIDTH - 4 - w)), w))
    stage_lanes = stack(stage_spans, 2.0, WIDTH - 4)
    top = 10 + 17 * len(title_lines) + 12 * len(sub_lines) + 12 + 13 * (max(stage_lanes) + 1)

    with style():
        fig = new_figure(WIDTH, 400)
        ax_ev = fig.add_axes((0, 0, 1, 1))
        ax_vars = [fig.add_axes((0, 0, 1, 1), sharex=ax_ev) for _ in panels]

        # Panels of series: one per unit, each with its legend above it.
        legend_heights = []
        styled = 0
        by_name = {name: (days, values) for name, days, values in series}
        for ax, (unit, names) in zip(ax_vars, panels):
            finals = [by_name[name][1][-1] for name in names]  # end markers side by side
            shifted = dodge([(v, "") for v in finals if isinstance(v, int)])
            low = high = 0
            for n, name in enumerate(names):
                days, values = by_name[name]
                ints = [v for v in values if isinstance(v, int)]
                low = min(ints) if n == 0 else min(low, *ints)
                high = max(ints) if n == 0 else max(high, *ints)
                look = series_style(styled)
                styled += 1
                common: dict[str, Any] = {
                    **look,
                    "markeredgecolor": "black",
                    "markeredgewidth": 0.5,
                    "markersize": 6.5,
                }
                ax.plot(
                    [*days, last_day],
                    [*ints, ints[-1]],
                    drawstyle="steps-post",
                    linewidth=1.6,
                    markevery=[],  # the marker is drawn once, at the end (below)
                    label=textwrap.fill(drawable(labels.variable(name)), LEGEND_WRAP),
                    gid=name,
                    zorder=3,
                    **common,
                )
                ax.plot(
                    [last_day],
                    [ints[-1]],
                    transform=ax.transData
                    + ScaledTranslation(shifted[n] / 72, 0, fig.dpi_scale_trans),
                    zorder=4,
                    **{**common, "linestyle": "none"},
                )
            margin = max(0.25, 0.08 * (high - low))
            ax.set_ylim(low - margin, high + margin)
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
            ax.grid(axis="y", color="#cccccc", linewidth=0.5)
            legend_heights.append(_legend_above(ax, unit, ax_right - ax_left, renderer(fig)))

        # Lay the panels out, top to bottom, now that every height is known.
        heights = [events_height, *(VAR_PANEL for _ in panels)]
        gaps = [top, *(h + 10 for h in legend_heights)]
        height = sum(heights) + sum(gaps) + BOTTOM
        fig.set_size_inches(WIDTH / 72, height / 72)
        y_top = height
        for ax, gap, h in zip([ax_ev, *ax_vars], gaps, heights):
            y_top -= gap
            ax.set_position(
                (ax_left / WIDTH, (y_top - h) / height, (ax_right - ax_left) / WIDTH, h / height)
            )
            y_top -= h
        y_text = height - 10
        for lines, kind, step in ((title_lines, "title", 17), (sub_lines, "legend", 12)):
            for line in lines:
                fig.text(0.5, y_text / height, line, ha="center", va="top", **font_kwargs(kind))
                y_text -= step

        for ax in [ax_ev, *ax_vars]:
            for i, band in enumerate(bands):
                if band.outcome:
                    ax.axvspan(
                        band.start,
                        x_hi,
                        facecolor="white",
                        edgecolor="#b0b0b0",
                        hatch="..",
                        linewidth=0,
                        zorder=0,
                    )
                elif band.end > band.start:
                    ax.axvspan(band.start, band.end, facecolor=LANE_SHADES[i % 2], zorder=0)
                ax.axvline(band.start, color="#9a9a9a", linewidth=0.6, zorder=0.5)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            ax.tick_params(labelsize=TICK_SIZE, labelbottom=ax is (ax_vars or [ax_ev])[-1])
        ax_ev.set_xlim(x_lo, x_hi)
        ax_ev.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
        (ax_vars or [ax_ev])[-1].set_xlabel("day", **font_kwargs("legend"))

        # Stage names above the events panel, on lanes where they would touch.
        for band, (a, _), lane in zip(bands, stage_spans, stage_lanes):
            dy = 5 + 13 * lane
            ax_ev.annotate(
                drawable(band.name),
                xy=(band.start, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(a - x_pt(band.start), dy),
                textcoords="offset points",
                ha="left",
                va="bottom",
                arrowprops=(
                    {"arrowstyle": "-", "color": "#777777", "linewidth": 0.6, "relpos": (0, 0)}
                    if lane or a > x_pt(band.end) + 1
                    else None
                ),
                zorder=4 - 0.01 * lane,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
                **stage_style,
            )

        # Events: one row per acting party, a marker at the day the event completes.
        styles = party_styles(parties)
        styles[SCHEDULE] = SCHEDULE_STYLE
        for actor, first, last in bars:
            ax_ev.plot(
                [first, last],
                [ys.get(actor, 0)] * 2,
                color=styles[actor][0],
                linewidth=1.2,
                solid_capstyle="butt",
                zorder=2,
            )
        for i, mark in enumerate(marks):
            colour, marker = styles[mark.actor]
            at = ax_ev.transData + ScaledTranslation(shifts[i] / 72, 0, fig.dpi_scale_trans)
            y_mark = ys.get(mark.actor, 0)
            ax_ev.plot(
                [mark.day],
                [y_mark],
                marker=marker,
                markersize=8 if mark.moved else 5.5,
                markerfacecolor=colour,
                markeredgecolor="black",
                markeredgewidth=1.1 if mark.moved else 0.5,
                linestyle="none",
                transform=at,
                zorder=3,
            )
            if i not in placed:
                continue
            spot, text = placed[i]
            x_mark = x_pt(mark.day) + shifts[i]
            ax_ev.annotate(
                text,
                xy=(mark.day, y_mark),
                xycoords=at,
                xytext=((spot.x0 if spot.right else spot.x1) - x_mark, -LINE * spot.lane),
                textcoords="offset points",
                ha="left" if spot.right else "right",
                va="center",
                zorder=4 - 0.01 * spot.lane,  # a nearer name covers the leaders of farther ones
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
                arrowprops=(
                    {
                        "arrowstyle": "-",
                        "color": "#777777",
                        "linewidth": 0.6,
                        "shrinkB": 4,
                        "relpos": (0.0 if spot.right else 1.0, 0.5),
                    }
                    if spot.lane or abs(x_mark - (spot.x0 if spot.right else spot.x1)) > BESIDE
                    else None
                ),
                **font_kwargs("node_small"),
            )
        ax_ev.set_yticks([ys[a] for a in reversed(acting)], list(reversed(acting)))  # bottom up
        ax_ev.set_ylim(y_lo, y_hi)
        ax_ev.tick_params(axis="y", length=0)
        ax_ev.set_ylabel(who, **font_kwargs("legend"))
        ax_ev.grid(axis="y", color="#cccccc", linewidth=0.5, zorder=0.2)
    return fig


def _legend_above(ax: Axes, unit: str | None, room: float, r: Any) -> float:
    """A legend above ``ax`` (its unit as the title), in as many columns as fit in ``room``
    points; returns its height in points."""
    from model.render.draw import FONT

    handles, texts = ax.get_legend_handles_labels()
    for cols in range(len(handles), 0, -1):
        legend = ax.legend(
            handles,
            texts,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncols=cols,
            title=drawable(unit) if unit else None,
            alignment="left",
            frameon=False,
            borderaxespad=0.2,
            borderpad=0.1,
            title_fontproperties={"size": TICK_SIZE, "weight": "bold", "family": FONT},
            prop={"family": FONT, "size": TICK_SIZE},
            handlelength=3.0,
        )
        box = legend.get_window_extent(r)
        if box.width <= room or cols == 1:
            return float(box.height)
    return 0.0


def run_summary(run: Run) -> str:
    """How the run ended, its steps and its last day (the outcome by its label)."""
    status = run.status
    end = {
        "outcome": f"outcome reached: {run.scenario.labels.outcome(run.outcome or '')}",
        "stuck": "no event possible (stuck)",
        "horizon": "stopped at the horizon",
        "max_steps": "stopped at the step limit",
        "error": "stopped by an error",
        "running": "still running",
    }[status]
    return f"{end} · {len(run.history)} steps · day {run.snapshot.day}"


def play(
    scenario: Scenario,
    seed: int,
    max_steps: int = DEFAULT_MAX_STEPS,
    params: Mapping[str, object] | None = None,
) -> Run:
    """A run of ``scenario`` played with ``seed`` (as `model.simulate` plays it)."""
    from model.semantics.engine import Run

    run = Run(scenario, params)
    run.play(seed=seed, max_steps=max_steps)
    return run


def timeline_svg(run: Run) -> str:
    from model.render.draw import figure_bytes

    return figure_bytes(draw_timeline(run), "svg").decode("utf-8")


def timeline_png(run: Run) -> bytes:
    from model.render.draw import figure_bytes

    return figure_bytes(draw_timeline(run), "png")
