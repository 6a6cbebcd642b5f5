"""The chart of a parameter sweep: each ending's probability against the swept parameter.

Drawn from `model.analysis.sweep` records with matplotlib (imported only inside the functions
that draw), under the diagrams' fixed settings and palette (`model.render.draw`); the PNG is
written atomically (`model.base.output.write_bytes`).

Read on a slide or printed in greyscale: the x ticks are the swept values themselves, every
line has its own colour, line style and marker shape, intervals are shaded bands, and a
two-parameter sweep has one legend for the whole figure (its panels share the lines).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.render.palette import series_style
from model.reports.sweep import shown_endings, swept_names
from model.reports.tables import ending_label
from model.reports.text import fmt_value

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from model.analysis.sweep import Record
    from model.scenario.labels import Labels

MAX_LABELLED_TICKS = 12
"""More swept values than this: every value keeps a tick, only some carry a number."""


def ending_text(kind: str, name: str, labels: Labels | None) -> str:
    """An ending as the chart names it: an outcome by its label, the others marked."""
    shown = labels.outcome(name) if labels is not None and kind == "outcome" else name
    return ending_label(kind, shown)


def draw_sweep(
    records: Sequence[Record], *, title: str = "", labels: Labels | None = None
) -> Figure:
    """Each ending's probability against the swept parameter, with its interval.

    One parameter: one line per ending with a shaded 95% band. Two parameters: one panel per
    ending, the first parameter on the x axis, one line per value of the second, and one
    legend (the second parameter's values) for the figure.
    """
    from model.base.textfmt import drawable
    from model.render.draw import new_figure, style

    names = swept_names(records)
    endings = shown_endings(records)
    if not names or not endings:
        raise ValueError("nothing to plot")
    x_name = names[0]
    xs = list(dict.fromkeys(r[x_name] for r in records))
    numeric = all(isinstance(x, int) and not isinstance(x, bool) for x in xs)
    positions = {x: (x if numeric else k) for k, x in enumerate(xs)}
    methods = {r["method"] for r in records}
    y_label = (
        "probability (exact)"
        if methods == {"exact"}
        else "probability (95% interval shaded)"
        if methods == {"montecarlo"}
        else "probability (exact, or Monte Carlo with 95% band)"
    )

    def param(name: str) -> str:
        return drawable(labels.parameter(name) if labels is not None else name)

    def series(
        ending: tuple[str, str], second: object = None
    ) -> tuple[list[Any], list[float], list[float], list[float]]:
        rows = [
            r
            for r in records
            if (r["kind"], r["ending"]) == ending and (len(names) < 2 or r[names[1]] == second)
        ]
        return (
            [positions[r[x_name]] for r in rows],
            [r["probability"] for r in rows],
            [r["low"] for r in rows],
            [r["high"] for r in rows],
        )

    def line(ax: Axes, i: int, values: tuple[list[Any], ...], label: str) -> None:
        x, p, lo, hi = values
        look = series_style(i)
        ax.plot(
            x,
            p,
            label=label,
            linewidth=1.6,
            markersize=6.5,
            markeredgecolor="black",
            markeredgewidth=0.6,
            zorder=3,
            **look,
        )
        if any(a != b for a, b in zip(lo, hi)):
            ax.fill_between(x, lo, hi, color=look["color"], alpha=0.18, linewidth=0, zorder=1)

    with style():
        if len(names) == 1:
            fig = new_figure(640, 400)
            ax = fig.add_subplot()
            for i, ending in enumerate(endings):
                line(ax, i, series(ending), drawable(ending_text(*ending, labels)))
            _style(ax, param(x_name), xs, positions, numeric, y_label)
            ax.legend(fontsize="small", framealpha=0.9)
            if title:
                ax.set_title(drawable(title), fontsize="medium")
        else:
            seconds = list(dict.fromkeys(r[names[1]] for r in records))
            cols = min(3, len(endings))
            nrows = -(-len(endings) // cols)
            fig = new_figure(300 * cols, 250 * nrows + 70)
            axes = fig.subplots(nrows, cols, squeeze=False, sharey=True)
            for k, ending in enumerate(endings):
                ax = axes[k // cols][k % cols]
                for i, second in enumerate(seconds):
                    line(ax, i, series(ending, second), fmt_value(second))
                _style(ax, param(x_name), xs, positions, numeric, y_label if k % cols == 0 else "")
                ax.set_title(drawable(ending_text(*ending, labels)), fontsize="medium")
            for k in range(len(endings), nrows * cols):
                axes[k // cols][k % cols].set_visible(False)
            # One legend for the figure: the panels share their lines (one per second value).
            handles, texts = axes[0][0].get_legend_handles_labels()
            fig.legend(
                handles,
                texts,
                title=param(names[1]),
                loc="outside lower center",
                ncols=min(len(seconds), 8),
                fontsize="small",
                title_fontsize="small",
                frameon=False,
            )
            if title:
                fig.suptitle(drawable(title), fontsize="medium")
        fig.set_layout_engine("constrained")
    return fig


def plot_sweep(
    records: Sequence[Record],
    path: str | Path,
    *,
    title: str = "",
    labels: Labels | None = None,
    force: bool = False,
) -> Path:
    """Draw the sweep (`draw_sweep`) and write a PNG to ``path`` atomically. An existing file
    is never overwritten unless ``force`` (`OutputError` otherwise)."""
    from model.base.output import write_bytes
    from model.render.draw import figure_bytes

    figure = draw_sweep(records, title=title, labels=labels)
    return write_bytes(Path(path), figure_bytes(figure, "png"), force=force)


def _style(
    ax: Axes, x_name: str, xs: list[Any], positions: Mapping[Any, Any], numeric: bool, y: str
) -> None:
    """Axis labels, the probability range, and a tick at every swept value (numbered all, or
    evenly some of them when there are too many to read)."""
    ax.set_xlabel(x_name)
    ax.set_ylabel(y)
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, alpha=0.3)
    ticks = [positions[x] for x in xs]
    step = -(-len(xs) // MAX_LABELLED_TICKS)
    ax.set_xticks(ticks, [fmt_value(x) if k % step == 0 else "" for k, x in enumerate(xs)])
    if numeric and len(ticks) > 1:
        span = max(ticks) - min(ticks)
        ax.set_xlim(min(ticks) - 0.05 * span, max(ticks) + 0.05 * span)
