"""``python -m model.check``: find what a proposal's prose hides.

Static checks of each scenario, then an exhaustive breadth-first exploration of every
reachable state (control state, variables and clock), reporting each finding with the
shortest sequence of events that leads to it.
"""

from __future__ import annotations

import argparse
import sys

from model.analysis.consistency import check
from model.analysis.explore import DEFAULT_MAX_STATES
from model.analysis.findings import SEVERITY
from model.base.limits import MAX_STATES
from model.base.paths import display_path
from model.base.textfmt import json_text
from model.cli import command as cli
from model.reports.check import check_record, format_check_text
from model.scenario.loader import load

EPILOG = f"""\
finding kinds (severity): {", ".join(f"{k} ({v})" for k, v in SEVERITY.items())}.
docs/checks.md explains each. A scenario may declare findings that are the point of the
model under `expected_findings`; they are shown as expected and do not fail the check, and
one that is declared but not found is itself a finding. The scenario's `properties` (always,
never, eventually, leads_to, until; in every run or some run; fair) are each proved or
refuted, a failure shown with its run (property_violated).

exit status: 0 every scenario is clean (or has only expected findings and notes); 1 some
scenario has findings (an expression that cannot be evaluated is an evaluation_error finding,
or, for a stage length, a file:line:col: field: message line), or a search stopped at
--max-states (a bounded search never reports a scenario clean); 2 invalid input; 130
interrupted (Ctrl-C).

examples:
  python -m model.check
  python -m model.check scenarios/cairo_three_stage_truce.yaml --set stage1_releases=0
  python -m model.check --json > findings.json
"""


def build_parser() -> argparse.ArgumentParser:
    parser = cli.ArgumentParser(
        prog="python -m model.check",
        description="Check scenarios for contradictions, dead ends and unreachable outcomes.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.add_scenario_argument(parser, many=True)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--max-states",
        type=cli.integer(1, MAX_STATES, limit="MAX_STATES"),
        default=DEFAULT_MAX_STATES,
        metavar="N",
        help=f"stop exploring after N states (default: {DEFAULT_MAX_STATES:,})",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        choices=sorted(SEVERITY),
        metavar="KIND",
        help="switch off one kind of finding (repeatable)",
    )
    cli.add_set_option(parser)
    return parser


@cli.guarded
def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    overrides = cli.parse_sets(args.set)
    scenarios = [load(p, display_path(p), args.root) for p in cli.scenario_files(args.scenarios)]
    records = []
    for scenario in scenarios:
        # Where the source's accounts conflict, every variant is checked.
        for variant in scenario.variant_choices(overrides):
            params = {**overrides, **variant}
            result = check(scenario, params, max_states=args.max_states, ignore=args.ignore)
            record = check_record(result)
            records.append(record)
            if not args.json:
                sys.stdout.write(format_check_text(record) + "\n")
    failed = [r for r in records if not r["clean"]]
    status = cli.EXIT_FINDINGS if failed else cli.EXIT_OK
    if args.json:
        out = {"scenarios": records, "clean": not failed, "exit_status": status}
        sys.stdout.write(json_text(out) + "\n")
    else:
        sys.stdout.write(
            f"{len(records) - len(failed)} of {len(records)} check(s) clean "
            f"({len(scenarios)} scenario file(s); each variant is checked on its own)\n"
        )
    return status


if __name__ == "__main__":
    sys.exit(main(None))
