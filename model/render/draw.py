"""Draw a scenario's state diagram with matplotlib (the only diagram module that imports it).

`model.render.layout` places everything; this module measures text for it, paints the result and
saves PNG, SVG or PDF files that are byte-identical from run to run (fixed font, no dates,
fixed SVG hash salt).

Colours are the Okabe–Ito palette, which stays distinct under the common forms of colour
blindness; every party also has its own marker shape, and outcome states a double border,
so the diagram reads the same printed in greyscale.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.text import Text

from model.base.textfmt import drawable
from model.render.diagram_model import Diagram, diagram_of
from model.render.layout import SAMPLE_W, fit
from model.render.layout_items import STYLES, Layout, Measure, TextItem
from model.scenario.compiled import SCHEDULE

if TYPE_CHECKING:
    from matplotlib.backend_bases import RendererBase

    from model.scenario.compiled import Scenario

OKABE_ITO = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
EDGE_COLOUR = "#3a3a3a"
NEVER_COLOUR = "#858585"
"""Arrows and label lines of transitions no run takes (with a dashed line)."""
SCHEDULE_STYLE = ("white", "h")
"""The schedule's marker (scheduled events and deadlines): a white hexagon, no party's."""
LANE_SHADES = ("#eeeeee", "#e0e0e0")
FONT = "DejaVu Sans"
PNG_DPI = 150
"""PNG resolution of figures drawn at their own size (timelines; diagrams with size None)."""


@dataclass(frozen=True)
class Size:
    """A figure size: width and height in inches and the PNG resolution."""

    width: float
    height: float
    dpi: int
    what: str

    @property
    def aspect(self) -> float:
        return self.width / self.height


SIZES = {
    "slide": Size(40 / 3, 7.5, 144, "16:9 slide, 13.33 x 7.5 in; PNG 1920 x 1080 px at 144 dpi"),
    "paper": Size(6.5, 8.5, 300, "portrait page, 6.5 x 8.5 in; PNG 1950 x 2550 px at 300 dpi"),
}
"""The sizes of ``python -m model.diagram --size``: a 16:9 slide (the default, PowerPoint's
own size) and a portrait figure for a paper's text width."""
DEFAULT_SIZE = "slide"

RC: dict[str, Any] = {
    # DejaVu Sans ships with matplotlib, so text is measured and drawn with the same font
    # everywhere; an SVG names it with a generic fallback and keeps its text as <text>.
    "font.family": [FONT, "sans-serif"],
    "font.sans-serif": [FONT],
    "svg.hashsalt": "ceasefire-model",
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
    "path.simplify": False,
    "hatch.linewidth": 0.6,
    "text.hinting": "none",  # text as wide at every resolution as the layout measured it
}
"""Settings every figure of this package is drawn under (deterministic files)."""

METADATA: dict[str, dict[str, Any]] = {
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
    "png": {"Software": None},
}
"""No dates or version strings in saved files, so that the same input gives the same bytes."""

FORMATS = ("png", "svg", "pdf")


KNOWN_PARTIES = ("israel", "hamas", "mediators", "arab_force", "egypt", "united_states", "qatar")
"""Parties of the shipped scenarios keep one colour and marker in every figure."""


def party_styles(parties: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Colour and marker of each party: fixed for the known ones, the next free for others."""
    out: dict[str, tuple[str, str]] = {}
    free = list(range(len(OKABE_ITO)))
    for pid in parties:
        if pid in KNOWN_PARTIES and KNOWN_PARTIES.index(pid) < len(OKABE_ITO):
            i = KNOWN_PARTIES.index(pid)
            out[pid] = (OKABE_ITO[i], MARKERS[i])
            if i in free:
                free.remove(i)
    for n, pid in enumerate(p for p in parties if p not in out):
        i = free[n] if n < len(free) else n % len(OKABE_ITO)
        out[pid] = (OKABE_ITO[i], MARKERS[i])
    return out


@contextmanager
def style() -> Iterator[None]:
    """The package's fixed matplotlib settings, restored afterwards."""
    with matplotlib.rc_context(cast(Any, RC)):
        yield


def font_kwargs(style_name: str, scale: float = 1.0) -> dict[str, Any]:
    size, weight = STYLES[style_name]
    return {"fontsize": size * scale, "fontweight": weight, "fontfamily": [FONT, "sans-serif"]}


class TextMeasure:
    """Measures text with matplotlib's own renderer at 72 dpi (one pixel = one point)."""

    def __init__(self) -> None:
        self.figure = new_figure(4, 4)
        self.renderer: RendererBase = renderer(self.figure)
        self._cache: dict[tuple[str, str], tuple[float, float]] = {}

    def __call__(self, text: str, style_name: str) -> tuple[float, float]:
        key = (text, style_name)
        if key not in self._cache:
            t = Text(0, 0, drawable(text), ha="center", va="center", multialignment="center")
            t.update(font_kwargs(style_name))
            t.set_figure(self.figure)
            bbox = t.get_window_extent(self.renderer)
            self._cache[key] = (float(bbox.width), float(bbox.height))
        return self._cache[key]


def new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` x ``height`` points on the Agg canvas (no pyplot, no GUI)."""
    fig = Figure(figsize=(width / 72, height / 72), dpi=72)
    FigureCanvasAgg(fig)
    return fig


def renderer(figure: Figure) -> RendererBase:
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    return cast("RendererBase", canvas.get_renderer())  # type: ignore[no-untyped-call]


_MEASURE: TextMeasure | None = None


def measure() -> Measure:
    global _MEASURE
    if _MEASURE is None:
        with style():
            _MEASURE = TextMeasure()
    return _MEASURE


@dataclass
class Drawing:
    """A drawn diagram: the figure, its layout and the artists by role (for tests)."""

    figure: Figure
    layout: Layout
    png_dpi: int = PNG_DPI
    texts: list[tuple[Text, TextItem]] = field(default_factory=list)
    node_patches: dict[str, FancyBboxPatch] = field(default_factory=dict)
    label_patches: list[FancyBboxPatch] = field(default_factory=list)


def draw_diagram(
    subject: Scenario | Diagram,
    size: str | None = DEFAULT_SIZE,
    params: Mapping[str, object] | None = None,
) -> Drawing:
    """Lay out and draw the state diagram of a scenario under ``params`` (or of an extracted
    `Diagram`) on a figure of ``size`` (a key of `SIZES`; None: the layout's own size, one
    point a unit). The layout is scaled to the figure, its text with it."""
    diagram = subject if isinstance(subject, Diagram) else diagram_of(subject, params=params)
    with style():
        if size is None:
            lay = fit(diagram, measure())
            fig = new_figure(lay.width, lay.height)
            drawing = Drawing(fig, lay)
        else:
            fmt = SIZES[size]
            lay = fit(diagram, measure(), fmt.aspect)
            fig = new_figure(fmt.width * 72, fmt.height * 72)
            drawing = Drawing(fig, lay, fmt.dpi)
        canvas = lay.canvas
        k = fig.get_figwidth() * 72 / canvas.w  # points of the figure per unit of the layout
        fig.patch.set_facecolor("white")
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(canvas.x0, canvas.x1)
        ax.set_ylim(canvas.y1, canvas.y0)
        ax.set_axis_off()
        colours = party_styles(lay.parties)
        colours[SCHEDULE] = SCHEDULE_STYLE

        def text(item: TextItem, z: float = 5, colour: str = "black") -> None:
            t = ax.text(
                item.box.cx,
                item.box.cy,
                drawable(item.text),  # measured the same way (TextMeasure)
                ha="center",
                va="center",
                multialignment="left" if item.style == "edge" else "center",
                zorder=z,
                color=colour,
                **font_kwargs(item.style, k),
            )
            drawing.texts.append((t, item))

        def marker(x: float, y: float, party: str, z: float = 5) -> None:
            colour, shape = colours.get(party, ("#777777", "o"))
            ax.plot(
                [x],
                [y],
                marker=shape,
                markersize=(6.5 if shape != "*" else 8.5) * k,
                markerfacecolor=colour,
                markeredgecolor="black",
                markeredgewidth=0.6 * k,
                linestyle="none",
                zorder=z,
            )

        for item in lay.title:
            text(item)
        for lane in lay.lanes:
            b = lane.band
            if lane.is_outcomes:
                ax.add_patch(
                    Rectangle(
                        (b.x0, b.y0),
                        b.w,
                        b.h,
                        facecolor="white",
                        edgecolor="#b0b0b0",
                        hatch="..",
                        linewidth=0.8 * k,
                        zorder=0,
                    )
                )
                h = lane.header.box  # keep the lane's name clear of the hatching
                ax.add_patch(
                    Rectangle(
                        (h.x0 - 4, h.y0 - 2),
                        h.w + 8,
                        h.h + 4,
                        facecolor="white",
                        edgecolor="none",
                        zorder=1,
                    )
                )
            else:
                ax.add_patch(
                    Rectangle(
                        (b.x0, b.y0),
                        b.w,
                        b.h,
                        facecolor=LANE_SHADES[lane.shade],
                        edgecolor="none",
                        zorder=0,
                    )
                )
            text(lane.header)
        for route in lay.routes:
            ax.add_patch(
                _arrow(route.points, route.loop, route.backward_stage, route.risk, route.never, k)
            )
        for node in lay.nodes:
            b = node.box
            if node.node.outcome:
                patch = FancyBboxPatch(
                    (b.x0, b.y0),
                    b.w,
                    b.h,
                    boxstyle="square,pad=0",
                    facecolor="white",
                    edgecolor="black",
                    linewidth=2.2 * k,
                    zorder=3,
                )
                ax.add_patch(
                    Rectangle(
                        (b.x0 + 3, b.y0 + 3),
                        b.w - 6,
                        b.h - 6,
                        facecolor="none",
                        edgecolor="black",
                        linewidth=0.7 * k,
                        zorder=3.5,
                    )
                )
            else:
                patch = FancyBboxPatch(
                    (b.x0, b.y0),
                    b.w,
                    b.h,
                    boxstyle="round,pad=0,rounding_size=7",
                    facecolor="white",
                    edgecolor="black",
                    linewidth=1.1 * k,
                    zorder=3,
                )
            ax.add_patch(patch)
            drawing.node_patches[node.node.id] = patch
            for item in node.texts:
                text(item)
            if node.node.initial:
                sx, sy = lay.start
                ax.plot([sx], [sy], marker="o", markersize=7 * k, color="black", zorder=4)
                ax.add_patch(
                    FancyArrowPatch(
                        (sx, sy),
                        (b.x0, sy),
                        arrowstyle="-|>",
                        mutation_scale=9 * k,
                        color="black",
                        linewidth=1.0 * k,
                        shrinkA=2,
                        shrinkB=0,
                        zorder=4,
                    )
                )
        for lab in lay.labels:
            b = lab.box
            patch = FancyBboxPatch(
                (b.x0, b.y0),
                b.w,
                b.h,
                boxstyle="round,pad=0,rounding_size=3",
                facecolor="white",
                edgecolor="#8a8a8a",
                linewidth=0.6 * k,
                zorder=3,
            )
            ax.add_patch(patch)
            drawing.label_patches.append(patch)
            for line in lab.lines:
                marker(*line.marker, line.event.actor, z=4)
                text(line.text, z=4, colour=NEVER_COLOUR if line.event.never else "black")
            if lab.note:
                text(lab.note, z=4, colour=NEVER_COLOUR if lab.edge.never else "black")
        if lay.legend_title:
            text(lay.legend_title)
        for entry in lay.legend:
            if entry.line is None:
                marker(*entry.marker, entry.party)
            else:  # a sample of the line style
                (x, y), half = entry.marker, SAMPLE_W / 2 - 2
                ax.add_patch(
                    _arrow(
                        ((x - half, y), (x + half, y)),
                        False,
                        entry.line == "back",
                        entry.line == "risk",
                        entry.line == "never",
                        k,
                    )
                )
            text(entry.text)
        for item in lay.caption:
            text(item)
    return drawing


def _arrow(
    points: tuple[tuple[float, float], ...],
    loop: bool,
    dashed: bool,
    dotted: bool = False,
    never: bool = False,
    k: float = 1.0,
) -> FancyArrowPatch:
    """The arrow along ``points`` (a self-loop: one cubic curve), ``k`` points of the figure
    per unit: dashed back to an earlier stage, dotted for a risk, dashed and grey where no
    run takes it."""
    verts: list[tuple[float, float]] = [points[0]]
    codes = [MplPath.MOVETO]
    if loop:
        verts += list(points[1:])
        codes += [MplPath.CURVE4] * 3
    for p, q in [] if loop else itertools.pairwise(points):
        if p[1] == q[1]:
            verts.append(q)
            codes.append(MplPath.LINETO)
        else:
            mid = (q[0] - p[0]) / 2
            verts += [(p[0] + mid, p[1]), (q[0] - mid, q[1]), q]
            codes += [MplPath.CURVE4] * 3
    return FancyArrowPatch(
        path=MplPath(verts, codes),
        arrowstyle="-|>",
        mutation_scale=10 * k,
        color=NEVER_COLOUR if never else EDGE_COLOUR,
        linewidth=1.0 * k,
        linestyle=(0, (4, 2.5)) if dashed or never else (0, (1, 2)) if dotted else "solid",
        shrinkA=0,
        shrinkB=0,
        zorder=2,
    )


def save(figure: Figure, target: io.BytesIO, fmt: str, png_dpi: int = PNG_DPI) -> None:
    """Save ``figure`` deterministically as ``fmt`` (png, svg or pdf) into a buffer, a PNG at
    ``png_dpi``; files are written from the bytes by `model.base.output` (atomically, never
    over a file without --force)."""
    with style():
        figure.savefig(
            target,
            format=fmt,
            dpi=png_dpi if fmt == "png" else 72,
            metadata=METADATA[fmt],
            facecolor="white",
        )


def figure_bytes(figure: Figure, fmt: str, png_dpi: int = PNG_DPI) -> bytes:
    buf = io.BytesIO()
    save(figure, buf, fmt, png_dpi)
    return buf.getvalue()


def drawing_bytes(drawing: Drawing, fmt: str) -> bytes:
    """A drawn diagram as ``fmt``, a PNG at its size's resolution."""
    return figure_bytes(drawing.figure, fmt, drawing.png_dpi)


def diagram_svg(subject: Scenario | Diagram, size: str | None = DEFAULT_SIZE) -> str:
    """The state diagram as SVG text (for notebooks and docs)."""
    return drawing_bytes(draw_diagram(subject, size), "svg").decode("utf-8")


def diagram_png(subject: Scenario | Diagram, size: str | None = DEFAULT_SIZE) -> bytes:
    return drawing_bytes(draw_diagram(subject, size), "png")
