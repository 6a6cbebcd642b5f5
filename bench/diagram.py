"""Cost of drawing the state diagram of every shipped scenario, against a baseline revision.

    python bench/diagram.py                     # this tree against HEAD~ (9 repeats)
    python bench/diagram.py --baseline 16ce593 --repeats 5

Each repeat loads every shipped scenario afresh and draws its diagram (the exploration that
finds the steps no run takes, the layout, the figure) and writes it as PNG and SVG in memory;
the figure is the CPU time of a repeat in a child process (so that a busy machine shared with
others counts less), the median over repeats, for this tree and for the baseline (``git
archive`` of the revision into a temporary folder), alternating the two. The ratio is this
tree's median over the baseline's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
from pathlib import Path
from model.scenario.loader import load
from model.render import draw
paths = sorted(Path("scenarios").glob("*.yaml"))
out = {}
for path in paths:
    start = time.process_time()
    drawing = draw.draw_diagram(load(path))
    for fmt in ("png", "svg"):
        if hasattr(draw, "drawing_bytes"):
            draw.drawing_bytes(drawing, fmt)
        else:
            draw.figure_bytes(drawing.figure, fmt)
    out[path.stem] = time.process_time() - start
print(json.dumps(out))
"""


def child(tree: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    argv = [sys.executable, "-c", CHILD]
    done = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def export(revision: str, into: Path) -> Path:
    data = subprocess.run(
        ["git", "archive", "--format=tar", revision, "model", "scenarios", "seeds"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="HEAD~", help="git revision (default HEAD~)")
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = export(args.baseline, Path(tmp))
        runs: dict[str, list[dict[str, float]]] = {"this": [], "baseline": []}
        for _ in range(args.repeats):
            runs["this"].append(child(ROOT))
            runs["baseline"].append(child(base))
    names = sorted(runs["this"][0])
    rows = []
    for name in [*names, "total"]:
        med = {}
        for side, results in runs.items():
            values = [sum(r.values()) if name == "total" else r[name] for r in results]
            med[side] = statistics.median(values)
        rows.append((name, med["this"], med["baseline"], med["this"] / med["baseline"]))
    if args.json:
        print(json.dumps([dict(zip(("scenario", "this", "baseline", "ratio"), r)) for r in rows]))
        return
    print(f"load average {os.getloadavg()[0]:.2f}; CPU seconds, median of {args.repeats}")
    print(f"{'scenario':34} {'this':>8} {args.baseline:>10} {'ratio':>6}")
    for name, this, baseline, ratio in rows:
        print(f"{name:34} {this:8.3f} {baseline:10.3f} {ratio:6.2f}")


if __name__ == "__main__":
    main()
