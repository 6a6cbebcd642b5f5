"""Probabilistic questions (`model.scenario.queries`, `model.analysis.queries`): the syntax and
its located errors, a hand computation, a brute-force enumeration of runs on generated
scenarios (independent of the explorer), the likeliest runs replayed on the engine, and the
exact answers inside the Monte Carlo intervals on every shipped scenario."""

from __future__ import annotations

import json
import os
from fractions import Fraction
from typing import Any

import pytest
from conftest import ROOT, SCENARIOS
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from reference_semantics import Semantics
from strategies import scenario_data
from test_markov import EVERY_ENDING, _t, random_chain, scenario_from
from test_montecarlo import _check_coverage

from model.analysis.exact import analyse
from model.analysis.explore import explore
from model.analysis.queries import answer_queries, exact_answers, replay, sample_answers
from model.base.errors import RunError, ScenarioError
from model.scenario.compiled import Scenario
from model.scenario.queries import Query, QueryError, parse_query, scenario_names
from model.semantics.engine import Run
from model.semantics.step import Snapshot
from model.simulate import main

SHIPPED = [*SCENARIOS, *sorted((ROOT / "scenarios" / "examples").glob("*.yaml"))]
THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"

# A small chain, solved by hand below. From `start`: advance to `mid` (weight 3, no days) or
# fail at once (weight 1, 1 day); from `mid`: finish (1, 5 days), fail late (1, 2 days) or go
# back to `start` (2, no days), which sets `returned`.
LOOP: dict[str, Any] = {
    **EVERY_ENDING,
    "id": "loop",
    "horizon": 20,
    "stages": [
        {"id": "s1", "name": "S1", "assumption": "test"},
        {"id": "s2", "name": "S2", "assumption": "test"},
    ],
    "variables": [{"id": "returned", "type": "bool", "initial": False, "assumption": "test"}],
    "states": [
        {"id": "start", "stage": "s1", "assumption": "test"},
        {"id": "mid", "stage": "s2", "assumption": "test"},
        {"id": "won", "outcome": "win", "assumption": "test"},
        {"id": "lost", "outcome": "lose", "assumption": "test"},
    ],
    "transitions": [
        _t("advance", "start", "mid", weight=3),
        _t("fail_early", "start", "lost", days=1),
        _t("finish", "mid", "won", days=5),
        _t("fail_late", "mid", "lost", days=2),
        _t("back", "mid", "start", weight=2, effects={"returned": True}),
    ],
}
# By hand. From mid a run wins w.p. 1/4 and goes back w.p. 1/2; from start it reaches mid
# w.p. 3/4. So P(win) = a solves a = 3/4 (1/4 + a/2): a = 3/10, and P(lose) = 7/10. The
# expected visits: v_start = 1 + v_mid/2, v_mid = 3/4 v_start, so v_start = 8/5 and
# v_mid = 6/5; failing early (day 1: loops take no days) has mass 8/5 * 1/4 = 2/5, failing
# late (day 2) 6/5 * 1/4 = 3/10, finishing (day 5) 6/5 * 1/4 = 3/10.
# - given s2: mid is reached w.p. 3/4 (its first visit is the first step), on day 0, and from
#   mid a run wins w.p. 1/4 + 1/2 * 3/10 = 2/5.
# - returned: the first 'back' happens w.p. 3/4 * 1/2 = 3/8, and the run is then at start
#   again: it wins w.p. 3/10. Winning without ever going back: 3/4 * 1/4 = 3/16.
# - days to lose: (2/5 * 1 + 3/10 * 2) / (7/10) = 10/7; from s2 to a win: always 5 days.
# - likeliest run to win: advance, finish (3/4 * 1/4 = 3/16); to lose: fail_early (1/4,
#   more than advance then fail_late, 3/16).
LOOP_ANSWERS: list[tuple[str, Fraction | None, Fraction | None]] = [
    ("chance of win", Fraction(3, 10), None),
    ("chance of lose", Fraction(7, 10), None),
    ("chance of win given s2", Fraction(2, 5), Fraction(3, 4)),
    ("chance of win given mid", Fraction(2, 5), Fraction(3, 4)),
    ("chance of lose before day 2", Fraction(2, 5), None),
    ("chance of lose by day 1", Fraction(2, 5), None),
    ("chance of lose by day 2", Fraction(7, 10), None),
    ("chance of lose before day 1", Fraction(0), None),
    ("chance of win within 4 days of s2", Fraction(0), Fraction(3, 4)),
    ("chance of win within 5 days of s2", Fraction(2, 5), Fraction(3, 4)),
    ("chance of win given returned", Fraction(3, 10), Fraction(3, 8)),
    ("chance of won and not returned", Fraction(3, 16), None),
    ("chance of s2 and day == 0", Fraction(3, 4), None),
    ("days to lose", Fraction(10, 7), None),
    ("days to win given s2", Fraction(5), Fraction(3, 4)),
    ("likeliest run to win", Fraction(3, 16), None),
    ("likeliest run to lose", Fraction(1, 4), None),
]


def _ask(scenario: Scenario, texts: list[str]) -> list[Query]:
    return [parse_query(t, scenario_names(scenario)) for t in texts]


def test_hand_computation_on_a_small_chain() -> None:
    scenario = scenario_from(LOOP)
    graph = explore(scenario)
    answers = exact_answers(graph, analyse(graph), _ask(scenario, [q for q, _, _ in LOOP_ANSWERS]))
    for (text, value, under), answer in zip(LOOP_ANSWERS, answers):
        assert (answer.value, answer.given) == (value, under), text
        assert isinstance(answer.value, Fraction), text
    runs = {q: [graph.scenario.transition(e.transition).trigger for e in a.path]
            for (q, _, _), a in zip(LOOP_ANSWERS, answers) if a.path}  # fmt: skip
    assert runs == {
        "likeliest run to win": ["advance", "finish"],
        "likeliest run to lose": ["fail_early"],
    }


def test_monte_carlo_agrees_with_the_hand_computation() -> None:
    scenario = scenario_from(LOOP)
    queries = _ask(scenario, [q for q, _, _ in LOOP_ANSWERS])
    result = answer_queries(scenario, {}, queries, runs=4000, seed=3, max_states=1000)
    assert result.exact is not None
    for (text, value, _), sample in zip(LOOP_ANSWERS, result.samples):
        assert value is not None and sample.low is not None and sample.high is not None
        assert sample.low <= value <= sample.high, (text, sample)


# -- the syntax ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("odds of win", 1, "a question starts with"),
        ("chance of wni", 11, "unknown name 'wni' (did you mean"),
        ("chance of win given", 11, "syntax error"),
        ("chance of win by day soon", 22, "a day is a whole number"),
        ("chance of win before day 0", 26, "no run reaches anything before day 0"),
        ("chance of win by day 3 before day 4", 35, "may appear once"),
        ("chance of win given s1 within 3 days of s2", 41, "already says from when"),
        ("days to win by day 3", 20, "goes with 'chance of'"),
        ("likeliest run to s2", 18, "is not an outcome"),
        ("chance of day", 11, "should be bool, found int"),
        ("chance of win by day 99999999", 22, "a day is a whole number"),
    ],
)
def test_bad_questions_say_where(text: str, column: int, message: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(text, scenario_names(scenario_from(LOOP)))
    assert message in str(info.value)
    assert info.value.column == column


def test_a_bad_query_in_the_file_is_located() -> None:
    data = {**LOOP, "queries": [{"id": "q", "ask": "chance of wni", "assumption": "test"}]}
    with pytest.raises(ScenarioError) as info:
        scenario_from(data)
    (problem,) = info.value.problems
    assert problem.path == "queries[0].ask" and problem.line > 0
    assert "column 11: 'wni': unknown name 'wni'" in problem.message


def test_a_query_needs_provenance() -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from({**LOOP, "queries": [{"id": "q", "ask": "chance of win"}]})
    assert (
        "needs a 'quote' from a stored source, a 'citation' of a published document or an "
        in str(info.value)
    )


def test_a_possible_share_is_never_shown_as_0_percent() -> None:
    from model.base.textfmt import format_percent

    assert format_percent(1e-14) == "1e-12%"
    assert format_percent(2.3778e-36) == "2.4e-34%"
    assert format_percent(0.0) == "0%"
    assert format_percent(0.0005) == "0.050%"
    assert format_percent(0.5) == "50.0%"


# -- command line ------------------------------------------------------------------------------


def test_cli_answers_side_by_side(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "scenarios" / "november_truce.yaml")
    asked = ["--query", "chance of truce_ended_after_releases before day 5", "--runs", "300"]
    assert main([path, *asked, "--query", "likeliest run to truce_ended_after_releases"]) == 0
    out = capsys.readouterr().out
    assert "exact answers: rational arithmetic over 23 snapshots" in out
    assert "chance of truce_ended_after_releases before day 5\n  exact        0%" in out
    assert "Monte Carlo  0%  [0%–1.3%] ✓  (0 of 300 runs)" in out
    assert "the run, step by step:" in out and "source: “" in out


def test_cli_bad_query_exits_2_with_its_place(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "scenarios" / "november_truce.yaml")
    assert main([path, "--query", "chance of truce_endd", "--query", "chance of nope"]) == 2
    err = capsys.readouterr().err
    assert "--query:1:11: 'truce_endd': unknown name 'truce_endd'" in err
    assert "--query:2:11: 'nope': unknown name" in err


def test_cli_answers_the_scenario_queries_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "scenarios" / "cairo_three_stage_truce.yaml")
    assert main([path, "--queries", "--runs", "200", "--json", "--max-states", "1000"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["queries"] and all("id" in q for q in record["queries"])
    assert all("quote" in q or "assumption" in q for q in record["queries"])
    assert record["exact_note"] == "not computed: more than 1,000 states (--max-states)"


def test_a_day_beyond_the_saturated_clock_is_answered_by_monte_carlo_only() -> None:
    scenario = scenario_from({**LOOP_NO_HORIZON})
    queries = _ask(scenario, ["chance of win by day 3", "chance of win by day 7", "days to win"])
    result = answer_queries(scenario, {}, queries, runs=300, seed=1, max_states=1000)
    assert result.exact is not None and result.clock_cap is not None
    late, early, mean = result.exact[1], result.exact[0], result.exact[2]
    assert early.value == Fraction(0)  # the clock is exact to day 5: day 3 is known
    assert late.value is None and late.note is not None and "day 5" in late.note
    assert mean.value == Fraction(5) + Fraction(6, 5) * 0  # finishing always takes 5 days
    assert result.samples[1].value is not None


LOOP_NO_HORIZON = {
    **{k: v for k, v in LOOP.items() if k != "horizon"},
    "transitions": [
        *LOOP["transitions"][:2],
        _t("finish", "mid", "won", days=5, guard="day < 5"),  # the clock read: cap day 5
        *LOOP["transitions"][3:],
    ],
}


# -- likeliest runs ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_likeliest_runs_replay_on_the_engine(path: Any) -> None:
    from model.scenario.loader import load

    scenario = load(path)
    params = scenario.parameters()
    graph = explore(scenario, params)
    outcomes = scenario_names(scenario).outcomes
    queries = _ask(scenario, [f"likeliest run to {o}" for o in outcomes])
    for q, answer in zip(queries, exact_answers(graph, analyse(graph), queries)):
        if answer.value is None:
            continue  # unreachable
        run = Run(scenario, params)
        p = Fraction(1)
        for edge in answer.path:
            weights = {e.index: e.weight for e in run.enabled()}
            p *= Fraction(weights[edge.transition], sum(weights.values()))
            run.fire(edge.transition)
        assert run.outcome == q.target
        assert p == answer.value
        assert replay(scenario, params, answer.path).history == run.history


# -- brute force on generated scenarios ------------------------------------------------------


class _TooMany(Exception):
    pass


def _holds(scenario: Scenario, name: str, snap: Snapshot) -> bool:
    """A condition naming a state, a stage or an outcome, read off the snapshot directly."""
    return name in (snap.state, scenario.stage_of(snap.state), scenario.outcome_of(snap.state))


def brute_force(
    scenario: Scenario, q: Query, depth: int, budget: int = 20_000
) -> tuple[Fraction, Fraction, Fraction]:
    """(P(given), P(given and target as asked), mass left undecided at ``depth`` steps), by
    enumerating runs step by step on the reference semantics (no explored graph)."""
    sem = Semantics(scenario, scenario.parameters())
    start = sem.initial()
    totals = [Fraction(0), Fraction(0), Fraction(0)]
    visited = 0

    def walk(snap: Snapshot, p: Fraction, steps: int, since: int | None) -> None:
        nonlocal visited
        visited += 1
        if visited > budget:
            raise _TooMany
        if since is None and (q.given is None or _holds(scenario, q.given, snap)):
            since = snap.day
            totals[0] += p
        if since is not None and _holds(scenario, q.target, snap):
            late = q.last_day is not None and snap.day > q.last_day
            late = late or (q.within is not None and snap.day > since + q.within)
            if not late:
                totals[1] += p
            return  # decided: the first visit is in time or not
        node = sem.node(snap)
        if scenario.outcome_of(snap.state) is not None or node.kind == "end" or not node.listed:
            return
        if steps == depth:
            totals[2] += p
            return
        for e in node.entries:
            if isinstance(e.result, Snapshot):
                assert e.weight is not None
                walk(e.result, p * Fraction(e.weight, node.total), steps + 1, since)

    walk(start, Fraction(1), 0, None)
    return totals[0], totals[1], totals[2]


@st.composite
def scenario_and_question(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    # scenario_data's scenarios mostly end one way; random_chain's choose among several.
    chains = st.randoms(use_true_random=False).map(random_chain)
    data = draw(st.one_of(scenario_data(max_states=4, max_transitions=6), chains))
    names = [s["id"] for s in data["states"]] + [s["id"] for s in data["stages"]]
    names += [s["outcome"] for s in data["states"] if s.get("outcome")]
    outcomes = [s["outcome"] for s in data["states"] if s.get("outcome")]
    target = draw(
        st.sampled_from(outcomes or names) if draw(st.booleans()) else st.sampled_from(names)
    )
    form = draw(st.sampled_from(["plain", "given", "by", "before", "within"]))
    day = draw(st.integers(0, 6))
    other = draw(st.sampled_from(names))
    text = (
        f"chance of {target}"
        + {
            "plain": "",
            "given": f" given {other}",
            "by": f" by day {day}",
            "before": f" before day {day + 1}",
            "within": f" within {day} days of {other}",
        }[form]
    )
    return data, text


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(scenario_and_question())
def test_exact_answers_equal_a_brute_force_enumeration_of_runs(
    case: tuple[dict[str, Any], str],
) -> None:
    data, text = case
    try:
        scenario = scenario_from(data)
    except ScenarioError:
        assume(False)
        return
    (q,) = _ask(scenario, [text])
    graph = explore(scenario, max_states=5000)
    assume(graph.complete and graph.initial_error is None)
    result = analyse(graph, "fraction")
    (answer,) = exact_answers(graph, result, [q])
    try:
        given, joint, left = brute_force(scenario, q, depth=40)
    except (_TooMany, RunError):
        assume(False)
        return
    exact_given = Fraction(1) if q.given is None else answer.given
    assert exact_given is not None
    assert given <= exact_given <= given + left
    if answer.value is None:  # the condition is never reached
        assert exact_given == 0 and given == 0
        return
    assert isinstance(answer.value, Fraction)
    event("between 0 and 1" if 0 < answer.value < 1 else "0 or 1")
    event("all runs decided" if left == 0 else "some runs undecided after 40 steps")
    assert joint <= answer.value * exact_given <= joint + left


# -- coverage on every shipped scenario ----------------------------------------------------------


def _shipped_questions(scenario: Scenario, deep: bool) -> list[str]:
    """Conditional, before-day and within-days questions about the scenario's outcomes."""
    spec = scenario.spec
    outcomes = scenario_names(scenario).outcomes
    stages = [s.id for s in spec.stages][1:] or [spec.stages[0].id]
    texts = []
    for o in outcomes if deep else outcomes[:1]:
        for stage in stages if deep else stages[:1]:
            texts.append(f"chance of {o} given {stage}")
            texts.append(f"chance of {o} within 30 days of {stage}")
        texts.append(f"chance of {o} before day 30")
        texts.append(f"chance of {o} by day 5")
    return texts


def test_exact_answers_lie_in_the_monte_carlo_intervals_on_every_shipped_scenario() -> None:
    """One question of each kind per scenario by default; under the thorough profile every
    outcome and stage, in 4 batches of 1,000 runs."""
    from model.scenario.loader import load

    deep = THOROUGH
    pairs = []
    for path in SHIPPED:
        scenario = load(path)
        queries = _ask(scenario, _shipped_questions(scenario, deep))
        graph = explore(scenario)
        answers = exact_answers(graph, analyse(graph), queries)
        for k, (q, exact) in enumerate(zip(queries, answers)):
            if exact.value is None:
                continue  # the condition is never reached
            # A seed of its own for each question: the runs of one seed answer every question
            # together, so their intervals would miss together.
            for batch in range(4 if deep else 1):
                (mc,) = sample_answers(
                    scenario, {}, [q], {}, runs=1000 if deep else 300, seed=100 * batch + k
                )
                if mc.value is None:
                    continue  # no run reached the condition
                assert mc.low is not None and mc.high is not None
                what = f"{path.stem}: {q.label}"
                pairs.append((what, float(exact.value), mc.low, mc.high, mc.count, mc.n))
    print("misses:", [p for p in pairs if not p[2] <= p[1] <= p[3]])
    _check_coverage(pairs, minimum=20)
