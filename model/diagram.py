"""``python -m model.diagram``: draw a scenario's state diagram (or a run's timeline).

Writes the format that ``-o``'s extension names, else PNG and SVG (or the ``--format``s)
next to the ``-o`` stem, or prints Mermaid
``stateDiagram-v2`` text with ``--format mermaid``. Matplotlib is imported only when a
picture is drawn.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.base.output import check_targets, write_bytes, write_text
from model.base.paths import DEFAULT_SCENARIO, display_path
from model.cli import command as cli

EPILOG = """\
The diagram: each stage is a lane (left to right in the scenario's order), outcome states are
in the last lane, and every arrow carries one line per event, "actor: event", with the acting
party's marker (the legend names the parties). A black dot points at the initial state.

examples:
  python -m model.diagram scenarios/cairo_three_stage_truce.yaml -o truce
      writes truce.png and truce.svg (no extension: PNG and SVG)
  python -m model.diagram scenarios/november_truce.yaml -o nov.pdf
      writes nov.pdf only (an extension .png, .svg, .pdf or .mmd names the one format)
  python -m model.diagram scenarios/november_truce.yaml -o nov --format svg --format mermaid
  python -m model.diagram scenarios/november_truce.yaml --format mermaid > nov.mmd
  python -m model.diagram scenarios/cairo_three_stage_truce.yaml --timeline --seed 15 -o run

exit status: 0 written; 1 the --timeline run cannot start or an expression cannot be
evaluated (file:line:col: field: message); 2 invalid input.
"""

FORMATS = ("png", "svg", "pdf", "mermaid")
DEFAULT_FORMATS = ("png", "svg")  # what -o FILE without an extension writes


def build_parser() -> argparse.ArgumentParser:
    from model.timeline import add_timeline_options

    parser = cli.ArgumentParser(
        prog="python -m model.diagram",
        description="Draw a scenario's state diagram (PNG, SVG, PDF or Mermaid text).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.add_scenario_argument(parser)
    parser.add_argument(
        "-o",
        "--output",
        type=cli.output_file,
        metavar="FILE",
        help="where to write: FILE.png, .svg, .pdf or .mmd writes that format only; FILE "
        "without one of these extensions writes FILE.png and FILE.svg (or each --format); "
        "default: the scenario id",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        action="append",
        help="png, svg, pdf or mermaid (repeatable; default: the extension of -o, else png "
        "and svg). mermaid prints to standard output unless -o is given",
    )
    cli.add_force_option(parser)
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="draw a simulated run over days instead of the state diagram",
    )
    add_timeline_options(parser)
    return parser


@cli.guarded
def main(argv: list[str] | None = None) -> int:
    from model.scenario.loader import load

    parser = build_parser()
    args = parser.parse_args(argv)
    path = cli.scenario_path(args.scenario, DEFAULT_SCENARIO)
    scenario = load(path, display_path(path), args.root)
    default = f"{scenario.id}-timeline" if args.timeline else scenario.id
    outputs = cli.output_files(
        Path(args.output or default),
        args.format,
        known=FORMATS,
        default=DEFAULT_FORMATS,
        extensions={"mermaid": "mmd"},
    )
    formats = [f for f, _ in outputs]
    if args.timeline and "mermaid" in formats:
        parser.error("--timeline draws a picture; --format mermaid is for the state diagram")
    if args.set and not args.timeline:
        # Parameters change a run, not the state diagram: an ignored --set would mislead.
        parser.error(
            "--set changes a simulated run; add --timeline (the state diagram is the "
            "same for every parameter value)"
        )
    # Without -o, Mermaid text goes to standard output, not to a file.
    files = [(f, out) for f, out in outputs if f != "mermaid" or args.output]
    # Checked before any drawing; each file is then written atomically, never over an
    # existing one without --force (model/base/output.py).
    check_targets([out for _, out in files], force=args.force)

    if "mermaid" in formats:
        from model.render.mermaid import to_mermaid

        text = to_mermaid(scenario)
        if args.output:
            print(write_text(dict(files)["mermaid"], text, force=args.force))
        else:
            sys.stdout.write(text)
    pictures = [(f, out) for f, out in files if f != "mermaid"]
    if pictures:
        from model.render.draw import draw_diagram, figure_bytes

        if args.timeline:
            from model.render.timeline import draw_timeline, play

            run = play(scenario, args.seed, args.max_steps, cli.parse_sets(args.set))
            figure = draw_timeline(run, bookkeeping=args.bookkeeping)
        else:
            figure = draw_diagram(scenario).figure
        for fmt, out in pictures:
            print(write_bytes(out, figure_bytes(figure, fmt), force=args.force))
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main(None))
