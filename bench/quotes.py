"""Time of the quote check for misquotes: the closest-passage search, against every window.

    python bench/quotes.py            # quotes of 200 and 1,000 characters, and a 1 MB source
    python bench/quotes.py --quick    # 200 characters only

For each length, three misquotes (a passage of the seed with ``the`` misspelt) are loaded in a
scenario; the figures are the load time and, for comparison, the time of comparing one quote
with every window of the source (what the search did before it picked candidate windows).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.base.errors import ScenarioError  # noqa: E402
from model.scenario.loader import load  # noqa: E402
from model.scenario.provenance import SourceText, _similarity, normalise  # noqa: E402

SEED = ROOT / "seeds" / "000_fe535af938dae792.txt"


def scenario(folder: Path, source_text: str, quotes: list[str]) -> Path:
    """A scenario in ``folder`` citing ``source_text`` with ``quotes`` on its parties."""
    (folder / "seeds").mkdir(exist_ok=True)
    (folder / "seeds" / "s.txt").write_text(source_text, encoding="utf-8")
    parties = "".join(
        f"  - id: p{i}\n    name: P\n    role: party\n    quote:\n      text: {q!r}\n"
        for i, q in enumerate(quotes)
    )
    path = folder / "x.yaml"
    path.write_text(
        "id: t\ntitle: T\nsummary: S\nhorizon: 30\nsources:\n  - id: seed\n"
        f"    file: seeds/s.txt\nparties:\n{parties}stages:\n  - id: talks\n    name: T\n"
        "    assumption: t\nstates:\n  - id: a\n    stage: talks\n    assumption: t\n"
        "initial: a\n",
        encoding="utf-8",
    )
    return path


def misquotes(text: str, length: int, count: int, step: int) -> list[str]:
    words = normalise(text).split(" ")
    out = []
    for k in range(count):
        quote = " ".join((words * 2)[k * step : k * step + length])[:length]
        out.append(quote.replace(" the ", " teh ", 3))
    return out


def timed_load(path: Path) -> tuple[float, str]:
    start = time.perf_counter()
    try:
        load(path)
        message = "loaded"
    except ScenarioError as exc:
        message = exc.problems[0].message[:70]
    return time.perf_counter() - start, message


def every_window(source: SourceText, quote: str) -> float:
    """Seconds to compare ``quote`` with every window of the source (the former search)."""
    words = source.normalised.split(" ")
    n = len(normalise(quote).split(" "))
    start = time.perf_counter()
    max(
        (" ".join(words[i : i + n]) for i in range(len(words) - n + 1)),
        key=lambda w: _similarity(quote, w),
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200-character quotes only")
    args = parser.parse_args()
    seed = SEED.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for length in (200,) if args.quick else (200, 1000):
            quotes = misquotes(seed, length, 3, 150)
            seconds, message = timed_load(scenario(folder, seed, quotes))
            old = every_window(SourceText("s", SEED, seed), quotes[0])
            print(
                f"seed ({len(seed):,} bytes), 3 misquotes of {length:,} characters: load "
                f"{seconds:.2f} s; every window, one quote: {old:.2f} s  [{message}]"
            )
        if not args.quick:
            big = (seed + "\n\n") * (990_000 // (len(seed.encode()) + 2))
            quotes = misquotes(big, 1000, 300, 37)
            seconds, message = timed_load(scenario(folder, big, quotes))
            print(
                f"source of {len(big.encode()):,} bytes, 300 misquotes of 1,000 characters: "
                f"load {seconds:.2f} s  [{message}]"
            )
        shutil.rmtree(folder / "seeds")


if __name__ == "__main__":
    main()
