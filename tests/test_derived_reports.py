"""Derived quantities in reports: simulate (text and JSON), interactive, timeline, trace,
and declared by a mechanism."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from model.analysis.trace import scenario_elements
from model.base.errors import ScenarioError
from model.cli.interactive import Session, interact
from model.render.timeline import play
from model.render.timeline_layout import tracked_series
from model.scenario.loader import load
from model.simulate import main

FIXTURE = ROOT / "tests" / "fixtures" / "derived" / "aid_trucks.yaml"


def test_simulate_shows_derived_values_at_the_start_and_the_end(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([str(FIXTURE)]) == 0
    text = capsys.readouterr().out.splitlines()
    start = text.index("start · day 0 · Truce · state in_truce")
    assert text[start + 1 : start + 3] == [
        "  convoys_logged=0",
        "  derived: trucks_delivered=0, convoys=0, enough_aid=false",
    ]
    assert text[-2:] == [
        "end · day 4 · after 5 steps · outcome reached: deal",
        "  derived: trucks_delivered=2400, convoys=12, enough_aid=true",
    ]


def test_simulate_json_keeps_derived_values_apart_from_variables(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([str(FIXTURE), "--json", "--set", "trucks_per_convoy=0"]) == 1
    record = json.loads(capsys.readouterr().out)
    assert record["start"]["values"] == {"convoys_logged": 0}
    assert record["start"]["derived"] == {
        "trucks_delivered": 0,
        "convoys": None,  # cannot be evaluated: a division by zero
        "enough_aid": False,
    }
    assert record["end"]["derived"] == record["start"]["derived"]
    assert record["end"]["error"].startswith("derived convoys: division by zero")


def test_scenarios_without_derived_quantities_have_no_derived_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert "derived" not in record["start"] and "derived" not in record["end"]


def test_interactive_shows_derived_values_at_each_step() -> None:
    out = io.StringIO()
    session = Session(load(FIXTURE), {}, 0, out)
    answers = iter(["1", "q"])
    assert interact(session, lambda prompt: next(answers)) == 0
    shown = [line for line in out.getvalue().splitlines() if line.startswith("  derived:")]
    assert shown[:2] == [
        "  derived: trucks_delivered=0, convoys=0, enough_aid=false",
        "  derived: trucks_delivered=600, convoys=3, enough_aid=false",
    ]


def test_the_timeline_tracks_integer_derived_quantities_that_change() -> None:
    run = play(load(FIXTURE), seed=15)
    series = {name: values for name, _, values in tracked_series(run)}
    assert series["trucks_delivered"] == [0, 600, 1200, 1800, 2400, 2400]
    assert "enough_aid" not in series  # a boolean
    assert list(series) == ["convoys_logged", "trucks_delivered", "convoys"]


def test_trace_counts_derived_quantities_as_elements() -> None:
    elements = scenario_elements(load(FIXTURE))
    derived = [e for e in elements if e.path[0] == "derived"]
    assert [e.label for e in derived] == ["trucks_delivered", "convoys", "enough_aid"]
    assert derived[0].quote is not None and derived[1].assumption == "test fixture"


MECHANISM = """\
mechanism: aid
title: Aid
summary: Aid trucks.
sources:
  - id: seed
    file: ../seeds/000_fe535af938dae792.txt
derived:
  - id: trucks
    name: Trucks so far
    value: 600 * day
    assumption: test
"""


def _scenario_with_mechanism(tmp_path: Path, scenario_derived: str) -> Path:
    (tmp_path / "seeds").mkdir()
    shutil.copy(ROOT / "seeds" / "000_fe535af938dae792.txt", tmp_path / "seeds")
    (tmp_path / "mech").mkdir()
    (tmp_path / "mech" / "aid.yaml").write_text(MECHANISM, encoding="utf-8")
    text = FIXTURE.read_text(encoding="utf-8").replace("../../../seeds/", "seeds/")
    text = text.replace(
        "derived:\n", "includes:\n  - file: mech/aid.yaml\nderived:\n" + scenario_derived, 1
    )
    text = text.replace("guard: enough_aid\n", "guard: enough_aid and trucks >= 0\n")
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_mechanism_may_declare_derived_quantities(tmp_path: Path) -> None:
    scenario = load(_scenario_with_mechanism(tmp_path, ""), root=tmp_path)
    assert "trucks" in scenario.derived_names


def test_a_derived_quantity_declared_differently_by_a_mechanism_is_refused(
    tmp_path: Path,
) -> None:
    other = "  - id: trucks\n    name: Trucks so far\n    value: 500 * day\n    assumption: test\n"
    with pytest.raises(ScenarioError) as info:
        load(_scenario_with_mechanism(tmp_path, other), root=tmp_path)
    (problem,) = info.value.problems
    assert problem.message.startswith("derived quantity 'trucks' is declared differently in ")
