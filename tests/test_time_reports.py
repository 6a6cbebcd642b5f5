"""What a user reads of the time kinds in runs: activities that start, go on and complete,
scheduled events and deadlines with their day, risks with their chance per day, and days
passing with no event (consecutive ones as one line in the text).

Records of scenarios without the time kinds keep their keys: no step of theirs gets a time
key (the shipped scenarios all have time kinds since their migration; the three-stage truce
as it was before it is kept for the benchmarks in bench/fixtures/).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import ROOT

from model.reports.run import format_text, run_record
from model.scenario.loader import load
from model.semantics.engine import Run
from model.simulate import main

ALL_KINDS = ROOT / "tests" / "fixtures" / "time" / "all_kinds.yaml"
TIME_KEYS = {"kind", "timing", "activity", "activity_days", "abandons"}


def record(path: Any, seed: int, **params: object) -> dict[str, Any]:
    run = Run(load(path), params)
    status = run.play(seed, 500)
    return run_record(run, seed=seed, max_steps=500, status=status)


def steps_by(rec: dict[str, Any], transition: str) -> list[dict[str, Any]]:
    return [s for s in rec["steps"] if s["transition"] == transition]


def test_an_activity_starts_goes_on_and_is_abandoned_by_a_deadline() -> None:
    rec = record(ALL_KINDS, 0)  # israel postpones the talks; the deadline of day 6 cuts them
    postponed = steps_by(rec, "talks_postponed")
    assert postponed[0]["activity"] == "starts" and postponed[0]["activity_days"] == 7
    assert {s["activity"] for s in postponed[1:]} == {"under way"}
    assert all(s["day"] == s["day_before"] + 1 for s in postponed[1:])
    (deadline,) = steps_by(rec, "talks_overdue")
    assert deadline["kind"] == "deadline" and deadline["actor"] == "schedule"
    assert deadline["timing"] == "deadline of israel: day 6 of the stage"
    assert deadline["abandons"] == "talks_postponed"
    (first,) = steps_by(rec, "first_release")
    assert first["timing"] == "scheduled: day 1 of the stage"
    assert [b["timing"] for b in steps_by(rec, "release_batch")] == [
        f"scheduled: day {d} in truce_in_force (every 3 days)" for d in (3, 6)
    ]
    text = format_text(rec)
    assert "israel: talks_postponed starts · 7 days" in text
    assert "israel: talks_postponed under way" in text
    assert "schedule: talks_overdue (deadline of israel: day 6 of the stage)" in text
    assert "abandons talks_postponed (its effects never take place)" in text


def test_an_activity_that_completes_and_days_with_no_event() -> None:
    rec = record(ALL_KINDS, 3)
    consult = steps_by(rec, "consultations_continue")
    assert [s.get("activity") for s in consult] == ["starts", "under way", "completes"]
    assert consult[-1]["changes"] == {"consulted": {"from": False, "to": True}}
    days = [s for s in rec["steps"] if s.get("kind") == "days"]
    assert days and all(s["transition"] == "days pass" and s["from"] == s["to"] for s in days)
    text = format_text(rec)
    assert "mediators: consultations_continue starts · 2 days" in text
    assert "mediators: consultations_continue completes" in text
    # steps 8, 9 and 10 are days passing one after another: one line
    assert "8–10 · days 3→6 pass (3 days, no event) · Truce" in text
    assert " 6 · days 2→3 pass (1 day, no event) · Truce" in text
    shown = [line for line in text.splitlines() if "pass (" in line]
    total = sum(int(line.split("pass (")[1].split(" day")[0]) for line in shown)
    assert total == sum(s["day"] - s["day_before"] for s in days)


def test_a_risk_says_its_chance_per_day_under_the_parameters() -> None:
    rec = record(ALL_KINDS, 1)
    (risk,) = steps_by(rec, "violation")
    assert risk["kind"] == "risk" and risk["timing"] == "risk, 1 in 20 a day"
    assert "hamas: violation (risk, 1 in 20 a day)" in format_text(rec)
    for seed in range(40):  # the chance as the parameter makes it, not its name
        rec = record(ALL_KINDS, seed, violation_chance=5)
        for s in steps_by(rec, "violation"):
            assert s["timing"] == "risk, 5 in 20 a day"


@pytest.mark.parametrize("seed", range(12))
def test_time_keys_only_on_steps_of_the_time_kinds(seed: int) -> None:
    rec = record(ALL_KINDS, seed)
    scenario = load(ALL_KINDS)
    kinds = {t.name: t.kind for t in scenario.transitions}
    for s in rec["steps"]:
        extra = TIME_KEYS & s.keys()
        if s["transition"] == "days pass":
            assert s["kind"] == "days"
        elif kinds[s["transition"]] == "decision":
            assert extra <= {"activity", "activity_days"}
            assert ("activity" in s) == (
                s["transition"] in ("talks_postponed", "consultations_continue")
            )
        else:
            assert {"kind", "timing"} <= extra and s["kind"] == kinds[s["transition"]]


WITHOUT_TIME_KINDS = [
    ROOT / "bench" / "fixtures" / "cairo_three_stage_truce.yaml",
    ROOT / "tests" / "fixtures" / "compare" / "truce_a.yaml",
    ROOT / "tests" / "fixtures" / "derived" / "aid_trucks.yaml",
]


@pytest.mark.parametrize("path", WITHOUT_TIME_KINDS, ids=lambda p: p.stem)
def test_scenarios_without_time_kinds_get_no_time_keys(path: Any) -> None:
    assert all(t.spec.kind == "decision" for t in load(path).transitions)
    for seed in range(5):
        rec = record(path, seed)
        assert not any(TIME_KEYS & s.keys() for s in rec["steps"]), seed


def test_shipped_scenarios_steps_say_their_kind() -> None:
    rec = record(ROOT / "scenarios" / "cairo_three_stage_truce.yaml", 15)
    kinds = {s["transition"]: s.get("kind") for s in rec["steps"]}
    assert kinds["stage_3_completed"] == "scheduled"
    assert kinds["truce_begins"] is None  # a decision: no time key


def test_json_and_text_of_a_run_with_time_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(ALL_KINDS), "--seed", "0", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["steps"][-1]["kind"] == "deadline"
    assert main([str(ALL_KINDS), "--seed", "0"]) == 0
    assert format_text(data) == capsys.readouterr().out
