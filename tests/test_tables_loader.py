"""Loader errors of schedule tables: each names the file, line, column and field; and the type
checks of table reads in expressions, with their hints."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_loader_errors import MINIMAL, line_of, problems, write

from model.base.limits import MAX_TABLE_ROWS
from model.scenario import expr
from model.scenario.loader import load

TABLES = """\
tables:
  - id: releases
    description: People released by day, by category.
    columns: [civilians, soldiers]
    rows:
      1: {civilians: 3}
      7: {civilians: 4, soldiers: 1}
    assumption: test
  - id: trucks
    rows:
      0: 600
      3: 800
    default: 500
    assumption: test
"""


def with_tables(extra: str = "", base: str = MINIMAL) -> str:
    """MINIMAL with the tables ``releases`` (two columns) and ``trucks`` (one) declared."""
    return base.replace("states:\n", TABLES + extra + "states:\n", 1)


def with_guard(guard: str) -> str:
    return with_tables().replace("guard: hostages_held > 0", f"guard: {guard}")


def test_tables_load_and_expressions_read_them(tmp_path: Path) -> None:
    text = with_guard("upto(releases, day, 'civilians') + trucks[day_in_stage] < hostages_held")
    scenario = load(write(tmp_path, text))
    assert scenario.tables["releases"] == expr.TableRows(
        ("civilians", "soldiers"), {1: (3, 0), 7: (4, 1)}, 0
    )
    assert scenario.tables["trucks"].default == 500


def _only(tmp_path: Path, text: str, needle: str, rest: str, column: int = 5) -> None:
    line = line_of(text, needle)
    assert problems(write(tmp_path, text)) == [f"scenarios/x.yaml:{line}:{column}: {rest}"]


@pytest.mark.parametrize(
    ("guard", "message"),
    [
        ("relases[day] > 0", "unknown table 'relases' in relases[...] (did you mean 'releases'?)"),
        (
            "hostages_held[day] > 0",
            "'hostages_held' is int, not a table: hostages_held[...] reads a table",
        ),
        (
            "releases[day, 'civilian'] > 0",
            "table 'releases' has no column 'civilian' (did you mean 'civilians'?)",
        ),
        (
            "releases[day] > 0",
            "table 'releases' has columns civilians, soldiers: releases[index, 'civilians']",
        ),
        (
            "upto(releases, day) > 0",
            "table 'releases' has columns civilians, soldiers: upto(releases, index, 'civilians')",
        ),
        (
            "trucks[day, 'civilians'] > 0",
            "table 'trucks' has no named columns: read it as trucks[index]",
        ),
        ("trucks[day > 1] > 0", "the index of trucks[...] should be int, found bool"),
        (
            "trucks > 0",
            "'trucks' is a table, not a value: read it as trucks[index] or upto(trucks, index)",
        ),
        ("trucks[day]", "the expression should be bool, found int"),
        (
            "trucks[day, 'a', 'b'] > 0",
            "trucks[...] takes an index and at most one column, "
            "found 3 items: write trucks[index] or trucks[index, 'column']",
        ),
    ],
)
def test_reads_are_type_checked(tmp_path: Path, guard: str, message: str) -> None:
    text = with_guard(guard)
    _only(tmp_path, text, "guard:", f"transitions[0].guard: {message}")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("hostages_held", "'hostages_held' is both a variable and a table"),
        ("day", "'day' is a reserved name in expressions; choose another"),
    ],
)
def test_a_table_id_cannot_take_a_name_already_used(
    tmp_path: Path, name: str, message: str
) -> None:
    extra = f"  - id: {name}\n    rows: {{1: 1}}\n    assumption: test\n"
    text = with_tables(extra)
    line = [i for i, x in enumerate(text.splitlines(), 1) if x == f"  - id: {name}"][-1]
    assert f"scenarios/x.yaml:{line}:5: tables[2].id: {message}" in problems(write(tmp_path, text))


def test_duplicate_table_ids(tmp_path: Path) -> None:
    text = with_tables("  - id: trucks\n    rows: {1: 1}\n    assumption: test\n")
    line = [i for i, x in enumerate(text.splitlines(), 1) if x == "  - id: trucks"][-1]
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line}:5: tables[2].id: tables has more than one entry 'trucks'"
    ]


def test_a_table_and_a_derived_quantity_cannot_share_a_name(tmp_path: Path) -> None:
    derived = "derived:\n  - id: trucks\n    name: T\n    value: 1\n    assumption: test\n"
    text = with_tables().replace("tables:\n", derived + "tables:\n", 1)
    line = (
        line_of(text, "  - id: trucks\n    rows")
        if False
        else [i for i, x in enumerate(text.splitlines(), 1) if x == "  - id: trucks"][-1]
    )
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line}:5: tables[1].id: 'trucks' is both a derived quantity and a table"
    ]


def test_unknown_column_in_a_row(tmp_path: Path) -> None:
    text = with_tables().replace("7: {civilians: 4, soldiers: 1}", "7: {civilians: 4, soldier: 1}")
    line = line_of(text, "soldier: 1")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line}:25: tables[0].rows.7.soldier: unknown column 'soldier' (did "
        "you mean 'soldiers'?); table 'releases' has columns civilians, soldiers"
    ]


def test_a_missing_column_holds_the_default(tmp_path: Path) -> None:
    text = with_tables().replace(
        "    assumption: test\n  - id: trucks",
        "    default: 2\n    assumption: test\n  - id: trucks",
    )
    rows = load(write(tmp_path, text)).tables["releases"].rows
    assert rows == {1: (3, 2), 7: (4, 1)}


def test_a_row_of_a_table_with_columns_is_a_mapping(tmp_path: Path) -> None:
    text = with_tables().replace("1: {civilians: 3}", "1: 3")
    _only(
        tmp_path,
        text,
        "      1: 3",
        "tables[0].rows.1: table 'releases' has columns "
        "(civilians, soldiers): each row is a mapping from column to value, found 3 (int)",
        7,
    )


def test_a_row_of_a_table_without_columns_is_a_number(tmp_path: Path) -> None:
    text = with_tables().replace("3: 800", "3: {civilians: 800}")
    _only(
        tmp_path,
        text,
        "3: {civilians",
        "tables[1].rows.3: table 'trucks' has no columns: "
        "each row is a whole number, found a mapping; declare 'columns' to give values by "
        "category",
        7,
    )


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "3: 800",
            "3: 8.5",
            "3: 8.5",
            "tables[1].rows.3: Input should be a valid integer or a valid dictionary, "
            "found 8.5 (float)",
        ),
        (
            "3: 800",
            "3: 2000000000000000",
            "3: 2000",
            "tables[1].rows.3: whole number 2000000000000000 is outside the limit of "
            "-1000000000000000 to 1000000000000000 (MAX_LITERAL)",
        ),
        ("3: 800", "soon: 800", "soon: 800", "tables[1].rows.soon: String should match pattern"),
        ("3: 800", "03: 800", "03: 800", "tables[1].rows.03: String should match pattern"),
        (
            "default: 500",
            "default: many",
            "default: many",
            "tables[1].default: Input should be a valid integer, found 'many' (str)",
        ),
        (
            "columns: [civilians, soldiers]",
            "columns: [civilians, civilians]",
            "columns:",
            "tables[0].columns[1]: column 'civilians' is declared twice",
        ),
    ],
)
def test_rows_keys_and_values_are_checked(
    tmp_path: Path, old: str, new: str, needle: str, message: str
) -> None:
    text = with_tables().replace(old, new)
    found = problems(write(tmp_path, text))
    line = line_of(text, needle)
    assert len(found) == 1 and found[0].startswith(f"scenarios/x.yaml:{line}:"), found
    assert message in found[0], found


def test_a_key_beyond_max_literal(tmp_path: Path) -> None:
    text = with_tables().replace("3: 800", "9999999999999999: 800")
    _only(
        tmp_path,
        text,
        "9999999999999999",
        "tables[1].rows.9999999999999999: key "
        "9999999999999999 is larger than 1000000000000000 (MAX_LITERAL)",
        7,
    )


def test_too_many_rows(tmp_path: Path) -> None:
    rows = "".join(f"      {k}: 1\n" for k in range(MAX_TABLE_ROWS + 1))
    text = with_tables().replace("      0: 600\n      3: 800\n", rows)
    found = problems(write(tmp_path, text))
    assert len(found) == 1 and "tables[1].rows: " in found[0]
    assert f"at most {MAX_TABLE_ROWS} items" in found[0]


def test_a_table_needs_provenance_and_rows(tmp_path: Path) -> None:
    text = with_tables().replace("    default: 500\n    assumption: test\n", "")
    found = problems(write(tmp_path, text))
    assert found == [
        f"scenarios/x.yaml:{line_of(text, '  - id: trucks')}:5: tables[1]: needs a 'quote' from "
        "a stored source, a 'citation' of a published document or an 'assumption'"
    ]


def test_an_effect_cannot_set_a_table(tmp_path: Path) -> None:
    text = with_tables().replace(
        "      hostages_held: hostages_held - 1\n",
        "      hostages_held: hostages_held - 1\n      trucks: 3\n",
    )
    _only(
        tmp_path,
        text,
        "trucks: 3",
        "transitions[0].effects.trucks: 'trucks' is a table, "
        "data of the scenario; an effect cannot set it (set a variable from a read of it, "
        "such as trucks[day_in_stage])",
        7,
    )


def test_running_totals_are_measured_for_the_digits_limit(tmp_path: Path) -> None:
    reads = " * ".join(["upto(trucks, day)"] * 11)
    found = problems(write(tmp_path, with_guard(f"{reads} > 0")))
    assert len(found) == 1 and "MAX_VALUE_DIGITS" in found[0]


def test_a_mechanism_shares_its_tables(tmp_path: Path) -> None:
    mechanism = f"""\
mechanism: schedule
title: A schedule
summary: A release schedule shared by scenarios.
sources:
  - id: seed
    file: seeds/{"000_fe535af938dae792.txt"}
{TABLES}"""
    (tmp_path / "m.yaml").write_text(mechanism, encoding="utf-8")
    text = MINIMAL.replace("states:\n", "includes:\n  - file: m.yaml\nstates:\n", 1)
    text = text.replace("guard: hostages_held > 0", "guard: trucks[day] > 0")
    assert set(load(write(tmp_path, text)).tables) == {"releases", "trucks"}


def test_a_table_declared_differently_by_a_mechanism_is_refused(tmp_path: Path) -> None:
    mechanism = f"""\
mechanism: schedule
title: A schedule
summary: A release schedule shared by scenarios.
sources:
  - id: seed
    file: seeds/000_fe535af938dae792.txt
{TABLES}"""
    (tmp_path / "m.yaml").write_text(mechanism.replace("3: 800", "3: 900"), encoding="utf-8")
    text = with_tables().replace("states:\n", "includes:\n  - file: m.yaml\nstates:\n", 1)
    found = problems(write(tmp_path, text))
    assert len(found) == 1
    assert "table 'trucks' is declared differently in " in found[0]


def test_a_scenario_that_extends_another_reads_its_tables(tmp_path: Path) -> None:
    write(tmp_path, with_tables(), "base.yaml")
    child = (
        "id: child\ntitle: Child\nsummary: Reads the base's table.\nextends: base.yaml\n"
        "invariants:\n  - id: trucks_listed\n    holds: trucks[3] == 800\n    assumption: test\n"
    )
    scenario = load(write(tmp_path, child))
    assert set(scenario.tables) == {"releases", "trucks"}
