"""The acceptance lines of explanations and counterfactuals, on the positions scenario:
``model.check`` shows the blocking chain first, ``--set`` reports what the setting changed,
``Run.fire`` says which conjuncts are false now."""

from __future__ import annotations

import json
import re

import pytest
from conftest import ROOT

from model.check import main
from model.scenario.loader import load
from model.semantics.engine import Run
from model.semantics.why import NotEnabled

POSITIONS = str(ROOT / "scenarios" / "positions_and_three_stage_truce.yaml")
HAMAS_QUOTE = (
    "“These steps took precedence over Israel’s prime demand for a release of hostages in "
    "exchange for Palestinians held in Israeli prisons”"
)
ISRAEL_QUOTE = "“Israel has ruled out winding up the war shortly or withdrawing from Gaza.”"


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main([POSITIONS, *args])
    return status, capsys.readouterr().out


def _flat(lines: list[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(lines)).strip()


def test_the_blocking_chain_comes_first_naming_both_positions_with_quotes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out = _check(capsys)
    assert status == 0
    lines = out.splitlines()
    why = lines.index("  why:")
    first_finding = next(i for i, line in enumerate(lines) if line.startswith("  ["))
    assert why < first_finding  # before every finding
    block = _flat(lines[why + 1 : first_finding])
    assert block.startswith(
        "All three stages completed is unreachable because Truce begins needs `war_ended` "
        f"(hamas's position; {HAMAS_QUOTE}), which needs Israel agrees to end war, which is "
        "blocked by israel's position `not israel_rules_out_ending_war` "
        f"(israel_rules_out_ending_war = true; {ISRAEL_QUOTE})"
    )
    assert (
        "and because Truce begins needs `forces_withdrawn` (hamas's position), which needs "
        "Israel agrees to withdraw, which is blocked by israel's position" in block
    )
    assert "Truce collapsed is unreachable for the same reason, through Truce begins" in block
    assert "the same causes also block: states Stage 1 in force" in block


def test_the_setting_that_lifts_the_position_overturns_the_expected_findings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out = _check(capsys, "--set", "israel_rules_out_ending_war=false")
    assert status == 0
    assert "[error]" not in out and "expected_finding_missing" not in out
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  changed by the setting"))
    assert start < next(i for i, line in enumerate(lines) if line.startswith("  ["))
    text = _flat(lines[start:])
    # Every expected finding describes the blocked truce, so the setting overturns them all.
    declared = len(load(POSITIONS).spec.expected_findings)
    assert text.startswith(
        f"changed by the setting israel_rules_out_ending_war=false: {declared} expected findings "
        "no longer hold; outcomes now reachable: All three stages completed, Truce collapsed"
    )
    assert "- property three_stages_can_be_completed now holds with " in text
    shown = "'All three stages completed' (three_stages_completed)"
    assert f"- outcome {shown} is now reached with " in text
    assert (
        "- transition Truce begins (truce_begins) now happens with "
        "israel_rules_out_ending_war=false" in text
    )
    assert "1 of 1 check(s) clean" in out


def test_the_changes_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = _check(capsys, "--json", "--set", "israel_rules_out_ending_war=false")
    record = json.loads(out)["scenarios"][0]
    assert status == 0 and record["clean"]
    assert record["outcomes_now_reached"] == ["three_stages_completed", "truce_collapsed"]
    changed = [f for f in record["findings"] if f["kind"] == "expected_finding_changed"]
    declared = len(load(POSITIONS).spec.expected_findings)
    assert len(changed) == declared and all(f["severity"] == "note" for f in changed)
    assert record["why"] == []  # nothing is blocked any more


def test_the_chains_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = _check(capsys, "--json")
    why = json.loads(out)["scenarios"][0]["why"]
    first = why[0]
    assert (first["kind"], first["target"]) == ("unreachable_outcome", "three_stages_completed")
    assert [link["subject"] for link in first["chains"][0]] == [
        "truce_begins",
        "war_ended",
        "israel_agrees_to_end_war",
    ]
    assert {c["owner"] for c in first["causes"]} == {"israel's position"}
    assert first["sentences"][0].startswith(
        "All three stages completed is unreachable because Truce begins needs"
    )


def test_ignoring_the_changes(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("--set", "israel_rules_out_ending_war=false", "--ignore", "expected_finding_changed")
    status, out = _check(capsys, *args)
    assert status == 0 and "changed by the setting" not in out


def test_fire_names_the_false_conjuncts_and_their_values() -> None:
    run = Run(load(POSITIONS))
    with pytest.raises(NotEnabled) as caught:
        run.fire("truce_begins")
    message = str(caught.value)
    assert message.startswith("event 'truce_begins' is not enabled in state 'negotiating'")
    for conjunct, owner, value in [
        ("israel_accepts", "the guard", "israel_accepts = false"),
        ("war_ended", "hamas's position", "war_ended = false"),
        ("forces_withdrawn", "hamas's position", "forces_withdrawn = false"),
    ]:
        assert f"`{conjunct}` ({owner}: {value})" in message
    assert set(caught.value.false) == {"truce_begins"}
    assert isinstance(caught.value, ValueError)  # as before: not enabled is a ValueError
    # Once both sides accept and the four steps Israel can take are taken, only Israel's
    # position is left: ending the war is blocked by it.
    for event in ("israel_accepts_framework", "hamas_accepts_framework"):
        run.fire(event)
    with pytest.raises(NotEnabled) as caught:
        run.fire("israel_agrees_to_end_war")
    assert (
        "`not israel_rules_out_ending_war` (israel's position: israel_rules_out_ending_war = "
        "true)" in str(caught.value)
    )
    with pytest.raises(NotEnabled, match="stage_1_ends leaves only from stage_1_in_force"):
        run.fire("stage_1_ends")


def test_compare_why_names_the_requirements_and_outcomes_a_setting_changes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from model.compare import main as compare_main

    args = [POSITIONS, POSITIONS, "--set-b", "israel_rules_out_ending_war=false", "--why"]
    assert compare_main(args) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    start = lines.index("Why (requirements and outcomes that change):")
    text = _flat(lines[start:])
    assert text.startswith(
        "Why (requirements and outcomes that change): Israel agrees to end war: israel's "
        "position `not israel_rules_out_ending_war`: never true in A "
        "(israel_rules_out_ending_war = true); true in some run in B "
        "(israel_rules_out_ending_war = false)"
    )
    assert "Truce begins: hamas's position `war_ended`: never true in A; true in some run in B" in (
        text
    )
    assert (
        "All three stages completed: reachable in B only in A, All three stages completed is "
        in text
    )
    # JSON: the same, as data; without --why there is no "why" key
    assert compare_main([*args, "--json"]) == 0
    why = json.loads(capsys.readouterr().out)["why"]
    first = next(r for r in why["requirements"] if r["transition"] == "israel_agrees_to_end_war")
    assert (first["text"], first["a"], first["b"]) == (
        "not israel_rules_out_ending_war",
        "never true",
        "true in some run",
    )
    assert first["params_a"] == {"israel_rules_out_ending_war": True}
    assert [o["outcome"] for o in why["outcomes"]] == ["three_stages_completed", "truce_collapsed"]
    assert compare_main([POSITIONS, POSITIONS, "--json"]) == 0
    assert "why" not in json.loads(capsys.readouterr().out)


def test_compare_why_of_two_scenarios_names_the_positions_one_adds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from model.compare import main as compare_main

    plain = str(ROOT / "scenarios" / "cairo_three_stage_truce.yaml")
    assert compare_main([plain, POSITIONS, "--why"]) == 0
    text = _flat(capsys.readouterr().out.splitlines())
    assert "Truce begins: hamas's position `war_ended`: absent in A; never true in B" in text
    assert (
        "All three stages completed: reachable in A only in B, All three stages completed is"
        in text
    )


def test_identical_settings_change_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    from model.compare import main as compare_main

    path = str(ROOT / "scenarios" / "november_truce.yaml")
    assert compare_main([path, path, "--why"]) == 0
    assert "  no requirement and no outcome changes" in capsys.readouterr().out
