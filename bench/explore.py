"""Exploration speed and memory: `explore()` against a hand-written breadth-first search.

    python bench/explore.py                 # 1e4, 1e5 and 1e6 states, median of 3 (a few minutes)
    python bench/explore.py --quick         # 1e4 and 1e5 states, one repeat
    python bench/explore.py --sizes 1e5 --repeats 5 --json

The model is `tests/fixtures/large/long_exchange.yaml` scaled by two numbers, the people held
at the start and the horizon (the table below); its reachable snapshots are (state, people
held, day). The hand-written search explores the same model with everything the scenario
says written out in Python (guards, weights, durations, effects, the horizon rule), keeping
the same full graph as `explore()`: every snapshot, an index from snapshot to id, every edge
with its transition, weight and days, the out-edges of every node and the parent edge of
every node. Before timing, the two are checked to give the same snapshots in the same order
and the same edges (at the smallest size) and the same counts (at every size).

Every measurement runs in a fresh process (so one does not inherit the other's memory), the
two methods alternating within each repeat. CPU time is `time.process_time` of the search
alone; memory is the growth of the process's peak resident size (``ru_maxrss``) during the
search, divided by the number of snapshots for bytes per state. Figures are medians; the
ratio is explore's CPU time over the hand-written search's, measured in the same run.
Issue 12's goal: at 1,000,000 states at most 3x, within 60 s wall and 2 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIXTURE = ROOT / "tests" / "fixtures" / "large" / "long_exchange.yaml"
# people held at the start, horizon (days) -> about this many reachable snapshots
SIZES: dict[str, tuple[int, int]] = {
    "1e4": (30, 115),
    "1e5": (100, 400),
    "1e6": (300, 1254),
}
METHODS = ("explore", "hand-written")


def scaled_text(held: int, horizon: int) -> str:
    text = FIXTURE.read_text(encoding="utf-8")
    for old, new in (
        ("horizon: 400\n", f"horizon: {horizon}\n"),
        (
            "  - id: held_at_start\n    default: 100\n",
            f"  - id: held_at_start\n    default: {held}\n",
        ),
        ("    max: 300\n", f"    max: {max(300, held)}\n"),
    ):
        assert old in text, old
        text = text.replace(old, new)
    return text


def load_scaled(held: int, horizon: int) -> Any:
    from model.scenario.loader import load_text

    return load_text(scaled_text(held, horizon), "long_exchange (scaled)", FIXTURE.parent)


# --- the hand-written search -------------------------------------------------------------------

IN_FORCE, PAUSED, COMPLETED, COLLAPSED = (
    "exchange_in_force",
    "exchange_paused",
    "exchange_completed",
    "exchange_collapsed",
)


def hand_written(
    held: int, horizon: int, release_weight: int = 12, pause_weight: int = 1
) -> tuple[
    list[tuple[str, int, int, int]],
    list[tuple[int, int, int, int, int]],
    list[list[int]],
    list[int | None],
]:
    """Breadth-first search of the scaled model, written for it, keeping the full graph.

    A node is (state, held, day, stage_start) as `model.semantics.step.Snapshot` keys it; an
    edge is (source, target, transition index, weight, days) in the scenario's order of
    transitions, which is also the order `explore()` tries them in.
    """
    start = (IN_FORCE, held, 0, 0)
    nodes = [start]
    index = {start: 0}
    edges: list[tuple[int, int, int, int, int]] = []
    out: list[list[int]] = [[]]
    parent: list[int | None] = [None]
    queue = deque([0])
    while queue:
        i = queue.popleft()
        state, h, day, stage_start = nodes[i]
        if state == IN_FORCE:
            succ = []
            if h > 0 and release_weight > 0 and day + 1 <= horizon:  # release_one
                succ.append((0, (IN_FORCE, h - 1, day + 1, stage_start), release_weight, 1))
            if h > 0 and day + 1 <= horizon:  # day_without_release
                succ.append((1, (IN_FORCE, h, day + 1, stage_start), 2, 1))
            if pause_weight > 0:  # talks_pause
                succ.append((2, (PAUSED, h, day, stage_start), pause_weight, 0))
            if h == 0:  # exchange_done: the outcome has no stage, so stage_start = day
                succ.append((6, (COMPLETED, h, day, day), 1, 0))
        elif state == PAUSED:
            succ = [(3, (IN_FORCE, h, day, stage_start), 8, 0)]  # talks_resume
            if day + 1 <= horizon:  # pause_drags_on
                succ.append((4, (PAUSED, h, day + 1, stage_start), 2, 1))
            succ.append((5, (COLLAPSED, h, day, day), 1, 0))  # exchange_collapses
        else:
            continue  # an outcome: not expanded
        for t, nxt, weight, days in succ:
            j = index.get(nxt)
            edge_id = len(edges)
            if j is None:
                j = len(nodes)
                nodes.append(nxt)
                index[nxt] = j
                out.append([])
                parent.append(edge_id)
                queue.append(j)
            edges.append((i, j, t, weight, days))
            out[i].append(edge_id)
    return nodes, edges, out, parent


def explored(
    held: int, horizon: int
) -> tuple[list[tuple[str, int, int, int]], list[tuple[int, int, int, int, int]]]:
    """`explore()`'s snapshots and edges in the hand-written search's terms."""
    from model.analysis.explore import explore

    graph = explore(load_scaled(held, horizon), max_states=None)
    nodes = [(s.state, int(s.values[0]), s.day, s.stage_start) for s in graph.nodes]
    edges = [(e.source, e.target, e.transition, e.weight, e.days) for e in graph.edges]
    return nodes, edges


def check_same(held: int, horizon: int) -> None:
    nodes, edges, _out, _parent = hand_written(held, horizon)
    ex_nodes, ex_edges = explored(held, horizon)
    if (nodes, edges) != (ex_nodes, ex_edges):
        raise SystemExit("the hand-written search and explore() disagree: the bench is invalid")


# --- one measurement, in a fresh process -------------------------------------------------------


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def worker(method: str, held: int, horizon: int) -> dict[str, Any]:
    if method == "explore":
        from model.analysis.explore import explore

        scenario = load_scaled(held, horizon)
        before = peak_rss()
        t0, w0 = time.process_time(), time.perf_counter()
        graph = explore(scenario, max_states=None)
        cpu, wall = time.process_time() - t0, time.perf_counter() - w0
        n, m = len(graph.nodes), len(graph.edges)
    else:
        before = peak_rss()
        t0, w0 = time.process_time(), time.perf_counter()
        nodes, edges, _out, _parent = hand_written(held, horizon)
        cpu, wall = time.process_time() - t0, time.perf_counter() - w0
        n, m = len(nodes), len(edges)
    grown = max(0, peak_rss() - before)
    return {"cpu_s": cpu, "wall_s": wall, "rss_growth_bytes": grown, "states": n, "edges": m}


def measure(method: str, held: int, horizon: int) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--worker", method, str(held), str(horizon)]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=sorted(SIZES), default=None)
    parser.add_argument("--repeats", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="1e4 and 1e5 states, one repeat")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        method, held, horizon = args.worker
        if method == "check":
            check_same(int(held), int(horizon))
        else:
            print(json.dumps(worker(method, int(held), int(horizon))))
        return 0
    sizes = args.sizes or (["1e4", "1e5"] if args.quick else list(SIZES))
    repeats = args.repeats or (1 if args.quick else 3)
    smallest = min(sizes, key=lambda s: SIZES[s][0])
    # In a process of its own: a child starts with its parent's peak resident size, so a
    # large check here would hide the growth the workers measure.
    held, horizon = SIZES[smallest]
    argv = [sys.executable, __file__, "--worker", "check", str(held), str(horizon)]
    subprocess.run(argv, check=True)
    rows = []
    for size in sizes:
        samples: dict[str, list[dict[str, Any]]] = {m: [] for m in METHODS}
        for _ in range(repeats):
            for method in METHODS:
                samples[method].append(measure(method, *SIZES[size]))
        counts = {(s["states"], s["edges"]) for m in METHODS for s in samples[m]}
        if len(counts) != 1:
            raise SystemExit(f"{size}: the methods explored different graphs: {counts}")
        states, edges = counts.pop()
        row: dict[str, Any] = {
            "size": size,
            "states": states,
            "edges": edges,
            "load": load_average(),
        }
        for method in METHODS:
            s = samples[method]
            row[method] = {
                "cpu_s": statistics.median(x["cpu_s"] for x in s),
                "wall_s": statistics.median(x["wall_s"] for x in s),
                "rss_growth_bytes": statistics.median(x["rss_growth_bytes"] for x in s),
                "samples": s,
            }
        row["ratio_cpu"] = row["explore"]["cpu_s"] / row["hand-written"]["cpu_s"]
        rows.append(row)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"median of {repeats}; CPU time of the search alone; memory = growth of peak RSS")
    print(
        f"{'states':>10} {'edges':>10}  {'method':<13}{'CPU s':>8}{'wall s':>8}"
        f"{'states/s':>10}{'MiB':>8}{'B/state':>9}"
    )
    for row in rows:
        for method in METHODS:
            r = row[method]
            grown = r["rss_growth_bytes"]
            # Below a few MiB the peak is set by loading, not by the search: no figure.
            memory = (
                f"{grown / 2**20:>8.0f}{grown / row['states']:>9.0f}"
                if grown >= 4 * 2**20
                else f"{'<4':>8}{'-':>9}"
            )
            print(
                f"{row['states']:>10,} {row['edges']:>10,}  {method:<13}{r['cpu_s']:>8.2f}"
                f"{r['wall_s']:>8.2f}{row['states'] / r['cpu_s']:>10,.0f}{memory}"
            )
        print(f"{'':>23}explore / hand-written CPU: {row['ratio_cpu']:.1f}x  (load {row['load']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
