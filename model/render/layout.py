"""Layered (Sugiyama-style) layout of a state diagram, in points, without drawing anything.

The layers are fixed by the scenario: each stage is a lane (left to right in the stage order),
states of one stage are ranked inside their lane by the longest path over the lane's own
edges, and outcome states share a lane on the right. Between two columns of states there is
a corridor column that holds the edge labels, so labels are laid out like nodes and cannot
overlap a box or each other. Edges that span several columns pass through dummy points; the
order inside every column is chosen to reduce crossings (barycentre sweeps, then adjacent
swaps while they help), and the vertical positions pull each item towards its neighbours
under the no-overlap constraint (isotonic regression).

Text sizes come from a ``measure(text, style)`` function the drawing code supplies, so this
module imports no plotting library; coordinates grow rightwards and downwards from the top
left corner of the figure.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from model.render.diagram_model import Diagram, DiagramEdge, DiagramNode, EventLabel

Measure = Callable[[str, str], tuple[float, float]]
"""``measure(text, style) -> (width, height)`` in points of ``text`` set in ``style``."""

STYLES: dict[str, tuple[float, str]] = {
    "title": (13.0, "bold"),
    "header": (11.0, "bold"),
    "node": (10.0, "normal"),
    "node_small": (7.5, "normal"),
    "edge": (8.0, "normal"),
    "legend": (8.5, "normal"),
}
"""Font size (points) and weight of each kind of text."""

MARGIN = 14.0
NODE_PAD_X, NODE_PAD_Y = 9.0, 6.0
MIN_NODE_W = 64.0
SLOT_PAD = 14.0  # free space either side of the widest item in a column of states
GAP_PAD = 12.0  # free space either side of the widest label in a corridor
MIN_GAP = 44.0
ITEM_SEP = 16.0  # vertical space between items of one column
LOOP_GAP = 22.0  # between a state box and its self-loop label above it
LABEL_PAD_X, LABEL_PAD_Y = 5.0, 3.0
MARKER_W = 9.0  # room for a party marker at the start of a label line
LINE_SEP = 1.5
START_W = 20.0  # room left of the initial state for the start dot
DUMMY_H = 8.0
HEADER_PAD = 6.0
LEGEND_SEP = 14.0
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


@dataclass(frozen=True)
class EdgeRoute:
    """Waypoints of one edge; consecutive points are joined by horizontal-tangent curves,
    except inside a label box (straight) and on a self-loop (straight legs)."""

    edge: DiagramEdge
    points: tuple[tuple[float, float], ...]
    loop: bool
    backward_stage: bool


@dataclass(frozen=True)
class LaneItem:
    lane_id: str
    band: Box
    header: TextItem
    is_outcomes: bool
    shade: int


@dataclass(frozen=True)
class LegendEntry:
    party: str
    marker: tuple[float, float]
    text: TextItem


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    title: tuple[TextItem, ...]
    lanes: tuple[LaneItem, ...]
    nodes: tuple[NodeItem, ...]
    labels: tuple[LabelItem, ...]
    routes: tuple[EdgeRoute, ...]
    legend: tuple[LegendEntry, ...]
    legend_title: TextItem | None
    start: tuple[float, float]  # the start dot; an arrow leads from it to the initial state
    crossings: int
    parties: tuple[str, ...]  # party ids in marker order

    def texts(self) -> list[TextItem]:
        out = list(self.title) + [lane.header for lane in self.lanes]
        for n in self.nodes:
            out += n.texts
        for lab in self.labels:
            out += [line.text for line in lab.lines]
        out += [e.text for e in self.legend]
        if self.legend_title:
            out.append(self.legend_title)
        return out


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
    line = ""
    for part in parts:
        if line and len(line) + len(part.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        line += part
    if line:
        lines.append(line.rstrip())
    if len(lines) > 1 and len(lines[-1]) < 8 and len(lines[-2]) + len(lines[-1]) <= width + 8:
        lines[-2:] = [lines[-2] + lines[-1]]  # no short orphan on a line of its own
    return lines or [name]


def event_text(ev: EventLabel, width: int = LABEL_WRAP) -> str:
    """``actor: event``, broken after underscores; continuation lines are indented."""
    lines = wrap_name(f"{ev.actor}: {ev.event}", width)
    return "\n".join([lines[0]] + [f"   {line}" for line in lines[1:]])


def wrap_words(text: str, max_width: float, style: str, measure: Measure) -> list[str]:
    """Greedy word wrap of ``text`` to ``max_width`` points."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}" if line else word
        if line and measure(trial, style)[0] > max_width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines or [text]


# -- the layered graph -----------------------------------------------------------------------


@dataclass
class _Item:
    key: str
    kind: str  # node, label, dummy
    slot: int
    w: float
    h: float
    anchor: float  # y of the connection point below the item's top
    node: DiagramNode | None = None
    edge: DiagramEdge | None = None
    y: float = 0.0  # top
    x: float = 0.0  # centre
    left: list[str] = field(default_factory=list)
    right: list[str] = field(default_factory=list)


def _lane_ranks(diagram: Diagram) -> dict[str, int]:
    """Rank of each state inside its lane: longest path over the lane's forward edges."""
    ranks: dict[str, int] = {}
    order = {n.id: i for i, n in enumerate(diagram.nodes)}
    for lane in diagram.lanes:
        members = set(lane.states)
        succ: dict[str, list[str]] = {s: [] for s in lane.states}
        for e in diagram.edges:
            if e.source in members and e.dest in members and not e.is_loop:
                succ[e.source].append(e.dest)
        # Depth-first search from the initial state, then in declaration order, marks back
        # edges (edges to a state on the current path); the rest form a DAG.
        starts = sorted(lane.states, key=lambda s: (s != diagram.initial, order[s]))
        forward, topo = _acyclic(starts, succ)
        for s in lane.states:
            ranks[s] = 0
        for s in reversed(topo):
            for d in forward[s]:
                ranks[d] = max(ranks[d], ranks[s] + 1)
    return ranks


def _acyclic(
    starts: Sequence[str], succ: dict[str, list[str]]
) -> tuple[dict[str, list[str]], list[str]]:
    """Forward edges (all but the back edges of a depth-first search) and a finishing order."""
    mark: dict[str, int] = {}  # 1: on the current path, 2: finished
    forward: dict[str, list[str]] = {s: [] for s in succ}
    topo: list[str] = []
    # Iterative (an explicit stack of successor iterators): a chain of 1,000 states would
    # pass Python's recursion limit. Visits edges in the order the recursive version did.
    for root in starts:
        if root in mark:
            continue
        mark[root] = 1
        work: list[tuple[str, Iterator[str]]] = [(root, iter(succ[root]))]
        while work:
            s, pending = work[-1]
            for d in pending:
                if mark.get(d) == 1:
                    continue  # back edge: d is on the current path
                forward[s].append(d)
                if d not in mark:
                    mark[d] = 1
                    work.append((d, iter(succ[d])))
                    break
            else:
                work.pop()
                mark[s] = 2
                topo.append(s)
    return forward, topo


def _place_column(items: Sequence[_Item], desired: Sequence[float]) -> None:
    """Set tops so anchors are close to ``desired`` while items keep order and spacing."""
    offsets: list[float] = []
    c = 0.0
    for it in items:
        offsets.append(c)
        c += it.h + ITEM_SEP
    targets = [d - it.anchor - off for it, d, off in zip(items, desired, offsets)]
    # Pool adjacent violators: the closest non-decreasing sequence to ``targets``.
    blocks: list[list[float]] = []  # [sum, count]
    sizes: list[int] = []
    for t in targets:
        blocks.append([t, 1.0])
        sizes.append(1)
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, n = blocks.pop()
            k = sizes.pop()
            blocks[-1][0] += s
            blocks[-1][1] += n
            sizes[-1] += k
    z: list[float] = []
    for (s, n), k in zip(blocks, sizes):
        z += [s / n] * k
    for it, zi, off in zip(items, z, offsets):
        it.y = zi + off


class _Graph:
    def __init__(self) -> None:
        self.items: dict[str, _Item] = {}
        self.slots: list[list[str]] = []
        self.chains: list[tuple[DiagramEdge, list[str]]] = []

    def add(self, item: _Item) -> None:
        self.items[item.key] = item
        while len(self.slots) <= item.slot:
            self.slots.append([])
        self.slots[item.slot].append(item.key)

    def link(self, a: str, b: str) -> None:
        ia, ib = self.items[a], self.items[b]
        if ia.slot > ib.slot:
            ia, ib = ib, ia
        ia.right.append(ib.key)
        ib.left.append(ia.key)

    def crossings(self) -> int:
        total = 0
        pos = {k: i for slot in self.slots for i, k in enumerate(slot)}
        for slot in self.slots:
            segs = [(pos[k], pos[r]) for k in slot for r in self.items[k].right]
            for i, (a1, b1) in enumerate(segs):
                for a2, b2 in segs[i + 1 :]:
                    if (a1 - a2) * (b1 - b2) < 0:
                        total += 1
        return total

    def reduce_crossings(self) -> int:
        best = [list(s) for s in self.slots]
        best_n = self.crossings()
        for _ in range(8):
            for s in range(1, len(self.slots)):
                self._sort_by(s, "left")
            for s in range(len(self.slots) - 2, -1, -1):
                self._sort_by(s, "right")
            n = self.crossings()
            if n < best_n:
                best, best_n = [list(x) for x in self.slots], n
            if best_n == 0:
                break
        self.slots = best
        improved = best_n > 0
        rounds = 0
        while improved and rounds < 20:
            improved = False
            rounds += 1
            for slot in self.slots:
                for i in range(len(slot) - 1):
                    slot[i], slot[i + 1] = slot[i + 1], slot[i]
                    n = self.crossings()
                    if n < best_n:
                        best_n, improved = n, True
                    else:
                        slot[i], slot[i + 1] = slot[i + 1], slot[i]
        return best_n

    def _sort_by(self, s: int, side: str) -> None:
        other = s - 1 if side == "left" else s + 1
        pos = {k: i for i, k in enumerate(self.slots[other])}
        keyed = []
        for i, k in enumerate(self.slots[s]):
            nbrs = getattr(self.items[k], side)
            bary = sum(pos[n] for n in nbrs) / len(nbrs) if nbrs else float(i)
            keyed.append((bary, i, k))
        self.slots[s] = [k for _, _, k in sorted(keyed)]

    def assign_y(self, top: float) -> None:
        for slot in self.slots:
            _place_column([self.items[k] for k in slot], [0.0] * len(slot))
        for _ in range(30):
            for slot in self.slots:
                items = [self.items[k] for k in slot]
                desired = []
                for it in items:
                    nbrs = [self.items[n] for n in it.left + it.right]
                    if nbrs:
                        desired.append(sum(n.y + n.anchor for n in nbrs) / len(nbrs))
                    else:
                        desired.append(it.y + it.anchor)
                _place_column(items, desired)
        low = min((it.y for it in self.items.values()), default=0.0)
        for it in self.items.values():
            it.y += top - low


# -- the layout ------------------------------------------------------------------------------


def layout(diagram: Diagram, measure: Measure) -> Layout:
    """Lay out ``diagram`` with text sizes from ``measure``; see the module docstring."""
    ranks = _lane_ranks(diagram)
    loops = {e.source: e for e in diagram.edges if e.is_loop}
    parties = tuple(p.id for p in diagram.parties)

    # Columns: for each lane, one column of states per rank.
    lane_cols: list[tuple[str, int]] = []  # (lane id, first column)
    node_col: dict[str, int] = {}
    col = 0
    col_lane: list[int] = []
    for li, lane in enumerate(diagram.lanes):
        lane_cols.append((lane.id, col))
        depth = max((ranks[s] for s in lane.states), default=0) + 1
        for s in lane.states:
            node_col[s] = col + ranks[s]
        col_lane += [li] * depth
        col += depth
    n_cols = col
    lane_index = {s: li for li, lane in enumerate(diagram.lanes) for s in lane.states}

    g = _Graph()
    for _ in range(2 * n_cols - 1):
        g.slots.append([])

    # Node items (a self-loop's label sits above its state, inside the same item).
    node_texts: dict[str, list[tuple[str, str, float, float]]] = {}
    label_sizes: dict[tuple[str, str], tuple[float, float, list[tuple[float, float]]]] = {}

    def label_size(e: DiagramEdge) -> tuple[float, float]:
        sizes = [measure(event_text(ev), "edge") for ev in e.events]
        w = max(s[0] for s in sizes) + MARKER_W + 2 * LABEL_PAD_X
        h = sum(s[1] for s in sizes) + LINE_SEP * (len(sizes) - 1) + 2 * LABEL_PAD_Y
        label_sizes[(e.source, e.dest)] = (w, h, sizes)
        return w, h

    for n in diagram.nodes:
        texts: list[tuple[str, str, float, float]] = []
        main = n.outcome if n.outcome else n.id
        text = "\n".join(wrap_name(main))
        texts.append((text, "node", *measure(text, "node")))
        if n.outcome and n.outcome != n.id:
            small = "\n".join(wrap_name(f"state {n.id}", 28))
            texts.append((small, "node_small", *measure(small, "node_small")))
        node_texts[n.id] = texts
        bw = max(MIN_NODE_W, max(t[2] for t in texts) + 2 * NODE_PAD_X)
        bh = sum(t[3] for t in texts) + 2 * NODE_PAD_Y + 2.0 * (len(texts) - 1)
        w, h, anchor = bw, bh, bh / 2
        if n.id in loops:
            lw, lh = label_size(loops[n.id])
            w = max(w, lw)
            h += lh + LOOP_GAP
            anchor += lh + LOOP_GAP
        if n.initial:
            w = max(w, bw + 2 * START_W)
        g.add(_Item(n.id, "node", 2 * node_col[n.id], w, h, anchor, node=n))
        g.items[n.id].w = w
        g.items[n.id].h = h
        g.items[n.id].anchor = anchor
    # Keep the declaration order as the starting order of each column.
    # Chains for edges between different columns.
    for ei, e in enumerate(diagram.edges):
        if e.is_loop:
            continue
        a, b = 2 * node_col[e.source], 2 * node_col[e.dest]
        step = 1 if b > a else -1
        label_slot = a + step
        chain = [e.source]
        for si in range(a + step, b, step):
            key = f"{'label' if si == label_slot else 'dummy'}:{ei}:{si}"
            if si == label_slot:
                lw, lh = label_size(e)
                g.add(_Item(key, "label", si, lw, lh, lh / 2, edge=e))
            else:
                g.add(_Item(key, "dummy", si, 0.0, DUMMY_H, DUMMY_H / 2, edge=e))
            chain.append(key)
        chain.append(e.dest)
        for u, v in itertools.pairwise(chain):
            g.link(u, v)
        g.chains.append((e, chain))

    crossings = g.reduce_crossings()

    # Widths of columns: state columns fit their widest item, corridors their widest label.
    slot_w: list[float] = []
    for si, slot in enumerate(g.slots):
        widest = max((g.items[k].w for k in slot), default=0.0)
        if si % 2 == 0:
            slot_w.append(max(widest, MIN_NODE_W) + 2 * SLOT_PAD)
        else:
            slot_w.append(max(widest + 2 * GAP_PAD, MIN_GAP))

    # Lane headers may need more room than their columns.
    headers: list[tuple[str, float, float]] = []
    for li, lane in enumerate(diagram.lanes):
        hw, hh = measure(lane.name, "header")
        first = lane_cols[li][1]
        last = first + col_lane.count(li) - 1
        span = sum(slot_w[2 * first : 2 * last + 1])
        if hw + 2 * HEADER_PAD > span:
            extra = (hw + 2 * HEADER_PAD - span) / 2
            slot_w[2 * first] += extra
            slot_w[2 * last] += extra
        headers.append((lane.name, hw, hh))

    content_w = sum(slot_w)
    # Legend entries (acting parties only) and title; they may widen the figure.
    acting = [p for p in diagram.parties if p.acts]
    legend_texts = []
    for p in acting:
        role = "" if p.role == "party" else f", {p.role}"
        text = f"{p.id}: {p.name}{role}"
        legend_texts.append((p.id, text, *measure(text, "legend")))
    legend_head = "Acting party (marker before each event):"
    if any(lane_index[e.dest] < lane_index[e.source] for e in diagram.edges if not e.is_loop):
        legend_head += "   dashed arrow: back to an earlier stage"
    lhw, lhh = measure(legend_head, "legend")
    widest_legend = max([t[2] + MARKER_W + 4 for t in legend_texts] + [lhw])
    width = max(content_w, widest_legend, 260.0) + 2 * MARGIN
    title_lines = wrap_words(diagram.title, width - 2 * MARGIN, "title", measure)
    for line in title_lines:
        width = max(width, measure(line, "title")[0] + 2 * MARGIN)
    x_shift = MARGIN + (width - 2 * MARGIN - content_w) / 2

    # Title.
    y = MARGIN
    title: list[TextItem] = []
    for line in title_lines:
        tw, th = measure(line, "title")
        title.append(TextItem(line, "title", Box((width - tw) / 2, y, tw, th), "title"))
        y += th + 2
    y += 8
    header_top = y
    header_h = max((h[2] for h in headers), default=0.0)
    content_top = header_top + header_h + 2 * HEADER_PAD + 10

    # Vertical positions.
    g.assign_y(content_top)
    slot_x: list[float] = []
    sx = x_shift
    for w in slot_w:
        slot_x.append(sx)
        sx += w
    for it in g.items.values():
        it.x = slot_x[it.slot] + slot_w[it.slot] / 2
    content_bottom = max((it.y + it.h for it in g.items.values()), default=content_top)
    content_bottom = max(content_bottom, content_top + 20)

    # Lanes.
    lanes: list[LaneItem] = []
    for li, lane in enumerate(diagram.lanes):
        first = lane_cols[li][1]
        last = first + col_lane.count(li) - 1
        x0 = slot_x[2 * first]
        x1 = slot_x[2 * last] + slot_w[2 * last]
        band = Box(x0, header_top, x1 - x0, content_bottom + 10 - header_top)
        name, hw, hh = headers[li]
        header = TextItem(
            name, "header", Box(band.cx - hw / 2, header_top + HEADER_PAD, hw, hh), "header"
        )
        lanes.append(LaneItem(lane.id, band, header, lane.is_outcomes, li % 2))

    # Nodes and self-loops.
    nodes: list[NodeItem] = []
    labels: list[LabelItem] = []
    routes: list[EdgeRoute] = []
    boxes: dict[str, Box] = {}
    start = (0.0, 0.0)
    for n in diagram.nodes:
        it = g.items[n.id]
        texts_spec = node_texts[n.id]
        bw = max(MIN_NODE_W, max(t[2] for t in texts_spec) + 2 * NODE_PAD_X)
        bh = sum(t[3] for t in texts_spec) + 2 * NODE_PAD_Y + 2.0 * (len(texts_spec) - 1)
        box = Box(it.x - bw / 2, it.y + it.anchor - bh / 2, bw, bh)
        boxes[n.id] = box
        ty = box.y0 + NODE_PAD_Y
        items = []
        for text, style, tw, th in texts_spec:
            role = "outcome_state" if n.outcome else "state"
            items.append(TextItem(text, style, Box(box.cx - tw / 2, ty, tw, th), role))
            ty += th + 2.0
        nodes.append(NodeItem(n, box, tuple(items)))
        if n.initial:
            start = (box.x0 - START_W + 4, box.cy)
        if n.id in loops:
            e = loops[n.id]
            lw, lh, _ = label_sizes[(e.source, e.dest)]
            lab = _label(e, Box(it.x - lw / 2, box.y0 - LOOP_GAP - lh, lw, lh), label_sizes)
            labels.append(lab)
            d = min(bw / 2 - 10, 24.0)
            inside = lab.box.y1 - 3
            routes.append(
                EdgeRoute(
                    e,
                    (
                        (box.cx - d, box.y0),
                        (box.cx - d, inside),
                        (box.cx + d, inside),
                        (box.cx + d, box.y0),
                    ),
                    True,
                    False,
                )
            )

    # Edges between columns: ports spread along the sides of the boxes.
    ports: dict[tuple[str, str], list[tuple[float, int, int]]] = {}
    for ci, (_, chain) in enumerate(g.chains):
        for end, nxt in ((0, 1), (len(chain) - 1, len(chain) - 2)):
            node = g.items[chain[end]]
            other = g.items[chain[nxt]]
            side = "right" if other.slot > node.slot else "left"
            ports.setdefault((node.key, side), []).append((other.y + other.anchor, ci, end))
    port_y: dict[tuple[int, int], tuple[float, float]] = {}
    for (key, side), lst in ports.items():
        box = boxes[key]
        lst.sort()
        k = len(lst)
        mid, room = box.cy, box.h - 8
        if key == diagram.initial and side == "left":
            # The start arrow enters the upper part of the left side; edges use the lower.
            mid, room = box.cy + box.h / 4, box.h / 2 - 4
            start = (start[0], box.y0 + box.h / 4)
        for i, (_, ci, end) in enumerate(lst):
            span = min(room, 10.0 * (k - 1)) if k > 1 else 0.0
            yy = mid - span / 2 + (span * i / (k - 1) if k > 1 else 0.0)
            xx = box.x1 if side == "right" else box.x0
            port_y[(ci, end)] = (xx, yy)
    for ci, (e, chain) in enumerate(g.chains):
        pts: list[tuple[float, float]] = [port_y[(ci, 0)]]
        forward = g.items[chain[-1]].slot > g.items[chain[0]].slot
        for key in chain[1:-1]:
            it = g.items[key]
            cy = it.y + it.anchor
            if it.kind == "label":
                lw, lh, _ = label_sizes[(e.source, e.dest)]
                box = Box(it.x - lw / 2, it.y, lw, lh)
                labels.append(_label(e, box, label_sizes))
                enter, leave = (box.x0, box.x1) if forward else (box.x1, box.x0)
                pts += [(enter, cy), (leave, cy)]
            else:
                pts.append((it.x, cy))
        pts.append(port_y[(ci, len(chain) - 1)])
        back = lane_index[g.items[chain[-1]].key] < lane_index[g.items[chain[0]].key]
        routes.append(EdgeRoute(e, tuple(pts), False, back))

    # Legend below the lanes.
    y = content_bottom + 10 + LEGEND_SEP
    legend: list[LegendEntry] = []
    legend_title = None
    if legend_texts:
        legend_title = TextItem(legend_head, "legend", Box(MARGIN, y, lhw, lhh), "legend")
        y += lhh + 4
        lx = MARGIN
        row_h = 0.0
        for pid, text, tw, th in legend_texts:
            ew = MARKER_W + 4 + tw
            if lx > MARGIN and lx + ew > width - MARGIN:
                lx = MARGIN
                y += row_h + 4
                row_h = 0.0
            marker = (lx + MARKER_W / 2, y + th / 2)
            box = Box(lx + MARKER_W + 4, y, tw, th)
            legend.append(LegendEntry(pid, marker, TextItem(text, "legend", box, "legend")))
            lx += ew + 18
            row_h = max(row_h, th)
        y += row_h
    height = y + MARGIN

    return Layout(
        width=width,
        height=height,
        title=tuple(title),
        lanes=tuple(lanes),
        nodes=tuple(nodes),
        labels=tuple(labels),
        routes=tuple(routes),
        legend=tuple(legend),
        legend_title=legend_title,
        start=start,
        crossings=crossings,
        parties=parties,
    )


def _label(
    e: DiagramEdge,
    box: Box,
    sizes: dict[tuple[str, str], tuple[float, float, list[tuple[float, float]]]],
) -> LabelItem:
    _, _, line_sizes = sizes[(e.source, e.dest)]
    y = box.y0 + LABEL_PAD_Y
    lines = []
    for ev, (tw, th) in zip(e.events, line_sizes):
        x = box.x0 + LABEL_PAD_X + MARKER_W
        text = event_text(ev)
        first = th / (text.count("\n") + 1)
        lines.append(
            LabelLine(
                ev,
                (box.x0 + LABEL_PAD_X + MARKER_W / 2 - 1, y + first / 2),
                TextItem(text, "edge", Box(x, y, tw, th), "edge"),
            )
        )
        y += th + LINE_SEP
    return LabelItem(e, box, tuple(lines))
