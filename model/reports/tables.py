"""Plain-text tables, CSV and the table cells the what-if reports share.

The tables are hand-written on purpose: a few lines, no dependency, and the output is piped
and compared byte for byte by the tests (a terminal-styling library would add start-up time
and escape codes to think about for no gain here).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from model.scenario.labels import Labels, label_in


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    left: int = 1,
    *,
    header_left: bool = False,
) -> list[str]:
    """Lines of a table with two spaces between columns: the first ``left`` columns
    left-aligned, the others right-aligned (the header too, unless ``header_left``)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str], left: int) -> str:
        cells = [
            c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))
        ]
        return "  ".join(cells).rstrip()

    return [line(header, len(header) if header_left else left), *(line(r, left) for r in rows)]


def csv_cell(v: object) -> object:
    """A CSV cell: nothing for None, ``true``/``false``, floats with every digit (`repr`)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return v


def csv_text(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A header line and one line per row, cells written by `csv_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue()


def ending_label(kind: str, name: str, record: Mapping[str, Any] | None = None) -> str:
    """An ending as a column or row label: an outcome by its name (its label, from the
    ``labels`` of ``record``), the others marked."""
    if kind != "outcome":
        return f"no outcome: {name}"
    return name if record is None else label_in(record, "outcome", name)


def labelled_endings(
    items: Sequence[dict[str, Any]], labels: Labels, key: str = "name"
) -> list[dict[str, Any]]:
    """``items`` (endings with a ``kind`` and an id at ``key``), each outcome with a label of
    its own given ``key_label`` beside its id."""
    return [
        {**item, **labels.fields(**{key: ("outcome", item[key])})}
        if item["kind"] == "outcome"
        else item
        for item in items
    ]


def days_cell(x: float | None) -> str:
    """Days: whole numbers as such, others to one decimal, a dash when unknown."""
    if x is None:
        return "—"
    return str(int(x)) if float(x).is_integer() else f"{x:.1f}"
