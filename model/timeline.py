"""``python -m model.timeline``: draw a simulated run over days (see `model.render.timeline`).

``python -m model.timeline SCENARIO --seed N -o run.png`` (also ``python -m model.diagram
SCENARIO --timeline --seed N``). Matplotlib is imported only when the picture is drawn.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.base.limits import DEFAULT_MAX_STEPS, MAX_STEPS
from model.base.paths import DEFAULT_SCENARIO, display_path
from model.cli import command as cli

FORMATS = ("png", "svg", "pdf")


def build_parser() -> argparse.ArgumentParser:
    parser = cli.ArgumentParser(
        prog="python -m model.timeline",
        description="Draw a simulated run over days: stages, events by actor, counts.",
    )
    cli.add_scenario_argument(parser)
    add_timeline_options(parser)
    parser.add_argument(
        "-o",
        "--output",
        type=cli.output_file,
        metavar="FILE",
        help="output file: FILE.png, .svg or .pdf writes that format only; FILE without one "
        "of these extensions writes FILE.png and FILE.svg (or each --format); "
        "default: <scenario id>-timeline",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        action="append",
        help="file format (repeatable; default: the extension of -o, else png and svg)",
    )
    cli.add_force_option(parser)
    return parser


def add_timeline_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed",
        type=cli.seed,
        default=cli.DEFAULT_SEED,
        help=f"random seed of the run (default {cli.DEFAULT_SEED}, as python -m model.simulate)",
    )
    parser.add_argument(
        "--max-steps",
        type=cli.integer(0, MAX_STEPS, limit="MAX_STEPS"),
        default=DEFAULT_MAX_STEPS,
        metavar="N",
        help=f"stop after N steps (default 500; at most {MAX_STEPS:,})",
    )
    parser.add_argument(
        "--bookkeeping",
        action="store_true",
        help="also draw the variables marked 'bookkeeping: true' (helpers of the model, left "
        "out by default)",
    )
    cli.add_set_option(parser)


@cli.guarded
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Imported after the arguments are read: --help and usage errors need no matplotlib.
    from model.base.output import check_targets, write_bytes
    from model.render.draw import figure_bytes
    from model.render.timeline import draw_timeline, play
    from model.scenario.loader import load

    path = cli.scenario_path(args.scenario, DEFAULT_SCENARIO)
    scenario = load(path, display_path(path), args.root)
    target = Path(args.output or f"{scenario.id}-timeline")
    outputs = cli.output_files(target, args.format, known=FORMATS, default=("png", "svg"))
    check_targets([out for _, out in outputs], force=args.force)  # before the run is drawn
    run = play(scenario, args.seed, args.max_steps, cli.parse_sets(args.set))
    fig = draw_timeline(run, bookkeeping=args.bookkeeping)
    for fmt, out in outputs:
        print(write_bytes(out, figure_bytes(fig, fmt), force=args.force))
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main(None))
