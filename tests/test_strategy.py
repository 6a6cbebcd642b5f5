"""What a party can force (model/analysis/strategy.py): the bounds against an independent
reference (value iteration on a decision process built from the tests' reference semantics),
the chain of each printed strategy against its bound, the weights inside the bounds, and the
command line."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from fractions import Fraction
from typing import Any

import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_semantics import Semantics
from strategies import SEED_FILE, scenario_data
from time_reference import load_data

from model.analysis.exact import analyse
from model.analysis.explore import explore
from model.analysis.game import parties
from model.analysis.parallel import max_jobs
from model.analysis.strategy import Guarantees, guarantee_table, guarantees, under_strategy
from model.base.errors import RunError
from model.scenario.compiled import Scenario
from model.scenario.loader import load
from model.semantics.step import Snapshot
from model.strategy import main

LIMIT = 300


@st.composite
def game_data(draw: st.DrawFn) -> dict[str, Any]:
    """A small scenario in which parties' decisions compete: 2-3 parties, 2-4 states that
    are not outcomes and two outcomes, decisions of random actors and weights between them
    (some taking days, some guarded by a counter), a daily risk, maybe no horizon (a
    saturated clock)."""
    n_parties = draw(st.integers(2, 3))
    n_states = draw(st.integers(2, 4))
    assumed = {"assumption": "test"}
    states = [{"id": f"s{i}", **assumed} for i in range(n_states)]
    states += [
        {"id": "win", "outcome": "win", **assumed},
        {"id": "lose", "outcome": "lose", **assumed},
    ]
    names = [s["id"] for s in states]
    transitions = []
    for k in range(draw(st.integers(2, 8))):
        t: dict[str, Any] = {
            "trigger": f"t{k}",
            "source": f"s{draw(st.integers(0, n_states - 1))}",
            "dest": draw(st.sampled_from(names)),
            "actor": f"p{draw(st.integers(0, n_parties - 1))}",
            "weight": draw(st.integers(1, 4)),
            **assumed,
        }
        if draw(st.integers(0, 3)) == 0:
            t["days"] = draw(st.integers(1, 2))
        if draw(st.integers(0, 3)) == 0:
            t["guard"] = f"n < {draw(st.integers(1, 2))}"
            t["effects"] = {"n": "n + 1"}
        transitions.append(t)
    if draw(st.booleans()):
        transitions.append(
            {
                "trigger": "breakdown",
                "source": "s0",
                "dest": "lose",
                "actor": "p0",
                "risk": {"chance": draw(st.integers(1, 3)), "in": 10, "per": "day"},
                **assumed,
            }
        )
    data: dict[str, Any] = {
        "id": "game",
        "title": "game",
        "summary": "generated",
        "sources": [{"id": "seed", "file": SEED_FILE}],
        "parties": [
            {"id": f"p{i}", "name": f"P{i}", "role": "party", **assumed} for i in range(n_parties)
        ],
        "variables": [{"id": "n", "type": "int", "min": 0, "max": 3, "initial": 0, **assumed}],
        "stages": [{"id": "only", "name": "Only", **assumed}],
        "states": [{**st_, "stage": "only"} if "outcome" not in st_ else st_ for st_ in states],
        "initial": "s0",
        "transitions": transitions,
    }
    if draw(st.booleans()):
        data["horizon"] = draw(st.integers(1, 6))
    return data


SMALL = st.one_of(
    game_data(), scenario_data(time=True), scenario_data(), scenario_data(hazards=True)
)


class TooLarge(Exception):
    pass


def reference_bounds(
    scenario: Scenario, coalition: frozenset[str], limit: int = LIMIT
) -> dict[str, tuple[float, float]]:
    """Least and greatest probability of each outcome by plain value iteration from 0, on a
    decision process built breadth first from the reference semantics: at a snapshot where
    decisions are taken, the coalition takes one of its own or lets the others' decisions
    happen by their weights; everything else by its weights."""
    sem = Semantics(scenario, scenario.parameters())
    try:
        start = sem.initial()
    except RunError:
        return {}
    nodes: list[Snapshot] = [start]
    index = {start: 0}
    # per node: a list of options, each a list of (probability, successor or -1: an error)
    options: list[list[list[tuple[Fraction, int]]]] = []
    label: list[str | None] = []
    i = 0
    while i < len(nodes):
        snap = nodes[i]
        i += 1
        label.append(scenario.outcome_of(snap.state))
        node = sem.node(snap)
        if label[-1] is not None or node.kind == "end" or not node.listed:
            options.append([])
            continue
        branches = []
        for e in node.entries:
            if isinstance(e.result, RunError):
                j = -1
            else:
                j = index.get(e.result, -2)
                if j == -2:
                    if len(nodes) >= limit:
                        raise TooLarge
                    j = index[e.result] = len(nodes)
                    nodes.append(e.result)
            assert e.weight is not None
            actor = scenario.transitions[e.label].actor if e.label >= 0 else None
            branches.append((e.weight, j, actor))
        if node.kind == "decisions":
            mine = [b for b in branches if b[2] in coalition]
            theirs = [b for b in branches if b[2] not in coalition]
        else:
            mine, theirs = [], branches
        opts = [[(Fraction(1), j)] for _, j, _ in mine]
        if theirs:
            total = sum(w for w, _, _ in theirs)
            opts.append([(Fraction(w, total), j) for w, j, _ in theirs])
        options.append(opts)
    out = {}
    for outcome in {o for o in label if o is not None}:
        bounds = []
        for pick in (min, max):
            v = [1.0 if lab == outcome else 0.0 for lab in label]
            for _ in range(100_000):
                moved = 0.0
                for a in range(len(nodes)):
                    if options[a]:
                        new = pick(
                            sum(float(p) * (v[j] if j >= 0 else 0.0) for p, j in opt)
                            for opt in options[a]
                        )
                        moved = max(moved, abs(new - v[a]))
                        v[a] = new
                if moved < 1e-13:
                    break
            bounds.append(v[0])
        out[outcome] = (bounds[0], bounds[1])
    return out


def _coalitions(scenario: Scenario) -> list[frozenset[str]]:
    ps = parties(scenario)
    return [frozenset([p]) for p in ps] + [frozenset(ps[:2])]


@settings(max_examples=120, deadline=None)
@given(SMALL)
def test_bounds_equal_a_reference_value_iteration_on_generated_scenarios(
    data: dict[str, Any],
) -> None:
    scenario = load_data(data)
    graph = explore(scenario, max_states=LIMIT)
    if graph.initial_error is not None or not graph.complete:
        return
    for coalition in _coalitions(scenario):
        try:
            want = reference_bounds(scenario, coalition)
        except TooLarge:
            return
        got = guarantees(graph, coalition, method="fraction")
        for o in got.outcomes:
            low, high = want.get(o.outcome, (0.0, 0.0))
            assert abs(float(o.least.probability) - low) < 1e-9, (o.outcome, coalition)
            assert abs(float(o.greatest.probability) - high) < 1e-9, (o.outcome, coalition)


@settings(max_examples=120, deadline=None)
@given(SMALL)
def test_each_strategy_gives_its_bound_as_an_ordinary_chain_and_the_weights_lie_inside(
    data: dict[str, Any],
) -> None:
    scenario = load_data(data)
    graph = explore(scenario, max_states=LIMIT)
    if graph.initial_error is not None or not graph.complete:
        return
    weights = analyse(graph, "fraction")
    for coalition in _coalitions(scenario):
        g = guarantees(graph, coalition, method="fraction")
        floats = guarantees(graph, coalition, method="float")
        for o, f in zip(g.outcomes, floats.outcomes):
            p = weights.ending(o.outcome).probability
            assert o.least.probability <= p <= o.greatest.probability
            for b in (o.least, o.greatest):
                chain = under_strategy(g, b.policy, "fraction")
                assert chain.ending(o.outcome).probability == b.probability
            assert abs(float(o.least.probability) - f.least.probability) < 1e-9
            assert abs(float(o.greatest.probability) - f.greatest.probability) < 1e-9
            if o.surely:
                assert o.almost_surely
            assert o.unavoidable == (o.least.probability == 1)


def test_the_three_stage_truce_table_answers_the_issue_questions() -> None:
    graph = explore(load("scenarios/cairo_three_stage_truce.yaml"))
    weights = analyse(graph, "sparse")
    for party in ("israel", "hamas"):
        g = guarantees(graph, {party})
        no_deal = g.outcome("no_agreement")
        # Either side alone can keep the talks from ending in a deal, up to the horizon.
        assert no_deal.greatest.probability > 0.99999
        done = g.outcome("three_stages_completed")
        assert done.least.probability == 0
        assert weights.ending("three_stages_completed").probability < done.greatest.probability
        assert done.greatest.probability < 0.51
    arab = guarantees(graph, {"arab_force"})  # one choice at a time: nothing to choose
    for o in arab.outcomes:
        assert o.least.probability == pytest.approx(o.greatest.probability, abs=1e-12)


def test_adversarial_bounds_lie_outside_the_cooperative_ones() -> None:
    graph = explore(load("scenarios/cairo_talks_process.yaml"))
    for party in parties(graph.scenario):
        calm = guarantees(graph, {party}, method="fraction")
        hard = guarantees(graph, {party}, adversarial=True, method="fraction")
        for a, b in zip(calm.outcomes, hard.outcomes):
            assert b.greatest.probability <= a.greatest.probability
            assert b.least.probability >= a.least.probability


def test_command_line_table_strategy_json_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    path = "scenarios/cairo_talks_process.yaml"
    assert main([path]) == 0
    text = capsys.readouterr().out
    assert "what each party can force" in text and "(by the weights)" in text
    assert main([path, "--for", "israel", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["strategy"]["coalition"] == ["israel"]
    assert record["strategy"]["method"] == "fraction"
    o = record["outcomes"][0]
    assert o["least"]["probability"] <= o["weights"]["probability"] <= o["greatest"]["probability"]
    assert "policy" in o["greatest"] and record["sample_run"]["run"]["steps"]
    assert o["greatest"]["under_strategy"]["fraction"] == o["greatest"]["fraction"]
    assert main([path, "--for", "israel,hamas", "--csv"]) == 0
    assert capsys.readouterr().out.startswith("coalition,adversarial,outcome,least,greatest")
    assert main([path, "--for", "israel"]) == 0
    text = capsys.readouterr().out
    assert "first move:" in text and "sample run under the strategy" in text
    assert main([path, "--for", "nobody"]) == 2
    assert "unknown party nobody" in capsys.readouterr().err
    assert main([path, "--for", "israel", "--outcome", "nothing"]) == 2


def test_the_docs_page_of_the_truce_reads_the_table_from_the_numbers() -> None:
    from model.base.textfmt import format_percent
    from model.render.site import scenario_page

    page, _ = scenario_page(ROOT / "scenarios" / "cairo_three_stage_truce.yaml")
    section = page.split("## What each party can force")[1].split("\n## ")[0]
    graph = explore(load("scenarios/cairo_three_stage_truce.yaml"))
    for party in ("israel", "hamas"):
        done = guarantees(graph, {party}, method="float").outcome("three_stages_completed")
        high = format_percent(done.greatest.probability)
        assert f"| `{party}` |" in section
        assert f"`{party}` can push it up to {high} or rule it out" in section
    assert "`no_agreement` (10.7% by the weights): `israel` can make it all but certain" in section
    assert "`arab_force` cannot change any outcome alone." in section


def _tiny(transitions: str) -> Scenario:
    from model.scenario.loader import load_text

    text = f"""
id: tiny
title: Tiny
summary: choices
sources: [{{id: seed, file: {SEED_FILE}}}]
parties:
  - {{id: p0, name: P0, role: party, assumption: test}}
  - {{id: p1, name: P1, role: party, assumption: test}}
stages: [{{id: only, name: Only, assumption: test}}]
states:
  - {{id: s0, stage: only, assumption: test}}
  - {{id: s1, stage: only, assumption: test}}
  - {{id: win, outcome: win, assumption: test}}
  - {{id: lose, outcome: lose, assumption: test}}
initial: s0
transitions:
{transitions}
"""
    return load_text(text, base_dir=ROOT / "scenarios")


def test_surely_almost_surely_and_cannot_avoid() -> None:
    # p0 may go straight to win (surely), or to s1, where p1 sends the run to win or back to
    # s0 by weight.
    sure = _tiny(
        "  - {trigger: go_win, source: s0, dest: win, actor: p0, assumption: test}\n"
        "  - {trigger: go_on, source: s0, dest: s1, actor: p0, assumption: test}\n"
        "  - {trigger: back, source: s1, dest: s0, actor: p1, assumption: test}\n"
        "  - {trigger: lose_it, source: s1, dest: lose, actor: p1, assumption: test}\n"
    )
    g = guarantees(explore(sure), {"p0"}, method="fraction")
    win, lose = g.outcome("win"), g.outcome("lose")
    assert win.surely and win.almost_surely and win.greatest.probability == 1
    # Going on each time loses in the end (p1 sends the run back or loses, by weight).
    assert lose.almost_surely and not lose.surely and lose.avoidable
    # Without the direct way, p0 can only go on: win happens with probability 1 (p1 sends
    # the run back until it wins), never surely (a run may go round for ever).
    almost = _tiny(
        "  - {trigger: go_on, source: s0, dest: s1, actor: p0, assumption: test}\n"
        "  - {trigger: back, source: s1, dest: s0, actor: p1, assumption: test}\n"
        "  - {trigger: win_it, source: s1, dest: win, actor: p1, assumption: test}\n"
    )
    g = guarantees(explore(almost), {"p0"}, method="fraction")
    win = g.outcome("win")
    assert win.almost_surely and not win.surely and win.unavoidable
    # Against p1 choosing, p0 cannot make it happen at all: p1 sends the run back for ever.
    # (a game's cycle is solved by value iteration, in floating point whatever is asked)
    hard = guarantees(explore(almost), {"p0"}, adversarial=True, method="fraction")
    assert hard.outcome("win").greatest.probability == 0
    assert hard.outcome("win").least.probability == 1  # p1 can make it happen at once
    assert hard.method == "float+value-iteration"


def test_the_command_line_on_a_scenario_without_a_horizon(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["tests/fixtures/clock/open_talks.yaml", "--for", "mediators"]) == 0
    text = capsys.readouterr().out
    assert "clock abstracted (no horizon)" in text and "sample run under the strategy" in text
    assert main(["tests/fixtures/clock/open_talks.yaml", "--adversarial", "--csv"]) == 0
    assert capsys.readouterr().out.startswith("coalition,outcome,least,greatest")


# -- the table in other processes and threads: the same numbers, bit for bit -------------


def _exactly(rows: Sequence[Guarantees]) -> list[Any]:
    """Everything a table row says, floats by their bits (``float.hex``), so that equal
    lists mean identical results (the timing ``seconds`` aside)."""

    def bits(x: Fraction | float) -> object:
        return x.hex() if isinstance(x, float) else x

    return [
        (
            g.coalition,
            g.method,
            g.states,
            g.choice_points,
            g.clock_cap,
            g.adversarial,
            [
                (
                    o.outcome,
                    o.surely,
                    *((bits(b.probability), b.policy) for b in (o.least, o.greatest)),
                )
                for o in g.outcomes
            ],
        )
        for g in rows
    ]


@pytest.fixture(scope="module")
def two_workers() -> Iterator[Executor]:
    with ProcessPoolExecutor(2) as pool:
        yield pool


@pytest.mark.parametrize(
    ("name", "adversarial"),
    [("hamas_position", False), ("cairo_three_stage_truce", False), ("cairo_talks_process", True)],
)
def test_the_table_is_the_same_whatever_jobs_or_executor(name: str, adversarial: bool) -> None:
    graph = explore(load(f"scenarios/{name}.yaml"))
    rows = [*([p] for p in parties(graph.scenario)), list(parties(graph.scenario)[:2])]
    here = guarantee_table(graph, rows, adversarial=adversarial)
    pooled = guarantee_table(graph, rows, adversarial=adversarial, jobs=2)
    with ThreadPoolExecutor(2) as threads:
        threaded = guarantee_table(graph, rows, adversarial=adversarial, executor=threads)
    assert _exactly(here) == _exactly(pooled) == _exactly(threaded)
    if not adversarial:  # both arithmetics are exercised
        assert {g.method for g in here} == ({"float"} if "three" in name else {"fraction"})
    # A row computed elsewhere is attached to this graph: its strategies can be followed here.
    policy = pooled[0].outcomes[0].greatest.policy
    assert pooled[0].game.graph is graph
    assert under_strategy(pooled[0], policy).endings == under_strategy(here[0], policy).endings


@settings(max_examples=40, deadline=None)
@given(SMALL, st.sampled_from(["fraction", "float"]))
def test_generated_tables_are_the_same_in_workers_and_threads(
    two_workers: Executor, data: dict[str, Any], method: str
) -> None:
    scenario = load_data(data)
    graph = explore(scenario, max_states=LIMIT)
    if graph.initial_error is not None or not graph.complete:
        return
    rows = _coalitions(scenario)
    here = guarantee_table(graph, rows, method=method)  # type: ignore[arg-type]
    with ThreadPoolExecutor(3) as threads:
        threaded = guarantee_table(graph, rows, method=method, executor=threads)  # type: ignore[arg-type]
    elsewhere = guarantee_table(graph, rows, method=method, executor=two_workers)  # type: ignore[arg-type]
    assert _exactly(here) == _exactly(threaded) == _exactly(elsewhere)


def test_the_command_line_table_is_the_same_whatever_jobs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = "scenarios/hamas_position.yaml"
    outputs = []
    for jobs in ("1", "2", "0"):
        for form in ([], ["--json"], ["--csv"]):
            assert main([path, "--jobs", jobs, *form]) == 0
            out, err = capsys.readouterr()
            assert err == ""
            outputs.append(out)
    assert outputs[:3] == outputs[3:6] == outputs[6:]
    assert main([path, "--for", "hamas", "--jobs", "2", "--json"]) == 0
    assert "--jobs is not used" in capsys.readouterr().err
    assert main([path, "--jobs", "200"]) == 0
    assert f"note: --jobs 200 is more than the {max_jobs()} CPU(s)" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # out of range, as model.simulate's
        main([path, "--jobs", "10001"])
