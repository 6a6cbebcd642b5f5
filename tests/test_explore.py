"""The explorer agrees with the `transitions` engine and with a plain reference search."""

from __future__ import annotations

import random
from collections import deque
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, SCENARIOS
from hypothesis import given
from strategies import scenario_data

from model.analysis.consistency import check
from model.analysis.explore import StateGraph, explore
from model.analysis.findings import STATIC_KINDS
from model.base.errors import RunError
from model.scenario.compiled import Scenario
from model.scenario.loader import load, load_text
from model.semantics.engine import Run


def _replay_and_compare(graph: StateGraph, node: int) -> None:
    """Reach ``node`` on the engine by its explored path; compare states and accepted events."""
    scenario = graph.scenario
    run = Run(scenario, graph.params)
    assert run.snapshot == graph.nodes[0]
    for edge in graph.path_to(node):
        run.fire(edge.transition)
        assert run.snapshot == graph.nodes[edge.target]
        assert run.state == graph.nodes[edge.target].state  # transitions' own state attribute
    explored = {graph.transition(e).index for e in graph.successors(node)}
    errors = {se.transition for se in graph.step_errors if se.node == node}
    if not graph.expanded[node]:
        return
    for t in scenario.transitions:
        try:
            accepted = run.accepts(t.trigger, t.index)
        except RunError:
            accepted = t.index in errors  # the guard itself failed: the explorer says so too
            assert accepted
            continue
        assert accepted == (t.index in explored | errors), (t.name, graph.nodes[node])
    for trigger in {t.trigger for t in scenario.transitions}:
        by_trigger = {i for i in explored | errors if scenario.transitions[i].trigger == trigger}
        try:
            assert run.accepts(trigger) == bool(by_trigger)
        except RunError:
            assert by_trigger & errors


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_explored_paths_replay_identically_on_the_engine(path: Path) -> None:
    graph = explore(load(path))
    assert graph.complete
    rng = random.Random(1)
    nodes = list(range(len(graph.nodes)))
    sample = nodes if len(nodes) <= 400 else [0, len(nodes) - 1, *rng.sample(nodes, 300)]
    for node in sample:
        _replay_and_compare(graph, node)


@given(scenario_data())
def test_generated_scenarios_explorer_matches_engine(data: dict[str, Any]) -> None:
    scenario = load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios")
    graph = explore(scenario, max_states=5000)
    for node in range(len(graph.nodes)):
        _replay_and_compare(graph, node)


# --- a reference search written for the test, from the semantics in docs/format.md ---------


def _reference(scenario: Scenario) -> dict[str, Any]:
    """Plain breadth-first search with the semantics re-implemented step by step."""
    spec = scenario.spec
    params = scenario.parameters()
    names = [v.id for v in spec.variables]
    stage_of = {s.id: s.stage for s in spec.states}
    outcome_of = {s.id: s.outcome for s in spec.states}
    lengths = {
        st.id: (None if f is None else f(params))
        for st, f in ((st, scenario.stage_days[st.id]) for st in spec.stages)
    }

    def env(node: tuple[Any, ...]) -> dict[str, Any]:
        state, values, day, start = node
        e = {**params, **dict(zip(names, values)), "day": day, "day_in_stage": day - start}
        if stage_of[state] is not None and lengths.get(stage_of[state]) is not None:
            e["stage_days"] = lengths[stage_of[state]]
        return e

    def broken(node: tuple[Any, ...]) -> str | None:
        for inv_name, f in scenario.invariants:
            if not f(env(node)):
                return f"invariant:{inv_name}"
        return None

    init_values = tuple(f(params) for _, f in scenario.initial_values)
    start = (spec.initial, init_values, 0, 0)
    result: dict[str, Any] = {
        "reached": set(),
        "deadlocks": set(),
        "fired": set(),
        "violations": {},
        "outcomes": set(),
    }
    why = broken(start)
    if why:
        result["violations"][why] = 0
        return result
    depth = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        result["reached"].add(node)
        state, values, day, stage_start = node
        if outcome_of[state]:
            result["outcomes"].add(outcome_of[state])
            continue
        moves = 0
        for t in scenario.transitions:
            if state not in t.sources:
                continue
            e = env(node)
            try:
                if not t.guard(e) or t.weight(e) <= 0 or day + t.days(e) > spec.horizon:
                    continue
                new = dict(zip(names, values))
                new.update({n: f(e) for n, f in t.effects})
                next_day = day + t.days(e)
            except ZeroDivisionError:
                result["violations"].setdefault(f"evaluation:{t.name}", depth[node] + 1)
                result["fired"].add(t.index)
                moves += 1
                continue
            result["fired"].add(t.index)
            moves += 1
            out = [n for n, (lo, hi) in scenario.bounds.items() if not lo <= new[n] <= hi]
            if out:
                result["violations"].setdefault(f"bounds:{t.name}", depth[node] + 1)
                continue
            same = stage_of[t.dest] == stage_of[state]
            nxt = (
                t.dest,
                tuple(new[n] for n in names),
                next_day,
                stage_start if same else next_day,
            )
            why = broken(nxt)
            if why:
                result["violations"].setdefault(why, depth[node] + 1)
                continue
            if nxt not in depth:
                depth[nxt] = depth[node] + 1
                queue.append(nxt)
        if moves == 0:
            result["deadlocks"].add(node)
    return result


def _kind_key(f: Any) -> str | None:
    if f.kind == "invariant_violated":
        return f"invariant:{f.target}"
    if f.kind == "out_of_bounds":
        return f"bounds:{f.target.split(':')[0]}"
    if f.kind == "evaluation_error":
        return f"evaluation:{f.target}"
    return None


@given(scenario_data())
def test_generated_scenarios_checker_matches_reference_search(data: dict[str, Any]) -> None:
    scenario = load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios")
    ref = _reference(scenario)
    result = check(scenario)
    graph = result.graph
    assert graph.complete
    if not ref["reached"]:  # the start itself breaks an invariant
        (finding,) = [f for f in result.findings if f.kind not in STATIC_KINDS]
        assert finding.kind == "invariant_violated" and finding.trace == ()
        assert f"invariant:{finding.target}" in ref["violations"]
        return
    reached = {(s.state, s.values, s.day, s.stage_start) for s in graph.nodes}
    assert reached == ref["reached"]
    assert set(result.outcomes_reached) == ref["outcomes"]
    # Dead ends: the checker splits them into deadlocks and horizon ends, by control state.
    dead = {f.target for f in result.findings if f.kind in ("deadlock", "horizon_reached")}
    assert dead == {node[0] for node in ref["deadlocks"]}
    never = {f.target for f in result.findings if f.kind == "never_enabled"}
    assert never == {t.name for t in scenario.transitions if t.index not in ref["fired"]}
    # Rule violations: same kinds, each with a shortest trace of the same length.
    found = {}
    for f in result.findings:
        key = _kind_key(f)
        if key is not None:  # one transition may break several bounds: the nearest counts
            found[key] = min(found.get(key, len(f.trace)), len(f.trace))
    assert set(found) == set(ref["violations"])
    for key, length in ref["violations"].items():
        assert found[key] == length, key
