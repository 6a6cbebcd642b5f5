"""The browser explorer's data (issue 18), checked without a browser against the library.

The odds from every snapshot (`model.analysis.odds`, a backward solve) against the forward
solver of the exact analysis started at that snapshot; the steps out of every snapshot against
the `transitions` engine replaying the path to it; each disabled event's reason against what
``Run.fire`` says; the size limits and the budget of the committed pages.
"""

from __future__ import annotations

import json
import random
import re
from fractions import Fraction
from typing import Any

import jsonschema
import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from strategies import scenario_data
from test_markov import EVERY_ENDING, random_chain, scenario_from

from model.analysis.chain import chain
from model.analysis.endings import fraction_endings
from model.analysis.exact import fraction_flow
from model.analysis.explore import StateGraph, explore
from model.analysis.odds import odds_from_every_snapshot
from model.base.errors import RunError, ScenarioError
from model.reports.explorer import BUDGET_BYTES, explorer_data
from model.reports.explorer_schema import ExplorerData, schema_text
from model.scenario.compiled import DAYS, Scenario
from model.scenario.loader import load
from model.semantics.engine import Run
from model.semantics.why import NotEnabled


def forward(graph: StateGraph, node: int) -> dict[tuple[str, str], Fraction]:
    """The exact analysis's forward solver, all the mass put in at ``node``."""
    c = chain(graph)
    labels = [name for kind, name in c.keys if kind == "outcome"]
    ends, errors = fraction_flow(c, {node: Fraction(1)})
    return {(e.kind, e.name): e.probability for e in fraction_endings(c, labels, ends, errors)}


def check_odds(scenario: Scenario, nodes: int | None = None) -> None:
    graph = explore(scenario, max_states=20_000)
    if graph.initial_error is not None or not graph.complete:
        return
    odds = odds_from_every_snapshot(graph)
    every = range(graph.node_count)
    picked = every if nodes is None else random.Random(1).sample(every, min(nodes, len(every)))
    for node in picked:
        got = odds.of(node)
        assert sum(got.values()) == 1
        assert got == forward(graph, node), node


def test_odds_of_every_ending_from_every_snapshot_with_cycles_and_errors() -> None:
    check_odds(scenario_from(EVERY_ENDING))


def test_odds_agree_with_the_forward_solver_on_random_chains() -> None:
    rng = random.Random(11)
    for _ in range(40):
        check_odds(scenario_from(random_chain(rng)))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenario_data())
def test_odds_agree_with_the_forward_solver_on_generated_scenarios(data: dict[str, Any]) -> None:
    try:
        scenario = scenario_from(data)
    except ScenarioError:
        return
    check_odds(scenario, nodes=30)


@pytest.mark.parametrize("name", ["minsk_ii", "november_truce"])
def test_odds_of_shipped_scenarios(name: str) -> None:
    check_odds(load(ROOT / "scenarios" / f"{name}.yaml"), nodes=25)


def _replay(scenario: Scenario, graph: StateGraph, node: int) -> Run:
    run = Run(scenario)
    for edge in graph.path_to(node):
        run.fire(edge.transition)
    assert run.snapshot == graph.snapshot(node)
    return run


@pytest.mark.parametrize("name", ["hostage_prisoner_exchange", "every_ending", "minsk_ii"])
def test_the_steps_and_reasons_of_every_snapshot_are_the_engines(name: str) -> None:
    if name == "every_ending":
        scenario = scenario_from(EVERY_ENDING)
    else:
        scenario = load(ROOT / "scenarios" / f"{name}.yaml")
    data = explorer_data(scenario, name, sample_runs=10)
    jsonschema.validate(data.model_dump(mode="json"), json.loads(schema_text()))
    graph = explore(scenario)
    snaps, steps = data.snapshots, data.steps
    assert snaps is not None and steps is not None and snaps.count == graph.node_count
    errors = {e.step: e.message for e in data.step_errors}
    nodes = range(graph.node_count)
    for node in random.Random(2).sample(nodes, min(150, len(nodes))):
        run = _replay(scenario, graph, node)
        assert data.states[snaps.state[node]].id == run.state
        assert snaps.day[node] == run.day
        values = data.value_rows[snaps.values[node]]
        assert dict(zip((v.id for v in data.variables), values)) == run.values
        mine = range(snaps.first_step[node], snaps.first_step[node + 1])
        shown = [(data.events[steps.event[k]].name, steps.weight[k]) for k in mine]
        assert shown == [(e.name, e.weight) for e in run.enabled()]
        for k in mine:
            event = data.events[steps.event[k]]
            again = _replay(scenario, graph, node)
            index = DAYS if event.kind == "days" else data.events.index(event)
            if steps.target[k] < 0:
                with pytest.raises(RunError) as raised:
                    again.fire(index)
                assert str(raised.value) == errors[k]
            else:
                again.fire(index)
                assert again.snapshot == graph.snapshot(steps.target[k])
        for d in data.disabled_sets[snaps.disabled[node]]:
            event = data.events[d.event]
            with pytest.raises(NotEnabled) as refused:
                run.fire(event.name)
            assert f"({data.reasons[d.why][0]})" in str(refused.value)


def test_the_blocked_event_of_the_positions_scenario_has_the_checkers_explanation() -> None:
    scenario = load(ROOT / "scenarios" / "positions_and_three_stage_truce.yaml")
    data = explorer_data(scenario, "positions")
    event = next(e for e in data.events if e.name == "truce_begins")
    assert any("israel_rules_out_ending_war" in line for line in event.never)
    assert data.snapshots is not None
    blocked = data.disabled_sets[data.snapshots.disabled[0]]
    assert data.events.index(event) in [d.event for d in blocked]


def test_above_the_limits_the_page_says_so_and_offers_monte_carlo() -> None:
    scenario = load(ROOT / "scenarios" / "november_truce.yaml")
    no_odds = explorer_data(scenario, "x", max_odds_snapshots=5, sample_runs=200)
    assert no_odds.snapshots is not None and no_odds.snapshots.odds is None
    assert no_odds.sampled is not None and no_odds.sampled.runs == 200
    assert no_odds.note is not None and "Monte Carlo" in no_odds.note
    assert abs(sum(p.p for p in no_odds.sampled.odds) - 1) < 1e-9
    nothing = explorer_data(scenario, "x", max_snapshots=5, sample_runs=200)
    assert nothing.snapshots is None and nothing.steps is None
    assert nothing.note is not None and "--interactive" in nothing.note
    full = explorer_data(scenario, "x")
    assert full.snapshots is not None and full.snapshots.odds is not None and full.sampled is None


def test_tiny_probabilities_never_read_as_zero() -> None:
    data = explorer_data(load(ROOT / "scenarios" / "cairo_talks_process.yaml"), "x")
    for row in data.odds_rows:
        for p in row:
            assert (p.t == "0%") == (p.p == 0)
            if p.x is not None:
                assert float(Fraction(p.x)) == p.p


def test_the_committed_pages_stay_within_the_budget_and_validate() -> None:
    schema = json.loads(schema_text())
    pages = sorted((ROOT / "docs" / "scenarios").glob("*-explorer.html"))
    assert len(pages) == len(list((ROOT / "scenarios").glob("*.yaml")))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        found = re.search(
            r'<script type="application/json" id="explorer-data">(.*?)</script>', text
        )
        assert found, page
        assert len(found.group(1).encode()) <= BUDGET_BYTES, page
        if page.name.startswith(("november", "monitored")):  # the schema check is slow
            record = json.loads(found.group(1))
            jsonschema.validate(record, schema)
            ExplorerData.model_validate(record)
