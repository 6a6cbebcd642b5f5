"""The layered graph behind a state diagram: the rank of each state in its lane, the order inside
every column and the vertical positions, from item sizes alone (no text, no drawing).

States of one stage are ranked inside their lane by the longest path over the lane's own edges
(back edges of a depth-first search left out). The order inside every column is chosen to
reduce crossings (barycentre sweeps, then adjacent swaps while they help), and the vertical
positions pull each item towards its neighbours under the no-overlap constraint (isotonic
regression). `model.render.layout` builds the graph (states, label and dummy items) and turns
it into coordinates.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from model.render.diagram_model import Diagram, DiagramEdge, DiagramNode

ITEM_SEP = 12.0  # vertical space between items of one column


@dataclass
class Item:
    """A state, an edge label or a dummy point of a long edge, in one column (``slot``)."""

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


def lane_ranks(diagram: Diagram) -> dict[str, int]:
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


def _place_column(items: Sequence[Item], desired: Sequence[float]) -> None:
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


class LayeredGraph:
    """Items by key, their columns in order, and the chain of items of each edge."""

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}
        self.slots: list[list[str]] = []
        self.chains: list[tuple[DiagramEdge, list[str]]] = []

    def add(self, item: Item) -> None:
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
