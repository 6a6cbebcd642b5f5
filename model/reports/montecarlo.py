"""A Monte Carlo summary (`model.analysis.montecarlo`) as a JSON-ready record, as text and as
CSV, with the exact values beside it when they are known.

The text and the CSV are rendered from the record, so all three hold the same figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from model.base.textfmt import format_percent
from model.reports.exact import METHODS, exact_endings, exact_summary
from model.reports.header import header, header_lines
from model.reports.tables import csv_text, days_cell, ending_label, labelled_endings, table
from model.scenario.compiled import Scenario

if TYPE_CHECKING:
    from model.analysis.exact import ExactResult
    from model.analysis.montecarlo import MonteCarloResult


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
        for known in exact_endings(exact):
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
        **header(scenario, dict(result.params)),
        "runs": result.runs,
        "seed": result.seed,
        "max_steps": result.max_steps,
        "seeds": "run i uses model.analysis.montecarlo.run_seed(seed, i)",
        "endings": labelled_endings(endings, scenario.labels),
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
        "exact": None if exact is None else exact_summary(exact),
        "exact_note": exact_note,
    }


def _interval(item: dict[str, Any]) -> str:
    return f"{format_percent(item['low'])}–{format_percent(item['high'])}"


def format_monte_carlo(record: dict[str, Any]) -> str:
    out = header_lines(
        record,
        f"{record['runs']:,} runs · seed {record['seed']} · up to {record['max_steps']} steps each",
    )
    has_exact = record["exact"] is not None
    columns = ["ending", "runs", "share", "95% interval"]
    if has_exact:
        columns += ["exact", ""]
    columns += ["days: median [q1–q3]", "mean"]
    if has_exact:
        columns.append("exact mean")
    rows = []
    for e in record["endings"]:
        d = e["days"]
        spread = "—" if d["median"] is None else f"{days_cell(d['median'])} "
        if d["median"] is not None:
            spread += f"[{days_cell(d['q1'])}–{days_cell(d['q3'])}]"
        row = [
            ending_label(e["kind"], e["name"], record),
            f"{e['count']:,}",
            format_percent(e["share"]),
        ]
        row.append(_interval(e))
        if has_exact:
            ex = e["exact"]
            row += [format_percent(ex["probability"]), "✓" if ex["inside_interval"] else "✗"]
        row += [spread, days_cell(d["mean"])]
        if has_exact:
            row.append(days_cell(e["exact"]["expected_days"]))
        rows.append(row)
    out += table(columns, rows)
    out.append("")
    out.append("stages reached (share of runs, 95% interval)")
    stage_rows = [
        [f"  {s['name']}", f"{s['count']:,}", format_percent(s["share"]), _interval(s)]
        for s in record["stages"]
    ]
    out += table(["", "runs", "share", "95% interval"], stage_rows)[1:]
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
            f"exact: {ex['states']:,} states ({METHODS[ex['method']]}); the exact value is "
            f"inside the 95% interval (✓) for {inside} of {len(record['endings'])} endings"
        )
        out.append("(max_steps is compared with the exact share of runs that cycle for ever)")
    else:
        out.append(f"exact: {record['exact_note']}")
    return "\n".join(out) + "\n"


def monte_carlo_csv(record: dict[str, Any]) -> str:
    columns = ["section", "kind", "name", "count", "share", "low", "high", "median_days"]
    columns += ["q1_days", "q3_days", "mean_days", "exact_probability", "exact_expected_days"]
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
        rows[-1] += [None] * (len(columns) - len(rows[-1]))
    return csv_text(columns, rows)
