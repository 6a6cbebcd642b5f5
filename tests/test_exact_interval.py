"""Exact analysis on arrays (model.analysis.chain) and interval iteration with a certified bound.

Interval results are checked against the rational solver: every exact fraction lies between
the lower bound and the lower bound plus the certified bound, which is within the tolerance.
"""

from __future__ import annotations

import json
import random
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SCENARIOS
from hypothesis import HealthCheck, given, settings
from strategies import scenario_data
from test_markov import EVERY_ENDING, EVERY_ENDING_EXPECTED, _t, random_chain, scenario_from

import model.analysis.exact as exact_module
from model.analysis.chain import chain
from model.analysis.exact import ExactResult, analyse, analyse_scenario
from model.analysis.explore import explore
from model.analysis.graphs import strongly_connected_components
from model.base.errors import ScenarioError
from model.scenario.compiled import Scenario
from model.scenario.loader import load
from model.simulate import main

ROUNDING = 1e-12  # floating-point sums of a few thousand terms


def assert_brackets(exact: ExactResult, interval: ExactResult, tolerance: float) -> None:
    """Every exact probability, and every day's, lies in [lower, lower + bound]."""
    assert exact.method == "fraction" and interval.method == "interval"
    assert interval.bound is not None and 0 <= interval.bound <= tolerance
    assert float(interval.total) == pytest.approx(1 - interval.bound, abs=ROUNDING)
    for e, i in zip(exact.endings, interval.endings, strict=True):
        assert (e.kind, e.name) == (i.kind, i.name)
        low = i.probability
        assert low - ROUNDING <= e.probability <= low + interval.bound + ROUNDING, e.name
        for day, p in e.days.items():
            got = i.days.get(day, 0.0)
            assert got - ROUNDING <= p <= got + interval.bound + ROUNDING, (e.name, day)
        assert set(i.days) <= set(e.days)


def check_interval(scenario: Scenario, tolerance: float) -> None:
    graph = explore(scenario, max_states=20_000)
    if not graph.complete:
        return
    assert_brackets(
        analyse(graph, "fraction"), analyse(graph, "interval", tolerance=tolerance), tolerance
    )


@pytest.mark.parametrize("tolerance", [1e-3, 1e-9])
def test_interval_bounds_contain_the_hand_derivation(tolerance: float) -> None:
    result = analyse_scenario(scenario_from(EVERY_ENDING), method="interval", tolerance=tolerance)
    assert result.bound is not None and result.bound <= tolerance and result.iterations > 0
    for e in result.endings:
        p, _day = EVERY_ENDING_EXPECTED[e.kind, e.name]
        assert e.probability - ROUNDING <= p <= e.probability + result.bound + ROUNDING


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_interval_bounds_contain_the_exact_values_of_shipped_scenarios(path: Path) -> None:
    check_interval(load(path), 1e-9)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenario_data())
def test_interval_bounds_contain_the_exact_values_of_generated_scenarios(
    data: dict[str, Any],
) -> None:
    try:
        scenario = scenario_from(data)
    except ScenarioError:
        return
    check_interval(scenario, 1e-6)


def test_interval_bounds_contain_the_exact_values_of_random_chains() -> None:
    rng = random.Random(11)
    for _ in range(40):
        check_interval(scenario_from(random_chain(rng)), rng.choice([1e-2, 1e-6, 1e-12]))


def test_interval_stops_at_the_step_limit_with_a_bound_that_still_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = scenario_from(EVERY_ENDING)  # start <-> loop: mass leaves a little each step
    monkeypatch.setattr(exact_module, "MAX_INTERVAL_ITERATIONS", 3)
    graph = explore(scenario)
    result = analyse(graph, "interval", tolerance=1e-12)
    assert result.iterations == 3 and result.bound is not None and result.bound > 1e-12
    exact = analyse(graph, "fraction")
    for e, i in zip(exact.endings, result.endings):
        assert i.probability - ROUNDING <= e.probability <= i.probability + result.bound + ROUNDING


def test_interval_on_a_start_that_breaks_a_rule() -> None:
    data = {**EVERY_ENDING, "invariants": [{"id": "never", "holds": "v > 0", "assumption": "t"}]}
    result = analyse_scenario(scenario_from(data), method="interval")
    assert result.bound == 0 and result.ending("error", "no_outcome").probability == 1


@pytest.mark.parametrize("method", ["fraction", "sparse", "interval"])
def test_every_method_when_runs_end_or_cycle_at_the_start(method: str) -> None:
    plain = {**EVERY_ENDING, "variables": []}
    at_outcome = {**plain, "transitions": [_t("win", "start", "won")], "initial": "won"}
    result = analyse_scenario(scenario_from(at_outcome), method=method)  # type: ignore[arg-type]
    assert result.ending("win").probability == 1 and result.ending("win").days == {0: 1}
    spinning = {**plain, "transitions": [_t("spin", "start", "start")]}
    result = analyse_scenario(scenario_from(spinning), method=method)  # type: ignore[arg-type]
    assert result.ending("cycling", "no_outcome").probability == 1
    assert result.cyclic_components == 1


def test_analyse_refuses_an_unknown_method_or_tolerance() -> None:
    graph = explore(scenario_from(EVERY_ENDING))
    with pytest.raises(ValueError, match="unknown method"):
        analyse(graph, "newton")  # type: ignore[arg-type]
    for bad in (0.0, 1.0, -1e-9, float("nan")):
        with pytest.raises(ValueError, match="tolerance"):
            analyse(graph, "interval", tolerance=bad)


# -- the method auto picks, and exact integers past int64 --------------------------------------


def test_auto_uses_fractions_within_the_memory_budget_and_sparse_above(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    graph = explore(scenario_from(EVERY_ENDING))
    assert analyse(graph).method == "fraction"
    monkeypatch.setattr(exact_module, "FRACTION_MEMORY_BUDGET", 0)
    assert analyse(graph).method == "sparse"


def test_weights_past_int64_stay_exact() -> None:
    # 10**21 and 3 * 10**21 overflow int64: the chain keeps them as Python integers.
    big = "1000000000000000 * 1000000"
    data = {
        **EVERY_ENDING,
        "variables": [],
        "transitions": [
            _t("win", "start", "won", weight=big),
            _t("lose", "start", "lost", weight=f"3 * {big}"),
        ],
    }
    result = analyse_scenario(scenario_from(data), method="fraction")
    assert result.outcomes == {"win": Fraction(1, 4), "lose": Fraction(3, 4)}
    assert analyse_scenario(scenario_from(data), method="sparse").outcomes["win"] == 0.25


# -- the chain's components against the plain Tarjan of model.analysis.graphs ------------------


def check_components(scenario: Scenario) -> None:
    graph = explore(scenario, max_states=5_000)
    if not graph.complete or graph.initial_error is not None:
        return
    c = chain(graph)
    succ: dict[int, list[int]] = {}
    for s, t in zip(c.source.tolist(), c.target.tolist()):
        succ.setdefault(s, []).append(t)
    expected = strongly_connected_components(list(range(c.n)), lambda v: succ.get(v, []))
    got: dict[int, set[int]] = {}
    for node, comp in enumerate(c.component.tolist()):
        got.setdefault(comp, set()).add(node)
    assert sorted(map(sorted, got.values())) == sorted(map(sorted, expected))
    rank = {comp: r for r, comp in enumerate(c.order.tolist())}
    for s, t in zip(c.source.tolist(), c.target.tolist()):
        a, b = c.component[s], c.component[t]
        assert a == b or rank[a] < rank[b]  # topological order
    for comp, members in got.items():
        looped = any(t in members for m in members for t in succ.get(m, []))
        assert bool(c.cyclic[comp]) == (len(members) > 1 or looped)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenario_data())
def test_components_match_a_plain_tarjan_on_generated_scenarios(data: dict[str, Any]) -> None:
    try:
        scenario = scenario_from(data)
    except ScenarioError:
        return
    check_components(scenario)


def test_components_match_a_plain_tarjan_on_random_chains() -> None:
    rng = random.Random(3)
    for _ in range(30):
        check_components(scenario_from(random_chain(rng)))


# -- command line ------------------------------------------------------------------------------


def test_cli_interval_prints_the_bound(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "scenarios" / "hostage_prisoner_exchange.yaml")
    assert main([path, "--exact", "--method", "interval", "--tolerance", "1e-6"]) == 0
    text = capsys.readouterr().out
    assert "(interval iteration)" in text and "tolerance 1e-06" in text
    assert main([path, "--exact", "--method", "interval", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["exact"]["method"] == "interval"
    assert 0 <= record["exact"]["bound"] <= record["exact"]["tolerance"] == 1e-9
    exact = analyse_scenario(load(Path(path)), method="fraction")
    for e, r in zip(exact.endings, record["endings"]):
        assert r["probability"] - ROUNDING <= e.probability <= r["upper"] + ROUNDING
    assert main([path, "--exact", "--method", "interval", "--csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith(",fraction,upper")


def test_cli_method_sparse_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "scenarios" / "hostage_prisoner_exchange.yaml")
    assert main([path, "--exact", "--method", "sparse", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["exact"]["method"] == "sparse"


@pytest.mark.parametrize(
    "argv",
    [
        ["--method", "interval"],  # without --exact
        ["--exact", "--tolerance", "1e-9"],  # without --method interval
        ["--exact", "--method", "interval", "--tolerance", "0"],
        ["--exact", "--method", "interval", "--tolerance", "1"],
        ["--exact", "--method", "interval", "--tolerance", "nan"],
        ["--exact", "--method", "interval", "--tolerance", "tiny"],
        ["--exact", "--method", "newton"],
        ["--runs", "10", "--exact", "--method", "sparse"],
    ],
)
def test_cli_refuses_misused_method_options(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--method" in err or "--tolerance" in err
