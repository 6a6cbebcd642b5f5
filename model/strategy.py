"""``python -m model.strategy``: what a party (or coalition) can force.

The bounds are `model.analysis.strategy`, the strategies in words
`model.analysis.strategy_rules`, the records and text `model.reports.strategy`; this module
reads the command line.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from model.base.limits import MAX_STATES
from model.base.paths import DEFAULT_SCENARIO, display_path
from model.cli import command as cli
from model.scenario.compiled import ParameterError, ParamValue, Scenario
from model.scenario.loader import load

EPILOG = """\
A party's decisions become its choices: wherever it has an enabled decision it may take any
one of them, or leave the step to the other enabled decisions; everything else (scheduled
events, deadlines, daily risks, and the other parties' decisions) happens by its weights and
chances, as in --exact of model.simulate, or, with --adversarial, the other parties choose
against it (the party still chooses first). A party can never make days pass where the
rules take a decision at once. The weights are one of the strategies allowed, so each
party's bounds contain the probability of --exact.

Without --for: the guarantee table, each party alone (and each --coalition). With --for:
that party's (coalition's) bounds, the expected day of each outcome under the strategy that
achieves each bound, the strategies as rules (in which state, with which values, which event
to take, with its source), the first move, and a sample run under one strategy (--outcome,
--least); --json adds the full strategies.

method: exact rational arithmetic on graphs of at most 20,000 states where runs go on (no
cyclic component above 200 states), floating point above (within rounding); --method
chooses. Without a horizon the clock is abstracted as in --exact, and expected days come
from the steps' durations.

--jobs J computes the table's rows in J worker processes (each is sent its row's decision
process); the figures are the same whatever J.

exit status: 0 the bounds were computed; 1 the start of the scenario breaks one of its rules
(the place in the file is printed); 2 invalid input (the scenario file, a --set value, an
unknown party or outcome, an option out of range), or a scenario larger than --max-states;
130 interrupted (Ctrl-C), 143 terminated.

examples:
  python -m model.strategy
  python -m model.strategy --for israel
  python -m model.strategy --for mediators,hamas --outcome three_stages_completed --least
  python -m model.strategy --coalition israel,hamas --csv
  python -m model.strategy scenarios/positions_and_three_stage_truce.yaml --jobs 2
  python -m model.strategy --for hamas --adversarial --json > hamas.json
"""


def build_parser() -> argparse.ArgumentParser:
    parser = cli.ArgumentParser(
        prog="python -m model.strategy",
        description=(
            "The least and greatest probability of each outcome that a party or coalition can "
            "ensure by its own decisions, with the strategies that achieve them."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.add_scenario_argument(parser)
    cli.add_set_option(parser)
    parser.add_argument(
        "--for",
        dest="party",
        metavar="PARTIES",
        help="a party, or a coalition as PARTY,PARTY: its bounds and strategies",
    )
    parser.add_argument(
        "--coalition",
        metavar="PARTIES",
        action="append",
        default=[],
        help="a coalition (PARTY,PARTY) to add as a row of the table (repeatable)",
    )
    parser.add_argument(
        "--adversarial",
        action="store_true",
        help="the other parties choose against the party instead of by their weights",
    )
    parser.add_argument(
        "--method",
        choices=("auto", "fraction", "float"),
        default="auto",
        help="exact rational arithmetic, floating point, or auto (by the graph's size)",
    )
    parser.add_argument("--outcome", help="the outcome whose strategy the sample run follows")
    parser.add_argument(
        "--least",
        action="store_true",
        help="the sample run follows the strategy for the least probability (default: greatest)",
    )
    parser.add_argument("--seed", type=cli.seed, default=1, help="seed of the sample run")
    cli.add_jobs_option(parser, "the table (one coalition a row)")
    parser.add_argument(
        "--max-states",
        type=cli.integer(1, MAX_STATES, limit="MAX_STATES"),
        metavar="N",
        default=None,
        help="explore at most N states (default 200,000)",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the results as JSON")
    output.add_argument("--csv", action="store_true", help="print the bounds as CSV")
    return parser


def _coalition(scenario: Scenario, text: str) -> frozenset[str]:
    from model.analysis.game import coalition_of

    return coalition_of(scenario, text.split(","))


@cli.guarded
def main(argv: list[str] | None = None) -> int:
    from model.analysis.exact import DEFAULT_MAX_STATES, IncompleteGraph, analyse
    from model.analysis.explore import explore

    args = build_parser().parse_args(argv)
    path = cli.scenario_path(args.scenario, DEFAULT_SCENARIO)
    scenario = load(path, display_path(path), args.root)
    params = scenario.parameters(cli.parse_sets(args.set))
    party = _coalition(scenario, args.party) if args.party else None
    extra = [_coalition(scenario, c) for c in args.coalition]
    limit = args.max_states if args.max_states is not None else DEFAULT_MAX_STATES
    graph = explore(scenario, params, max_states=limit)
    if graph.initial_error is not None:
        raise graph.initial_error
    try:
        weights = analyse(graph, "fraction" if args.method == "fraction" else "sparse")
    except IncompleteGraph:
        print(
            f"error: {scenario.id} has more than {limit:,} states (--max-states)", file=sys.stderr
        )
        return cli.EXIT_INVALID
    if party is None:
        record, text, table = _table(scenario, graph, extra, weights, args)
    else:
        if args.jobs != 1:
            print(
                "note: one coalition is computed in this process; --jobs is not used",
                file=sys.stderr,
            )
        record, text, table = _one(scenario, graph, party, weights, args, params)
    cli.emit(args, record, text, table)
    return cli.EXIT_OK


def _table(
    scenario: Scenario, graph: Any, extra: list[frozenset[str]], weights: Any, args: Any
) -> Any:
    from model.analysis.game import parties
    from model.analysis.strategy import guarantee_table
    from model.reports.strategy import format_table, table_csv, table_record

    rows = [frozenset([p]) for p in parties(scenario)] + extra
    found = guarantee_table(
        graph, rows, adversarial=args.adversarial, method=args.method, jobs=cli.jobs(args.jobs)
    )
    return table_record(scenario, found, weights), format_table, table_csv


def _one(
    scenario: Scenario,
    graph: Any,
    party: frozenset[str],
    weights: Any,
    args: Any,
    params: dict[str, ParamValue],
) -> Any:
    from model.analysis.strategy import guarantees, under_strategy
    from model.reports.strategy import (
        format_strategy,
        sample_run_record,
        strategy_csv,
        strategy_record,
    )

    g = guarantees(graph, party, adversarial=args.adversarial, method=args.method)
    names = [o.outcome for o in g.outcomes]
    if args.outcome is not None and args.outcome not in names:
        raise ParameterError(
            f"unknown outcome {args.outcome}: the outcomes of {scenario.id} are {', '.join(names)}"
        )
    results = {
        (o.outcome, b.sense): under_strategy(g, b.policy)
        for o in g.outcomes
        for b in (o.least, o.greatest)
    }
    sample = None
    if names:
        chosen = args.outcome or max(names, key=lambda n: weights.ending(n).probability)
        o = g.outcome(chosen)
        b = o.least if args.least else o.greatest
        sample = sample_run_record(g, b, args.seed, 5_000)
    record = strategy_record(scenario, g, weights, results, sample, full_policy=args.json)
    return record, format_strategy, strategy_csv


if __name__ == "__main__":
    sys.exit(main(None))
