"""What a party can force: the bounds timed against the exact analysis of the same graph.

    python bench/strategy.py          # shipped scenarios and the 1e5-state model, median of 3
    python bench/strategy.py --quick  # one repeat
    python bench/strategy.py --json

For each shipped scenario (default parameters) and for bench/explore.py's scaled
long_exchange model (about 100,000 snapshots, many zero-day cycles: pauses and resumptions on
one day, so the policy iteration in cyclic components is exercised), the graph is explored
once, then timed in turn within each repeat (CPU time, `time.process_time`):

- baseline: the ordinary exact analysis of the same graph, ``analyse(graph, "sparse")``
  (floating point), or ``"fraction"`` where the bounds are rational too;
- table: `guarantee_table` of every party alone (``method="auto"``: rationals on small
  graphs, floating point above), every outcome's least and greatest probability;
- one party: `guarantees` of the first party alone.

Ratios are against the baseline measured in the same repeat. Figures are medians.

Then the table with ``jobs=2`` (a local pool of two workers, each sent its rows' decision
processes) against ``jobs=1`` (in this process), on the largest shipped scenario
(israel_position, 3 parties), the one whose table takes longest
(positions_and_three_stage_truce, 4 parties) and the 1e5-state model (2 parties): wall time
(what the split is for), and CPU time of this process plus its workers (the cost of the
split: pool start-up, sending, collecting). Its speed-up needs two idle cores: quote the load.

    python bench/strategy.py --jobs-only   # only this part
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/explore.py, run as a script

from explore import ROOT, SIZES, load_average, load_scaled

sys.path.insert(0, str(ROOT))


def cases() -> list[tuple[str, Any]]:
    from model.scenario.loader import load

    out = [(p.stem, load(p)) for p in sorted((ROOT / "scenarios").glob("*.yaml"))]
    out.append(("long_exchange 1e5", load_scaled(*SIZES["1e5"])))
    return out


def cpu(f: Any) -> tuple[float, Any]:
    t = time.process_time()
    result = f()
    return time.process_time() - t, result


def measure(name: str, scenario: Any, repeats: int) -> dict[str, Any]:
    from model.analysis.exact import analyse
    from model.analysis.explore import explore
    from model.analysis.game import parties
    from model.analysis.strategy import guarantee_table, guarantees

    explore_s, graph = cpu(lambda: explore(scenario, max_states=None))
    names = parties(scenario)
    samples: list[dict[str, float]] = []
    method = "?"
    for _ in range(repeats):
        one_s, g = cpu(lambda: guarantees(graph, names[:1], method="auto"))
        method = g.method
        base = "fraction" if method == "fraction" else "sparse"
        base_s, _ = cpu(lambda: analyse(graph, base))  # noqa: B023 - called at once
        table_s, _ = cpu(lambda: guarantee_table(graph, [[p] for p in names], method="auto"))
        samples.append({"baseline_s": base_s, "table_s": table_s, "one_s": one_s})
    med = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
    return {
        "scenario": name,
        "states": graph.node_count,
        "parties": len(names),
        "method": method,
        "explore_s": explore_s,
        **med,
        "table_ratio": med["table_s"] / med["baseline_s"],
        "one_ratio": med["one_s"] / med["baseline_s"],
        "load": load_average(),
        "samples": samples,
    }


JOBS_CASES = ("israel_position", "positions_and_three_stage_truce", "long_exchange 1e5")


def measure_jobs(name: str, scenario: Any, repeats: int) -> dict[str, Any]:
    import resource

    from model.analysis.explore import explore
    from model.analysis.game import parties
    from model.analysis.strategy import guarantee_table

    def workers_cpu() -> float:  # the pool's workers, once ended (`own_pool` joins them)
        r = resource.getrusage(resource.RUSAGE_CHILDREN)
        return r.ru_utime + r.ru_stime

    graph = explore(scenario, max_states=None)
    rows = [[p] for p in parties(scenario)]
    samples: list[dict[str, float]] = []
    for _ in range(repeats):
        sample = {}
        for jobs in (1, 2):
            wall, cpu0, kids = time.perf_counter(), time.process_time(), workers_cpu()
            guarantee_table(graph, rows, jobs=jobs)
            sample[f"wall{jobs}_s"] = time.perf_counter() - wall
            sample[f"cpu{jobs}_s"] = time.process_time() - cpu0 + workers_cpu() - kids
        samples.append(sample)
    med = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
    return {
        "scenario": name,
        "states": graph.node_count,
        "rows": len(rows),
        **med,
        "speedup": med["wall1_s"] / med["wall2_s"],
        "cpu_ratio": med["cpu2_s"] / med["cpu1_s"],
        "load": load_average(),
        "samples": samples,
    }


def print_jobs(rows: list[dict[str, Any]], repeats: int) -> None:
    print(
        f"\nguarantee_table jobs=2 vs jobs=1, median of {repeats}: wall seconds, and CPU seconds "
        "of this process and its workers"
    )
    print(
        f"{'scenario':<34}{'states':>9}{'rows':>5}{'wall 1':>8}{'wall 2':>8}{'speed-up':>9}"
        f"{'cpu 1':>8}{'cpu 2':>8}{'ratio':>7}"
    )
    for r in rows:
        print(
            f"{r['scenario']:<34}{r['states']:>9,}{r['rows']:>5}{r['wall1_s']:>8.2f}"
            f"{r['wall2_s']:>8.2f}{r['speedup']:>8.2f}x{r['cpu1_s']:>8.2f}{r['cpu2_s']:>8.2f}"
            f"{r['cpu_ratio']:>6.2f}x"
        )
    print(f"load average: {load_average()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="one repeat")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--jobs-only", action="store_true", help="only jobs=2 against jobs=1")
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    every = cases()
    rows = [] if args.jobs_only else [measure(name, scenario, repeats) for name, scenario in every]
    split = [measure_jobs(name, s, repeats) for name, s in every if name in JOBS_CASES]
    if args.json:
        print(json.dumps({"bounds": rows, "jobs": split}, indent=2))
        return 0
    if args.jobs_only:
        print_jobs(split, repeats)
        return 0
    print(f"CPU seconds, median of {repeats}; ratio = time / the exact analysis of the same graph")
    print(
        f"{'scenario':<34}{'states':>9}{'parties':>8}  {'method':<10}{'exact':>8}"
        f"{'one party':>10}{'ratio':>7}{'table':>8}{'ratio':>7}"
    )
    for r in rows:
        print(
            f"{r['scenario']:<34}{r['states']:>9,}{r['parties']:>8}  {r['method']:<10}"
            f"{r['baseline_s']:>8.2f}{r['one_s']:>10.2f}{r['one_ratio']:>6.1f}x"
            f"{r['table_s']:>8.2f}{r['table_ratio']:>6.1f}x"
        )
    print(f"load average: {load_average()}")
    print_jobs(split, repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
