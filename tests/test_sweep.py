"""Parameter sweeps (model.analysis.sweep): grids, records, methods, the table and CSV
(model.reports.sweep), the chart (model.render.sweep_chart), the command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import ROOT

from model.analysis.exact import IncompleteGraph, analyse_scenario
from model.analysis.parallel import ScenarioSource
from model.analysis.sweep import Axis, grid, sweep
from model.base.output import OutputError
from model.render.sweep_chart import plot_sweep
from model.reports.sweep import format_table, to_csv
from model.scenario.compiled import ParameterError
from model.scenario.loader import load
from model.simulate import main

EXCHANGE = ROOT / "scenarios" / "hostage_prisoner_exchange.yaml"
PNG = b"\x89PNG\r\n\x1a\n"


def test_axis_parsing() -> None:
    assert Axis.parse("batch_size=5:30:5").values == ("5", "10", "15", "20", "25", "30")
    assert Axis.parse("batch_size=5:29:5").values == ("5", "10", "15", "20", "25")
    assert Axis.parse("w=3:1:-1").values == ("3", "2", "1")
    assert Axis.parse(" flag = true, false ") == Axis("flag", ("true", "false"))
    for bad in ("batch_size", "=1:2:1", "x=1:5:0", "x=5:1:1", "x=1:5", "x=a:b:c", "x=,"):
        with pytest.raises(ParameterError):
            Axis.parse(bad)


def test_grid_checks_every_value_against_the_scenario() -> None:
    scenario = load(EXCHANGE)
    points = grid(scenario, [Axis.parse("batch_size=10:20:10"), Axis.parse("halt_chance=1,2")])
    assert [(p["batch_size"], p["halt_chance"]) for p in points] == [
        (10, 1),
        (10, 2),
        (20, 1),
        (20, 2),
    ]
    with pytest.raises(ParameterError, match="at most 133"):
        grid(scenario, [Axis.parse("batch_size=100:200:50")])
    with pytest.raises(ParameterError, match="unknown parameter"):
        grid(scenario, [Axis.parse("batch_sise=1:2:1")])
    with pytest.raises(ParameterError, match="both swept and set"):
        grid(scenario, [Axis.parse("batch_size=1:2:1")], {"batch_size": "3"})
    with pytest.raises(ParameterError, match="one or two"):
        grid(scenario, [Axis.parse(f"batch_size={k}:{k}:1") for k in (1, 2, 3)])


def test_exact_sweep_records_match_the_exact_analysis() -> None:
    scenario = load(EXCHANGE)
    records = sweep(scenario, [Axis.parse("batch_size=5:30:5")])
    assert {r["method"] for r in records} == {"exact"}
    assert len(records) == 6 * 6  # 6 points x (2 outcomes + 4 endings without one)
    keys = set(records[0])
    assert all(set(r) == keys for r in records)  # one flat shape: pandas.DataFrame(records)
    at_20 = {r["ending"]: r for r in records if r["batch_size"] == 20}
    exact = analyse_scenario(scenario, {"batch_size": 20})
    assert at_20["exchange_completed"]["probability"] == float(exact.outcomes["exchange_completed"])
    assert at_20["exchange_completed"]["low"] == at_20["exchange_completed"]["high"]
    completed = [r["probability"] for r in records if r["ending"] == "exchange_completed"]
    assert completed == sorted(completed)  # larger batches: done in fewer days, each a risk


def test_auto_falls_back_to_monte_carlo_above_max_states() -> None:
    scenario = load(EXCHANGE)
    records = sweep(scenario, [Axis.parse("batch_size=5:35:30")], max_states=100, runs=300)
    methods = {r["batch_size"]: r["method"] for r in records}
    assert methods == {5: "montecarlo", 35: "exact"}  # 434 states at 5, 66 at 35
    mc = next(r for r in records if r["batch_size"] == 5 and r["ending"] == "exchange_completed")
    exact = float(analyse_scenario(scenario, {"batch_size": 5}).outcomes["exchange_completed"])
    assert mc["runs"] == 300 and mc["low"] <= exact <= mc["high"]
    with pytest.raises(IncompleteGraph):
        sweep(scenario, [Axis.parse("batch_size=5:35:30")], max_states=100, method="exact")


def test_monte_carlo_sweep_is_the_same_whatever_jobs() -> None:
    axes = [Axis.parse("batch_size=10:30:20"), Axis.parse("halt_chance=1:2:1")]
    one = sweep(load(EXCHANGE), axes, method="montecarlo", runs=200, seed=3)
    two = sweep(
        ScenarioSource.from_file(EXCHANGE), axes, method="montecarlo", runs=200, seed=3, jobs=2
    )
    assert one == two
    exact_two = sweep(ScenarioSource.from_file(EXCHANGE), axes, jobs=2)
    assert exact_two == sweep(load(EXCHANGE), axes)


def test_table_and_csv() -> None:
    records = sweep(load(EXCHANGE), [Axis.parse("batch_size=10:20:10")])
    table = format_table(records).splitlines()
    assert table[0].split() == ["batch_size", "exchange_completed", "exchange_halted", "method"]
    assert table[1].split()[0] == "10" and table[1].endswith("exact")
    rows = list(csv.DictReader(io.StringIO(to_csv(records))))
    assert len(rows) == len(records) and rows[0]["batch_size"] == "10"
    assert float(rows[0]["probability"]) == records[0]["probability"]


def test_chart_is_written_once_unless_forced(tmp_path: Path) -> None:
    records = sweep(
        load(EXCHANGE), [Axis.parse("batch_size=10:30:10")], method="montecarlo", runs=50
    )
    target = tmp_path / "chart.png"
    plot_sweep(records, target, title="test")
    assert target.read_bytes().startswith(PNG)
    target.write_bytes(b"keep me")
    with pytest.raises(OutputError):
        plot_sweep(records, target)
    assert target.read_bytes() == b"keep me"
    plot_sweep(records, target, force=True)
    assert target.read_bytes().startswith(PNG)
    two = sweep(load(EXCHANGE), [Axis.parse("batch_size=10:30:10"), Axis.parse("halt_chance=1,3")])
    plot_sweep(two, tmp_path / "two.png")
    assert (tmp_path / "two.png").read_bytes().startswith(PNG)


def test_cli_sweep_table_json_csv(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(EXCHANGE)
    assert main([path, "--sweep", "batch_size=5:30:5"]) == 0
    out = capsys.readouterr().out
    assert "sweep of batch_size (6 values) · exact" in out
    assert out.splitlines()[-1].split()[:3] == ["30", "86.9%", "13.1%"]
    assert main([path, "--sweep", "batch_size=10:20:10", "--runs", "100", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["sweep"] == ["batch_size"] and record["records"][0]["method"] == "montecarlo"
    assert (
        main([path, "--sweep", "batch_size=10:20:10", "--sweep", "halt_chance=1,2", "--csv"]) == 0
    )
    header = capsys.readouterr().out.splitlines()[0]
    assert header.startswith("batch_size,halt_chance,kind,ending,probability,low,high,method")


def test_cli_chart_never_overwrites_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, target = str(EXCHANGE), tmp_path / "sweep.png"
    assert main([path, "--sweep", "batch_size=10:20:10", "-o", str(target)]) == 0
    assert target.read_bytes().startswith(PNG)
    assert f"chart written to {target}" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main([path, "--sweep", "batch_size=10:20:10", "-o", str(target)])
    assert exc.value.code == 2 and "--force" in capsys.readouterr().err
    assert main([path, "--sweep", "batch_size=10:20:10", "-o", str(target), "--force"]) == 0


def test_cli_sweep_errors(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(EXCHANGE)
    assert main([path, "--sweep", "batch_size=0:10:5"]) == 2
    assert "batch_size" in capsys.readouterr().err
    assert main([path, "--sweep", "batch_size=5:10:5", "--exact", "--max-states", "10"]) == 2
    assert "more than 10 states" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([path, "--sweep", "a=1:2:1", "--sweep", "b=1:2:1", "--sweep", "c=1:2:1"])
    capsys.readouterr()
