"""Schedule tables (``tables:``) checked when a scenario loads, and their data for evaluation.

The schema gives each table's shape (keys written as whole numbers, cells within
`MAX_LITERAL`, at most `MAX_TABLE_ROWS` rows); here the rows are checked against the table's
columns: a table without ``columns`` has a number in each row, a table with columns a mapping
from its columns to numbers. A column a row leaves out holds the table's ``default``, as a key
not listed does (rows often give only the categories released that day).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from model.base.hints import Hints
from model.base.limits import MAX_LITERAL
from model.scenario import expr
from model.scenario.schema import Table
from model.scenario.shape import describe
from model.scenario.yamlsource import Path_

Fail = Callable[[Path_, str], None]


def check_tables(
    items: Sequence[Table], hints: Hints, fail: Fail
) -> tuple[dict[str, expr.TableType], dict[str, expr.TableRows]]:
    """Each table's type for the type checker and its data for evaluation; every problem is
    reported through ``fail`` (a table with a problem is left out of both)."""
    types: dict[str, expr.TableType] = {}
    data: dict[str, expr.TableRows] = {}
    for i, table in enumerate(items):
        rows = _rows(i, table, hints, fail)
        if rows is not None:
            columns = table.columns or ()
            types[table.id] = expr.TableType(table.id, columns)
            data[table.id] = expr.TableRows(columns, rows, table.default)
    return types, data


def _rows(i: int, table: Table, hints: Hints, fail: Fail) -> dict[int, tuple[int, ...]] | None:
    """The rows of ``table`` by whole-number key, each with a value per column."""
    columns = table.columns or ()
    for j, name in enumerate(columns):
        if name in columns[:j]:
            fail(("tables", i, "columns", j), f"column {name!r} is declared twice")
            return None  # the rows cannot be read against these columns
    ok = True
    out: dict[int, tuple[int, ...]] = {}
    for text, row in table.rows.items():
        key = int(text)
        at: Path_ = ("tables", i, "rows", text)
        if abs(key) > MAX_LITERAL:
            fail(at, f"key {key} is larger than {MAX_LITERAL} (MAX_LITERAL)")
            ok = False
        elif not columns and isinstance(row, int):
            out[key] = (row,)
        elif not columns:
            fail(
                at,
                f"table {table.id!r} has no columns: each row is a whole number, found "
                f"{describe(row)}; declare 'columns' to give values by category",
            )
            ok = False
        elif isinstance(row, int):
            fail(
                at,
                f"table {table.id!r} has columns ({', '.join(columns)}): each row is a mapping "
                f"from column to value, found {describe(row)}",
            )
            ok = False
        else:
            for name in row:
                if name not in columns:
                    hint = hints(name, columns)
                    fail(
                        (*at, name),
                        f"unknown column {name!r}{hint}; table {table.id!r} has columns "
                        f"{', '.join(columns)}",
                    )
                    ok = False
            out[key] = tuple(row.get(c, table.default) for c in columns)
    return out if ok else None
