"""``python -m model.simulate`` as a user runs it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from conftest import ROOT

from model.cli.command import DEFAULT_SEED, OTHER_SEED
from model.simulate import main


def simulate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "model.simulate", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_default_run_exits_0_and_ends_with_an_outcome() -> None:
    result = simulate()
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("end · day ") and "outcome reached: " in last
    assert result.stderr == ""


def test_default_seed_shows_every_stage() -> None:
    # The default seed is documented as a run through all three stages.
    out = simulate("--json").stdout
    record = json.loads(out)
    assert record["seed"] == DEFAULT_SEED
    stages = {s["stage"] for s in record["steps"]}
    assert {"Talks", "Stage 1", "Stage 2", "Stage 3"} <= stages


def test_the_other_seed_named_in_help_ends_otherwise() -> None:
    record = json.loads(simulate("--json", "--seed", str(OTHER_SEED)).stdout)
    default = json.loads(simulate("--json").stdout)
    assert record["end"]["outcome"] != default["end"]["outcome"]
    assert f"--seed {OTHER_SEED}" in " ".join(simulate("--help").stdout.split())


def test_same_seed_same_output_byte_for_byte() -> None:
    assert simulate("--seed", "4").stdout == simulate("--seed", "4").stdout


def test_seed_changes_the_path() -> None:
    paths = {simulate("--seed", str(seed), "--json").stdout for seed in range(4)}
    events = {tuple(s["transition"] for s in json.loads(out)["steps"]) for out in paths}
    assert len(events) > 1


def test_json_holds_the_same_steps_as_the_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--seed", "2"]) == 0
    text = capsys.readouterr().out
    assert main(["--seed", "2", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    # One line per step; consecutive days with no event are one line "a–b · days x→y pass".
    steps = iter(record["steps"])
    lines = [m for line in text.splitlines() if (m := re.match(r"^\s*(\d+)(?:–(\d+))? · ", line))]
    for m in lines:
        first, last = int(m[1]), int(m[2] or m[1])
        run = [next(steps) for _ in range(first, last + 1)]
        assert [step["step"] for step in run] == list(range(first, last + 1))
        if m[2]:
            assert {step["event"] for step in run} == {"days_pass"}
            assert m.string.strip().startswith(
                f"{first}–{last} · days {run[0]['day_before']}→{run[-1]['day']} pass"
            )
        else:
            step = run[0]
            assert m.string.strip().startswith(f"{first} · day {step['day_before']}")
            # the event as the text shows it: its label (the id where it has none)
            assert f"{step['actor']}: {step.get('event_label', step['event'])}" in m.string
    assert next(steps, None) is None  # every step of the JSON is on a line
    assert record["end"].get("outcome_label", record["end"]["outcome"]) in text.splitlines()[-1]


def test_set_changes_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--json", "--set", "batch_size=133", "--set", "stage1_releases=133"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["changed_parameters"] == ["batch_size", "stage1_releases"]
    releases = [
        s["changes"]["held_in_gaza"] for s in record["steps"] if "held_in_gaza" in s["changes"]
    ]
    assert releases[:1] in ([], [{"from": 133, "to": 0, "label": "Held in Gaza"}])


def test_max_steps_stops_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--json", "--max-steps", "2"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert len(record["steps"]) == 2 and record["end"]["status"] == "max_steps"


def test_help_explains_options_and_exit_statuses() -> None:
    result = simulate("--help")
    assert result.returncode == 0
    for word in ("--seed", "--max-steps", "--set", "--json", "--list-parameters", "exit status"):
        assert word in result.stdout


def test_list_parameters_shows_sources(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-parameters"]) == 0
    out = capsys.readouterr().out
    assert "held_at_start = 133 [0..133]" in out
    assert "“a way in which the 133 Israeli hostages can be released”" in out


def test_a_scenario_with_conflicting_accounts_names_both(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = str(ROOT / "scenarios" / "cairo_talks_process.yaml")
    for extra in ([], ["--exact"], ["--runs", "50"]):
        assert main([path, *extra]) == 0
        out = capsys.readouterr().out
        assert "variant: concessions_so_far = false: no progress (the Hamas official)" in out
        assert (
            "other account: concessions_so_far = true: some progress (Two Egyptian security "
            "sources and state-run Al-Qahera News) (--set concessions_so_far=true)"
        ) in out
