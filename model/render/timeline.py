"""Draw a simulated run over days: stage bands, each event with its actor, and the integer
variables and derived quantities that change (people held, people released, trucks
delivered, ...) as step lines.

Drawn for ``python -m model.timeline`` and ``python -m model.diagram --timeline``. Imports
matplotlib; nothing outside the drawing modules does.

An event that takes days is drawn as a thin bar from its start to the day it completes, with
the actor's marker at the end; events that change the state are named next to their marker.
Scheduled events and deadlines are drawn on a row of their own, the schedule's (below the
parties); days passing with no event are not drawn, and an activity whose days are split
over several steps (a scheduled event or a risk's day in between) is one bar, its marker on
the day it completes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from model.base.limits import DEFAULT_MAX_STEPS
from model.base.textfmt import drawable

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from model.scenario.compiled import Scenario
    from model.semantics.engine import Run

LINE_STYLES = ("solid", (0, (6, 2)), (0, (1, 1.5)), (0, (6, 2, 1, 2)), (0, (3, 1, 1, 1, 1, 1)))
VAR_MARKERS = ("o", "s", "^", "D", "v")
LABEL_SPACING = 6.0  # points between stage names that would touch


@dataclass(frozen=True)
class Band:
    name: str
    start: int
    end: int
    outcome: bool


def stage_bands(run: Run) -> list[Band]:
    """Consecutive stretches of days spent in one stage (or, at the end, an outcome)."""
    scenario = run.scenario
    names = {s.id: s.name for s in scenario.spec.stages}

    def label(state: str) -> tuple[str, bool]:
        outcome = scenario.outcome_of(state)
        if outcome:
            return "outcome", True  # named in the subtitle
        stage = scenario.stage_of(state)
        return names.get(stage or "", stage or state), False

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


def tracked_variables(run: Run) -> list[str]:
    """Integer variables whose value changes during the run, in the scenario's order."""
    ints = set(run.scenario.bounds)
    changed = {name for step in run.history for name in step.changes}
    return [n for n in run.scenario.variable_names if n in ints and n in changed]


def tracked_series(run: Run) -> list[tuple[str, list[int], list[object]]]:
    """Each tracked integer variable, then each integer derived quantity that changes during
    the run (and can be evaluated at every step), as (name, days, values): a value per
    snapshot of the run, from the first."""
    first = run.history[0].before if run.history else run.snapshot
    snaps = [first, *(s.after for s in run.history)]
    days = [snap.day for snap in snaps]
    names = run.scenario.variable_names
    out: list[tuple[str, list[int], list[object]]] = [
        (name, days, [snap.values[names.index(name)] for snap in snaps])
        for name in tracked_variables(run)
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


def draw_timeline(run: Run, subtitle: str | None = None) -> Figure:
    """The timeline of ``run`` (played or fired by hand) as a matplotlib figure."""
    from model.render.draw import (
        LANE_SHADES,
        SCHEDULE_STYLE,
        font_kwargs,
        new_figure,
        party_styles,
        renderer,
        style,
    )
    from model.scenario.compiled import DAYS, SCHEDULE

    scenario = run.scenario
    parties = [p.id for p in scenario.spec.parties]
    events = [s for s in run.history if s.event.index != DAYS]  # days passing: nothing drawn
    acting = [p for p in parties if any(s.event.actor == p for s in events)] or parties[:1]
    if any(s.event.actor == SCHEDULE for s in events):
        acting.append(SCHEDULE)  # scheduled events and deadlines: a row of their own
    tracked = tracked_series(run)
    bands = stage_bands(run)
    last_day = max(run.snapshot.day, 1)
    pad = last_day * 0.03 + 0.5

    with style():
        height = 150 + 26 * len(acting) + (170 if tracked else 0)
        fig = new_figure(720, height)
        heights = [1.0 + 0.35 * len(acting)] + ([2.6] if tracked else [])
        axes = fig.subplots(len(heights), 1, sharex=True, gridspec_kw={"height_ratios": heights})
        ax_ev = axes[0] if len(heights) > 1 else axes
        ax_var = axes[1] if len(heights) > 1 else None
        fig.subplots_adjust(
            left=0.14, right=0.97, top=1 - 78 / height, bottom=42 / height, hspace=0.12
        )

        title = drawable(scenario.spec.title)  # user text: see textfmt.drawable
        fig.text(0.5, 1 - 8 / height, title, ha="center", va="top", **font_kwargs("title"))
        if subtitle is None:
            subtitle = run_summary(run)
        fig.text(
            0.5, 1 - 28 / height, drawable(subtitle), ha="center", va="top", **font_kwargs("legend")
        )

        for ax in [ax_ev] + ([ax_var] if ax_var is not None else []):
            for i, band in enumerate(bands):
                width = band.end - band.start
                if band.outcome:
                    ax.axvspan(
                        band.start,
                        band.end + pad,
                        facecolor="white",
                        edgecolor="#b0b0b0",
                        hatch="..",
                        linewidth=0,
                        zorder=0,
                    )
                elif width > 0:
                    ax.axvspan(band.start, band.end, facecolor=LANE_SHADES[i % 2], zorder=0)
                ax.axvline(band.start, color="#9a9a9a", linewidth=0.6, zorder=0.5)
            ax.set_xlim(-pad, last_day + pad)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            ax.tick_params(labelsize=STYLE_SIZE)

        # Stage names above the events panel, pushed right where they would touch (the
        # figure is at 72 dpi, so display pixels are points).
        r = renderer(fig)
        x_free = -1e9
        to_px = ax_ev.transData.transform
        for band in bands:
            x0 = float(to_px((band.start, 0))[0])
            x1 = float(to_px((band.end + (pad if band.outcome else 0), 0))[0])
            t = ax_ev.annotate(
                drawable(band.name),
                xy=(band.start, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(0, 6),
                textcoords="offset points",
                ha="left",
                va="bottom",
                **{**font_kwargs("edge"), "fontweight": "bold"},
            )
            w = t.get_window_extent(r).width
            shift = max(max(x0, (x0 + x1) / 2 - w / 2), x_free) - x0
            right_edge = float(ax_ev.get_window_extent(r).x1)
            shift = max(min(shift, right_edge - w - x0), x_free - x0)
            t.set_position((shift, 6))
            if shift > x1 - x0:  # does not start over its band: a leader line to the band
                ax_ev.annotate(
                    "",
                    xy=(band.start, 1.0),
                    xycoords=("data", "axes fraction"),
                    xytext=(shift, 6),
                    textcoords="offset points",
                    arrowprops={"arrowstyle": "-", "color": "#777777", "linewidth": 0.6},
                )
            x_free = x0 + shift + w + LABEL_SPACING

        # Events: one row per acting party, marker at the day the event completes.
        row = {p: len(acting) - 1 - i for i, p in enumerate(acting)}
        styles = party_styles(parties)
        styles[SCHEDULE] = SCHEDULE_STYLE
        seen: dict[tuple[int, str], int] = {}

        def bar(actor: str, y: float, first: int, last: int) -> None:
            ax_ev.plot(
                [first, last],
                [y, y],
                color=styles[actor][0],
                linewidth=1.2,
                solid_capstyle="butt",
                zorder=2,
            )

        for step in events:
            actor = step.event.actor
            colour, marker = styles[actor]
            act = step.after.activity
            if act is not None:  # an activity still under way: its bar so far, on its row
                doer = scenario.transitions[act[0]].actor
                if step.after.day > step.before.day:
                    bar(doer, row.get(doer, 0), step.before.day, step.after.day)
                if act[0] == step.event.index:
                    continue  # its start or one of its days: the marker comes at arrival
            kind = scenario.transitions[step.event.index].kind
            # a scheduled event or deadline happens on the day it is due, a risk at the end
            # of its day (later days of the step are quiet); a decision completes at the end
            if kind in ("scheduled", "deadline"):
                day = step.before.day
            elif kind == "risk":
                day = step.before.day + 1
            else:
                day = step.after.day
            k = seen.get((day, actor), 0)
            seen[(day, actor)] = k + 1
            y = row.get(actor, 0) + 0.22 * (0, 1, -1)[k % 3]
            if kind == "decision" and step.after.day > step.before.day:
                bar(actor, y, step.before.day, step.after.day)
            moved = step.before.state != step.after.state
            ax_ev.plot(
                [day],
                [y],
                marker=marker,
                markersize=8 if moved else 5.5,
                markerfacecolor=colour,
                markeredgecolor="black",
                markeredgewidth=1.1 if moved else 0.5,
                linestyle="none",
                zorder=3,
            )
            if moved:
                right = day > 0.7 * last_day
                ax_ev.annotate(
                    step.event.trigger,
                    xy=(day, y),
                    xytext=(-7 if right else 7, 0),
                    textcoords="offset points",
                    ha="right" if right else "left",
                    va="center",
                    zorder=4,
                    bbox={
                        "boxstyle": "round,pad=0.15",
                        "facecolor": "white",
                        "edgecolor": "none",
                        "alpha": 0.85,
                    },
                    **font_kwargs("node_small"),
                )
        ax_ev.set_yticks(
            range(len(acting)), [acting[len(acting) - 1 - i] for i in range(len(acting))]
        )
        ax_ev.set_ylim(-0.7, len(acting) - 0.3)
        ax_ev.tick_params(axis="y", length=0, labelsize=STYLE_SIZE)
        who = "acting party or schedule" if SCHEDULE in acting else "acting party"
        ax_ev.set_ylabel(who, **font_kwargs("legend"))
        ax_ev.grid(axis="y", color="#cccccc", linewidth=0.5, zorder=0.2)

        if ax_var is not None:
            for i, (name, days, values) in enumerate(tracked):
                ax_var.plot(
                    [*days, run.snapshot.day],
                    [*values, values[-1]],
                    drawstyle="steps-post",
                    color=OKABE[i % len(OKABE)],
                    linestyle=LINE_STYLES[i % len(LINE_STYLES)],
                    linewidth=1.6,
                    label=name,
                    zorder=3,
                )
                ax_var.plot(
                    [days[-1]],
                    [values[-1]],
                    marker=VAR_MARKERS[i % len(VAR_MARKERS)],
                    color=OKABE[i % len(OKABE)],
                    markeredgecolor="black",
                    markeredgewidth=0.5,
                    linestyle="none",
                    zorder=4,
                )
            ax_var.set_ylabel("value", **font_kwargs("legend"))
            ax_var.legend(loc="best", fontsize=STYLE_SIZE, frameon=True, framealpha=0.9)
            ax_var.grid(axis="y", color="#cccccc", linewidth=0.5)
            ax_var.set_xlabel("day", **font_kwargs("legend"))
        else:
            ax_ev.set_xlabel("day", **font_kwargs("legend"))
    return fig


STYLE_SIZE = 8.0
OKABE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00")


def run_summary(run: Run) -> str:
    status = run.status
    end = {
        "outcome": f"outcome reached: {run.outcome}",
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
