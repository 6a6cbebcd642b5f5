"""``python -m model.simulate``: run a scenario step by step and print the trace.

With no arguments it runs the shipped three-stage Cairo truce with seed 0. The same seed and
parameters always give the same output, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import cli
from .engine import Run
from .loader import load
from .paths import DEFAULT_SCENARIO, display_path
from .report import format_text, run_record

DEFAULT_SEED = 15
"""Chosen so that the default trace shows every stage of the default scenario; with the
default weights most runs end earlier (tests/test_simulate.py keeps this true)."""

EPILOG = """\
Each step shows the day, the stage, the acting party and the event, the variables it
changed, and the sentence of the source it models (or the modelling assumption behind it).
Where several events can happen, the simulation picks one at random in proportion to the
events' weights; --seed fixes those choices.

exit status: 0 the run finished (an outcome, the end of the modelled period, no possible
event, or --max-steps); 1 a step broke a bound or an invariant of the scenario; 2 invalid
input (the scenario file or a --set value), reported as file:line:col: field: message.

examples:
  python -m model.simulate
  python -m model.simulate --seed 7 --set batch_size=20
  python -m model.simulate scenarios/cairo_three_stage_truce.yaml --json > run.json
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m model.simulate",
        description="Simulate a ceasefire-proposal scenario; print a sourced, step-by-step trace.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "scenario",
        nargs="?",
        help=f"scenario file (default: {display_path(DEFAULT_SCENARIO)})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"random seed for the choices (default: {DEFAULT_SEED}, a run of the default scenario "
        "that passes through all three stages; other seeds end otherwise, e.g. --seed 0)",
    )
    parser.add_argument(
        "--max-steps", type=int, default=500, metavar="N", help="stop after N steps (default: 500)"
    )
    cli.add_set_option(parser)
    parser.add_argument("--json", action="store_true", help="print the run as JSON instead of text")
    parser.add_argument(
        "--list-parameters",
        action="store_true",
        help="list the scenario's parameters with defaults, bounds and sources, then exit",
    )
    return parser


def format_parameters(run: Run) -> str:
    lines = [f"parameters of {run.scenario.id} (override with --set NAME=VALUE):"]
    for p in run.scenario.spec.parameters:
        bounds = (
            ""
            if p.type == "bool"
            else f" [{p.min if p.min is not None else ''}..{p.max if p.max is not None else ''}]"
        )
        value = run.params[p.id]
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        lines.append(f"  {p.id} = {shown}{bounds}  {p.description or ''}".rstrip())
        if p.quote is not None:
            lines.append(f"      source: “{' '.join(p.quote.text.split())}”")
        if p.assumption is not None:
            lines.append(f"      assumption: {' '.join(p.assumption.split())}")
    return "\n".join(lines) + "\n"


@cli.guarded
def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.max_steps < 0:
        parser.error("--max-steps must be 0 or more")
    path = cli.scenario_path(args.scenario, DEFAULT_SCENARIO)
    scenario = load(path, display_path(path))
    run = Run(scenario, cli.parse_sets(args.set))
    if args.list_parameters:
        sys.stdout.write(format_parameters(run))
        return cli.EXIT_OK
    status = run.play(args.seed, args.max_steps)
    record = run_record(run, seed=args.seed, max_steps=args.max_steps, status=status)
    if args.json:
        sys.stdout.write(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(format_text(record))
    return cli.EXIT_FINDINGS if status == "error" else cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main(None))
