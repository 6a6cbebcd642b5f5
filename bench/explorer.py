"""Benchmark: load time of the browser explorer's pages in headless Chromium, and their size.

    python bench/explorer.py              # 7 loads of each page, medians
    python bench/explorer.py --repeats 3

Pages: the three-stage truce (`scenarios/cairo_three_stage_truce.yaml`, about 35,000 reachable
snapshots, the exact odds from each embedded) against a baseline measured in the same run, the
page of the November truce (23 snapshots), which has the same script and style sheet. Both are
generated afresh into a temporary folder (the generation time is printed too). A load is the
time from ``page.goto`` of the file:// URL to the script marking the page ready (the document
parsed, the embedded JSON parsed, the first snapshot drawn), each in a fresh browser context
(no cache); the browser's own ``performance.now()`` at that moment is printed beside it.

Targets (issue 18): under 2 s for a scenario of at least 20,000 snapshots on this machine; its
embedded data within `model.reports.explorer.BUDGET_BYTES`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # tests/chromium.py: how Chromium is started

from chromium import CHROMIUM, FLAGS  # noqa: E402

from model.render.explorer import explorer_page, shared_files  # noqa: E402
from model.reports.explorer import BUDGET_BYTES, explorer_data  # noqa: E402
from model.scenario.loader import load  # noqa: E402

TARGET_SECONDS = 2.0


def build(name: str, folder: Path) -> tuple[Path, int, int, float]:
    """The page of scenario ``name``: path, snapshots, embedded JSON bytes, seconds to build."""
    started = time.perf_counter()
    scenario = load(ROOT / "scenarios" / f"{name}.yaml", f"scenarios/{name}.yaml")
    data = explorer_data(scenario, f"scenarios/{name}.yaml")
    page = explorer_page(scenario, data)
    seconds = time.perf_counter() - started
    path = folder / f"{name}-explorer.html"
    path.write_text(page, encoding="utf-8")
    size = len(data.model_dump_json().encode())
    return path, data.snapshots.count if data.snapshots else 0, size, seconds


def load_times(browser: object, path: Path, repeats: int) -> tuple[list[float], list[float]]:
    walls, inside = [], []
    for _ in range(repeats):
        context = browser.new_context()  # type: ignore[attr-defined]
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e, found=errors: found.append(str(e)))
        started = time.perf_counter()
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready=true]")
        walls.append(time.perf_counter() - started)
        inside.append(page.evaluate("performance.now()") / 1000)
        context.close()
        if errors:
            raise SystemExit(f"errors on {path.name}: {errors}")
    return walls, inside


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, data in shared_files().items():
            (folder / name).write_bytes(data)
        pages = {
            "baseline: november_truce": build("november_truce", folder),
            "cairo_three_stage_truce": build("cairo_three_stage_truce", folder),
        }
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            results = {k: load_times(browser, v[0], args.repeats) for k, v in pages.items()}
            browser.close()
    base = statistics.median(results["baseline: november_truce"][0])
    print(
        f"{'page':28} {'snapshots':>9} {'JSON bytes':>11} {'build s':>8} {'load s':>7} "
        f"{'in page s':>9} {'ratio':>6}"
    )
    for key, (_, count, size, seconds) in pages.items():
        walls, inside = results[key]
        wall = statistics.median(walls)
        print(
            f"{key:28} {count:>9,} {size:>11,} {seconds:>8.2f} {wall:>7.3f} "
            f"{statistics.median(inside):>9.3f} {wall / base:>6.1f}"
        )
    truce = pages["cairo_three_stage_truce"]
    wall = statistics.median(results["cairo_three_stage_truce"][0])
    print(
        f"target: load under {TARGET_SECONDS} s: {'met' if wall < TARGET_SECONDS else 'MISSED'}"
        f"; data within the budget of {BUDGET_BYTES:,} bytes: "
        f"{'met' if truce[2] <= BUDGET_BYTES else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
