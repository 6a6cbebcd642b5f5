"""The exact analysis (`model.analysis.exact`) as a JSON-ready record, as text and as CSV.

The text and the CSV are rendered from the record, so all three hold the same figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from model.base.textfmt import format_percent
from model.reports.header import header, header_lines
from model.reports.tables import csv_text, days_cell, ending_label, labelled_endings, table
from model.scenario.compiled import ParamValue, Scenario

if TYPE_CHECKING:
    from model.analysis.exact import ExactResult

METHODS = {
    "fraction": "rational arithmetic",
    "sparse": "sparse linear algebra",
    "interval": "interval iteration",
}
"""How the exact values were solved, as the reports name it."""


def _num(x: object) -> float | None:
    return None if x is None else float(x)  # type: ignore[arg-type]


def exact_endings(result: ExactResult) -> list[dict[str, Any]]:
    """Each ending's probability (and exact fraction when solved so), expected days and
    quartiles of days."""
    out = []
    for e in result.endings:
        item: dict[str, Any] = {
            "kind": e.kind,
            "name": e.name,
            "probability": float(e.probability),
        }
        if result.method == "fraction":
            item["fraction"] = str(e.probability)
        if result.bound is not None:  # interval iteration: probability is a lower bound
            item["upper"] = min(1.0, float(e.probability) + result.bound)
        item["expected_days"] = _num(e.expected_days)
        item["days"] = {
            "q1": e.quantile(0.25),
            "median": e.quantile(0.5),
            "q3": e.quantile(0.75),
        }
        out.append(item)
    return out


def exact_summary(result: ExactResult) -> dict[str, Any]:
    """The size of the state graph and how it was solved (with interval iteration: the
    certified bound, the tolerance asked for and the steps taken)."""
    summary: dict[str, Any] = {
        "states": result.states,
        "edges": result.edges,
        "method": result.method,
        "cyclic_components": result.cyclic_components,
    }
    if result.bound is not None:
        summary.update(bound=result.bound, tolerance=result.tolerance, iterations=result.iterations)
    if result.clock_cap is not None:
        summary["clock_kept_exactly_to_day"] = result.clock_cap
        summary["clock_kept_exactly_to_day_in_stage"] = result.clock_stage_cap
    return summary


def exact_record(
    scenario: Scenario, params: dict[str, ParamValue], result: ExactResult
) -> dict[str, Any]:
    """The exact analysis as JSON-ready data."""
    return {
        **header(scenario, params),
        "exact": exact_summary(result),
        "endings": labelled_endings(exact_endings(result), scenario.labels),
        "never_reaching_an_outcome": float(result.never_absorbed),
        "total": float(result.total),
    }


def format_exact(record: dict[str, Any]) -> str:
    ex = record["exact"]
    out = header_lines(
        record,
        f"exact analysis of {ex['states']:,} states and {ex['edges']:,} steps "
        f"({METHODS[ex['method']]})",
    )
    rows = []
    for e in record["endings"]:
        d = e["days"]
        spread = "—" if d["median"] is None else f"{d['median']} [{d['q1']}–{d['q3']}]"
        rows.append(
            [
                ending_label(e["kind"], e["name"], record),
                format_percent(e["probability"]),
                days_cell(e["expected_days"]),
                spread,
            ]
        )
    rows.append(["total", format_percent(record["total"]), "", ""])
    out += table(["ending", "probability", "expected days", "days: median [q1–q3]"], rows)
    out.append("")
    out.append(
        f"never reaching an outcome: {format_percent(record['never_reaching_an_outcome'])} "
        "(dead ends, errors, and zero-duration cycles run for ever)"
    )
    if "bound" in ex:
        out.append(_bound_note(ex))
    if "clock_kept_exactly_to_day" in ex:
        out.append(
            "clock abstracted (no horizon): the steps compare the day of the run with nothing "
            f"beyond day {ex['clock_kept_exactly_to_day']:,} and the day of a stage with "
            f"nothing beyond day {ex['clock_kept_exactly_to_day_in_stage']:,}, so later days "
            "are kept as one value and the analysis covers unlimited time; expected days come "
            "from the steps' durations, and a median that falls after that day is not known (—)"
        )
    if ex["cyclic_components"]:
        out.append(
            f"cycles of zero-duration steps: {ex['cyclic_components']:,} groups of states a run "
            "can go round on one day"
        )
    return "\n".join(out) + "\n"


def _bound_note(ex: dict[str, Any]) -> str:
    """What the figures of interval iteration mean, with the bound they are certified to."""
    bound, tolerance = ex["bound"], ex["tolerance"]
    note = (
        f"interval iteration ({ex['iterations']:,} steps): each probability is a lower bound, "
        f"and the exact ones exceed them by at most {bound:.2g} in all"
    )
    if bound > tolerance:
        note += f" (stopped at the step limit before the tolerance {tolerance:g})"
    else:
        note += f" (tolerance {tolerance:g}); days are those of the lower bounds"
    return note


def exact_csv(record: dict[str, Any]) -> str:
    columns = ["kind", "ending", "probability", "expected_days", "median_days", "q1_days"]
    columns += ["q3_days", "fraction"]
    interval = "bound" in record["exact"]
    if interval:
        columns.append("upper")
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
            *([e["upper"]] if interval else []),
        ]
        for e in record["endings"]
    ]
    return csv_text(columns, rows)
