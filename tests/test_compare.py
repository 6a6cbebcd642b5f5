"""`model.analysis.compare` and `model.reports.compare`: structural and behavioural differences
between two scenarios, as data and as text.

The fixtures in tests/fixtures/compare/ list at their top how they differ and derive every
reachable snapshot and shortest path by hand; the expected values below come from there.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT

from model.analysis.compare import Change, Comparison, SectionDiff, ShortestPath, compare
from model.analysis.explore import explore
from model.compare import main
from model.reports.compare import compact_events, comparison_record, format_comparison_text
from model.scenario.compiled import ParameterError, Scenario
from model.scenario.loader import load, load_text

FIXTURES = ROOT / "tests" / "fixtures" / "compare"
A = FIXTURES / "truce_a.yaml"
B = FIXTURES / "truce_b.yaml"
DEFAULT = ROOT / "scenarios" / "cairo_three_stage_truce.yaml"
SECTIONS = (
    "settings",
    "parties",
    "stages",
    "parameters",
    "variables",
    "states",
    "transitions",
    "invariants",
)


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main([*args])
    out = capsys.readouterr()
    return status, out.out, out.err


def json_of(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    status, out, err = run_main(capsys, *args, "--json")
    assert status == 0, err
    record: dict[str, Any] = json.loads(out)
    return record


def assert_no_structural_difference(c: Comparison, *, except_: str | None = None) -> None:
    for s in c.structure:
        if s.section != except_:
            assert s == SectionDiff(s.section), s


def variant(old: str, new: str, base: Path = A) -> Scenario:
    """Fixture A (or another file) with one piece of text replaced, loaded from the same place."""
    text = base.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    return load_text(text.replace(old, new), file=f"variant of {base.name}", base_dir=base.parent)


# --- the same scenario twice ----------------------------------------------------------------


@pytest.mark.parametrize("path", [A, B, DEFAULT], ids=lambda p: p.stem)
def test_a_scenario_compared_with_itself_has_no_differences(path: Path) -> None:
    c = compare(path, path)
    assert c.identical and c.conclusive
    assert c.structural_differences == 0 and c.behavioural_differences == 0
    assert [s.section for s in c.structure] == list(SECTIONS)
    assert_no_structural_difference(c)
    assert c.exploration_a == c.exploration_b
    assert c.outcomes and all(o.status == "same" and o.a == o.b for o in c.outcomes)


def test_itself_on_the_command_line_says_no_differences(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run_main(capsys, str(A), str(A))
    assert status == 0
    assert out.splitlines()[-1] == "Summary: no differences found"
    assert (
        "  no differences in: settings, parties, stages, parameters, variables, states, "
        "transitions, invariants" in out
    )
    assert "only in" not in out and "in both, different" not in out


def test_listing_transitions_in_another_order_changes_nothing() -> None:
    # The shipped scenario's shortest paths have ties (either side may accept first, either
    # may end the truce); the path shown is chosen by the same rule in both, so reversing the
    # order of the transitions (which changes the order breadth-first search meets them)
    # changes nothing in the comparison.
    data = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    data["transitions"].reverse()
    reversed_ = load_text(yaml.safe_dump(data), file="reversed", base_dir=DEFAULT.parent)
    original = load(DEFAULT)

    def first_bfs_path(s: Scenario, outcome: str) -> list[str]:
        graph = explore(s)
        node = min(n for n, label in graph.outcome_nodes.items() if label == outcome)
        return [graph.transition(e).trigger for e in graph.path_to(node)]

    # the test means something: plain breadth-first search finds another path in each
    assert first_bfs_path(original, "truce_collapsed") != first_bfs_path(
        reversed_, "truce_collapsed"
    )
    c = compare(original, reversed_)
    assert c.identical, comparison_record(c)
    paths = {o.outcome: o.a for o in c.outcomes}
    truce_collapsed = paths["truce_collapsed"]
    assert truce_collapsed is not None
    # the alphabetically first of the four-step paths
    assert truce_collapsed.events == (
        "hamas_accepts_framework",
        "israel_accepts_framework",
        "truce_begins",
        "hamas_ends_truce",
    )


# --- the two fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def a_b() -> Comparison:
    return compare(A, B)


def test_structure_of_the_fixtures_differs_exactly_as_written(a_b: Comparison) -> None:
    assert a_b.section("parameters") == SectionDiff(
        "parameters", different=(_change("batch_size", "default", 1, 2),)
    )
    assert a_b.section("states") == SectionDiff("states", only_in_b=("extended",))
    assert a_b.section("transitions") == SectionDiff(
        "transitions",
        only_in_b=("ceasefire_extended (truce_in_force → extended)",),
        different=(_change("truce_begins (negotiating → truce_in_force)", "days", "1", "2"),),
    )
    for name in ("settings", "parties", "stages", "variables", "invariants"):
        assert a_b.section(name) == SectionDiff(name)
    assert a_b.structural_differences == 4


def test_behaviour_of_the_fixtures_as_derived_by_hand(a_b: Comparison) -> None:
    assert a_b.conclusive
    assert (a_b.exploration_a.states, a_b.exploration_b.states) == (8, 7)
    assert [(o.outcome, o.status) for o in a_b.outcomes] == [
        ("ceasefire_extended", "only_in_b"),
        ("truce_completed", "different"),
        ("no_agreement", "same"),
    ]
    extended = a_b.outcome("ceasefire_extended")
    assert extended.a is None
    assert extended.b == ShortestPath(
        4, 16, 16, ("truce_begins", "release_batch", "release_batch", "ceasefire_extended")
    )
    completed = a_b.outcome("truce_completed")
    assert completed.a == ShortestPath(
        6, 29, 29, ("truce_begins", *["release_batch"] * 4, "truce_completed")
    )
    assert completed.b == ShortestPath(
        4, 16, 16, ("truce_begins", "release_batch", "release_batch", "truce_completed")
    )
    assert completed.b.steps < completed.a.steps
    no_agreement = ShortestPath(1, 0, 0, ("talks_fail",))
    assert a_b.outcome("no_agreement").a == a_b.outcome("no_agreement").b == no_agreement
    # the shortest path's steps, day by day
    assert [(s["day"], s["actor"], s["event"]) for s in completed.b.trace] == [
        (2, "mediators", "truce_begins"),
        (9, "hamas", "release_batch"),
        (16, "hamas", "release_batch"),
        (16, "mediators", "truce_completed"),
    ]
    assert [s["changes"] for s in completed.b.trace[1:3]] == [
        {"held": {"from": 4, "to": 2}},
        {"held": {"from": 2, "to": 0}},
    ]
    # 8 vs 7 states, one outcome only in B, one with a different path
    assert a_b.behavioural_differences == 3
    assert not a_b.identical


def test_swapping_a_and_b_swaps_the_sides() -> None:
    c = compare(B, A)
    assert c.section("states") == SectionDiff("states", only_in_a=("extended",))
    assert c.section("parameters") == SectionDiff(
        "parameters", different=(_change("batch_size", "default", 2, 1),)
    )
    assert c.outcome("ceasefire_extended").status == "only_in_a"


def test_text_of_the_fixtures(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_main(capsys, str(A), str(B))
    assert (status, err) == (0, "")
    for line in [
        "  parameters:",
        "    in both, different: batch_size",
        "        default: A 1; B 2",
        "  states:",
        "    only in B: extended",
        "  transitions:",
        "    only in B: ceasefire_extended (truce_in_force → extended)",
        "    in both, different: truce_begins (negotiating → truce_in_force)",
        "        days: A 1; B 2",
        "  no differences in: settings, parties, stages, variables, invariants",
        "  reachable states: A 8; B 7 (in both, different)",
        "    only in B: ceasefire_extended",
        "        B: 4 steps, day 16: truce_begins, release_batch ×2, ceasefire_extended",
        "    in both, different: truce_completed",
        "        A: 6 steps, day 29: truce_begins, release_batch ×4, truce_completed",
        "        B: 4 steps, day 16: truce_begins, release_batch ×2, truce_completed",
        "        B compared with A: 2 fewer steps, arrives 13 days earlier",
        "    in both, same: no_agreement",
        "        A and B: 1 step, day 0: talks_fail",
        "Summary: 4 differences in structure, 3 differences in behaviour",
    ]:
        assert line in out.splitlines(), line


def _shown(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(value) + "]"
    return str(value)


def _text_agrees_with_record(text: str, record: dict[str, Any]) -> None:
    """Everything the record says is in the text, in the text's words."""
    lines = text.splitlines()
    flat = " ".join(text.split())
    words = {"only_in_a": "only in A", "only_in_b": "only in B"}
    unchanged = []
    for name, s in record["structure"].items():
        if not (s["only_in_a"] or s["only_in_b"] or s["different"]):
            unchanged.append(name)
            continue
        assert f"  {name}:" in lines
        for key, label in words.items():
            for item in s[key]:
                assert f"    {label}: {item}" in lines
        for ch in s["different"]:
            assert f"    in both, different: {ch['item']}" in lines
            a, b = _shown(ch["a"]), _shown(ch["b"])
            assert f"        {ch['field']}: A {a}; B {b}" in lines
    if unchanged:
        assert f"  no differences in: {', '.join(unchanged)}" in lines
    behaviour = record["behaviour"]
    a, b = behaviour["a"]["states"], behaviour["b"]["states"]
    assert f": A {a:,}; B {b:,} (in both, {'same' if a == b else 'different'})" in text
    statuses = {**words, "different": "in both, different", "same": "in both, same"}

    def shown(kind: str, ident: str) -> str:  # the text names an element by its label (A's first)
        for side in ("a", "b"):
            label = record[side].get("labels", {}).get(kind, {}).get(ident)
            if label is not None:
                return str(label)
        return ident

    for o in behaviour["outcomes"]:
        assert f"    {statuses[o['status']]}: {shown('outcome', o['outcome'])}" in text
        for key in ("a", "b"):
            p = o[key]
            if p is None:
                continue
            who = "A and B" if o["status"] == "same" else key.upper()
            steps = f"{p['steps']} step{'s' if p['steps'] != 1 else ''}"
            assert f"{who}: {steps}, day {p['day']}" in text
            events = compact_events([shown("event", e) for e in p["events"]])
            assert " ".join(events.split()) in flat
            assert len(p["events"]) == p["steps"] == len(p["trace"])
    diff = record["differences"]
    if record["identical"]:
        assert lines[-1] == "Summary: no differences found"
    else:
        assert lines[-1].startswith(
            f"Summary: {diff['structure']} difference{'s' if diff['structure'] != 1 else ''} "
            f"in structure, {diff['behaviour']} difference"
        )


@pytest.mark.parametrize(
    "args",
    [
        (str(A), str(B)),
        (str(B), str(A)),
        (str(A), str(A)),
        (str(A), str(B), "--max-states", "3"),
        (str(DEFAULT), str(DEFAULT), "--set-b", "batch_size=133"),
    ],
    ids=["a-b", "b-a", "a-a", "limited", "default-batch"],
)
def test_json_and_text_agree(capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    status, text, _ = run_main(capsys, *args)
    assert status == 0
    record = json_of(capsys, *args)
    assert format_comparison_text(record) == text
    _text_agrees_with_record(text, record)


def test_json_of_the_fixtures(capsys: pytest.CaptureFixture[str]) -> None:
    record = json_of(capsys, str(A), str(B))
    assert record["a"]["file"].endswith("truce_a.yaml") and record["b"]["id"] == "compare_truce_b"
    assert record["a"]["parameters"] == {"batch_size": 1}
    assert record["b"]["parameters"] == {"batch_size": 2}
    assert record["a"]["set"] == record["b"]["set"] == {}
    assert record["structure"]["transitions"] == {
        "only_in_a": [],
        "only_in_b": ["ceasefire_extended (truce_in_force → extended)"],
        "different": [
            {
                "item": "truce_begins (negotiating → truce_in_force)",
                "field": "days",
                "a": "1",
                "b": "2",
            }
        ],
    }
    outcomes = {o["outcome"]: o for o in record["behaviour"]["outcomes"]}
    completed = outcomes["truce_completed"]
    assert completed["status"] == "different"
    assert (completed["a"]["steps"], completed["a"]["day"]) == (6, 29)
    assert (completed["b"]["steps"], completed["b"]["day"]) == (4, 16)
    assert completed["b"]["events_compact"] == "truce_begins, release_batch ×2, truce_completed"
    assert outcomes["ceasefire_extended"]["a"] is None
    assert record["behaviour"]["a"]["complete"] and record["behaviour"]["b"]["complete"]
    assert record["differences"] == {"structure": 4, "behaviour": 3}
    assert record["identical"] is False


# --- other kinds of structural difference ------------------------------------------------------


def _change(item: str, field: str, a: Any, b: Any) -> Change:
    return Change(item, field, a, b)


@pytest.mark.parametrize(
    ("old", "new", "section", "expected"),
    [
        (
            "horizon: 60",
            "horizon: 90",
            "settings",
            {"different": [("scenario", "horizon", 60, 90)]},
        ),
        (
            "    name: Hamas\n    role: party",
            "    name: Hamas\n    role: observer",
            "parties",
            {"different": [("hamas", "role", "party", "observer")]},
        ),
        (
            "  - id: hamas\n",
            "  - id: arab_force\n    name: Arab force\n    role: monitor\n"
            "    assumption: test fixture\n  - id: hamas\n",
            "parties",
            {"only_in_b": ["arab_force"]},
        ),
        (
            "    name: Truce\n",
            "    name: Truce\n    days: 30\n",
            "stages",
            {"different": [("truce", "days", None, "30")]},
        ),
        (
            "  - id: talks\n    name: Talks\n    assumption: test fixture\n"
            "  - id: truce\n    name: Truce\n    assumption: test fixture\n",
            "  - id: truce\n    name: Truce\n    assumption: test fixture\n"
            "  - id: talks\n    name: Talks\n    assumption: test fixture\n",
            "stages",
            {"different": [("stage order", "order", ["talks", "truce"], ["truce", "talks"])]},
        ),
        (
            "    max: 4\n    description",
            "    max: 3\n    description",
            "parameters",
            {"different": [("batch_size", "max", 4, 3)]},
        ),
        (
            "    max: 4\n    initial: 4",
            "    max: 8\n    initial: 4",
            "variables",
            {"different": [("held", "max", 4, 8)]},
        ),
        (
            "    initial: 4\n",
            "    initial: 2 + 2\n",
            "variables",
            {"different": [("held", "initial", "4", "2 + 2")]},
        ),
        (
            "    actor: hamas",
            "    actor: mediators",
            "transitions",
            {
                "different": [
                    (
                        "release_batch (truce_in_force → truce_in_force)",
                        "actor",
                        "hamas",
                        "mediators",
                    )
                ]
            },
        ),
        (
            "    guard: held == 0\n",
            "    guard: held <= 0\n    weight: 2\n",
            "transitions",
            {
                "different": [
                    (
                        "truce_completed (truce_in_force → completed)",
                        "guard",
                        "held == 0",
                        "held <= 0",
                    ),
                    ("truce_completed (truce_in_force → completed)", "weight", "1", "2"),
                ]
            },
        ),
        (
            "      held: held - min(batch_size, held)",
            "      held: held - 1",
            "transitions",
            {
                "different": [
                    (
                        "release_batch (truce_in_force → truce_in_force)",
                        "effects.held",
                        "held - min(batch_size, held)",
                        "held - 1",
                    )
                ]
            },
        ),
        (
            "    dest: no_agreement",
            "    dest: completed",
            "transitions",
            {
                "only_in_a": ["talks_fail (negotiating → no_agreement)"],
                "only_in_b": ["talks_fail (negotiating → completed)"],
            },
        ),
        (
            "    holds: held >= 0",
            "    holds: held <= 4",
            "invariants",
            {"different": [("held_never_negative", "holds", "held >= 0", "held <= 4")]},
        ),
    ],
)
def test_each_kind_of_structural_difference(
    old: str, new: str, section: str, expected: dict[str, list[Any]]
) -> None:
    c = compare(load(A), variant(old, new))
    assert c.section(section) == SectionDiff(
        section,
        only_in_a=tuple(expected.get("only_in_a", ())),
        only_in_b=tuple(expected.get("only_in_b", ())),
        different=tuple(_change(*ch) for ch in expected.get("different", ())),
    )
    assert_no_structural_difference(c, except_=section)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("    guard: held > 0", "    guard: (held  >  0)"),  # same expression, other spelling
        (
            "    source: negotiating\n    dest: no_agreement",
            "    source: [negotiating]\n    dest: no_agreement",
        ),
        ("    description: People released in one batch.", "    description: Other words."),
        ("  - id: seed\n", "  - id: the_seed\n"),  # sources and provenance are not compared
    ],
    ids=["expression-spelling", "source-as-list", "description", "source-id"],
)
def test_what_is_not_a_difference(old: str, new: str) -> None:
    c = compare(load(A), variant(old, new))
    assert c.identical, comparison_record(c)


# --- behaviour: days, limits, a failed start ---------------------------------------------------


def test_earliest_day_can_be_on_a_longer_path() -> None:
    # talks_fail now takes 10 days: one step, day 10. Abandoning the truce (truce_begins takes
    # 1 day, then 0 days) takes two steps but arrives on day 1.
    b = variant(
        "    dest: no_agreement\n    actor: mediators\n    assumption: test fixture\n",
        "    dest: no_agreement\n    actor: mediators\n    assumption: test fixture\n"
        "    days: 10\n"
        "  - trigger: truce_abandoned\n    source: truce_in_force\n    dest: no_agreement\n"
        "    actor: hamas\n    assumption: test fixture\n",
    )
    c = compare(load(A), b)
    no_agreement = c.outcome("no_agreement")
    assert no_agreement.status == "different"
    assert no_agreement.b == ShortestPath(1, 10, 1, ("talks_fail",))
    text = format_comparison_text(comparison_record(c))
    assert "        B: 1 step, day 10; earliest day 1: talks_fail" in text.splitlines()
    assert (
        "B compared with A: the same number of steps, arrives 10 days later, "
        "earliest arrival 1 day later"
    ) in " ".join(text.split())


def test_an_incomplete_search_is_reported_and_still_compared(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Breadth first with room for 3 states: the start, then truce_begins and talks_fail
    # (declaration order); the first release would be a fourth state.
    c = compare(A, B, max_states=3)
    assert not c.conclusive
    assert not c.exploration_a.complete and not c.exploration_b.complete
    assert (c.exploration_a.states, c.exploration_b.states) == (3, 3)
    assert [(o.outcome, o.status) for o in c.outcomes] == [("no_agreement", "same")]
    assert c.structural_differences == 4  # structure does not depend on the search
    status, out, _ = run_main(capsys, str(A), str(B), "--max-states", "3")
    assert status == 0
    assert "Behaviour (NOT CONCLUSIVE" in out
    assert "  states found: A 3; B 3 (in both, same)" in out
    assert "    A: the search stopped at its limit of 3 states" in out
    assert "    B: the search stopped at its limit of 3 states" in out
    assert out.splitlines()[-1].endswith(
        "(behaviour not conclusive: a search was incomplete or could not start)"
    )


def test_an_outcome_not_found_in_an_incomplete_search_is_marked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # With room for 4 states A finds no outcome beyond no_agreement; the small variant of A
    # whose truce completes at once (held starts at 0) finds truce_completed within 4.
    small = variant("    initial: 4\n", "    initial: 0\n")
    c = compare(load(A), small, max_states=4)
    assert c.outcome("truce_completed").status == "only_in_b"
    text = format_comparison_text(comparison_record(c))
    assert "    only in B: truce_completed (not found, but A's search was incomplete)" in text


def test_a_start_that_breaks_a_rule(capsys: pytest.CaptureFixture[str]) -> None:
    # held starts at batch_size; with batch_size 4 it is over the new bound of 3.
    b = variant("    max: 4\n    initial: 4\n", "    max: 3\n    initial: batch_size\n")
    c = compare(load(A), b, params_b={"batch_size": 4})
    assert c.exploration_b.start_error is not None and "held" in c.exploration_b.start_error
    assert c.exploration_b.states == 0 and not c.conclusive
    assert {o.status for o in c.outcomes} == {"only_in_a"}
    text = format_comparison_text(comparison_record(c))
    assert "    B: could not start: " in text


# --- the shipped scenario ------------------------------------------------------------------------


def test_larger_batches_take_fewer_steps_to_the_completed_truce_but_not_fewer_days(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # By hand, default parameters: 2 acceptances + truce_begins (3 steps). The stages last
    # 42 + 70 + 42 = 154 days, each day its own step (the breakdown risks make every day a
    # chance to end the truce): 154 steps. Stage 1 releases 33 people in 3 batches of 11, each
    # a scheduled release from Gaza and a matching release from prisons (6 steps), the force
    # deploys on schedule, the return begins, stage_1_ends (3); stage 2 releases the other 100
    # in 10 weekly batches (9 x 11 + 1: 20 steps, the last on day 70), pull back, long-term
    # ceasefire (2); stage 3 ends on its last day (1): 3 + 154 + 9 + 22 + 1 = 189 steps.
    # With batch_size=133 each stage is one batch (33, then 100): 3 + 154 + 5 + 4 + 1 = 167
    # steps, and the stages still last their days: day 154 (before issue 13 the stages were
    # not enforced, and the larger batches also ended the truce 28 days earlier).
    record = json_of(capsys, str(DEFAULT), str(DEFAULT), "--set-b", "batch_size=133")
    assert record["b"]["set"] == {"batch_size": 133} and record["a"]["set"] == {}
    assert all(not any(s.values()) for s in record["structure"].values())
    outcomes = {o["outcome"]: o for o in record["behaviour"]["outcomes"]}
    completed = outcomes["three_stages_completed"]
    assert completed["status"] == "different"
    assert (completed["a"]["steps"], completed["a"]["day"]) == (189, 154)
    assert (completed["b"]["steps"], completed["b"]["day"]) == (167, 154)
    assert completed["a"]["earliest_day"] == completed["b"]["earliest_day"] == 154
    assert completed["a"]["events"].count("release_batch_from_gaza") == 13
    assert completed["b"]["events"].count("release_batch_from_gaza") == 2
    assert "days_pass ×28, stage_1_ends" in completed["b"]["events_compact"]
    # nothing else changes: the talks and an early end of the truce are not about batches
    assert outcomes["no_agreement"]["status"] == outcomes["truce_collapsed"]["status"] == "same"


# --- the command line --------------------------------------------------------------------------


def test_set_applies_to_each_scenario_that_has_the_parameter(
    capsys: pytest.CaptureFixture[str],
) -> None:
    record = json_of(capsys, str(A), str(B), "--set", "batch_size=4")
    assert record["a"]["set"] == record["b"]["set"] == {"batch_size": 4}
    # stage1_days exists only in the shipped scenario: it is set there and nowhere else
    record = json_of(capsys, str(DEFAULT), str(A), "--set", "stage1_days=50")
    assert record["a"]["set"] == {"stage1_days": 50} and record["b"]["set"] == {}


def test_set_a_and_set_b_win_over_set(capsys: pytest.CaptureFixture[str]) -> None:
    record = json_of(capsys, str(A), str(B), "--set", "batch_size=4", "--set-a", "batch_size=3")
    assert record["a"]["parameters"] == {"batch_size": 3}
    assert record["b"]["parameters"] == {"batch_size": 4}
    # A with B's default: the same paths to truce_completed
    record = json_of(capsys, str(A), str(B), "--set-a", "batch_size=2")
    outcomes = {o["outcome"]: o for o in record["behaviour"]["outcomes"]}
    assert outcomes["truce_completed"]["a"]["steps"] == outcomes["truce_completed"]["b"]["steps"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "batch_sise=2"], "unknown parameter 'batch_sise' in both A and B (did you mean"),
        (
            ["--set-a", "stage1_days=3"],
            "A (tests/fixtures/compare/truce_a.yaml): unknown parameter",
        ),
        (
            ["--set-b", "batch_size=9"],
            "B (tests/fixtures/compare/truce_b.yaml): parameter 'batch_size' must be",
        ),
        (["--set", "batch_size"], "write NAME=VALUE"),
    ],
)
def test_invalid_parameters_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str, monkeypatch: Any
) -> None:
    monkeypatch.chdir(ROOT)
    status, out, err = run_main(
        capsys, "tests/fixtures/compare/truce_a.yaml", "tests/fixtures/compare/truce_b.yaml", *args
    )
    assert status == 2 and out == ""
    assert message in err


def test_invalid_scenario_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(A.read_text(encoding="utf-8").replace("horizon: 60", "horizon: sixty"))
    status, out, err = run_main(capsys, str(A), str(broken))
    assert status == 2 and out == ""
    assert "horizon" in err and "nothing was run" in err
    status, _, err = run_main(capsys, str(A), str(tmp_path / "missing.yaml"))
    assert status == 2 and "missing.yaml" in err


def test_library_rejects_unknown_parameters() -> None:
    with pytest.raises(ParameterError, match="unknown parameter 'nope'"):
        compare(A, B, params_b={"nope": 1})


def test_as_a_user_runs_it() -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "model.compare", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )

    ok = run(str(A.relative_to(ROOT)), str(B.relative_to(ROOT)))
    assert ok.returncode == 0 and ok.stderr == ""
    assert "  A: tests/fixtures/compare/truce_a.yaml (compare_truce_a)" in ok.stdout
    assert run(str(A), str(B), "--max-states", "0").returncode == 2
    assert run(str(A)).returncode == 2  # B is required
    help_ = run("--help")
    assert help_.returncode == 0 and "exit status: 0 the scenarios were compared" in help_.stdout


# --- compact event lists -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "shown"),
    [
        ((), ""),
        (("a",), "a"),
        (("a", "a", "a", "b"), "a ×3, b"),
        (("s", "x", "y", "x", "y", "x", "y", "e"), "s, (x, y) ×3, e"),
        (("a", "b", "a", "c"), "a, b, a, c"),
        (("a", "a", "a", "a"), "a ×4"),  # one event four times, not (a, a) twice
        (("a", "a", "b", "a", "a", "b"), "(a, a, b) ×2"),
    ],
)
def test_compact_events(events: tuple[str, ...], shown: str) -> None:
    assert compact_events(events) == shown
