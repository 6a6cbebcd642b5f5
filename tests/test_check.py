"""`model.check`: each finding kind on a small broken scenario, with the shortest trace.

Every fixture in tests/fixtures/broken/ explains at its top what is wrong and why the
shortest counterexample has the length it has; the expected kinds, targets and trace
lengths below come from that reasoning, not from the checker's output.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SCENARIOS

from model.analysis.consistency import CheckResult, check
from model.analysis.findings import SEVERITY, Finding
from model.base.errors import RunError
from model.check import main
from model.scenario.loader import load
from model.semantics.engine import Run

FIXTURES = ROOT / "tests" / "fixtures" / "broken"
DEFAULT = ROOT / "scenarios" / "cairo_three_stage_truce.yaml"


@dataclass(frozen=True)
class Case:
    file: str
    # every finding, notes and expected ones included: (kind, target, trace length)
    findings: tuple[tuple[str, str, int], ...]
    clean: bool = False
    params: tuple[tuple[str, object], ...] = ()  # as --set gives them

    def __str__(self) -> str:
        return self.file.removesuffix(".yaml")


CASES = [
    # 0 -> 1 -> 2, the third release would make 3 > 2
    Case("invariant_violated.yaml", (("invariant_violated", "at_most_two_batches", 3),)),
    # 5 -> 3 -> 1, the third release would make -1
    Case("out_of_bounds.yaml", (("out_of_bounds", "release_batch: held", 3),)),
    # 12 // 2, 12 // 1, then 12 // 0
    Case("evaluation_error.yaml", (("evaluation_error", "release_round", 3),)),
    # truce_begins, release_person, release_person without the force deployed
    Case("deadlock.yaml", (("deadlock", "truce_in_force", 3),)),
    # framework_agreed, truce_begins, then the 2-step loop
    Case("no_outcome_cycle.yaml", (("no_outcome_cycle", "disputed + truce_in_force", 2),)),
    Case(
        "unreachable_state.yaml",
        (
            ("unreachable_state", "monitored_return", 0),
            ("never_enabled", "return_begins", 0),
        ),
    ),
    Case(
        "unreachable_outcome.yaml",
        (
            ("unreachable_outcome", "ceasefire_extended", 0),
            ("unreachable_state", "extended", 0),
            ("never_enabled", "ceasefire_extended", 0),
        ),
    ),
    Case("never_enabled.yaml", (("never_enabled", "truce_begins_early", 0),)),
    # truce_begins, deploy_force: both release_batch rules hold with held = 3
    Case("nondeterminism.yaml", (("nondeterminism", "release_batch", 2),)),
    # truce_begins, release_one (day 10), release_one (day 20); a note: still clean
    Case("horizon_reached.yaml", (("horizon_reached", "truce_in_force", 3),), clean=True),
    Case(
        "transition_from_outcome.yaml",
        (
            ("transition_from_outcome", "truce_resumes", 0),
            ("never_enabled", "truce_resumes", 0),
        ),
    ),
    Case("backward_stage.yaml", (("backward_stage", "talks_reopen", 0),)),
    Case(
        "guard_never_true.yaml",
        (
            ("guard_never_true", "bonus_release", 0),
            ("never_enabled", "bonus_release", 0),
        ),
    ),
    Case("unused_state.yaml", (("unused_state", "stage_3_in_force", 0),)),
    Case("unused_variable.yaml", (("unused_variable", "return_north", 0),)),
    Case("unused_parameter.yaml", (("unused_parameter", "batch_size", 0),)),
    Case("unused_table.yaml", (("unused_table", "releases", 0),)),
    Case("unused_party.yaml", (("unused_party", "arab_force", 0),)),
    Case(
        "expected_finding_missing.yaml",
        (("expected_finding_missing", "unreachable_outcome 'no_agreement'", 0),),
    ),
    # talks_postponed (an activity, days 0->5 folded), then the deadline on day 5
    Case("deadline_missed.yaml", (("deadline_missed", "talks_overdue", 2),)),
    # release_batch (day 2), release_batch (day 4 > 3 days)
    Case("stage_overrun.yaml", (("stage_overrun", "truce", 2),)),
    Case("stage_length_unenforced.yaml", (("stage_length_unenforced", "truce", 0),)),
    Case(
        "risk_chance_invalid.yaml",
        (
            ("risk_chance_invalid", "violation", 0),
            ("never_enabled", "violation", 0),
        ),
    ),
    # both declared findings overturned by talks_can_fail=true: notes, still clean
    Case(
        "expected_finding_changed.yaml",
        (
            ("expected_finding_changed", "never_enabled 'talks_fail'", 0),
            ("expected_finding_changed", "unreachable_outcome 'no_agreement'", 0),
        ),
        clean=True,
        params=(("talks_can_fail", True),),
    ),
    # proposal_tabled, talks_stall: the declared deadlock, found and expected
    Case("expected_finding_found.yaml", (("deadlock", "stalemate", 2),), clean=True),
]

REGRESSIONS = [
    # Regression: the same loop exists on days 0, 5, ..., 30; the nearest is entered after
    # 2 steps. The checker once kept the deepest copy (8 steps).
    pytest.param(
        Case(
            "no_outcome_cycle_repeated.yaml",
            (("no_outcome_cycle", "disputed + truce_in_force", 2),),
        ),
        id="no_outcome_cycle_repeated",
    ),
]


def run_check(file: str, **kwargs: Any) -> CheckResult:
    return check(load(FIXTURES / file), **kwargs)


def summary(result: CheckResult) -> list[tuple[str, str, int]]:
    return sorted((f.kind, f.target, len(f.trace)) for f in result.findings)


def only(result: CheckResult, kind: str) -> Finding:
    found = [f for f in result.findings if f.kind == kind]
    assert len(found) == 1, found
    return found[0]


# --- the fixtures -------------------------------------------------------------------------


def test_every_finding_kind_has_a_fixture() -> None:
    covered = {kind for case in CASES for kind, _, _ in case.findings}
    assert covered == set(SEVERITY)
    named = {case.file.removesuffix(".yaml") for case in CASES}
    assert set(SEVERITY) <= named
    on_disk = {p.name for p in FIXTURES.glob("*.yaml")}
    listed = {c.file for c in CASES} | {"no_outcome_cycle_repeated.yaml"}
    assert on_disk == listed


@pytest.mark.parametrize("case", [*CASES, *REGRESSIONS], ids=str)
def test_fixture_findings_and_shortest_traces(case: Case) -> None:
    result = run_check(case.file, params=dict(case.params))
    assert result.complete
    assert summary(result) == sorted(case.findings)
    assert result.clean is case.clean
    for f in result.findings:
        assert f.where.startswith(str(FIXTURES / case.file) + ":")
        assert [s["step"] for s in f.trace] == list(range(1, len(f.trace) + 1))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_every_trace_replays_on_the_engine(case: Case) -> None:
    """Each trace is a real run: the engine takes the same steps to the same snapshots."""
    scenario = load(FIXTURES / case.file)
    for f in check(scenario).findings:
        if not f.trace:
            continue
        run = Run(scenario)
        refused = f.kind in ("invariant_violated", "out_of_bounds", "evaluation_error")
        steps = f.trace[:-1] if refused else f.trace
        for step in steps:
            assert (run.state, run.day) == (step["from"], step["day_before"])
            run.fire(step["transition"])
            assert (run.state, run.day) == (step["to"], step["day"])
        if refused:
            with pytest.raises(RunError, match=re.escape(f.trace[-1]["error"])):
                run.fire(f.trace[-1]["transition"])
        elif f.kind == "deadlock":
            assert run.status == "stuck"
        elif f.kind == "horizon_reached":
            assert run.status == "horizon"
        elif f.kind == "nondeterminism":
            enabled = [e.name for e in run.enabled() if e.trigger == f.target]
            assert len(enabled) >= 2


def test_invariant_counterexample_reproduces_on_the_engine() -> None:
    scenario = load(FIXTURES / "invariant_violated.yaml")
    f = only(check(scenario), "invariant_violated")
    assert [s["transition"] for s in f.trace] == ["release_prisoner_batch"] * 3
    run = Run(scenario)
    for step in f.trace[:-1]:
        run.fire(step["transition"])
    assert run.values == {"batches": 2}
    before = run.snapshot
    with pytest.raises(RunError, match="'at_most_two_batches' is false"):
        run.fire(f.trace[-1]["transition"])
    assert run.snapshot == before and run.status == "error"


def test_cycle_returns_to_its_entry_snapshot() -> None:
    scenario = load(FIXTURES / "no_outcome_cycle.yaml")
    f = only(check(scenario), "no_outcome_cycle")
    assert [s["transition"] for s in f.trace] == ["framework_agreed", "truce_begins"]
    assert [s["transition"] for s in f.cycle] == ["violation_reported", "dispute_settled"]
    assert f.cycle[0]["from"] == f.trace[-1]["to"] == f.cycle[-1]["to"] == "truce_in_force"
    assert f.cycle[0]["day_before"] == f.trace[-1]["day"] == f.cycle[-1]["day"]
    run = Run(scenario)
    for step in f.trace:
        run.fire(step["transition"])
    entry = run.snapshot
    for step in f.cycle:
        run.fire(step["transition"])
    assert run.snapshot == entry


def test_repeated_cycle_still_returns_to_its_entry_snapshot() -> None:
    scenario = load(FIXTURES / "no_outcome_cycle_repeated.yaml")
    f = only(check(scenario), "no_outcome_cycle")
    assert f.count == 7  # one loop on each of days 0, 5, ..., 30
    run = Run(scenario)
    for step in f.trace:
        run.fire(step["transition"])
    entry = run.snapshot
    for step in f.cycle:
        run.fire(step["transition"])
    assert run.snapshot == entry


def test_nondeterminism_is_counted_in_each_snapshot() -> None:
    f = only(run_check("nondeterminism.yaml"), "nondeterminism")
    # force deployed with held = 3 or held = 2: the two snapshots where both rules hold
    assert f.count == 2
    assert "release_batch[2], release_batch[3]" in f.message


def test_parameters_change_the_counterexample() -> None:
    # batch_size 3: 5 -> 2, then 2 - 3 = -1; batch_size 1 reaches 0 exactly
    f = only(run_check("out_of_bounds.yaml", params={"batch_size": 3}), "out_of_bounds")
    assert len(f.trace) == 2
    assert run_check("out_of_bounds.yaml", params={"batch_size": 1}).clean


def test_expected_finding_is_reported_as_expected() -> None:
    result = run_check("expected_finding_found.yaml")
    f = only(result, "deadlock")
    assert f.expected is not None and f.expected.startswith("“deadlock continued")
    assert not f.counts
    assert result.clean


def test_ignoring_a_kind_drops_the_declared_expectation_too() -> None:
    result = run_check("expected_finding_missing.yaml", ignore=["unreachable_outcome"])
    assert result.findings == [] and result.clean


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenarios_are_clean(path: Path) -> None:
    result = check(load(path))
    assert result.complete
    assert result.clean, [(f.kind, f.target) for f in result.findings]


def test_bounded_search_is_never_clean() -> None:
    result = check(load(DEFAULT), max_states=10)
    assert not result.complete
    assert not result.clean


# --- the command line ---------------------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_shipped_scenarios_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli(capsys)
    assert status == 0
    checks = sum(len(load(p).variant_choices()) for p in SCENARIOS)
    assert checks > len(SCENARIOS)  # the talks process has two accounts, checked one by one
    assert f"{checks} of {checks} check(s) clean ({len(SCENARIOS)} scenario file(s);" in out
    assert "the whole state space" in out


def test_cli_broken_fixture_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli(capsys, str(FIXTURES / "deadlock.yaml"))
    assert status == 1
    assert "[error] deadlock: no event can happen in state 'truce_in_force'" in out
    assert "shortest trace from the start (3 steps):" in out
    assert "0 of 1 check(s) clean" in out


def test_cli_invalid_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (FIXTURES / "deadlock.yaml").read_text(encoding="utf-8")
    text = text.replace("../../../seeds/", f"{ROOT / 'seeds'}/")
    text = text.replace("dest: completed", "dest: complted")
    path = tmp_path / "invalid.yaml"
    path.write_text(text, encoding="utf-8")
    status, out, err = cli(capsys, str(path))
    assert status == 2
    assert out == ""
    assert "unknown state 'complted' (did you mean 'completed'?)" in err
    assert "Traceback" not in err


FINDING_LINE = re.compile(r"^  \[(\w+)\] (\w+): (.*)$")
TRACE_LINE = re.compile(r"^      shortest trace from the start \((\d+) steps?\):$")


def text_findings(out: str) -> list[tuple[str, str, str, int]]:
    """(label, kind, message, trace length) for each finding in the text output."""
    found: list[tuple[str, str, str, int]] = []
    for line in out.splitlines():
        if m := FINDING_LINE.match(line):
            found.append((m[1], m[2], m[3], 0))
        elif m := TRACE_LINE.match(line):
            label, kind, message, _ = found[-1]
            found[-1] = (label, kind, message, int(m[1]))
    return found


def json_findings(data: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    found = []
    for record in data["scenarios"]:
        for f in record["findings"]:
            label = "expected" if f["expected"] is not None else f["severity"]
            more = f" (and {f['count'] - 1} more like it)" if f["count"] > 1 else ""
            found.append((label, f["kind"], f["message"] + more, len(f["trace"])))
    return found


def test_cli_json_holds_the_same_findings_as_the_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = sorted(str(p) for p in FIXTURES.glob("*.yaml"))
    text_status, out, _ = cli(capsys, *files)
    json_status, raw, _ = cli(capsys, "--json", *files)
    data = json.loads(raw)
    assert text_status == json_status == data["exit_status"] == 1
    assert data["clean"] is False
    assert [Path(r["file"]).name for r in data["scenarios"]] == [Path(f).name for f in files]
    findings = json_findings(data)
    assert len(findings) >= len(SEVERITY)
    assert text_findings(out) == findings
    clean = sum(r["clean"] for r in data["scenarios"])
    assert f"{clean} of {len(files)} check(s) clean" in out


def test_cli_bounded_search_says_incomplete_and_never_clean(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = cli(capsys, "--max-states", "3")
    assert status == 1
    assert "INCOMPLETE" in out
    assert "stopped at the limit of 3 states" in out
    assert not any(line.strip().startswith("clean") for line in out.splitlines())
    checks = sum(len(load(p).variant_choices()) for p in SCENARIOS)
    assert f"0 of {checks} check(s) clean" in out
    status, raw, _ = cli(capsys, "--max-states", "3", "--json")
    data = json.loads(raw)
    assert status == data["exit_status"] == 1
    assert data["clean"] is False
    assert all(not r["complete"] and not r["clean"] for r in data["scenarios"])


def test_cli_ignore_removes_that_kind(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(FIXTURES / "guard_never_true.yaml")
    status, out, _ = cli(capsys, path)
    assert status == 1
    assert "guard_never_true:" in out and "never_enabled:" in out
    status, out, _ = cli(capsys, path, "--ignore", "guard_never_true")
    assert status == 1
    assert "guard_never_true:" not in out and "never_enabled:" in out
    status, out, _ = cli(capsys, path, "--ignore", "guard_never_true", "--ignore", "never_enabled")
    assert status == 0
    assert "[warning]" not in out
    assert "1 of 1 check(s) clean" in out


def test_cli_expected_finding_is_shown_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli(capsys, str(FIXTURES / "expected_finding_found.yaml"))
    assert status == 0
    assert "[expected] deadlock: no event can happen in state 'stalemate'" in out
    assert "why it is expected: “deadlock continued over Israel’s refusal to end the war”" in out
    assert "clean (1 expected finding(s))" in out
    assert "[error]" not in out


def test_cli_missing_expected_finding_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli(capsys, str(FIXTURES / "expected_finding_missing.yaml"))
    assert status == 1
    assert (
        "[error] expected_finding_missing: the scenario declares the finding "
        "unreachable_outcome 'no_agreement' as expected"
    ) in out


def test_incomplete_search_does_not_claim_an_expected_finding_is_missing() -> None:
    result = run_check("expected_finding_missing.yaml", max_states=2)
    assert not result.complete and not result.clean
    assert "expected_finding_missing" not in {f.kind for f in result.findings}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_ignore_switches_off_every_kind(case: Case) -> None:
    """--ignore KIND works for every kind (each has a fixture: see above)."""
    for kind in {kind for kind, _, _ in case.findings}:
        result = run_check(case.file, params=dict(case.params), ignore=[kind])
        assert kind not in {f.kind for f in result.findings}
