"""``python -m model.simulate``: run a scenario step by step and print the trace.

With no arguments it runs the shipped three-stage Cairo truce with seed
`model.cli.command.DEFAULT_SEED`. The same seed and parameters always give the same output,
byte for byte.

What-if analysis (docs/what-if.md): ``--runs N`` runs it N times and reports how the runs end
(`model.analysis.montecarlo`), ``--exact`` computes each ending's probability exactly
(`model.analysis.exact`), ``--sweep NAME=START:STOP:STEP`` repeats either across parameter values
(`model.analysis.sweep`). Those modules (but for the names of `model.analysis.exact`'s
methods), and numpy/scipy/matplotlib/tqdm, are imported only when used. This module parses
the arguments, chooses what to run and prints: the records, their text and CSV are made in
`model.reports`, the sweep chart in `model.render.sweep_chart`, and the progress bar in
`model.cli.progress`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, cast

from model.analysis.solvers import DEFAULT_TOLERANCE, Method
from model.analysis.solvers import METHODS as EXACT_METHODS
from model.base.errors import RunError
from model.base.limits import DEFAULT_MAX_STEPS, MAX_RUNS, MAX_STATES, MAX_STEPS
from model.base.paths import DEFAULT_SCENARIO, display_path
from model.base.textfmt import VisibleWriter, json_text, visible
from model.cli import command as cli
from model.cli.progress import TerminalProgress
from model.reports.exact import exact_csv, exact_record, format_exact
from model.reports.header import format_parameters
from model.reports.montecarlo import format_monte_carlo, monte_carlo_csv, monte_carlo_record
from model.reports.run import format_text, run_record
from model.reports.sweep import format_sweep, sweep_record, to_csv
from model.scenario.compiled import ParamValue, Scenario
from model.scenario.loader import load
from model.semantics.engine import Run

if TYPE_CHECKING:
    from model.analysis.exact import ExactResult

EPILOG = """\
Each step shows the day, the stage, the acting party and the event, the variables it
changed, and the sentence of the source it models (or the modelling assumption behind it).
Where several events can happen, the simulation picks one at random in proportion to the
events' weights; --seed fixes those choices.

What-if analysis (docs/what-if.md):
  --runs N     run the scenario N times (run i uses a seed derived from --seed and i, so the
               report is the same whatever --jobs is); report each ending's share with its
               95% Wilson interval, days to it (median, quartiles, mean), how often each
               stage was reached, and the exact values beside them when the scenario has at
               most 50,000 states (--max-states)
  --exact      each ending's exact probability and expected days (absorbing Markov chain);
               --method interval --tolerance EPS: bounds certified to EPS, for graphs too
               large to solve exactly
  --query TEXT (repeatable), --queries (the scenario file's questions)
               probabilistic questions, answered exactly (rational arithmetic, within
               --max-states) beside a Monte Carlo estimate with its 95% interval
               (--runs, default 2,000): "chance of X [given Y] [by day N | before day N]",
               "chance of X within N days of Y", "days to X [given Y]", "likeliest run to O"
               (X, Y: conditions; a state, stage or outcome name is true while there;
               docs/what-if.md, "Questions")
  --sweep NAME=START:STOP:STEP  (STOP included; or NAME=V1,V2,...; once or twice)
               a table of ending probabilities at each value: exact where the scenario has
               at most --max-states states, else Monte Carlo (2,000 runs, or --runs);
               --exact or --runs force one method; -o chart.png draws them

exit status: 0 the run finished (an outcome, the end of the modelled period, no possible
event, or --max-steps), or the analysis was made (runs that broke a rule are counted in it);
1 a single run broke a bound or an invariant of the scenario, or met an expression that
cannot be evaluated (a division by zero, a negative weight): the scenario loads but fails
when run, as `python -m model.check` reports it (exit 1), and the place in the file is
printed as file:line:col: field: message; 2 invalid input (the scenario file, a --set or
--sweep value, an option out of range), reported as file:line:col: field: message, or
--exact on a scenario larger than --max-states; 130 interrupted (Ctrl-C), 143 terminated.

examples:
  python -m model.simulate
  python -m model.simulate --seed 7 --set batch_size=20
  python -m model.simulate scenarios/cairo_three_stage_truce.yaml --json > run.json
  python -m model.simulate --interactive
  python -m model.simulate --runs 10000 --jobs 2
  python -m model.simulate --exact --set batch_size=20
  python -m model.simulate --exact --method interval --tolerance 1e-9
  python -m model.simulate --query "chance of three_stages_completed given stage_2"
  python -m model.simulate --query "chance of truce_collapsed before day 42" --runs 10000
  python -m model.simulate --queries
  python -m model.simulate --sweep batch_size=5:30:5 -o batch_size.png
  python -m model.simulate --sweep batch_size=5:30:5 --sweep progress_weight=1:9:4 --csv
"""

MC_EXACT_MAX_STATES = 50_000
"""Largest scenario whose exact values the --runs report shows by default."""
SWEEP_DEFAULT_RUNS = 2000


def build_parser() -> argparse.ArgumentParser:
    parser = cli.ArgumentParser(
        prog="python -m model.simulate",
        description="Simulate a ceasefire-proposal scenario; print a sourced, step-by-step trace.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cli.add_scenario_argument(parser)
    parser.add_argument(
        "--seed",
        type=cli.seed,
        default=cli.DEFAULT_SEED,
        help=f"random seed for the choices (default: {cli.DEFAULT_SEED}, a run of the default "
        "scenario that passes through all three stages; other seeds may end otherwise, e.g. "
        f"--seed {cli.OTHER_SEED})",
    )
    parser.add_argument(
        "--max-steps",
        type=cli.integer(0, MAX_STEPS, limit="MAX_STEPS"),
        default=DEFAULT_MAX_STEPS,
        metavar="N",
        help=f"stop after N steps (default: {DEFAULT_MAX_STEPS:,}; at most {MAX_STEPS:,})",
    )
    cli.add_set_option(parser)
    parser.add_argument("--json", action="store_true", help="print the run as JSON instead of text")
    parser.add_argument(
        "--interactive",
        action="store_true",
        help="step through the scenario by hand: pick events by number, undo, or let it continue "
        "(--seed drives the random steps)",
    )
    what_if = parser.add_argument_group("what-if analysis (see below)")
    what_if.add_argument(
        "--runs",
        type=cli.integer(1, MAX_RUNS, limit="MAX_RUNS"),
        metavar="N",
        help=f"Monte Carlo: run the scenario N times (at most {MAX_RUNS:,})",
    )
    cli.add_jobs_option(what_if, "--runs and --sweep")
    what_if.add_argument("--exact", action="store_true", help="exact probabilities of each ending")
    what_if.add_argument(
        "--method",
        choices=EXACT_METHODS,
        default="auto",
        help="with --exact: how to solve (default auto: rational arithmetic within a memory "
        "budget, sparse floating point above it; interval: bounds certified to --tolerance, "
        "for graphs too large to solve)",
    )
    what_if.add_argument(
        "--tolerance",
        type=cli.tolerance,
        metavar="EPS",
        help=f"with --method interval: iterate until the bounds are within EPS "
        f"(default {DEFAULT_TOLERANCE:g})",
    )
    what_if.add_argument(
        "--query",
        action="append",
        default=[],
        metavar="TEXT",
        help="a probabilistic question (repeatable), e.g. 'chance of X given Y' (see below)",
    )
    what_if.add_argument(
        "--queries", action="store_true", help="answer the questions in the scenario's queries:"
    )
    what_if.add_argument(
        "--sweep",
        action="append",
        default=[],
        metavar="NAME=START:STOP:STEP",
        help="vary a parameter (once or twice); STOP is included",
    )
    what_if.add_argument(
        "--max-states",
        type=cli.integer(0, MAX_STATES, zero="no exact values beside --runs", limit="MAX_STATES"),
        metavar="N",
        help="explore at most N states for exact values (default: 200,000 for --exact and "
        f"--sweep, {MC_EXACT_MAX_STATES:,} beside --runs; 0: no exact values beside --runs)",
    )
    what_if.add_argument(
        "--csv", action="store_true", help="print the --runs/--exact/--sweep figures as CSV"
    )
    what_if.add_argument(
        "-o",
        "--output",
        type=cli.output_file,
        metavar="PNG",
        help="with --sweep: draw the chart to this PNG file (never overwritten without --force)",
    )
    cli.add_force_option(what_if)
    parser.add_argument(
        "--list-parameters",
        action="store_true",
        help="list the scenario's parameters with defaults, bounds and sources, then exit",
    )
    return parser


def _check_what_if(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    asking = bool(args.query) or args.queries
    analysis = args.runs is not None or args.exact or bool(args.sweep) or asking
    if asking and (args.exact or args.sweep or args.csv):
        parser.error(
            "--query/--queries answer exactly and by Monte Carlo already; "
            "they take no --exact, --sweep or --csv"
        )
    if len(args.sweep) > 2:
        parser.error("--sweep takes one or two parameters")
    if args.csv and args.json:
        parser.error("choose --json or --csv, not both")
    if args.csv and not analysis:
        parser.error("--csv needs --runs, --exact or --sweep")
    if args.method != "auto" and not (args.exact and args.runs is None and not args.sweep):
        parser.error("--method chooses the solver of --exact (without --runs or --sweep)")
    if args.tolerance is not None and args.method != "interval":
        parser.error("--tolerance bounds the error of --method interval; add it")
    if args.output and not args.sweep:
        parser.error("-o/--output draws a --sweep chart; add --sweep")
    if args.interactive and (analysis or args.json or args.csv):
        parser.error(
            "--interactive steps through one run; it takes no --runs/--exact/--sweep/--json/--csv"
        )
    if args.output:
        from model.base.output import OutputError, check_target

        try:  # before the sweep runs, not after (model/base/output.py)
            check_target(Path(args.output), force=args.force)
        except OutputError as exc:
            parser.error(str(exc))


@cli.guarded
def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _check_what_if(parser, args)
    path = cli.scenario_path(args.scenario, DEFAULT_SCENARIO)
    scenario = load(path, display_path(path), args.root)
    sets = cli.parse_sets(args.set)
    if args.list_parameters:
        sys.stdout.write(visible(format_parameters(scenario, scenario.parameters(sets))))
        return cli.EXIT_OK
    if args.sweep or args.runs is not None or args.exact or args.query or args.queries:
        # No Run here: a start that breaks a rule is an ending the analysis reports.
        if args.sweep:
            return _sweep(args, scenario, path, sets)
        if args.query or args.queries:
            return _queries(args, scenario, scenario.parameters(sets))
        params = scenario.parameters(sets)
        if args.runs is not None:
            return _monte_carlo(args, scenario, path, params)
        return _exact(args, scenario, params)
    if args.interactive:
        from model.cli.interactive import Session, interact, terminal_input

        out = cast(TextIO, VisibleWriter(sys.stdout))  # user text, escaped
        session = Session(scenario, sets, args.seed, out, args.max_steps)
        return interact(session, terminal_input())
    run = Run(scenario, sets)  # a start that breaks a rule: `cli.guarded` reports it, status 1
    try:
        status = run.play(args.seed, args.max_steps)
    except RunError:  # an expression cannot be evaluated: the run ends there, as with a bound
        status = "error"
    record = run_record(run, seed=args.seed, max_steps=args.max_steps, status=status)
    if args.json:
        sys.stdout.write(json_text(record) + "\n")
    else:
        sys.stdout.write(format_text(record))
    if run.error is not None and run.error.problem is not None:
        print(run.error.problem, file=sys.stderr)  # where to look in the scenario file
    return cli.EXIT_FINDINGS if status == "error" else cli.EXIT_OK


# -- what-if analysis ---------------------------------------------------------------------


def _exact_or_reason(
    scenario: Scenario,
    params: dict[str, ParamValue],
    max_states: int,
    method: Method = "auto",
    tolerance: float = DEFAULT_TOLERANCE,
) -> tuple[ExactResult | None, str | None]:
    from model.analysis.whatif import exact_or_none

    result = exact_or_none(scenario, params, max_states, method=method, tolerance=tolerance)
    return result, None if result is not None else _not_computed(max_states)


def _not_computed(max_states: int) -> str:
    """Why there are no exact values (`model.analysis.whatif.exact_or_none` gave None)."""
    if max_states <= 0:
        return "not computed (--max-states 0)"
    return f"not computed: more than {max_states:,} states (--max-states)"


def _exact(args: argparse.Namespace, scenario: Scenario, params: dict[str, ParamValue]) -> int:
    from model.analysis.exact import DEFAULT_MAX_STATES

    limit = args.max_states if args.max_states is not None else DEFAULT_MAX_STATES
    tolerance = DEFAULT_TOLERANCE if args.tolerance is None else args.tolerance
    result, reason = _exact_or_reason(scenario, params, limit, args.method, tolerance)
    if result is None:
        message = f"error: exact analysis {reason}; use --runs N for Monte Carlo"
        print(visible(message, newlines=False), file=sys.stderr)
        return cli.EXIT_INVALID
    record = exact_record(scenario, params, result)
    cli.emit(args, record, format_exact, exact_csv)
    return cli.EXIT_OK


def _monte_carlo(
    args: argparse.Namespace, scenario: Scenario, path: Path, params: dict[str, ParamValue]
) -> int:
    from model.analysis.exact import DEFAULT_MAX_STATES
    from model.analysis.parallel import ScenarioSource
    from model.analysis.whatif import monte_carlo_with_exact

    default_limit = DEFAULT_MAX_STATES if args.exact else MC_EXACT_MAX_STATES
    limit = args.max_states if args.max_states is not None else default_limit
    with TerminalProgress("Monte Carlo", unit="run") as bar:
        result, exact = monte_carlo_with_exact(
            scenario,
            params,
            runs=args.runs,
            seed=args.seed,
            max_steps=args.max_steps,
            max_states=limit,
            jobs=cli.jobs(args.jobs),
            source=ScenarioSource.from_file(path, scenario.file, args.root),
            progress=bar,
        )
    note = None if exact is not None else _not_computed(limit)
    record = monte_carlo_record(scenario, result, exact, note)
    cli.emit(args, record, format_monte_carlo, monte_carlo_csv)
    return cli.EXIT_OK


QUERY_DEFAULT_RUNS = 2000


def _queries(args: argparse.Namespace, scenario: Scenario, params: dict[str, ParamValue]) -> int:
    from model.analysis.exact import DEFAULT_MAX_STATES
    from model.analysis.queries import answer_queries
    from model.base.errors import Problem, ScenarioError
    from model.reports.queries import format_queries, query_record
    from model.scenario.queries import Query, QueryError, parse_query, scenario_names

    names = scenario_names(scenario)
    asked: list[Query] = []
    specs = []
    if args.queries:
        if not scenario.spec.queries:
            print("note: the scenario declares no queries", file=sys.stderr)
        for q in scenario.spec.queries:  # checked when the scenario loaded
            asked.append(parse_query(q.ask, names))
            specs.append(q)
    problems = []
    for k, text in enumerate(args.query, start=1):
        try:
            asked.append(parse_query(text, names))
        except QueryError as exc:  # line: which --query, column: where in it
            problems.append(Problem("--query", k, exc.column, "", str(exc)))
    if problems:
        raise ScenarioError(problems)
    runs = QUERY_DEFAULT_RUNS if args.runs is None else args.runs
    if args.jobs != 1:
        print("note: questions are answered in this process; --jobs is not used", file=sys.stderr)
    with TerminalProgress("Monte Carlo", unit="run") as bar:
        result = answer_queries(
            scenario,
            params,
            asked,
            runs=runs,
            seed=args.seed,
            max_steps=args.max_steps,
            max_states=args.max_states if args.max_states is not None else DEFAULT_MAX_STATES,
            progress=bar,
        )
    record = query_record(scenario, params, result, [*specs, *([None] * len(args.query))])
    if args.json:
        sys.stdout.write(json_text(record) + "\n")
    else:
        sys.stdout.write(format_queries(record))
    return cli.EXIT_OK


def _sweep(args: argparse.Namespace, scenario: Scenario, path: Path, sets: dict[str, str]) -> int:
    from model.analysis.exact import DEFAULT_MAX_STATES, IncompleteGraph
    from model.analysis.parallel import ScenarioSource
    from model.analysis.sweep import Axis, grid, sweep

    axes = [Axis.parse(text) for text in args.sweep]
    points = grid(scenario, axes, sets)  # checks every value before any work
    method = "exact" if args.exact and args.runs is None else "auto"
    if args.runs is not None and not args.exact:
        method = "montecarlo"
    try:
        with TerminalProgress("Monte Carlo points", unit="point") as bar:
            records = sweep(
                scenario,
                axes,
                sets,
                method=method,  # type: ignore[arg-type]
                runs=args.runs or SWEEP_DEFAULT_RUNS,
                seed=args.seed,
                max_steps=args.max_steps,
                max_states=args.max_states if args.max_states is not None else DEFAULT_MAX_STATES,
                jobs=cli.jobs(args.jobs),
                source=ScenarioSource.from_file(path, scenario.file, args.root),
                progress=bar,
            )
    except IncompleteGraph as exc:
        print(visible(f"error: {exc}", newlines=False), file=sys.stderr)
        return cli.EXIT_INVALID
    record = sweep_record(scenario, axes, points[0], args.seed, records)
    cli.emit(
        args,
        record,
        lambda r: format_sweep(r, axes, args.max_steps),
        lambda r: to_csv(r["records"]),
    )
    if args.output:
        from model.render.sweep_chart import plot_sweep

        written = plot_sweep(
            records,
            args.output,
            title=scenario.spec.title,
            labels=scenario.labels,
            force=args.force,
        )
        print(f"chart written to {written}", file=sys.stderr)
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main(None))
