"""``python -m model.compare``: what differs between two scenarios, and what that changes.

The comparison is `model.analysis.compare`, its JSON record and text `model.reports.compare`;
this module reads the command line.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Iterable, Mapping

from model.analysis.compare import compare
from model.analysis.explore import DEFAULT_MAX_STATES
from model.base.limits import MAX_STATES
from model.base.paths import display_path
from model.base.textfmt import json_text, visible
from model.cli import command as cli
from model.reports.compare import comparison_record, format_comparison_text
from model.scenario.compiled import ParameterError
from model.scenario.loader import load

EPILOG = """\
Structure: settings (horizon, initial state), parties, stages, parameters, variables, states,
transitions (identified by trigger, sources and destination) and invariants, each reported as
"only in A", "only in B" or "in both, different". Behaviour: both scenarios are explored
completely; for each outcome, whether it is reachable in A, B or both, and for outcomes in
both the shortest path (fewest steps), the day it arrives, the earliest day any run arrives,
and its events; and the number of reachable states of each.

--why: each requirement (a conjunct of a guard or of a party's position) is "never true",
"true in some run", "not reached" (its transition's states are never reached) or "absent" on
each side; those that differ are listed with the parameters they read, and for each outcome
reachable on one side only, the chains that block it on the other (as model.check shows them).

--set applies to each scenario that has the parameter (a name neither has is an error);
--set-a and --set-b apply to one scenario and win over --set.

exit status: 0 the scenarios were compared (differences are the result, not an error);
1 a scenario's start or stage length cannot be evaluated (file:line:col: field: message);
2 invalid input (a scenario file, a parameter name or value); 130 interrupted (Ctrl-C).

examples:
  python -m model.compare scenarios/a.yaml scenarios/b.yaml
  python -m model.compare scenarios/x.yaml scenarios/x.yaml --set-b batch_size=133
  python -m model.compare a.yaml b.yaml --json > comparison.json
  python -m model.compare scenarios/positions_and_three_stage_truce.yaml \
      scenarios/positions_and_three_stage_truce.yaml --set-b israel_rules_out_ending_war=false --why
"""


def build_parser() -> argparse.ArgumentParser:
    parser = cli.ArgumentParser(
        prog="python -m model.compare",
        description="Compare two ceasefire-proposal scenarios: what differs in their "
        "definitions, and what that changes in the outcomes they can reach.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("a", metavar="A", type=cli.non_empty_path, help="the first scenario file")
    parser.add_argument("b", metavar="B", type=cli.non_empty_path, help="the second scenario file")
    cli.add_root_option(parser)
    parser.add_argument("--json", action="store_true", help="print the comparison as JSON")
    parser.add_argument(
        "--why",
        action="store_true",
        help="also say which requirements (parties' positions, guards) and outcomes change, "
        "and why an outcome reachable on one side is blocked on the other",
    )
    parser.add_argument(
        "--max-states",
        type=cli.integer(1, MAX_STATES, limit="MAX_STATES"),
        default=DEFAULT_MAX_STATES,
        metavar="N",
        help=f"stop exploring each scenario after N states (default: {DEFAULT_MAX_STATES:,})",
    )
    parser.add_argument(
        "--set",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="override a parameter in each scenario that has it (repeatable)",
    )
    for side in ("a", "b"):
        parser.add_argument(
            f"--set-{side}",
            metavar="NAME=VALUE",
            action="append",
            default=[],
            help=f"override a parameter of {side.upper()} only (repeatable)",
        )
    return parser


def split_sets(
    both: Mapping[str, str], names_a: Iterable[str], names_b: Iterable[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Give each scenario the ``--set`` values of the parameters it has."""
    in_a, in_b = set(names_a), set(names_b)
    for name in both:
        if name not in in_a and name not in in_b:
            close = difflib.get_close_matches(name, sorted(in_a | in_b), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ParameterError(f"--set: unknown parameter {name!r} in both A and B{hint}")
    return (
        {k: v for k, v in both.items() if k in in_a},
        {k: v for k, v in both.items() if k in in_b},
    )


@cli.guarded
def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    both = cli.parse_sets(args.set)
    only_a, only_b = cli.parse_sets(args.set_a), cli.parse_sets(args.set_b)
    path_a, path_b = cli.checked_file(args.a), cli.checked_file(args.b)
    sa = load(path_a, display_path(path_a), args.root)
    sb = load(path_b, display_path(path_b), args.root)
    set_a, set_b = split_sets(
        both, (p.id for p in sa.spec.parameters), (p.id for p in sb.spec.parameters)
    )
    params_a, params_b = {**set_a, **only_a}, {**set_b, **only_b}
    for scenario, params, label in ((sa, params_a, "A"), (sb, params_b, "B")):
        try:
            scenario.parameters(params)
        except ParameterError as exc:
            raise ParameterError(f"{label} ({scenario.file}): {exc}") from None
    result = compare(sa, sb, params_a, params_b, max_states=args.max_states, why=args.why)
    record = comparison_record(result)
    if args.json:
        sys.stdout.write(json_text(record) + "\n")
    else:
        sys.stdout.write(visible(format_comparison_text(record)))
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main(None))
