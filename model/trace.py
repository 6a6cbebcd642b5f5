"""``python -m model.trace``: which sentence of the source each scenario element rests on.

The tracing is `model.analysis.trace`, its JSON record and text `model.reports.trace`; this
module reads the command line.
"""

from __future__ import annotations

import argparse
import sys

from model.analysis.trace import COVERAGE_FILE, load_coverage, trace
from model.base.paths import display_path
from model.base.textfmt import json_text, visible
from model.cli import command as cli
from model.reports.trace import format_trace_text, trace_record
from model.scenario.loader import load

EPILOG = f"""\
A quote cites a sentence when its words (whitespace aside) occur in it; a quote that runs
across two sentences cites both. Citable sentences are all sentences except those listed,
with a reason, in {display_path(COVERAGE_FILE)} (each by an excerpt found in exactly one
sentence). A published document that is not stored is cited by section: the report lists
the elements citing each section and the listed sections no element cites, as information
only (the words of a citation cannot be verified, and they never change the exit status).

exit status: 0 every citable sentence is cited by some element; 1 some citable sentence is
not cited, or an entry of the coverage file matches no sentence (stale), several, or one
already listed; 2 invalid input (a bad scenario or coverage file).

examples:
  python -m model.trace
  python -m model.trace scenarios/cairo_three_stage_truce.yaml
  python -m model.trace --json > trace.json
"""


def build_parser() -> argparse.ArgumentParser:
    parser = cli.ArgumentParser(
        prog="python -m model.trace",
        description=(
            "Trace each sentence of the stored sources to the scenario elements that quote it; "
            "list the citations of published documents that are not stored (not verified) by "
            "section; list every assumption; report which citable sentences no element cites."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.add_scenario_argument(parser, many=True)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--coverage",
        metavar="FILE",
        default=str(COVERAGE_FILE),
        help=f"sentences left out on purpose (default: {display_path(COVERAGE_FILE)})",
    )
    return parser


@cli.guarded
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    scenarios = [load(p, display_path(p), args.root) for p in cli.scenario_files(args.scenarios)]
    coverage = load_coverage(args.coverage)
    result = trace(scenarios, coverage)
    status = cli.EXIT_OK if result.ok else cli.EXIT_FINDINGS
    record = {**trace_record(result), "exit_status": status}
    if args.json:
        sys.stdout.write(json_text(record) + "\n")
    else:
        sys.stdout.write(visible(format_trace_text(record)) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main(None))
