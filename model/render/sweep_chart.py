"""The chart of a parameter sweep: each ending's probability against the swept parameter.

Drawn from `model.analysis.sweep` records with matplotlib, which is imported only inside
`plot_sweep`; the PNG is written atomically (`model.base.output.write_bytes`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.reports.sweep import shown_endings, swept_names
from model.reports.tables import ending_label
from model.reports.text import fmt_value

if TYPE_CHECKING:
    from model.analysis.sweep import Record


def plot_sweep(
    records: Sequence[Record],
    path: str | Path,
    *,
    title: str = "",
    force: bool = False,
) -> Path:
    """Draw each ending's probability against the swept parameter, with its interval, and
    write a PNG to ``path`` atomically. An existing file is never overwritten unless ``force``
    (`OutputError` otherwise).

    One parameter: one line per ending with a shaded 95% band. Two parameters: one panel
    per ending, the first parameter on the x axis and one line per value of the second.
    """
    from matplotlib.figure import Figure

    from model.base.output import write_bytes
    from model.base.textfmt import drawable

    target = Path(path)
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

    if len(names) == 1:
        fig = Figure(figsize=(8, 5), layout="constrained")
        ax = fig.add_subplot()
        for ending in endings:
            x, p, lo, hi = series(ending)
            (line,) = ax.plot(x, p, marker="o", label=drawable(ending_label(*ending)))
            if any(a != b for a, b in zip(lo, hi)):
                ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
        _style(ax, x_name, xs, positions, numeric, y_label)
        ax.legend(fontsize="small")
        if title:
            ax.set_title(drawable(title), fontsize="medium")
    else:
        seconds = list(dict.fromkeys(r[names[1]] for r in records))
        cols = min(3, len(endings))
        nrows = -(-len(endings) // cols)
        fig = Figure(figsize=(4.5 * cols, 3.6 * nrows + 0.6), layout="constrained")
        axes = fig.subplots(nrows, cols, squeeze=False)
        for k, ending in enumerate(endings):
            ax = axes[k // cols][k % cols]
            for second in seconds:
                x, p, lo, hi = series(ending, second)
                (line,) = ax.plot(x, p, marker="o", label=f"{names[1]}={fmt_value(second)}")
                if any(a != b for a, b in zip(lo, hi)):
                    ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
            _style(ax, x_name, xs, positions, numeric, y_label)
            ax.set_title(drawable(ending_label(*ending)), fontsize="medium")
            ax.legend(fontsize="x-small")
        for k in range(len(endings), nrows * cols):
            axes[k // cols][k % cols].set_visible(False)
        if title:
            fig.suptitle(drawable(title), fontsize="medium")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return write_bytes(target, buffer.getvalue(), force=force)


def _style(
    ax: Any, x_name: str, xs: list[Any], positions: Mapping[Any, Any], numeric: bool, y: str
) -> None:
    ax.set_xlabel(x_name)
    ax.set_ylabel(y)
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, alpha=0.3)
    if numeric:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        ax.set_xticks([positions[x] for x in xs], [fmt_value(x) for x in xs])
