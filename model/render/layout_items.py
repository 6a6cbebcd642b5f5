"""What a layout is made of: boxes, text items, nodes, edge labels, routes, lanes, the legend and
the `Layout` record, with the text styles and the wrapping of names that sizes the text.

`model.render.layout` produces these; `model.render.draw` paints them. No plotting library here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from model.render.diagram_model import Diagram, DiagramEdge, DiagramNode, EventLabel
from model.scenario.compiled import SCHEDULE

Measure = Callable[[str, str], tuple[float, float]]
"""``measure(text, style) -> (width, height)`` in points of ``text`` set in ``style``."""

STYLES: dict[str, tuple[float, str]] = {
    "title": (12.0, "bold"),
    "header": (10.0, "bold"),
    "node": (10.0, "normal"),
    "node_small": (7.5, "normal"),  # (timelines)
    "edge": (10.0, "normal"),
    "legend": (10.0, "normal"),
}
"""Font size (points) and weight of each kind of text. A diagram's text is nearly all one
size: the figure is scaled to its page, so what counts is the text's size against the
layout's fixed spacing, and the smallest text sets how legible the page is."""

WRAP_AT = 20
LABEL_WRAP = 24


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    w: float
    h: float

    @property
    def x1(self) -> float:
        return self.x0 + self.w

    @property
    def y1(self) -> float:
        return self.y0 + self.h

    @property
    def cx(self) -> float:
        return self.x0 + self.w / 2

    @property
    def cy(self) -> float:
        return self.y0 + self.h / 2

    def overlaps(self, other: Box, tol: float = 0.0) -> bool:
        return (
            self.x0 < other.x1 - tol
            and other.x0 < self.x1 - tol
            and self.y0 < other.y1 - tol
            and other.y0 < self.y1 - tol
        )

    def contains(self, other: Box, tol: float = 0.0) -> bool:
        return (
            other.x0 >= self.x0 - tol
            and other.x1 <= self.x1 + tol
            and other.y0 >= self.y0 - tol
            and other.y1 <= self.y1 + tol
        )


@dataclass(frozen=True)
class TextItem:
    """A piece of text centred in ``box`` (the measured size of the text)."""

    text: str
    style: str
    box: Box
    role: str  # title, header, state, outcome_state, edge, legend


@dataclass(frozen=True)
class LabelLine:
    event: EventLabel
    marker: tuple[float, float]  # centre of the party's marker
    text: TextItem


@dataclass(frozen=True)
class NodeItem:
    node: DiagramNode
    box: Box
    texts: tuple[TextItem, ...]


@dataclass(frozen=True)
class LabelItem:
    edge: DiagramEdge
    box: Box
    lines: tuple[LabelLine, ...]
    note: TextItem | None = None  # the timing its events share, said once


@dataclass(frozen=True)
class EdgeRoute:
    """Waypoints of one edge; consecutive points are joined by horizontal-tangent curves,
    except inside a label box (straight); a self-loop's four points are one cubic curve (from
    the top of its state, round, and back)."""

    edge: DiagramEdge
    points: tuple[tuple[float, float], ...]
    loop: bool
    backward_stage: bool
    risk: bool = False  # every event on it is a daily risk
    never: bool = False  # no run takes any event on it (dashed and grey)


@dataclass(frozen=True)
class LaneItem:
    lane_id: str
    band: Box
    header: TextItem
    is_outcomes: bool
    shade: int


@dataclass(frozen=True)
class LegendEntry:
    """A party's marker, or a line style's sample (``line``: back, risk, never) centred at
    ``marker``, and its text."""

    party: str
    marker: tuple[float, float]
    text: TextItem
    line: str | None = None


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    canvas: Box  # the part of the plane the figure shows (the layout centred in it)
    title: tuple[TextItem, ...]
    lanes: tuple[LaneItem, ...]
    nodes: tuple[NodeItem, ...]
    labels: tuple[LabelItem, ...]
    routes: tuple[EdgeRoute, ...]
    legend: tuple[LegendEntry, ...]
    legend_title: TextItem | None
    caption: tuple[TextItem, ...]  # the parameters and their values, below the legend
    start: tuple[float, float]  # the start dot; an arrow leads from it to the initial state
    crossings: int
    parties: tuple[str, ...]  # party ids in marker order

    def texts(self) -> list[TextItem]:
        out = list(self.title) + [lane.header for lane in self.lanes]
        for n in self.nodes:
            out += n.texts
        for lab in self.labels:
            out += [line.text for line in lab.lines] + ([lab.note] if lab.note else [])
        out += [e.text for e in self.legend]
        if self.legend_title:
            out.append(self.legend_title)
        return out + list(self.caption)


# -- text helpers ----------------------------------------------------------------------------


def wrap_name(name: str, width: int = WRAP_AT) -> list[str]:
    """Break an identifier after underscores (or spaces) into lines of at most ``width``."""
    parts: list[str] = []
    word = ""
    for ch in name:
        word += ch
        if ch in "_ ":
            parts.append(word)
            word = ""
    if word:
        parts.append(word)
    lines: list[str] = []
    at_space = False  # the last break was at a space (which the line end drops)
    line = ""
    for part in parts:
        if line and len(line) + len(part.rstrip()) > width:
            lines.append(line.rstrip())
            at_space = line.endswith(" ")
            line = ""
        line += part
    if line:
        lines.append(line.rstrip())
    if len(lines) > 1 and len(lines[-1]) < 8 and len(lines[-2]) + len(lines[-1]) <= width + 8:
        # no short orphan on a line of its own
        lines[-2:] = [lines[-2] + (" " if at_space else "") + lines[-1]]
    return lines or [name]


def event_text(ev: EventLabel, width: int = LABEL_WRAP, timing: bool = True) -> str:
    """The event's label (and, with ``timing``, its timing in brackets), broken after
    underscores and spaces (each event's first line has its party's marker, and a gap
    separates events: no indent, which would widen every label)."""
    return "\n".join(wrap_name(ev.text if timing else ev.label or ev.event, width))


def edge_texts(edge: DiagramEdge, width: int = LABEL_WRAP) -> tuple[list[str], str | None]:
    """The texts of an edge's label: one per event, and the timing the events share, said
    once after them (``(each: 1 in 1000 a day)``), or None."""
    timings = {ev.timing for ev in edge.events}
    shared = timings.pop() if len(edge.events) > 1 and len(timings) == 1 else None
    if shared is None:
        return [event_text(ev, width) for ev in edge.events], None
    note = "\n".join(wrap_name(f"(each: {shared})", width))
    return [event_text(ev, width, timing=False) for ev in edge.events], note


def _greedy_lines(
    pieces: list[str], sep: str, max_width: float, style: str, measure: Measure
) -> list[str]:
    """``pieces`` joined by ``sep`` into lines of at most ``max_width`` points, filling each
    line before starting the next (a piece wider than that is a line of its own)."""
    lines: list[str] = []
    line = ""
    for piece in pieces:
        trial = f"{line}{sep}{piece}" if line else piece
        if line and measure(trial, style)[0] > max_width:
            lines.append(line)
            line = piece
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


def wrap_words(text: str, max_width: float, style: str, measure: Measure) -> list[str]:
    """Greedy word wrap of ``text`` to ``max_width`` points."""
    return _greedy_lines(text.split(), " ", max_width, style, measure) or [text]


def legend_entries(
    diagram: Diagram, lane_index: dict[str, int]
) -> list[tuple[str, str | None, str]]:
    """(party or line style, line style or None, text) of each legend entry: the acting
    parties, the schedule when it acts, and each line style the diagram uses."""
    out: list[tuple[str, str | None, str]] = []
    for p in diagram.parties:
        if p.acts:
            role = "" if p.role == "party" else f", {p.role}"
            out.append((p.id, None, f"{p.name}{role}"))
    events = [ev for e in diagram.edges for ev in e.events]
    kinds = {ev.kind for ev in events}
    timed = [k for k in ("scheduled", "deadline") if k in kinds]
    if timed:  # the schedule acts too: an entry of its own
        what = " and ".join(
            {"scheduled": "scheduled events", "deadline": "deadlines"}[k] for k in timed
        )
        out.append((SCHEDULE, None, f"{SCHEDULE}: {what} (when, in brackets)"))
    edges = [e for e in diagram.edges if not e.is_loop]
    if any(lane_index[e.dest] < lane_index[e.source] for e in edges):
        out.append(("back", "back", "dashed arrow: back to an earlier stage"))
    if "risk" in kinds:
        out.append(("risk", "risk", "dotted arrow: a daily risk (its chance in brackets)"))
    if any(ev.never for ev in events):
        which = "the parameters below" if diagram.changed else "default parameters"
        out.append(("never", "never", f"grey dashed: no run takes it ({which})"))
    return out


def flow_items(items: list[str], max_width: float, style: str, measure: Measure) -> list[str]:
    """``items`` joined by wide gaps into lines of at most ``max_width`` points (an item
    wider than that is a line of its own)."""
    return _greedy_lines(items, "    ", max_width, style, measure)
