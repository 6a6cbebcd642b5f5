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
        help="output file (default: <scenario id>-timeline)",
    )
    parser.add_argument(
        "--format",
        choices=("png", "svg", "pdf"),
        action="append",
        help="file format (repeatable; default: png and svg)",
    )
    cli.add_force_option(parser)
    return parser


def add_timeline_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seed", type=cli.seed, default=0, help="random seed of the run (default 0)"
    )
    parser.add_argument(
        "--max-steps",
        type=cli.integer(0, MAX_STEPS, limit="MAX_STEPS"),
        default=DEFAULT_MAX_STEPS,
        metavar="N",
        help=f"stop after N steps (default 500; at most {MAX_STEPS:,})",
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
    stem = Path(args.output) if args.output else Path(f"{scenario.id}-timeline")
    outputs = list(dict.fromkeys(output_files(stem, args.format)))
    check_targets(outputs, force=args.force)  # before the run is played and drawn
    run = play(scenario, args.seed, args.max_steps, cli.parse_sets(args.set))
    fig = draw_timeline(run)
    for out in outputs:
        print(write_bytes(out, figure_bytes(fig, out.suffix[1:]), force=args.force))
    return cli.EXIT_OK


def output_files(target: Path, formats: list[str] | None) -> list[Path]:
    """Files for ``-o target``: its stem with each format (default: PNG and SVG)."""
    base = target.with_suffix("") if target.suffix[1:] in ("png", "svg", "pdf") else target
    return [base.with_name(f"{base.name}.{f}") for f in (formats or ["png", "svg"])]


if __name__ == "__main__":
    sys.exit(main(None))
