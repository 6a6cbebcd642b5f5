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
The diagram: each stage is a lane (left to right in the scenario's order, wrapping into rows
when that shows the text larger) headed by its name and length, outcome states are in the
last lane, and every arrow carries one line per event (its label, and the timing of scheduled
events, deadlines and risks) after the acting party's marker (the legend names the parties);
a self-loop is a loop on the top of its state. Grey
dashed arrows are steps that no run takes (found by exploring every reachable state, as
python -m model.check does). Numbers are under the default parameters, or the --set ones:
stage lengths, timings, and below the legend the parameters that are terms of the proposal
(those read only by weights are simulation settings and left out). States, events, stages
and outcomes are shown by their labels; the SVG keeps its text as text (DejaVu Sans, which
ships with matplotlib, then sans-serif), so it can be selected and searched.

sizes (--size):
  slide  16:9, 13.33 x 7.5 in (the default): PNG 1920 x 1080 px at 144 dpi
  paper  portrait, 6.5 x 8.5 in (a paper's text width): PNG 1950 x 2550 px at 300 dpi
  The layout is scaled to the size; names and events are broken into lines at the width
  that shows the text largest.

examples:
  python -m model.diagram scenarios/cairo_three_stage_truce.yaml -o truce
      writes truce.png and truce.svg (no extension: PNG and SVG)
  python -m model.diagram scenarios/november_truce.yaml -o nov.pdf
      writes nov.pdf only (an extension .png, .svg, .pdf or .mmd names the one format)
  python -m model.diagram scenarios/november_truce.yaml -o nov --format svg --format mermaid
  python -m model.diagram scenarios/november_truce.yaml --format mermaid > nov.mmd
  python -m model.diagram minsk_ii --size paper -o minsk.pdf
  python -m model.diagram cairo_three_stage_truce --set stage1_days=60 -o truce60.png
  python -m model.diagram scenarios/cairo_three_stage_truce.yaml --timeline --seed 15 -o run

exit status: 0 written; 1 the --timeline run cannot start or an expression cannot be
evaluated (file:line:col: field: message); 2 invalid input.
"""

FORMATS = ("png", "svg", "pdf", "mermaid")
DEFAULT_FORMATS = ("png", "svg")  # what -o FILE without an extension writes
SIZE_NAMES = ("slide", "paper")  # model.render.draw.SIZES (not imported: it needs matplotlib)


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
    parser.add_argument(
        "--size",
        choices=SIZE_NAMES,
        default="slide",
        help="slide (16:9, PNG 1920 x 1080 px at 144 dpi; the default) or paper (portrait "
        "6.5 x 8.5 in, PNG at 300 dpi); see below",
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
    # Without -o, Mermaid text goes to standard output, not to a file.
    files = [(f, out) for f, out in outputs if f != "mermaid" or args.output]
    # Checked before any drawing; each file is then written atomically, never over an
    # existing one without --force (model/base/output.py).
    check_targets([out for _, out in files], force=args.force)

    params = cli.parse_sets(args.set)
    if "mermaid" in formats:
        from model.render.diagram_model import diagram_of
        from model.render.mermaid import to_mermaid

        text = to_mermaid(diagram_of(scenario, params=params))
        if args.output:
            print(write_text(dict(files)["mermaid"], text, force=args.force))
        else:
            sys.stdout.write(text)
    pictures = [(f, out) for f, out in files if f != "mermaid"]
    if pictures:
        from model.render.draw import PNG_DPI, draw_diagram, figure_bytes

        if args.timeline:
            from model.render.timeline import draw_timeline, play

            run = play(scenario, args.seed, args.max_steps, params)
            figure, dpi = draw_timeline(run, bookkeeping=args.bookkeeping), PNG_DPI
        else:
            drawing = draw_diagram(scenario, args.size, params)
            figure, dpi = drawing.figure, drawing.png_dpi
        for fmt, out in pictures:
            print(write_bytes(out, figure_bytes(figure, fmt, dpi), force=args.force))
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main(None))
