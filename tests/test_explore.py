"""The explorer agrees with the `transitions` engine and with a plain reference search."""

from __future__ import annotations

import random
from collections import deque
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, SCENARIOS
from hypothesis import given, reject, settings
from hypothesis import strategies as st
from reference_semantics import Semantics
from strategies import SEED_FILE, scenario_data

from model.analysis.consistency import check
from model.analysis.explore import StateGraph, explore
from model.analysis.findings import STATIC_KINDS
from model.base.errors import RunError, ScenarioError
from model.scenario.compiled import DAYS, Scenario
from model.scenario.loader import load, load_text
from model.semantics.engine import Run
from model.semantics.step import Snapshot


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
        by_trigger = {
            i
            for i in explored | errors
            if i != DAYS and scenario.transitions[i].trigger == trigger  # DAYS: days passing
        }
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
                # A decision of d days takes effect when they have passed (docs/semantics.md,
                # "Durations"): invariants hold on the days between, effects read the clock
                # at arrival.
                next_day = day + t.days(e)
                between = (
                    broken((state, values, k, stage_start)) for k in range(day + 1, next_day)
                )
                why = next((w for w in between if w), None)
                if why:
                    result["fired"].add(t.index)
                    moves += 1
                    result["violations"].setdefault(why, depth[node] + 1)
                    continue
                arrival = env((state, values, next_day, stage_start))
                new = dict(zip(names, values))
                new.update({n: f(arrival) for n, f in t.effects})
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


# --- the explorer on the compiled table against a search on `Semantics` alone ---------------


def _semantics_search(
    scenario: Scenario, max_states: int | None, stop: Any = None
) -> dict[str, Any]:
    """The explorer's loop before issue 12: breadth first, every step on `Semantics`
    (its nodes' steps, weights as the table draws them, and errors, rules of time included)."""
    sem = Semantics(scenario, scenario.parameters())
    try:
        start = sem.initial()
    except RunError as exc:
        return {"initial_error": _error(exc)}
    nodes: list[Snapshot] = [start]
    index = {start: 0}
    edges: list[tuple[int, int, int, int, int]] = []
    parent: list[int | None] = [None]
    expanded = [False]
    errors = []
    complete = True
    queue = deque([0])
    while queue:
        i = queue.popleft()
        snap = nodes[i]
        expanded[i] = True
        if sem.is_outcome(snap) or (stop is not None and stop(snap)):
            continue
        for entry in sem.node(snap).entries:  # the steps with their integer weights
            nxt = entry.result
            if not isinstance(nxt, Snapshot):
                errors.append((i, entry.label, _error(nxt)))
                continue
            j = index.get(nxt)
            if j is None:
                if max_states is not None and len(nodes) >= max_states:
                    complete = False
                    expanded[i] = False
                    continue
                j = len(nodes)
                nodes.append(nxt)
                index[nxt] = j
                parent.append(len(edges))
                expanded.append(False)
                queue.append(j)
            edges.append((i, j, entry.label, entry.weight, entry.days))
    out = [[e for e, (s, *_) in enumerate(edges) if s == i] for i in range(len(nodes))]
    return {
        "initial_error": None,
        "nodes": nodes,
        "edges": edges,
        "out_edges": out,
        "parent": parent,
        "expanded": expanded,
        "step_errors": errors,
        "complete": complete,
    }


def _error(exc: RunError) -> tuple[str, str, Any]:
    return (type(exc).__name__, str(exc), exc.problem)


def _as_reference(graph: StateGraph) -> dict[str, Any]:
    if graph.initial_error is not None:
        assert graph.node_count == 0 and graph.initial is None
        return {"initial_error": _error(graph.initial_error)}
    edges = [(e.source, e.target, e.transition, e.weight, e.days) for e in graph.edges]
    flat = list(
        zip(
            graph.edge_source,
            graph.edge_target,
            graph.edge_transition,
            graph.edge_weight,
            graph.edge_days,
        )
    )
    assert flat == edges  # the arrays and the views agree
    nodes = list(graph.nodes)
    assert all(graph.index[snap] == i for i, snap in enumerate(nodes))
    assert [graph.snapshot(i) for i in range(graph.node_count)] == nodes
    return {
        "initial_error": None,
        "nodes": nodes,
        "edges": edges,
        "out_edges": [list(r) for r in graph.out_edges],
        "parent": list(graph.parent),
        "expanded": list(graph.expanded),
        "step_errors": [(se.node, se.transition, _error(se.error)) for se in graph.step_errors],
        "complete": graph.complete,
    }


@settings(max_examples=150)
@given(
    st.one_of(
        scenario_data(),
        scenario_data(hazards=True),
        scenario_data(time=True),
        scenario_data(time=True, hazards=True),
    ),
    st.sampled_from([None, 1, 3, 20]),
    st.integers(0, 3),
)
def test_explorer_matches_a_search_on_semantics(
    data: dict[str, Any], max_states: int | None, stop_day: int
) -> None:
    # Nodes in order, edges (weights and days), parents, expansion and step errors: exactly.
    try:
        scenario = load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios")
    except ScenarioError:
        reject()  # a constant division by zero: the loader refuses it
    ref = _semantics_search(scenario, max_states)
    assert _as_reference(explore(scenario, max_states=max_states)) == ref
    # With a stop condition: stopped snapshots are kept, not expanded.
    stop = lambda snap: snap.day >= stop_day  # noqa: E731
    stopped = explore(scenario, max_states=max_states, stop=stop)
    assert _as_reference(stopped) == _semantics_search(scenario, max_states, stop)


def _heavy_scenario() -> Scenario:
    """A day-by-day wait weighted 10**30 (beyond 64 bits), and an ending weighted 1."""
    some = {"assumption": "a test"}
    data = {
        "id": "heavy",
        "title": "Heavy weights",
        "summary": "A weight beyond 64 bits.",
        "horizon": 3,
        "sources": [{"id": "seed", "file": SEED_FILE}],
        "parties": [{"id": "p0", "name": "Party 0", "role": "party", **some}],
        "stages": [{"id": "s0", "name": "Stage 0", **some}],
        "states": [{"id": "q0", "stage": "s0", **some}, {"id": "o0", "outcome": "end", **some}],
        "initial": "q0",
        "transitions": [
            {
                "trigger": "wait",
                "source": "q0",
                "dest": "q0",
                "actor": "p0",
                "days": 1,
                "weight": "1000000000000000 * 1000000000000000",
                "allow_backward": True,
                **some,
            },
            {"trigger": "end", "source": "q0", "dest": "o0", "actor": "p0", **some},
        ],
    }
    return load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios")


def test_weights_beyond_64_bits_are_kept_exactly() -> None:
    graph = explore(_heavy_scenario())
    assert _as_reference(graph) == _semantics_search(graph.scenario, None)
    assert list(graph.edge_weight) == [10**30, 1] * 3 + [1]  # on day 3 only the ending
    assert [e.weight for e in graph.successors(0)] == [10**30, 1]


def test_graph_views_read_the_arrays() -> None:
    graph = explore(_heavy_scenario())
    nodes, edges = list(graph.nodes), list(graph.edges)
    assert graph.node_count == len(nodes) == 8 and graph.edge_count == len(edges) == 7
    assert graph.nodes[-1] == nodes[-1] and graph.edges[1:3] == edges[1:3]
    with pytest.raises(IndexError):
        graph.nodes[len(nodes)]
    assert [list(graph.out_edges[i]) for i in (0, 1, 2)] == [[0, 1], [2, 3], []]
    assert graph.parent[0] is None and graph.parent[1] == 0 and graph.parent_edge[0] == -1
    assert graph.index[nodes[3]] == 3 and nodes[3] in graph.index
    assert Snapshot("q0", (), 99, 0) not in graph.index
    assert Snapshot("nowhere", (), 0, 0) not in graph.index
    assert graph.index.get(Snapshot("q0", (), 99, 0)) is None
    assert list(graph.index) == nodes and len(graph.index) == len(nodes)
    assert graph.outcome_nodes == {i: "end" for i, s in enumerate(nodes) if s.state == "o0"}
    last = len(nodes) - 1
    assert graph.path_to(last) == [edges[e] for e in _parent_chain(graph, last)]
    assert [e.target for e in graph.path_to(last)] == [1, 3, 5, 7]


def _parent_chain(graph: StateGraph, node: int) -> list[int]:
    chain = []
    while (e := graph.parent[node]) is not None:
        chain.append(e)
        node = graph.edges[e].source
    return chain[::-1]
