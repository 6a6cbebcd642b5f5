"""Start-up cost of the commands: ``python -m model.<command> --help`` against bare Python.

    python bench/startup.py            # 9 repeats of each command's --help
    python bench/startup.py --repeats 21 --json

For each command the figure is the median wall time of ``--help`` minus the median of
``python -c pass`` measured in the same run, alternating the two so that a busy machine slows
both alike; the ratio is the one to bare Python. The goal (issue 11): an overhead under 0.3 s,
and none of the heavy libraries (matplotlib, numpy, scipy, tqdm, rich) imported; the modules
imported are read from ``python -X importtime`` (`tests/test_startup.py` checks the second).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ("simulate", "check", "trace", "compare", "diagram", "timeline", "docs")
HEAVY = ("matplotlib", "numpy", "scipy", "tqdm", "rich", "PIL")


def wall(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def imported(command: str) -> list[str]:
    """Top-level packages that ``--help`` imports (from ``-X importtime``)."""
    argv = [sys.executable, "-X", "importtime", "-m", f"model.{command}", "--help"]
    err = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=True).stderr
    names = {line.split("|")[-1].strip().split(".")[0] for line in err.splitlines() if "|" in line}
    return sorted(names)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=9, help="runs of each (default 9)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    bare = [sys.executable, "-c", "pass"]
    rows = []
    for command in COMMANDS:
        help_ = [sys.executable, "-m", f"model.{command}", "--help"]
        base, times = [], []
        for _ in range(args.repeats):
            base.append(wall(bare))
            times.append(wall(help_))
        b, t = statistics.median(base), statistics.median(times)
        heavy = [m for m in imported(command) if m in HEAVY]
        rows.append(
            {
                "command": command,
                "bare_s": b,
                "help_s": t,
                "overhead_s": t - b,
                "ratio": t / b,
                "heavy_imports": heavy,
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"median of {args.repeats}; overhead = --help minus `python -c pass` in the same run")
    print(f"{'command':<10} {'bare':>7} {'--help':>7} {'overhead':>9} {'ratio':>6}  heavy imports")
    for r in rows:
        print(
            f"{r['command']:<10} {r['bare_s']:>6.3f}s {r['help_s']:>6.3f}s "
            f"{r['overhead_s']:>8.3f}s {r['ratio']:>5.1f}x  {', '.join(r['heavy_imports']) or '-'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
