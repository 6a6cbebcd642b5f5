"""Time of proving a scenario's properties, beside the exploration of its graph.

    python bench/properties.py                      # the three-stage truce, median of 5
    python bench/properties.py --quick              # one repeat
    python bench/properties.py scenarios/examples/talks_continue.yaml --repeats 3

For each repeat: `explore()` of the whole graph (the baseline, the work `model.check` does
anyway), then `PropertyChecks(scenario, graph).results()` (every property of the scenario,
monitors, shortest runs and lassos, records of the runs shown), and each property on its own.
CPU time (`time.process_time`); the ratio is properties / exploration, measured in the same
run. The load average is printed beside the figures (the machine may be shared).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/explore.py, run as a script

from explore import ROOT, load_average

sys.path.insert(0, str(ROOT))

from model.analysis.explore import explore
from model.analysis.properties import PropertyChecks
from model.scenario.loader import load


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", default="scenarios/cairo_three_stage_truce.yaml")
    parser.add_argument("--repeats", type=int, default=None, help="default 5 (1 with --quick)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 5)
    scenario = load(ROOT / args.scenario)
    explored: list[float] = []
    proved: list[float] = []
    each: dict[str, list[float]] = {p.id: [] for p in scenario.spec.properties}
    for _ in range(repeats):
        t0 = time.process_time()
        graph = explore(scenario)
        t1 = time.process_time()
        checks = PropertyChecks(scenario, graph)
        results = checks.results()
        t2 = time.process_time()
        explored.append(t1 - t0)
        proved.append(t2 - t1)
        for i, p in enumerate(scenario.spec.properties):
            t = time.process_time()
            checks.check(i, p)
            each[p.id].append(time.process_time() - t)
    print(f"{args.scenario}: {graph.node_count:,} snapshots, {graph.edge_count:,} steps")
    print(f"load average {load_average()}; CPU seconds, median of {repeats}")
    e, p = statistics.median(explored), statistics.median(proved)
    print(f"  explore (baseline)             {e:8.3f} s")
    print(f"  {len(results)} properties                   {p:8.3f} s   {p / e:5.2f}x explore")
    for r in results:
        t = statistics.median(each[r.id])
        print(f"    {r.id:<40} {t:8.3f} s   {r.status}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
