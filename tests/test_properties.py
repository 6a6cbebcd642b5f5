"""Properties (``properties:``): the checker's verdicts against an independent reference search
(tests/properties_reference.py) on generated scenarios and properties, lassos and fairness
included; every run the checker shows replays on the engine and shows what it claims."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
import yaml
from conftest import ROOT, SCENARIOS
from hypothesis import assume, given
from hypothesis import strategies as st
from properties_reference import END, RefGraph, verdict
from strategies import scenario_data
from test_explore import _as_reference, _semantics_search

from model.analysis.consistency import check
from model.analysis.explore import explore
from model.analysis.lassos import STUTTER, Lasso
from model.analysis.properties import PropertyChecks
from model.base.errors import RunError, ScenarioError
from model.scenario.loader import load, load_text
from model.semantics.engine import Run
from model.semantics.step import Snapshot

# --- generated properties ------------------------------------------------------------------


@st.composite
def condition(draw: st.DrawFn, data: dict[str, Any]) -> str:
    """A condition over the generated scenario's names (state, stage, outcome, variables,
    the clock), of up to two atoms."""
    atoms = [f"state == '{s['id']}'" for s in data["states"]]
    atoms += [f"stage == '{s['id']}'" for s in data["stages"]]
    atoms += ["outcome != 'none'", "outcome == 'outcome_0'", "true", "false"]
    atoms += [f"day >= {k}" for k in range(1, 4)]
    for v in data.get("variables", []):
        if v["type"] == "int":
            atoms.append(f"{v['id']} >= {draw(st.integers(0, 3))}")
        elif v["type"] == "bool":
            atoms.append(v["id"])
        else:
            atoms.append(f"{v['id']} == '{v['values'][0]}'")
    a = draw(st.sampled_from(atoms))
    shape = draw(st.sampled_from(["a", "not a", "a and b", "a or b"]))
    b = draw(st.sampled_from(atoms))
    return shape.replace("a", f"({a})", 1).replace(" b", f" ({b})")


@st.composite
def with_properties(draw: st.DrawFn, data_strategy: Any = None) -> dict[str, Any]:
    data = draw(data_strategy if data_strategy is not None else scenario_data())
    props = []
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["always", "never", "eventually", "leads_to", "until"]))
        p: dict[str, Any] = {"id": f"p{i}", "assumption": "generated"}
        if kind == "leads_to":
            p[kind] = {"from": draw(condition(data)), "to": draw(condition(data))}
            if draw(st.booleans()):
                p[kind]["within_days"] = draw(st.integers(0, 4))
        elif kind == "until":
            p[kind] = {"holds": draw(condition(data)), "until": draw(condition(data))}
        else:
            p[kind] = draw(condition(data))
        if draw(st.booleans()):
            p["in"] = "some run"
        if draw(st.booleans()):
            p["fair"] = True
        props.append(p)
    data["properties"] = props
    return data


def _load(data: dict[str, Any]) -> Any:
    try:
        return load_text(yaml.safe_dump(data, allow_unicode=True), base_dir=ROOT / "scenarios")
    except ScenarioError:
        assume(False)


@given(
    st.one_of(
        with_properties(),
        with_properties(scenario_data(time=True)),
        with_properties(scenario_data(hazards=True)),
    )
)
def test_verdicts_match_the_reference_search(data: dict[str, Any]) -> None:
    scenario = _load(data)
    graph = explore(scenario, max_states=400)
    assume(graph.initial is not None and graph.complete)
    ref = RefGraph(scenario)
    assert ref.complete
    for p, result in zip(data["properties"], PropertyChecks(scenario, graph).results()):
        expected = verdict(ref, p)
        assert result.status == ("holds" if expected else "fails"), (p, result.message)
        every = p.get("in", "every run") == "every run"
        if result.run is not None and not _through_errors(graph, result.run):
            # a counterexample (every run) or a witness (some run); the engine refuses to
            # list the events of a snapshot where one breaks a rule, so runs through such a
            # snapshot (hazards) are compared by verdict only
            _replay_shows(scenario, graph, ref, p, result.run, breaks=every)
        elif result.run is None:
            assert result.status == ("holds" if every else "fails")


def _through_errors(graph: Any, run: Lasso) -> bool:
    broken = {se.node for se in graph.step_errors}
    return 0 in broken or any(
        graph.edge_source[e] in broken for e in (*run.prefix, *run.cycle) if e != STUTTER
    )


def _replay_shows(
    scenario: Any, graph: Any, ref: RefGraph, p: dict[str, Any], run: Lasso, breaks: bool
) -> None:
    """Replay ``run`` on the engine; its snapshots show the property broken (``breaks``) or
    satisfied, read independently (reference conditions, reference enabled events)."""
    engine = Run(scenario, graph.params)
    prefix = [engine.snapshot]
    for e in run.prefix:
        engine.fire(graph.edge_transition[e])
        prefix.append(engine.snapshot)
    loop = [engine.snapshot]
    labels = []
    for e in run.cycle:
        if e == STUTTER:
            assert ref.succ[loop[-1]] == [(END, loop[-1])]  # the run ends: nothing can happen
            loop.append(loop[-1])
            continue
        label = graph.edge_transition[e]
        engine.fire(label)
        labels.append(label)
        loop.append(engine.snapshot)
    if run.cycle:
        assert loop[-1] == loop[0]
        if p.get("fair"):  # weakly fair: what stays enabled round the cycle is taken on it
            always = set.intersection(*(ref.enabled(s) for s in loop))
            assert always <= set(labels)
    _shows(ref, p, prefix, loop if run.cycle else [], breaks)


def _shows(
    ref: RefGraph, p: dict[str, Any], prefix: list[Snapshot], loop: list[Snapshot], breaks: bool
) -> None:
    def h(text: str, s: Snapshot) -> bool:
        return ref.holds(text, s)

    whole = prefix + loop
    if "always" in p or "never" in p:
        good = [h(p["always"], s) if "always" in p else not h(p["never"], s) for s in whole]
        if breaks:
            assert not loop and not good[-1] and all(good[:-1])
        else:
            assert loop and all(good)
    elif "eventually" in p:
        if breaks:
            assert loop and not any(h(p["eventually"], s) for s in whole)
        else:
            assert not loop and h(p["eventually"], prefix[-1])
    elif "until" in p:
        hold, until = p["until"]["holds"], p["until"]["until"]
        if breaks and not loop:
            *before, last = prefix
            assert all(h(hold, s) and not h(until, s) for s in before)
            assert not h(hold, last) and not h(until, last)
        elif breaks:
            assert all(h(hold, s) and not h(until, s) for s in whole)
        else:
            *before, last = prefix
            assert all(h(hold, s) for s in before) and h(until, last)
    else:
        lt = p["leads_to"]
        within = lt.get("within_days")
        ok = [h(lt["to"], s) for s in whole]
        starts = [i for i, s in enumerate(whole) if h(lt["from"], s)]
        if breaks and not loop:  # the days ran out at the last snapshot
            last = len(prefix) - 1
            assert any(
                not any(ok[i:last]) and prefix[last].day - prefix[i].day > within for i in starts
            )
        elif breaks:  # a start never answered: no `to` after it, round the cycle included
            assert any(not any(ok[i:]) for i in starts) and not any(ok[len(prefix) :])
        else:  # every start answered (in time), round the cycle too (cycles take no days)
            assert loop
            for i in starts:
                after = [j for j in range(i, len(whole)) if ok[j]]
                if not after and i >= len(prefix):
                    after = [j for j in range(len(prefix), len(whole)) if ok[j]]
                assert after, (i, whole)
                if within is not None:
                    assert abs(whole[after[0]].day - whole[i].day) <= within


# --- examples: a small scenario where fairness and ends matter -----------------------------

SMALL = """
id: small
title: Talks that may go on for ever
summary: A party may talk again and again; the mediator may close the talks.
sources: [{id: seed, file: ../seeds/000_fe535af938dae792.txt}]
parties:
  - {id: a, name: A, role: party, assumption: x}
  - {id: m, name: M, role: mediator, assumption: x}
stages: [{id: talks, name: Talks, assumption: x}]
states:
  - {id: open, stage: talks, assumption: x}
  - {id: done, outcome: agreed, assumption: x}
initial: open
transitions:
  - {trigger: talk_again, source: open, dest: open, actor: a, assumption: x}
  - {trigger: close, source: open, dest: done, actor: m, assumption: x}
"""


def _props(text: str, props: list[dict[str, Any]]) -> list[Any]:
    data = yaml.safe_load(text)
    data["properties"] = [{"id": f"p{i}", "assumption": "x", **p} for i, p in enumerate(props)]
    scenario = load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios")
    return check(scenario).properties


def test_fairness_decides_whether_talks_end() -> None:
    unfair, fair, some = _props(
        SMALL,
        [
            {"eventually": "outcome == 'agreed'"},
            {"eventually": "outcome == 'agreed'", "fair": True},
            {"always": "state == 'open'", "in": "some run"},
        ],
    )
    assert unfair.status == "fails" and fair.status == "holds" and some.status == "holds"
    assert unfair.run is not None and unfair.run.prefix == () and len(unfair.run.cycle) == 1
    assert "fair runs only" in fair.message


def test_a_run_that_ends_stays_in_its_last_snapshot() -> None:
    (result,) = _props(SMALL, [{"always": "state == 'done'", "in": "some run"}])
    assert result.status == "fails"  # the start is not 'done'
    (result,) = _props(SMALL, [{"eventually": "state == 'done'", "in": "some run"}])
    assert result.status == "holds" and result.run is not None
    (result,) = _props(SMALL, [{"leads_to": {"from": "state == 'done'", "to": "state == 'open'"}}])
    assert result.status == "fails" and result.run is not None
    assert result.run.cycle == (STUTTER,)  # ends in 'done' and stays there


@pytest.mark.parametrize(
    ("prop", "message"),
    [
        ({"always": "stage == 'talk'"}, "properties[0].always: 'talk' is not one of stage"),
        ({"eventually": "x > 1"}, "properties[0].eventually: unknown name 'x'"),
        ({"always": "true", "never": "false"}, "needs exactly one of always, never"),
        ({"always": "true", "in": "all runs"}, "properties[0].in"),
        ({"leads_to": {"from": "true", "to": "oops"}}, "properties[0].leads_to.to: unknown"),
        ({"leads_to": {"from": "true", "to": "true", "within_days": -1}}, "within_days"),
    ],
)
def test_bad_properties_are_located(prop: dict[str, Any], message: str, tmp_path: Any) -> None:
    data = yaml.safe_load(SMALL)
    seed = ROOT / "seeds" / "000_fe535af938dae792.txt"
    (tmp_path / "seed.txt").write_text(seed.read_text())
    data["sources"][0]["file"] = "seed.txt"
    data["properties"] = [{"id": "p", "assumption": "x", **prop}]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    proc = subprocess.run(
        [sys.executable, "-m", "model.check", str(path), "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2, proc.stderr
    assert "bad.yaml:" in proc.stderr and message in proc.stderr, proc.stderr


# --- the shipped scenarios ----------------------------------------------------------------


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_properties_hold_and_runs_replay(path: Any) -> None:
    scenario = load(path)
    for params in scenario.variant_choices({}):
        result = check(scenario, params)
        expected = {f.target for f in result.findings if f.kind == "property_violated"}
        assert all(f.expected for f in result.findings if f.kind == "property_violated")
        for r in result.properties:
            assert r.status == "holds" or (r.status == "fails" and r.id in expected), r.message
            if r.run is not None:  # a witness or counterexample: it replays on the engine
                engine = Run(scenario, result.graph.params)
                for e in (*r.run.prefix, *r.run.cycle):
                    if e != STUTTER:
                        engine.fire(result.graph.edge_transition[e])


def test_the_json_output_carries_each_property() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "model.check", "cairo_three_stage_truce", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    records = json.loads(proc.stdout)
    records = records if isinstance(records, list) else records.get("scenarios", [records])
    props = records[0]["properties"]
    assert props and all(p["status"] == "holds" for p in props)
    assert {"id", "statement", "in", "fair", "status", "message", "where"} <= set(props[0])


# --- invariants may name the state, the stage and the outcome -----------------------------


@st.composite
def with_state_invariant(draw: st.DrawFn) -> dict[str, Any]:
    data = draw(scenario_data(time=draw(st.booleans())))
    data.setdefault("invariants", []).append(
        {"id": "names_the_state", "holds": draw(condition(data)), "assumption": "generated"}
    )
    return data


@given(with_state_invariant())
def test_invariants_naming_the_state_match_the_reference_semantics(data: dict[str, Any]) -> None:
    scenario = _load(data)
    assert _as_reference(explore(scenario, max_states=300)) == _semantics_search(scenario, 300)


def test_an_invariant_names_the_state() -> None:
    data = yaml.safe_load(SMALL)
    data["invariants"] = [
        {"id": "talks_open", "holds": "state == 'open' and stage == 'talks'", "assumption": "x"}
    ]
    scenario = load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios")
    (finding,) = [f for f in check(scenario).findings if f.kind == "invariant_violated"]
    assert finding.target == "talks_open" and "after close" in finding.message
    run = Run(scenario)
    with pytest.raises(RunError, match="invariant 'talks_open' is false after transition close"):
        run.fire("close")


def test_undecided_without_the_whole_graph_or_the_exact_clock() -> None:
    data = yaml.safe_load(SMALL)
    data["properties"] = [
        {"id": "never_closes", "never": "state == 'done'", "assumption": "x"},
        {"id": "stays_open", "always": "state == 'open'", "assumption": "x"},
        {"id": "by_day_three", "eventually": "day >= 3", "in": "some run", "assumption": "x"},
    ]
    scenario = load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios")
    result = check(scenario, max_states=1)  # only the start: nothing shown either way
    never, stays, day = result.properties
    assert never.status == stays.status == "undecided" and "stopped" in never.message
    # no horizon, and the scenario compares the clock with nothing: it is not kept exactly
    assert day.status == "undecided" and "reads the clock" in day.message
    assert check(scenario).properties[0].status == "fails"  # a run found is a run


def test_ignore_switches_off_failed_properties() -> None:
    scenario = load(ROOT / "tests" / "fixtures" / "broken" / "property_violated.yaml")
    assert not check(scenario).clean
    result = check(scenario, ignore={"property_violated"})
    assert result.clean and result.properties[0].status == "fails"


def test_a_fair_cycle_needs_every_snapshot_on_it_fully_explored() -> None:
    # With one state only, `close` (enabled at the start) is not in the graph: the loop of
    # talk_again looks fair there but is not; the answer is left open, not refuted.
    unfair, fair = _props_limited(
        [{"eventually": "outcome == 'agreed'"}, {"eventually": "outcome == 'agreed'", "fair": True}]
    )
    assert unfair.status == "fails" and fair.status == "undecided"


def _props_limited(props: list[dict[str, Any]]) -> list[Any]:
    data = yaml.safe_load(SMALL)
    data["properties"] = [{"id": f"p{i}", "assumption": "x", **p} for i, p in enumerate(props)]
    scenario = load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios")
    return check(scenario, max_states=1).properties
