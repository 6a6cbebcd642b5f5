"""Exact analysis speed and memory: exploration and analysis of the scaled long_exchange model.

    python bench/exact.py                          # 1e5 and 1e6 states, every method, median of 3
    python bench/exact.py --quick                  # 1e5 states, one repeat
    python bench/exact.py --sizes 1e6 --methods sparse --repeats 5 --json

The model is bench/explore.py's: `tests/fixtures/large/long_exchange.yaml` scaled by the
people held at the start and the horizon (`SIZES` there), about 100,000 and 1,000,000
reachable snapshots with many zero-duration cycles (pauses and resumptions on one day).
Each measurement runs in a fresh process: `explore()` of the whole graph, then
`analyse(graph, method)` for one method:

- ``sparse``: one sparse LU solve in floating point (what ``--exact`` picks above the
  rational solver's memory budget);
- ``fraction``: exact rationals;
- ``interval``: interval iteration to a certified bound (tolerance 1e-9), where the library
  has it (`model.analysis.exact.METHODS`).

Exploration and analysis are timed separately (CPU: `time.process_time`; wall:
`time.perf_counter`), so a faster explorer and a faster analysis show apart. Memory is the
growth of the process's peak resident size (``ru_maxrss``) over the size after loading the
scenario: once after exploring, once after the analysis (the figure to hold against
issue 12's 1.5 GiB), and the process's whole peak. Figures are medians.
Issue 12's goals for ``--exact``: 1,000,000 states within 20 s and 1.5 GiB (sparse), 100,000
states within 3 s, exploration included.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/explore.py, run as a script

from explore import ROOT, SIZES, load_average, load_scaled

sys.path.insert(0, str(ROOT))

BENCH_SIZES = ("1e5", "1e6")
METHODS = ("sparse", "fraction", "interval")
TOLERANCE = 1e-9


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def worker(method: str, held: int, horizon: int) -> dict[str, Any]:
    import model.analysis.exact as exact
    from model.analysis.explore import explore

    scenario = load_scaled(held, horizon)
    import numpy  # noqa: F401  # loaded before the baseline: a library, not the analysis
    import scipy.sparse.linalg  # noqa: F401

    before = peak_rss()
    t0, w0 = time.process_time(), time.perf_counter()
    graph = explore(scenario, max_states=None)
    t1, w1 = time.process_time(), time.perf_counter()
    explored = peak_rss()
    options: dict[str, Any] = {"tolerance": TOLERANCE} if method == "interval" else {}
    result = exact.analyse(graph, method, **options)
    t2, w2 = time.process_time(), time.perf_counter()
    after = peak_rss()
    completed = result.outcomes.get("exchange_completed")
    return {
        "explore_cpu_s": t1 - t0,
        "explore_wall_s": w1 - w0,
        "analyse_cpu_s": t2 - t1,
        "analyse_wall_s": w2 - w1,
        "explore_rss_growth_bytes": max(0, explored - before),
        "rss_growth_bytes": max(0, after - before),
        "peak_rss_bytes": after,
        "states": result.states,
        "edges": result.edges,
        "method": result.method,
        "completed": None if completed is None else float(completed),
    }


def measure(method: str, held: int, horizon: int) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--worker", method, str(held), str(horizon)]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def available(methods: list[str]) -> list[str]:
    """The methods the library has (``interval`` came with issue 12)."""
    import model.analysis.exact as exact

    known = getattr(exact, "METHODS", ("auto", "fraction", "sparse"))
    return [m for m in methods if m in known]


KEYS = (
    "explore_cpu_s",
    "explore_wall_s",
    "analyse_cpu_s",
    "analyse_wall_s",
    "explore_rss_growth_bytes",
    "rss_growth_bytes",
    "peak_rss_bytes",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", choices=BENCH_SIZES, default=None)
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--repeats", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="1e5 states, one repeat")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        method, held, horizon = args.worker
        print(json.dumps(worker(method, int(held), int(horizon))))
        return 0
    sizes = args.sizes or (["1e5"] if args.quick else list(BENCH_SIZES))
    repeats = args.repeats or (1 if args.quick else 3)
    methods = available(args.methods)
    rows = []
    for size in sizes:
        samples: dict[str, list[dict[str, Any]]] = {m: [] for m in methods}
        for _ in range(repeats):
            for method in methods:
                samples[method].append(measure(method, *SIZES[size]))
        for method in methods:
            s = samples[method]
            row: dict[str, Any] = {"size": size, "method": method, "load": load_average()}
            row.update({k: s[0][k] for k in ("states", "edges", "method", "completed")})
            row.update({k: statistics.median(x[k] for x in s) for k in KEYS})
            row["samples"] = s
            rows.append(row)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"median of {repeats}; memory = growth of peak RSS after loading; MiB")
    print(
        f"{'states':>10} {'edges':>10}  {'method':<9}{'explore CPU':>12}{'wall':>7}"
        f"{'analyse CPU':>12}{'wall':>7}{'total wall':>11}{'MiB expl':>9}{'MiB all':>8}"
        f"{'peak':>6}  P(completed)"
    )
    for r in rows:
        total = r["explore_wall_s"] + r["analyse_wall_s"]
        print(
            f"{r['states']:>10,} {r['edges']:>10,}  {r['method']:<9}{r['explore_cpu_s']:>12.2f}"
            f"{r['explore_wall_s']:>7.2f}{r['analyse_cpu_s']:>12.2f}{r['analyse_wall_s']:>7.2f}"
            f"{total:>11.2f}{r['explore_rss_growth_bytes'] / 2**20:>9.0f}"
            f"{r['rss_growth_bytes'] / 2**20:>8.0f}{r['peak_rss_bytes'] / 2**20:>6.0f}"
            f"  {r['completed']!r}  (load {r['load']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
