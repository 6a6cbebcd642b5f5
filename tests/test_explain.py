"""Explanations: which conjunct blocks a transition, checked against the reference search.

The explainer (`model.analysis.explain`) reads the explored graph. Here the conjuncts it
reports never true are compared with an independent breadth-first search on the reference
semantics (tests/reference_semantics.py), each conjunct evaluated by the plain expression
evaluator; and, differentially, dropping the one conjunct it blames makes the transition
happen wherever the reference says it then can.
"""

from __future__ import annotations

import copy
from collections import deque
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, SCENARIOS
from hypothesis import event, given, reject, settings
from hypothesis import strategies as st
from reference_semantics import Semantics
from strategies import scenario_data

from model.analysis.consistency import check
from model.analysis.explain import Explainer
from model.analysis.explore import explore
from model.base.errors import RunError, ScenarioError
from model.render.diagram_model import diagram_of
from model.render.mermaid import to_mermaid
from model.scenario import expr, walk
from model.scenario.compiled import Scenario
from model.scenario.loader import load, load_text
from model.semantics.step import Snapshot


def _reachable(scenario: Scenario) -> list[Snapshot]:
    """Every snapshot the reference semantics reaches (steps that break a rule left out)."""
    sem = Semantics(scenario, scenario.parameters())
    try:
        start = sem.initial()
    except RunError:
        return []
    seen = {start}
    queue = deque([start])
    while queue:
        snap = queue.popleft()
        if sem.is_outcome(snap):
            continue
        for entry in sem.node(snap).entries:
            nxt = entry.result
            if isinstance(nxt, Snapshot) and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return list(seen)


def _truth(scenario: Scenario, text: str, snaps: list[Snapshot]) -> list[bool]:
    """``text`` in each snapshot, on the plain evaluator (False where it cannot be evaluated)."""
    sem = Semantics(scenario, scenario.parameters())
    f = expr.compile_expr(expr.parse(text), scenario.tables)
    out = []
    for snap in snaps:
        try:
            out.append(bool(f(sem.env(snap))))
        except ArithmeticError:
            out.append(False)
    return out


def _load(data: dict[str, Any]) -> Scenario:
    try:
        return load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios")
    except ScenarioError:
        reject()  # a constant division by zero: the loader refuses it
        raise


def _dropped(
    data: dict[str, Any], index: int, requirement: int | None, text: str
) -> dict[str, Any]:
    """``data`` with the conjunct ``text`` of transition ``index``'s guard (or requirement)
    left out: made true."""
    out = copy.deepcopy(data)
    t = out["transitions"][index]
    where, key = (t, "guard") if requirement is None else (t["requires"][requirement], "holds")
    rest = [c for c in walk.conjunct_texts(expr.text_of(where.get(key, True))) if c != text]
    where[key] = " and ".join(f"({c})" for c in rest) or "true"
    return out


@settings(max_examples=120, deadline=None)
@given(st.one_of(scenario_data(requires=True), scenario_data(requires=True, time=True)))
def test_conjuncts_never_true_match_the_reference_search(data: dict[str, Any]) -> None:
    scenario = _load(data)
    graph = explore(scenario)
    if graph.initial_error is not None:
        return
    reached = _reachable(scenario)
    explainer = Explainer(graph)
    fired = set(graph.edge_transition) | {se.transition for se in graph.step_errors}
    # The gates of each unreached state: transitions into the states on the way to it that
    # leave a state the reference search reaches, and never happen there.
    states = {s.state for s in reached}
    sem = Semantics(scenario, scenario.parameters())
    for state in (s.id for s in scenario.spec.states if s.id not in states):
        for g in explainer.gates([state]):
            gate = scenario.transitions[g]
            assert any(src in states for src in gate.sources)
            assert not any(
                e.label == g and isinstance(e.result, Snapshot)
                for s in reached
                for e in sem.node(s).entries
            )
    for t in scenario.transitions:
        if t.index in fired:
            continue
        in_source = [s for s in reached if s.state in t.sources]
        if not in_source:
            continue
        verdict = explainer.verdict(t.index)
        conjuncts = explainer.conditions.of(t.index)
        truth = {c: _truth(scenario, c.text, in_source) for c in conjuncts}
        # Never true: exactly the conjuncts false in every reachable snapshot of the sources.
        assert set(verdict.never) == {c for c in conjuncts if not any(truth[c])}
        together = any(all(truth[c][k] for c in conjuncts) for k in range(len(in_source)))
        assert verdict.together == (together or not conjuncts)
        if len(verdict.never) != 1:
            continue
        (blamed,) = verdict.never
        # Differential: without the blamed conjunct the transition happens, wherever the
        # reference semantics then lists it in a snapshot reachable before.
        changed = _load(_dropped(data, t.index, blamed.requirement, blamed.text))
        assert changed.transitions[t.index].trigger == t.trigger
        sem = Semantics(changed, changed.parameters())
        listed = any(e.label == t.index for s in in_source for e in sem.node(s).entries)
        event(f"the blamed conjunct dropped: the transition {'can' if listed else 'cannot'} happen")
        if listed:
            again = explore(changed)
            assert t.index in set(again.edge_transition) | {e.transition for e in again.step_errors}


def test_positions_the_blocking_conjuncts_and_their_causes() -> None:
    scenario = load(ROOT / "scenarios" / "positions_and_three_stage_truce.yaml")
    graph = explore(scenario)
    explainer = Explainer(graph)
    truce = next(t for t in scenario.transitions if t.name == "truce_begins")
    verdict = explainer.verdict(truce.index)
    assert [c.text for c in verdict.never] == ["war_ended", "forces_withdrawn"]
    assert {c.by for c in verdict.never} == {"hamas"}
    explanation = explainer.transition(truce.index)
    kinds = {(c.kind, c.owner, c.text, c.parameters) for c in explanation.causes}
    assert kinds == {
        (
            "position",
            "israel's position",
            "not israel_rules_out_ending_war",
            (("israel_rules_out_ending_war", True),),
        )
    }
    first, second = explanation.sentences()
    assert first.startswith("truce_begins is never enabled because it needs `war_ended`")
    assert "which needs israel_agrees_to_end_war, which is blocked by israel's position" in first
    assert "israel_agrees_to_withdraw" in second


def test_a_variable_that_never_leaves_its_initial_value_is_named() -> None:
    scenario = load(ROOT / "scenarios" / "cairo_talks_process.yaml")
    graph = explore(scenario, {"concessions_so_far": True})
    explainer = Explainer(graph)
    t = next(t for t in scenario.transitions if t.name == "hamas_makes_concession")
    (sentence,) = explainer.transition(t.index).sentences()
    assert "`not hamas_conceded`" in sentence
    assert "hamas_conceded is only true, its initial value, from concessions_so_far = true" in (
        sentence
    )
    # it sets hamas_conceded itself: not named as what it waits for
    assert "which needs hamas_makes_concession" not in sentence


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_the_diagram_marks_exactly_what_the_checker_finds_never_enabled(path: Path) -> None:
    scenario = load(path)
    marked = {ev.name for e in diagram_of(scenario).edges for ev in e.events if ev.never}
    found = {f.target for f in check(scenario).findings if f.kind == "never_enabled"}
    assert marked == found


def test_never_taken_arrows_are_dashed_grey_with_a_legend_entry() -> None:
    import matplotlib.colors

    from model.render.draw import NEVER_COLOUR, draw_diagram

    scenario = load(ROOT / "scenarios" / "positions_and_three_stage_truce.yaml")
    drawing = draw_diagram(scenario)
    lay = drawing.layout
    never = [e for e in lay.legend if e.line == "never"]  # drawn with a sample of the line
    assert [e.text.text for e in never] == ["grey dashed: no run takes it (default parameters)"]
    by_edge = {(r.edge.source, r.edge.dest): r for r in lay.routes}
    assert by_edge[("negotiating", "stage_1_in_force")].never  # truce_begins
    assert not by_edge[("negotiating", "no_agreement")].never
    arrows = [p for p in drawing.figure.axes[0].patches if hasattr(p, "get_linestyle")]
    grey = [p for p in arrows if matplotlib.colors.to_hex(p.get_edgecolor()) == NEVER_COLOUR]
    assert grey and all(p.get_linestyle() != "solid" for p in grey)
    texts = {item.text: t for t, item in drawing.texts}
    truce = next(v for k, v in texts.items() if scenario.labels.event("truce_begins") in k)
    assert matplotlib.colors.to_hex(truce.get_color()) == NEVER_COLOUR
    # A diagram told that nothing is blocked draws no grey arrow and no legend entry.
    plain = draw_diagram(diagram_of(scenario, never=())).layout
    assert not any(r.never for r in plain.routes)
    assert not [e for e in plain.legend if e.line == "never" or "grey" in e.text.text]


def test_mermaid_names_what_no_run_takes_in_a_comment() -> None:
    text = to_mermaid(load(ROOT / "scenarios" / "positions_and_three_stage_truce.yaml"))
    (line,) = [ln for ln in text.splitlines() if "no run takes" in ln]
    assert line.startswith("    %% no run takes (default parameters): ")
    assert "truce_begins" in line and "israel_agrees_to_end_war" in line
