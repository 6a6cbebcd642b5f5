"""``python -m model.simulate``: run a scenario step by step and print the trace.

With no arguments it runs the shipped three-stage Cairo truce with seed 0. The same seed and
parameters always give the same output, byte for byte.

What-if analysis (docs/what-if.md): ``--runs N`` runs it N times and reports how the runs end
(`model.analysis.montecarlo`), ``--exact`` computes each ending's probability exactly
(`model.analysis.exact`), ``--sweep NAME=START:STOP:STEP`` repeats either across parameter values
(`model.analysis.sweep`). Those modules, and numpy/scipy/matplotlib, are imported only when used.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from model.base.errors import RunError
from model.base.limits import MAX_RUNS, MAX_STATES, MAX_STEPS
from model.base.paths import DEFAULT_SCENARIO, display_path
from model.base.textfmt import VisibleWriter, format_percent, json_text, visible
from model.cli import command as cli
from model.reports.run import format_text, run_record
from model.scenario.compiled import ParamValue, Scenario
from model.scenario.loader import load
from model.semantics.engine import Run
from model.semantics.records import fmt_value

if TYPE_CHECKING:
    from model.analysis.exact import ExactResult
    from model.analysis.montecarlo import MonteCarloResult

DEFAULT_SEED = 15
"""Chosen so that the default trace shows every stage of the default scenario; with the
default weights most runs end earlier (tests/test_simulate.py keeps this true)."""

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
  --exact      each ending's exact probability and expected days (absorbing Markov chain)
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
        default=DEFAULT_SEED,
        help=f"random seed for the choices (default: {DEFAULT_SEED}, a run of the default scenario "
        "that passes through all three stages; other seeds end otherwise, e.g. --seed 0)",
    )
    parser.add_argument(
        "--max-steps",
        type=cli.integer(0, MAX_STEPS, limit="MAX_STEPS"),
        default=500,
        metavar="N",
        help=f"stop after N steps (default: 500; at most {MAX_STEPS:,})",
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
    what_if.add_argument(
        "--jobs",
        type=cli.integer(0, 10_000, zero="one per CPU"),
        default=1,
        metavar="J",
        help="worker processes for --runs and --sweep (default 1; 0: one per CPU; never more "
        "than the CPUs this process may use: a larger J is lowered, with a note); "
        "the figures do not depend on it",
    )
    what_if.add_argument("--exact", action="store_true", help="exact probabilities of each ending")
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


def format_parameters(scenario: Scenario, params: dict[str, ParamValue]) -> str:
    """The scenario's parameters with their values (no run: a start that breaks a rule does
    not keep them from being listed)."""
    lines = [f"parameters of {scenario.id} (override with --set NAME=VALUE):"]
    for p in scenario.spec.parameters:
        bounds = (
            ""
            if p.type == "bool"
            else f" [{p.min if p.min is not None else ''}..{p.max if p.max is not None else ''}]"
        )
        value = params[p.id]
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        lines.append(f"  {p.id} = {shown}{bounds}  {p.description or ''}".rstrip())
        if p.quote is not None:
            lines.append(f"      source: “{' '.join(p.quote.text.split())}”")
        if p.assumption is not None:
            lines.append(f"      assumption: {' '.join(p.assumption.split())}")
    return "\n".join(lines) + "\n"


def _check_what_if(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    analysis = args.runs is not None or args.exact or bool(args.sweep)
    if len(args.sweep) > 2:
        parser.error("--sweep takes one or two parameters")
    if args.csv and args.json:
        parser.error("choose --json or --csv, not both")
    if args.csv and not analysis:
        parser.error("--csv needs --runs, --exact or --sweep")
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
    if args.sweep or args.runs is not None or args.exact:
        # No Run here: a start that breaks a rule is an ending the analysis reports.
        if args.sweep:
            return _sweep(args, scenario, path, sets)
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


def _jobs(args: argparse.Namespace) -> int:
    """Worker processes: --jobs, 0 meaning one per CPU, lowered (with a note) to the CPUs
    this process may use."""
    from model.analysis.parallel import default_jobs, max_jobs

    if args.jobs == 0:
        return default_jobs()
    limit = max_jobs()
    if args.jobs > limit:
        print(
            f"note: --jobs {args.jobs} is more than the {limit} CPU(s) this process may use; "
            f"using {limit}",
            file=sys.stderr,
        )
        return limit
    return int(args.jobs)


class ProgressBar:
    """A one-line progress bar on a terminal stream (nothing when it is not a terminal)."""

    def __init__(self, what: str, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.what = what
        self.active = self.stream.isatty()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.active or total <= 0:
            return
        width = 30
        filled = width * done // total
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\r{self.what} [{bar}] {done:,}/{total:,}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False


def _header(scenario: Scenario, params: dict[str, ParamValue]) -> dict[str, Any]:
    defaults = {p.id: p.default for p in scenario.spec.parameters}
    return {
        "scenario": {"id": scenario.id, "title": scenario.spec.title, "file": scenario.file},
        "parameters": dict(params),
        "changed_parameters": sorted(k for k, v in params.items() if defaults.get(k) != v),
        "variants": scenario.variant_labels(params),
        "other_variants": scenario.other_variants(params),
    }


def _header_lines(record: dict[str, Any], detail: str) -> list[str]:
    sc = record["scenario"]
    changed = record["changed_parameters"]
    shown = ", ".join(f"{k}={fmt_value(record['parameters'][k])}" for k in changed)
    return [
        sc["title"],
        f"scenario {sc['file']} · {detail}",
        f"parameters: {shown or 'defaults'} (--list-parameters shows all)",
        *(f"variant: {label}" for label in record["variants"]),
        *(f"other account: {label}" for label in record["other_variants"]),
        "",
    ]


def _exact_or_reason(
    scenario: Scenario, params: dict[str, ParamValue], max_states: int
) -> tuple[ExactResult | None, str | None]:
    if max_states <= 0:
        return None, "not computed (--max-states 0)"
    from model.analysis.exact import IncompleteGraph, analyse_scenario

    try:
        return analyse_scenario(scenario, params, max_states=max_states), None
    except IncompleteGraph:
        return None, f"not computed: more than {max_states:,} states (--max-states)"


def _num(x: object) -> float | None:
    return None if x is None else float(x)  # type: ignore[arg-type]


def _exact_endings(result: ExactResult) -> list[dict[str, Any]]:
    out = []
    for e in result.endings:
        item: dict[str, Any] = {
            "kind": e.kind,
            "name": e.name,
            "probability": float(e.probability),
        }
        if result.method == "fraction":
            item["fraction"] = str(e.probability)
        item["expected_days"] = _num(e.expected_days)
        item["days"] = {
            "q1": e.quantile(0.25),
            "median": e.quantile(0.5),
            "q3": e.quantile(0.75),
        }
        out.append(item)
    return out


def _exact_summary(result: ExactResult) -> dict[str, Any]:
    return {
        "states": result.states,
        "edges": result.edges,
        "method": result.method,
        "cyclic_components": result.cyclic_components,
    }


def exact_record(
    scenario: Scenario, params: dict[str, ParamValue], result: ExactResult
) -> dict[str, Any]:
    """The exact analysis as JSON-ready data."""
    return {
        **_header(scenario, params),
        "exact": _exact_summary(result),
        "endings": _exact_endings(result),
        "never_reaching_an_outcome": float(result.never_absorbed),
        "total": float(result.total),
    }


_METHODS = {"fraction": "rational arithmetic", "sparse": "sparse linear algebra"}


def _days(x: float | None) -> str:
    if x is None:
        return "—"
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"


def _label(item: dict[str, Any]) -> str:
    return item["name"] if item["kind"] == "outcome" else f"no outcome: {item['name']}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [
            c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))
        ]
        return "  ".join(cells).rstrip()

    return [line(header), *(line(r) for r in rows)]


def format_exact(record: dict[str, Any]) -> str:
    ex = record["exact"]
    out = _header_lines(
        record,
        f"exact analysis of {ex['states']:,} states and {ex['edges']:,} steps "
        f"({_METHODS[ex['method']]})",
    )
    rows = []
    for e in record["endings"]:
        d = e["days"]
        spread = "—" if d["median"] is None else f"{d['median']} [{d['q1']}–{d['q3']}]"
        rows.append(
            [_label(e), format_percent(e["probability"]), _days(e["expected_days"]), spread]
        )
    rows.append(["total", format_percent(record["total"]), "", ""])
    out += _table(["ending", "probability", "expected days", "days: median [q1–q3]"], rows)
    out.append("")
    out.append(
        f"never reaching an outcome: {format_percent(record['never_reaching_an_outcome'])} "
        "(dead ends, errors, and zero-duration cycles run for ever)"
    )
    if ex["cyclic_components"]:
        out.append(
            f"cycles of zero-duration steps: {ex['cyclic_components']:,} groups of states a run "
            "can go round on one day"
        )
    return "\n".join(out) + "\n"


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else repr(v) if isinstance(v, float) else v for v in row])
    return buffer.getvalue()


def exact_csv(record: dict[str, Any]) -> str:
    header = ["kind", "ending", "probability", "expected_days", "median_days", "q1_days"]
    header += ["q3_days", "fraction"]
    rows = [
        [
            e["kind"],
            e["name"],
            e["probability"],
            e["expected_days"],
            e["days"]["median"],
            e["days"]["q1"],
            e["days"]["q3"],
            e.get("fraction"),
        ]
        for e in record["endings"]
    ]
    return _csv(header, rows)


def _exact(args: argparse.Namespace, scenario: Scenario, params: dict[str, ParamValue]) -> int:
    from model.analysis.exact import DEFAULT_MAX_STATES

    limit = args.max_states if args.max_states is not None else DEFAULT_MAX_STATES
    result, reason = _exact_or_reason(scenario, params, limit)
    if result is None:
        message = f"error: exact analysis {reason}; use --runs N for Monte Carlo"
        print(visible(message, newlines=False), file=sys.stderr)
        return cli.EXIT_INVALID
    record = exact_record(scenario, params, result)
    _emit(args, record, format_exact, exact_csv)
    return cli.EXIT_OK


def _emit(args: argparse.Namespace, record: dict[str, Any], text: Any, table: Any) -> None:
    if args.json:
        sys.stdout.write(json_text(record) + "\n")
    elif args.csv:
        sys.stdout.write(visible(table(record)))
    else:
        sys.stdout.write(visible(text(record)))


def monte_carlo_record(
    scenario: Scenario,
    result: MonteCarloResult,
    exact: ExactResult | None = None,
    exact_note: str | None = None,
) -> dict[str, Any]:
    """A Monte Carlo summary as JSON-ready data, with exact values beside it when known.

    Runs stopped by ``max_steps`` are compared with the exact share of runs that cycle for
    ever (they are the same when runs are short enough to end within ``max_steps``).
    """
    exact_by: dict[tuple[str, str], dict[str, Any]] = {}
    if exact is not None:
        for known in _exact_endings(exact):
            name = "max_steps" if known["name"] == "cycling" else known["name"]
            exact_by[(known["kind"], name)] = known
    endings = []
    for e in result.endings:
        ex = exact_by.get((e.kind, e.name))
        item: dict[str, Any] = {
            "kind": e.kind,
            "name": e.name,
            "count": e.count,
            "share": e.share,
            "low": e.low,
            "high": e.high,
            "days": {
                "median": e.median_days,
                "q1": e.q1_days,
                "q3": e.q3_days,
                "mean": e.mean_days,
            },
            "mean_steps": e.mean_steps,
        }
        if exact is not None:
            p = ex["probability"] if ex else 0.0
            item["exact"] = {
                "probability": p,
                "expected_days": ex["expected_days"] if ex else None,
                "inside_interval": e.low <= p <= e.high,
            }
        endings.append(item)
    return {
        **_header(scenario, dict(result.params)),
        "runs": result.runs,
        "seed": result.seed,
        "max_steps": result.max_steps,
        "seeds": "run i uses model.analysis.montecarlo.run_seed(seed, i)",
        "endings": endings,
        "stages": [
            {
                "id": s.stage,
                "name": s.name,
                "count": s.count,
                "share": s.share,
                "low": s.low,
                "high": s.high,
            }
            for s in result.stages
        ],
        "errors": dict(result.errors),
        "exact": None if exact is None else _exact_summary(exact),
        "exact_note": exact_note,
    }


def format_monte_carlo(record: dict[str, Any]) -> str:
    out = _header_lines(
        record,
        f"{record['runs']:,} runs · seed {record['seed']} · up to {record['max_steps']} steps each",
    )
    has_exact = record["exact"] is not None
    header = ["ending", "runs", "share", "95% interval"]
    if has_exact:
        header += ["exact", ""]
    header += ["days: median [q1–q3]", "mean"]
    if has_exact:
        header.append("exact mean")
    rows = []
    for e in record["endings"]:
        d = e["days"]
        spread = "—" if d["median"] is None else f"{_days(d['median'])} "
        if d["median"] is not None:
            spread += f"[{_days(d['q1'])}–{_days(d['q3'])}]"
        row = [_label(e), f"{e['count']:,}", format_percent(e["share"])]
        row.append(f"{format_percent(e['low'])}–{format_percent(e['high'])}")
        if has_exact:
            ex = e["exact"]
            row += [format_percent(ex["probability"]), "✓" if ex["inside_interval"] else "✗"]
        row += [spread, _days(d["mean"])]
        if has_exact:
            row.append(_days(e["exact"]["expected_days"]))
        rows.append(row)
    out += _table(header, rows)
    out.append("")
    out.append("stages reached (share of runs, 95% interval)")
    stage_rows = [
        [
            f"  {s['name']}",
            f"{s['count']:,}",
            format_percent(s["share"]),
            f"{format_percent(s['low'])}–{format_percent(s['high'])}",
        ]
        for s in record["stages"]
    ]
    out += _table(["", "runs", "share", "95% interval"], stage_rows)[1:]
    if record["errors"]:
        out.append("")
        out.append(
            "runs that broke a rule: "
            + ", ".join(f"{k} {v:,}" for k, v in record["errors"].items())
        )
    out.append("")
    if has_exact:
        ex = record["exact"]
        inside = sum(1 for e in record["endings"] if e["exact"]["inside_interval"])
        out.append(
            f"exact: {ex['states']:,} states ({_METHODS[ex['method']]}); the exact value is "
            f"inside the 95% interval (✓) for {inside} of {len(record['endings'])} endings"
        )
        out.append("(max_steps is compared with the exact share of runs that cycle for ever)")
    else:
        out.append(f"exact: {record['exact_note']}")
    return "\n".join(out) + "\n"


def monte_carlo_csv(record: dict[str, Any]) -> str:
    header = ["section", "kind", "name", "count", "share", "low", "high", "median_days"]
    header += ["q1_days", "q3_days", "mean_days", "exact_probability", "exact_expected_days"]
    rows: list[list[object]] = []
    for e in record["endings"]:
        d, ex = e["days"], e.get("exact") or {}
        rows.append(
            [
                "ending",
                e["kind"],
                e["name"],
                e["count"],
                e["share"],
                e["low"],
                e["high"],
                d["median"],
                d["q1"],
                d["q3"],
                d["mean"],
                ex.get("probability"),
                ex.get("expected_days"),
            ]
        )
    for s in record["stages"]:
        rows.append(["stage", "", s["id"], s["count"], s["share"], s["low"], s["high"]])
        rows[-1] += [None] * (len(header) - len(rows[-1]))
    return _csv(header, rows)


def _monte_carlo(
    args: argparse.Namespace, scenario: Scenario, path: Path, params: dict[str, ParamValue]
) -> int:
    from model.analysis.exact import DEFAULT_MAX_STATES
    from model.analysis.montecarlo import monte_carlo
    from model.analysis.parallel import ScenarioSource

    bar = ProgressBar("runs")
    try:
        result = monte_carlo(
            scenario,
            params,
            runs=args.runs,
            seed=args.seed,
            max_steps=args.max_steps,
            jobs=_jobs(args),
            source=ScenarioSource.from_file(path, scenario.file, args.root),
            progress=bar,
        )
    finally:
        bar.close()
    default_limit = DEFAULT_MAX_STATES if args.exact else MC_EXACT_MAX_STATES
    limit = args.max_states if args.max_states is not None else default_limit
    exact, note = _exact_or_reason(scenario, params, limit)
    record = monte_carlo_record(scenario, result, exact, note)
    _emit(args, record, format_monte_carlo, monte_carlo_csv)
    return cli.EXIT_OK


def _sweep(args: argparse.Namespace, scenario: Scenario, path: Path, sets: dict[str, str]) -> int:
    from model.analysis.exact import DEFAULT_MAX_STATES, IncompleteGraph
    from model.analysis.parallel import ScenarioSource
    from model.analysis.sweep import Axis, format_table, grid, plot_sweep, sweep, to_csv

    axes = [Axis.parse(text) for text in args.sweep]
    points = grid(scenario, axes, sets)  # checks every value before any work
    method = "exact" if args.exact and args.runs is None else "auto"
    if args.runs is not None and not args.exact:
        method = "montecarlo"
    bar = ProgressBar("Monte Carlo points")
    try:
        records = sweep(
            scenario,
            axes,
            sets,
            method=method,  # type: ignore[arg-type]
            runs=args.runs or SWEEP_DEFAULT_RUNS,
            seed=args.seed,
            max_steps=args.max_steps,
            max_states=args.max_states if args.max_states is not None else DEFAULT_MAX_STATES,
            jobs=_jobs(args),
            source=ScenarioSource.from_file(path, scenario.file, args.root),
            progress=bar,
        )
    except IncompleteGraph as exc:
        print(visible(f"error: {exc}", newlines=False), file=sys.stderr)
        return cli.EXIT_INVALID
    finally:
        bar.close()
    base = points[0]
    names = [a.name for a in axes]
    header = _header(scenario, {k: v for k, v in base.items() if k not in names})
    if args.json:
        record = {**header, "sweep": names, "seed": args.seed, "records": records}
        sys.stdout.write(json_text(record) + "\n")
    elif args.csv:
        sys.stdout.write(visible(to_csv(records)))
    else:
        methods = {r["method"] for r in records}
        detail = "sweep of " + " × ".join(f"{a.name} ({len(a.values)} values)" for a in axes)
        detail += " · " + (
            "exact" if methods == {"exact"} else f"seed {args.seed}, up to {args.max_steps} steps"
        )
        lines = _header_lines(header, detail)
        sys.stdout.write(visible("\n".join(lines) + "\n" + format_table(records)))
        if methods != {"exact"}:
            sys.stdout.write("\nMonte Carlo cells: share [95% Wilson interval]\n")
    if args.output:
        title = f"{scenario.spec.title}"
        written = plot_sweep(records, args.output, title=title, force=args.force)
        print(f"chart written to {written}", file=sys.stderr)
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(main(None))
