"""Schedule tables in the step semantics: the compiled table (dict look-ups, running totals by
binary search, constant indexes folded) against the reference interpreter (whose closures scan
the rows: `model.scenario.expr`), a metamorphic property (writing every read out by hand as
nested conditional arithmetic changes nothing), and the example fixture: releases by day in
two categories with their own ratios."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import pytest
import yaml
from conftest import ROOT, same_meaning
from hypothesis import given, reject, settings
from hypothesis import strategies as st
from strategies import scenario_data
from test_explore import _as_reference, _semantics_search
from test_fastpath import assert_same, assert_same_summaries
from test_one_semantics import _compare_engine, _compare_snapshots, _load

from model.analysis.exact import analyse
from model.analysis.explore import explore
from model.analysis.trace import scenario_elements
from model.base.errors import ScenarioError
from model.render.site_sections import elements as _elements
from model.render.site_sections import schedule_tables as _tables
from model.scenario import expr
from model.scenario.loader import load, load_text
from model.scenario.walk import names
from model.semantics.compiler import Compiler
from model.semantics.engine import Run
from model.testing import run_state_machine

FIXTURE = ROOT / "tests" / "fixtures" / "tables" / "releases.yaml"
with_tables = st.one_of(
    scenario_data(tables=True),
    scenario_data(tables=True, derived=True),
    scenario_data(hazards=True, tables=True),
)


@settings(max_examples=150)
@given(with_tables)
def test_careful_path_matches_the_reference_with_tables(data: dict[str, Any]) -> None:
    _compare_snapshots(_load(data), 40)


@settings(max_examples=100)
@given(with_tables, st.integers(0, 2**32))
def test_engine_matches_the_reference_with_tables(data: dict[str, Any], seed: int) -> None:
    _compare_engine(_load(data), seed, 8)


@settings(max_examples=100)
@given(with_tables, st.sampled_from([None, 3, 20]))
def test_explorer_matches_a_search_on_semantics_with_tables(
    data: dict[str, Any], max_states: int | None
) -> None:
    scenario = _load(data)
    ref = _semantics_search(scenario, max_states)
    assert _as_reference(explore(scenario, max_states=max_states)) == ref


@settings(max_examples=100)
@given(with_tables)
def test_fast_path_matches_the_engine_and_the_reference_with_tables(data: dict[str, Any]) -> None:
    scenario = _load(data)
    assert_same(scenario, {}, range(4), steps=40)  # fast path (memo and not) vs the engine
    assert_same_summaries(scenario, {}, range(8), steps=40)  # vs the reference runner


# --- reads written out by hand ------------------------------------------------------------

_READ = re.compile(r"(\w+)\[([^,\[\]]+)(?:, '(\w+)')?\]")
_UPTO = re.compile(r"upto\((\w+), ([^,()]+(?:\([^()]*\))?[^,()]*)(?:, '(\w+)')?\)")


def _cells(table: dict[str, Any], column: str | None) -> list[tuple[int, int]]:
    """(key, value) of each row of ``table`` in ``column``, as written (a left-out column holds
    the default)."""
    default = table.get("default", 0)
    out = []
    for key, row in table["rows"].items():
        value = row if column is None else row.get(column, default)
        out.append((int(key), value))
    return out


def _written_out_text(text: str, tables: dict[str, dict[str, Any]]) -> str:
    """``text`` with each table read replaced by conditional arithmetic over its rows."""

    def read(m: re.Match[str]) -> str:
        table, index, column = tables[m.group(1)], m.group(2), m.group(3)
        out = str(table.get("default", 0))
        for key, value in reversed(_cells(table, column)):
            out = f"({value} if ({index}) == {key} else {out})"
        return out

    def upto(m: re.Match[str]) -> str:
        table, index, column = tables[m.group(1)], m.group(2), m.group(3)
        terms = [f"({value} if ({index}) >= {key} else 0)" for key, value in _cells(table, column)]
        return "(" + " + ".join(terms) + ")"

    return _READ.sub(read, _UPTO.sub(upto, text))


def _written_out(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with every table read written out, and no tables section."""
    tables = {t["id"]: t for t in data.get("tables", [])}

    def out(value: Any) -> Any:
        return _written_out_text(value, tables) if isinstance(value, str) else value

    data = {k: v for k, v in data.items() if k != "tables"}
    data["transitions"] = [
        {
            **t,
            "guard": out(t.get("guard", True)),
            "weight": out(t.get("weight", 1)),
            "days": out(t.get("days", 0)),
            **({"effects": {k: out(v) for k, v in t["effects"].items()}} if "effects" in t else {}),
        }
        for t in data["transitions"]
    ]
    for section, key in (("invariants", "holds"), ("derived", "value")):
        if section in data:
            data[section] = [{**i, key: out(i[key])} for i in data[section]]
    return data


@settings(max_examples=100)
@given(st.one_of(scenario_data(tables=True), scenario_data(tables=True, derived=True)))
def test_writing_table_reads_out_changes_nothing(data: dict[str, Any]) -> None:
    scenario = _load(data)
    plain_data = _written_out(data)
    assert "upto(" not in yaml.safe_dump(plain_data)
    try:
        plain = load_text(yaml.safe_dump(plain_data), base_dir=ROOT / "scenarios")
    except ScenarioError:
        reject()  # written out, an expression can pass a length or size limit
    same_meaning(scenario, plain)


def test_the_fixture_written_out_by_hand_has_the_same_graph_and_probabilities() -> None:
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    plain_data = _written_out(data)
    text = yaml.safe_dump(plain_data)
    assert "releases" not in text.replace("releases_by_day", "") and "upto" not in text
    plain = load_text(text, base_dir=FIXTURE.parent)
    same_meaning(load(FIXTURE), plain)
    # By hand: a breakdown has weight 3, 2, then 1 (against 4 for the day passing) on the days
    # the table gives, and cannot happen on days 7 and 9 (soldiers released).
    exact = analyse(explore(load(FIXTURE)), "fraction")
    complete = Fraction(4, 7) * Fraction(4, 6) * Fraction(4, 5) ** 6
    assert {e.name: e.probability for e in exact.endings}["stage_complete"] == complete


def test_releases_by_category_with_their_ratios() -> None:
    run = Run(load(FIXTURE))
    assert run.derived == {"prisoners_due": 0}
    seen = []
    while run.state == "in_stage" and run.day < 10:
        run.fire("day_passes")
        seen.append((run.day, run.values["civilians_released"], run.values["soldiers_released"]))
    assert seen[0] == (1, 3, 0) and seen[6] == (7, 7, 1) and seen[-1] == (10, 7, 3)
    assert run.values["prisoners_freed"] == run.derived["prisoners_due"] == 30 * 7 + 50 * 3
    run = Run(load(FIXTURE), {"prisoners_per_soldier": 0})
    for _ in range(10):
        run.fire("day_passes")
    assert run.values["prisoners_freed"] == 30 * 7


# --- the compiler's look-ups ----------------------------------------------------------------

TABLE = expr.TableRows(("a", "b"), {1: (3, 0), 7: (4, 1), -2: (5, 5)}, 9)
TYPES: dict[str, expr.Type] = {"t": expr.TableType("t", ("a", "b")), "i": expr.INT}


@given(st.integers(-5, 12), st.sampled_from(["a", "b"]), st.booleans())
def test_compiled_reads_match_the_reference_closures(i: int, column: str, running: bool) -> None:
    text = f"upto(t, i, '{column}')" if running else f"t[i, '{column}']"
    tree = expr.parse(text)
    assert expr.typecheck(tree, TYPES) == expr.INT
    want = expr.compile_expr(tree, {"t": TABLE})({"i": i})
    code = Compiler({"i": 0}, {}, tables={"t": TABLE}).tree(tree)
    assert code.fn((i,)) == want
    folded = Compiler({}, {"i": i}, tables={"t": TABLE}).tree(tree)
    assert folded.const and folded.value == want


def test_running_totals_below_the_first_key_and_beyond_the_last() -> None:
    f = expr.compile_expr(expr.parse("upto(t, i, 'a')"), {"t": TABLE})
    assert [f({"i": i}) for i in (-3, -2, 0, 1, 6, 7, 10**15)] == [0, 5, 5, 8, 8, 12, 12]
    g = expr.compile_expr(expr.parse("t[i, 'b']"), {"t": TABLE})
    assert [g({"i": i}) for i in (-2, 0, 7)] == [5, 9, 1]  # 0 is not listed: the default


# --- reports ----------------------------------------------------------------------------------


def test_trace_counts_tables_as_elements_with_provenance() -> None:
    elements = scenario_elements(load(FIXTURE))
    tables = [e for e in elements if e.path[0] == "tables"]
    assert [e.label for e in tables] == ["releases", "breakdown_risk"]
    assert tables[0].quote is not None and tables[1].assumption == "test fixture"


def test_docs_pages_list_tables_with_their_rows() -> None:
    spec = load(FIXTURE).spec
    assert "\n".join(_tables(spec)) == (
        "## Schedule tables\n\n"
        "`releases`: People released on each day of the first stage, by category.\n\n"
        "| key | civilians | soldiers |\n|---|---|---|\n| 1 | 3 | 0 |\n| 7 | 4 | 1 |\n"
        "| 9 | 0 | 2 |\n\n"
        "`breakdown_risk`: Relative weight of a breakdown on each day (higher before the first "
        "release). A key not listed reads 1.\n\n"
        "| key | value |\n|---|---|\n| 0 | 3 |\n| 1 | 2 |\n"
    )
    assert ("table", "releases") in [(e.kind, e.name) for e in _elements(spec)]
    assert _tables(load(ROOT / "tests" / "fixtures" / "derived" / "aid_trucks.yaml").spec) == []


@pytest.mark.parametrize(
    "text",
    ["t[i + 1, 'a']", "upto(t, i, 'b')", "upto(t, min(i, 3), 'a') - t[-2, 'b']"],
)
def test_reads_render_back_to_the_same_tree_and_name_their_table(text: str) -> None:
    tree = expr.parse(text)
    assert expr.parse(expr.render(tree)) == tree
    assert names(tree) == {"t", "i"}


def test_the_hypothesis_state_machine_runs_a_scenario_with_tables() -> None:
    run_state_machine(str(FIXTURE), settings=settings(max_examples=10))
