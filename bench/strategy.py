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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="one repeat")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    rows = [measure(name, scenario, repeats) for name, scenario in cases()]
    if args.json:
        print(json.dumps(rows, indent=2))
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
