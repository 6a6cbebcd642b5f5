"""Layered (Sugiyama-style) layout of a state diagram, in points, without drawing anything.

The layers are fixed by the scenario: each stage is a lane (left to right in the stage order),
states of one stage are ranked inside their lane, and outcome states share a lane on the
right. Between two columns of states there is a corridor column that holds the edge labels,
so labels are laid out like nodes and cannot overlap a box or each other. Edges that span
several columns pass through dummy points. `model.render.layered_graph` ranks the states,
orders every column and places items vertically; this module sizes the items, builds that
graph, and turns it into coordinates: column widths, lanes and headers, node boxes, edge
ports and routes, label lines, the title and the legend (the pieces are in
`model.render.layout_items`).

Text sizes come from a ``measure(text, style)`` function the drawing code supplies, so this
module imports no plotting library; coordinates grow rightwards and downwards from the top
left corner of the figure.
"""

from __future__ import annotations

import dataclasses
import itertools

from model.render.diagram_model import Diagram, DiagramEdge
from model.render.layered_graph import Item, LayeredGraph, lane_ranks
from model.render.layout_items import (
    LABEL_WRAP,
    Box,
    EdgeRoute,
    LabelItem,
    LabelLine,
    LaneItem,
    Layout,
    LegendEntry,
    Measure,
    NodeItem,
    TextItem,
    edge_texts,
    flow_items,
    legend_entries,
    wrap_name,
    wrap_words,
)

MARGIN = 10.0
NODE_PAD_X, NODE_PAD_Y = 9.0, 6.0
MIN_NODE_W = 64.0
SLOT_PAD = 6.0  # free space either side of the widest item in a column of states
GAP_PAD = 6.0  # free space either side of the widest label in a corridor
MIN_GAP = 44.0
LOOP_GAP = 22.0  # between a state box and its self-loop label above it
LABEL_PAD_X, LABEL_PAD_Y = 5.0, 3.0
MARKER_W = 9.0  # room for a party marker at the start of a label line
LINE_SEP = 4.0  # between the events of one label
START_W = 20.0  # room left of the initial state for the start dot
DUMMY_H = 8.0
HEADER_PAD = 6.0
MIN_HEADER_W = 130.0  # a lane's name is broken into lines no narrower than this
LEGEND_SEP = 14.0
SAMPLE_W = 28.0  # a line style's sample in the legend
TRACK = 6.0  # between the tracks of edges from one row of lanes to another
ROW_GAP = 16.0  # between rows of lanes, besides their tracks


WRAPS = (LABEL_WRAP, 22, 20, 18, 17, 16, 15, 14, 13, 12, 28, 32, 36)
"""Where names and event lines may break (characters), in order of preference: `fit` tries
each and keeps the layout that fills its canvas best."""


MAX_ROWS = 4


def fit(diagram: Diagram, measure: Measure, aspect: float | None = None) -> Layout:
    """The layout of ``diagram`` on a canvas of ``aspect`` (width / height; None: the
    layout's own size, in one row) that shows its text largest: the canvas is the layout's
    box widened or heightened to the aspect, content centred, and the text scales with 1 /
    its width. Tries each wrap width of `WRAPS`, and for an aspect the lanes in one row or
    wrapped into up to `MAX_ROWS` rows (the split with the narrowest widest row)."""
    one_row = layout(diagram, measure)
    splits: list[tuple[int, ...]] = [()]
    if aspect is not None:
        widths = [lane.band.w for lane in one_row.lanes]
        for k in range(2, min(MAX_ROWS, len(widths)) + 1):
            cuts = itertools.combinations(range(1, len(widths)), k - 1)
            splits.append(min(cuts, key=lambda c: _widest_row(widths, c)))
    best: tuple[float, Layout] | None = None
    for rows in splits:
        for wrap in WRAPS:
            lay = (
                one_row
                if (rows, wrap) == ((), LABEL_WRAP)
                else layout(diagram, measure, wrap, rows)
            )
            need = max(lay.width, lay.height * aspect) if aspect else lay.width
            if best is None or need < best[0] * 0.99:  # a clear gain over what came first
                best = (need, lay)
    assert best is not None
    need, lay = best
    if aspect is None:
        return lay
    w, h = need, need / aspect
    canvas = Box((lay.width - w) / 2, (lay.height - h) / 2, w, h)
    return dataclasses.replace(lay, canvas=canvas)


def _widest_row(widths: list[float], cuts: tuple[int, ...]) -> float:
    bounds = [0, *cuts, len(widths)]
    return max(sum(widths[a:b]) for a, b in itertools.pairwise(bounds))


def layout(
    diagram: Diagram, measure: Measure, wrap: int = LABEL_WRAP, rows: tuple[int, ...] = ()
) -> Layout:
    """Lay out ``diagram`` with text sizes from ``measure``, names and event lines broken
    at about ``wrap`` characters, a new row of lanes starting at each lane index in ``rows``;
    see the module docstring."""
    ranks = lane_ranks(diagram)
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

    g = LayeredGraph()
    for _ in range(2 * n_cols - 1):
        g.slots.append([])

    # Node items (a self-loop's label sits above its state, inside the same item).
    node_texts: dict[str, list[tuple[str, str, float, float]]] = {}
    label_sizes: dict[tuple[str, str], tuple[float, float, list[tuple[float, float]]]] = {}

    def label_size(e: DiagramEdge) -> tuple[float, float]:
        texts, note = edge_texts(e, wrap)
        sizes = [measure(text, "edge") for text in texts + ([note] if note else [])]
        w = max(s[0] for s in sizes) + MARKER_W + 2 * LABEL_PAD_X
        h = sum(s[1] for s in sizes) + LINE_SEP * (len(sizes) - 1) + 2 * LABEL_PAD_Y
        label_sizes[(e.source, e.dest)] = (w, h, sizes)
        return w, h

    for n in diagram.nodes:
        # The state's label (an outcome state's: its outcome's); ids stay in the data.
        text = "\n".join(wrap_name(n.text, max(wrap - 4, 12)))
        texts: list[tuple[str, str, float, float]] = [(text, "node", *measure(text, "node"))]
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
        g.add(Item(n.id, "node", 2 * node_col[n.id], w, h, anchor, node=n))
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
                g.add(Item(key, "label", si, lw, lh, lh / 2, edge=e))
            else:
                g.add(Item(key, "dummy", si, 0.0, DUMMY_H, DUMMY_H / 2, edge=e))
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
        first = lane_cols[li][1]
        last = first + col_lane.count(li) - 1
        span = sum(slot_w[2 * first : 2 * last + 1])
        head = lane.header
        room = max(span - 2 * HEADER_PAD, MIN_HEADER_W)
        if measure(head, "header")[0] > room:  # the name broken into lines, then the length
            lines = wrap_words(lane.name, room, "header", measure)
            head = "\n".join(lines + ([lane.length] if lane.length else []))
        hw, hh = measure(head, "header")
        if hw + 2 * HEADER_PAD > span:
            extra = (hw + 2 * HEADER_PAD - span) / 2
            slot_w[2 * first] += extra
            slot_w[2 * last] += extra
        headers.append((head, hw, hh))

    # Rows: the columns of a row's lanes and the corridor after them; an edge between rows
    # leaves its row on the right, runs along a track in the gap below it and enters the
    # next row from the left (a track of its own: `_detour`).
    starts = [0, *rows]
    lane_row = [
        max(r for r, first in enumerate(starts) if first <= li) for li in range(len(diagram.lanes))
    ]
    slot_row = [lane_row[col_lane[si // 2]] for si in range(len(slot_w))]
    n_rows = len(starts)
    row_w = [sum(w for si, w in enumerate(slot_w) if slot_row[si] == r) for r in range(n_rows)]
    content_w = max(row_w)
    crossing: list[int] = [0] * n_rows  # tracks in the gap below each row
    for _, chain in g.chains:
        for u, v in itertools.pairwise(chain):
            ru, rv = slot_row[g.items[u].slot], slot_row[g.items[v].slot]
            if ru != rv:
                crossing[min(ru, rv)] += 1
    track_room = TRACK * (max(crossing) + 1) if n_rows > 1 else 0.0
    # Legend entries (acting parties, then the line styles used) and the caption of terms;
    # the title. The widest single entry may widen the figure.
    entries = legend_entries(diagram, lane_index)
    legend_texts = [(key, line, text, *measure(text, "legend")) for key, line, text in entries]
    legend_head = "Acting party (marker before each event):"
    lhw, lhh = measure(legend_head, "legend")
    widest_legend = max([t[3] + SAMPLE_W + 4 for t in legend_texts] + [lhw])
    width = max(content_w + 2 * track_room, widest_legend, 260.0) + 2 * MARGIN
    title_lines = wrap_words(diagram.title, width - 2 * MARGIN, "title", measure)
    for line in title_lines:
        width = max(width, measure(line, "title")[0] + 2 * MARGIN)
    x_shift = MARGIN + (width - 2 * MARGIN - content_w) / 2  # every row starts here

    # Title.
    y = MARGIN
    title: list[TextItem] = []
    for line in title_lines:
        tw, th = measure(line, "title")
        title.append(TextItem(line, "title", Box((width - tw) / 2, y, tw, th), "title"))
        y += th + 2
    y += 8
    # Vertical positions: one placement for all columns, then each row moved below the
    # one before it (and its tracks), under its lanes' headers.
    g.assign_y(0.0)
    slot_x: list[float] = []
    sx = x_shift
    for si, w in enumerate(slot_w):
        if si and slot_row[si] != slot_row[si - 1]:
            sx = x_shift
        slot_x.append(sx)
        sx += w
    for it in g.items.values():
        it.x = slot_x[it.slot] + slot_w[it.slot] / 2
    header_top: list[float] = []
    content_bottom: list[float] = []
    for r in range(n_rows):
        header_top.append(y)
        header_h = max((h[2] for li, h in enumerate(headers) if lane_row[li] == r), default=0.0)
        top = y + header_h + 2 * HEADER_PAD + 10
        members = [it for it in g.items.values() if slot_row[it.slot] == r]
        low = min((it.y for it in members), default=0.0)
        for it in members:
            it.y += top - low
        bottom = max((it.y + it.h for it in members), default=top)
        content_bottom.append(max(bottom, top + 20))
        y = content_bottom[-1] + 10 + ROW_GAP + TRACK * crossing[r]

    # Lanes.
    lanes: list[LaneItem] = []
    for li, lane in enumerate(diagram.lanes):
        first = lane_cols[li][1]
        last = first + col_lane.count(li) - 1
        x0 = slot_x[2 * first]
        x1 = slot_x[2 * last] + slot_w[2 * last]
        r = lane_row[li]
        band = Box(x0, header_top[r], x1 - x0, content_bottom[r] + 10 - header_top[r])
        name, hw, hh = headers[li]
        header = TextItem(
            name, "header", Box(band.cx - hw / 2, band.y0 + HEADER_PAD, hw, hh), "header"
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
            lab = _label(e, Box(it.x - lw / 2, box.y0 - LOOP_GAP - lh, lw, lh), label_sizes, wrap)
            labels.append(lab)
            # A loop on the top of the box: out on the right, round and back in on the
            # left (a cubic curve whose top is 3/4 of the control points' height).
            d = min(bw / 2 - 10, 16.0)
            rise = (LOOP_GAP - 6) * 4 / 3
            routes.append(
                EdgeRoute(
                    e,
                    (
                        (box.cx + d, box.y0),
                        (box.cx + d + 10, box.y0 - rise),
                        (box.cx - d - 10, box.y0 - rise),
                        (box.cx - d, box.y0),
                    ),
                    True,
                    False,
                    e.is_risk,
                    e.never,
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
    # Tracks in each gap, outermost on the right for the edge leaving its row lowest (and
    # innermost on the left), so that the tracks of one gap do not cross on the right.
    leaving: list[list[tuple[float, int, str]]] = [[] for _ in range(n_rows)]
    for ci, (_, chain) in enumerate(g.chains):
        for u, v in itertools.pairwise(chain):
            iu, iv = g.items[u], g.items[v]
            if slot_row[iu.slot] != slot_row[iv.slot]:
                gap = min(slot_row[iu.slot], slot_row[iv.slot])
                leaving[gap].append((iu.y + iu.anchor, ci, v))
    track = {
        (ci, v): (i + 1, len(lst) - i)
        for lst in leaving
        for i, (_, ci, v) in enumerate(sorted(lst, key=lambda t: -t[0]))
    }
    for ci, (e, chain) in enumerate(g.chains):
        pts: list[tuple[float, float]] = [port_y[(ci, 0)]]
        forward = g.items[chain[-1]].slot > g.items[chain[0]].slot
        for prev, key in itertools.pairwise(chain):
            it = g.items[key]
            cy = it.y + it.anchor
            r0, r1 = slot_row[g.items[prev].slot], slot_row[it.slot]
            if r0 != r1:  # round the rows' ends through a track in the gap between them
                gap = min(r0, r1)
                i, j = track[(ci, key)]
                # Right of the upper row's own end (its tracks run beside it only).
                right, left = x_shift + row_w[gap] + TRACK * i, x_shift - TRACK * j
                track_y = content_bottom[gap] + 10 + ROW_GAP / 2 + TRACK * i
                xa, xb = (right, left) if r1 > r0 else (left, right)
                pts += [(xa, pts[-1][1]), (xa, track_y), (xb, track_y)]
                enter_y = port_y[(ci, len(chain) - 1)][1] if key == chain[-1] else cy
                pts.append((xb, enter_y))
            if key == chain[-1]:
                break
            if it.kind == "label":
                lw, lh, _ = label_sizes[(e.source, e.dest)]
                box = Box(it.x - lw / 2, it.y, lw, lh)
                labels.append(_label(e, box, label_sizes, wrap))
                enter, leave = (box.x0, box.x1) if forward else (box.x1, box.x0)
                pts += [(enter, cy), (leave, cy)]
            else:
                pts.append((it.x, cy))
        pts.append(port_y[(ci, len(chain) - 1)])
        back = lane_index[g.items[chain[-1]].key] < lane_index[g.items[chain[0]].key]
        routes.append(EdgeRoute(e, tuple(pts), False, back, e.is_risk, e.never))

    # Legend below the lanes: entries flow left to right, then the caption of terms.
    y = content_bottom[-1] + 10 + LEGEND_SEP
    legend: list[LegendEntry] = []
    legend_title = None
    if legend_texts:
        # The heading starts the first row of entries.
        legend_title = TextItem(legend_head, "legend", Box(MARGIN, y, lhw, lhh), "legend")
        lx = MARGIN + lhw + 12
        row_h = lhh
        for entry_key, line_style, text, tw, th in legend_texts:
            sample = SAMPLE_W if line_style else MARKER_W
            ew = sample + 4 + tw
            if lx > MARGIN and lx + ew > width - MARGIN:
                lx = MARGIN
                y += row_h + 4
                row_h = 0.0
            marker = (lx + sample / 2, y + th / 2)
            box = Box(lx + sample + 4, y, tw, th)
            legend.append(
                LegendEntry(entry_key, marker, TextItem(text, "legend", box, "legend"), line_style)
            )
            lx += ew + 18
            row_h = max(row_h, th)
        y += row_h
    caption: list[TextItem] = []
    if diagram.terms:
        y += 6
        head = "Parameters (as set):" if diagram.changed else "Parameters (defaults):"
        terms = [f"{label} = {value}" for label, value in diagram.terms]
        for line in flow_items([head, *terms], width - 2 * MARGIN, "legend", measure):
            tw, th = measure(line, "legend")
            caption.append(TextItem(line, "legend", Box(MARGIN, y, tw, th), "caption"))
            y += th + 2
    height = y + MARGIN

    return Layout(
        width=width,
        height=height,
        canvas=Box(0.0, 0.0, width, height),
        title=tuple(title),
        lanes=tuple(lanes),
        nodes=tuple(nodes),
        labels=tuple(labels),
        routes=tuple(routes),
        legend=tuple(legend),
        legend_title=legend_title,
        caption=tuple(caption),
        start=start,
        crossings=crossings,
        parties=parties,
    )


def _label(
    e: DiagramEdge,
    box: Box,
    sizes: dict[tuple[str, str], tuple[float, float, list[tuple[float, float]]]],
    wrap: int,
) -> LabelItem:
    _, _, line_sizes = sizes[(e.source, e.dest)]
    y = box.y0 + LABEL_PAD_Y
    lines = []
    texts, note = edge_texts(e, wrap)
    x = box.x0 + LABEL_PAD_X + MARKER_W
    for ev, text, (tw, th) in zip(e.events, texts, line_sizes):
        first = th / (text.count("\n") + 1)
        lines.append(
            LabelLine(
                ev,
                (box.x0 + LABEL_PAD_X + MARKER_W / 2 - 1, y + first / 2),
                TextItem(text, "edge", Box(x, y, tw, th), "edge"),
            )
        )
        y += th + LINE_SEP
    shared = None
    if note is not None:
        tw, th = line_sizes[-1]
        shared = TextItem(note, "edge", Box(x, y, tw, th), "edge")
    return LabelItem(e, box, tuple(lines), shared)
