"""A parameter sweep (`model.analysis.sweep`) as a JSON-ready record, as text and as CSV.

The sweep's records are long-format (one per grid point and ending); the text shows them as one
row per grid point and one column per ending.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from model.base.textfmt import format_percent
from model.reports.header import header, header_lines
from model.reports.tables import csv_text, ending_label, labelled_endings, table
from model.reports.text import fmt_value
from model.scenario.compiled import ParamValue, Scenario

if TYPE_CHECKING:
    from model.analysis.sweep import Axis, Record

_FIXED = frozenset(
    {
        *("kind", "ending", "ending_label", "probability", "low", "high", "method", "runs"),
        *("count", "expected_days"),
    }
)
"""The keys of a sweep record that are not a swept parameter."""


def swept_names(records: Sequence[Record]) -> list[str]:
    """The swept parameters, in the order of the sweep."""
    return [k for k in records[0] if k not in _FIXED] if records else []


def shown_endings(records: Sequence[Record]) -> list[tuple[str, str]]:
    """Endings to show: every outcome, and endings without one that happen somewhere."""
    out: dict[tuple[str, str], None] = {}
    for r in records:
        if r["kind"] == "outcome" or r["probability"] > 0:
            out.setdefault((r["kind"], r["ending"]), None)
    return list(out)


def sweep_record(
    scenario: Scenario,
    axes: Sequence[Axis],
    point: Mapping[str, ParamValue],
    seed: int,
    records: list[Record],
) -> dict[str, Any]:
    """The sweep as JSON-ready data: the header (with ``point``'s values of the parameters
    that are not swept), the swept names, the seed and the records."""
    names = [a.name for a in axes]
    fixed = {k: v for k, v in point.items() if k not in names}
    records = labelled_endings(records, scenario.labels, "ending")
    return {**header(scenario, fixed), "sweep": names, "seed": seed, "records": records}


def format_sweep(record: dict[str, Any], axes: Sequence[Axis], max_steps: int) -> str:
    """The header and `format_table`, with a note on Monte Carlo cells when there are any."""
    records = record["records"]
    exact = {r["method"] for r in records} == {"exact"}
    detail = "sweep of " + " × ".join(f"{a.name} ({len(a.values)} values)" for a in axes)
    detail += " · " + ("exact" if exact else f"seed {record['seed']}, up to {max_steps} steps")
    text = "\n".join(header_lines(record, detail)) + "\n" + format_table(records, record)
    if not exact:
        text += "\nMonte Carlo cells: share [95% Wilson interval]\n"
    return text


def format_table(records: Sequence[Record], record: Mapping[str, Any] | None = None) -> str:
    """One row per grid point, one column per ending (outcomes by the labels of ``record``):
    exact probabilities, or Monte Carlo shares with their 95% intervals."""
    names = swept_names(records)
    endings = shown_endings(records)
    by_point: dict[tuple[Any, ...], dict[tuple[str, str], Record]] = {}
    for r in records:
        by_point.setdefault(tuple(r[n] for n in names), {})[(r["kind"], r["ending"])] = r
    columns = [*names, *(ending_label(k, e, record) for k, e in endings), "method"]
    rows = []
    for key, cells in by_point.items():
        row = [fmt_value(v) for v in key]
        method = ""
        for ending in endings:
            cell = cells.get(ending)
            if cell is None:
                row.append("—")
                continue
            method = cell["method"]
            if method == "exact":
                row.append(format_percent(cell["probability"]))
            else:
                low, high = format_percent(cell["low"]), format_percent(cell["high"])
                row.append(f"{format_percent(cell['probability'])} [{low}, {high}]")
        row.append(method if method == "exact" else f"{cells[endings[0]]['runs']:,} runs")
        rows.append(row)
    return "\n".join(table(columns, rows, left=len(names), header_left=True)) + "\n"


def to_csv(records: Sequence[Record]) -> str:
    """The records as CSV, one line each, columns in the order of the first record."""
    if not records:
        return ""
    columns = list({k: None for r in records for k in r})  # label columns: outcomes only
    return csv_text(columns, [[r.get(k) for k in columns] for r in records])
