"""The checker on the time kinds: deadlines that can be missed, stages that overrun their
length (evaluated in each snapshot), lengths nothing enforces and risks that cannot happen.

The fixtures (tests/fixtures/broken/ for one finding each, tests/fixtures/time/ for the
rest) explain at their top why the shortest counterexample has the length it has.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SCENARIOS

from model.analysis.consistency import check
from model.analysis.findings import SEVERITY, Finding
from model.check import main
from model.scenario.compiled import Scenario
from model.scenario.loader import load, load_text
from model.semantics.engine import Run
from model.semantics.table import Table

BROKEN = ROOT / "tests" / "fixtures" / "broken"
TIME = ROOT / "tests" / "fixtures" / "time"


def findings(path: Path | Scenario, **params: object) -> list[Finding]:
    return check(path if isinstance(path, Scenario) else load(path), params).findings


def variant(path: Path, old: str, new: str) -> Scenario:
    """The fixture at ``path`` with ``old`` replaced by ``new``."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    return load_text(text.replace(old, new), file=f"variant of {path.name}", base_dir=path.parent)


def only(found: list[Finding], kind: str) -> Finding:
    hits = [f for f in found if f.kind == kind]
    assert len(hits) == 1, found
    return hits[0]


def replay(path: Path, f: Finding, **params: object) -> Run:
    """The finding's trace taken on the engine, each step from and to the snapshot it names."""
    run = Run(load(path), params)
    for step in f.trace:
        assert (run.state, run.day) == (step["from"], step["day_before"])
        run.fire(step["transition"])
        assert (run.state, run.day) == (step["to"], step["day"])
    return run


def test_missed_deadline_ends_its_shortest_run_with_the_deadline() -> None:
    path = BROKEN / "deadline_missed.yaml"
    f = only(findings(path), "deadline_missed")
    assert f.severity == "warning" and f.target == "talks_overdue"
    assert "israel" in f.message and "day 5 of stage 'truce'" in f.message
    last = f.trace[-1]
    assert (last["transition"], last["kind"], last["actor"]) == (
        "talks_overdue",
        "deadline",
        "schedule",
    )
    assert last["timing"] == "deadline of israel: day 5 of the stage"
    assert [s["transition"] for s in f.trace] == ["talks_postponed", "talks_overdue"]
    assert replay(path, f).outcome == "talks_overdue"


def test_missed_deadline_among_every_kind_is_shortest_and_replays() -> None:
    path = TIME / "all_kinds.yaml"
    result = check(load(path))
    f = only(result.findings, "deadline_missed")
    assert f.expected is not None and result.clean  # declared under the default weights
    assert f.trace[-1]["transition"] == "talks_overdue" and f.trace[-1]["day"] == 6
    # every run reaching the deadline: postpone on day 0, then each day and each scheduled
    # release up to day 6 is a step of its own (the risk makes every day one)
    graph = result.graph
    deadline = next(t.index for t in load(path).transitions if t.name == "talks_overdue")
    depths = [
        len(graph.path_to(graph.edge_source[e])) + 1
        for e in range(graph.edge_count)
        if graph.edge_transition[e] == deadline
    ]
    assert len(f.trace) == min(depths)
    replay(path, f)


def test_a_deadline_that_cannot_be_missed_is_no_finding() -> None:
    found = findings(TIME / "all_kinds.yaml", postpone_weight=0)
    assert "deadline_missed" not in {f.kind for f in found}
    assert "expected_finding_missing" not in {f.kind for f in found}  # declared only for 1


def test_an_expected_deadline_missed_that_does_not_happen_is_reported_missing() -> None:
    scenario = variant(
        TIME / "all_kinds.yaml", "when: {postpone_weight: 1}", "when: {postpone_weight: 0}"
    )
    assert "expected_finding_missing" in {f.kind for f in findings(scenario, postpone_weight=0)}
    assert "deadline_missed" in {f.kind for f in findings(scenario) if f.counts}


def test_stage_overrun_is_found_with_the_shortest_run_past_the_length() -> None:
    path = BROKEN / "stage_overrun.yaml"
    scenario = load(path)
    f = only(check(scenario).findings, "stage_overrun")
    assert f.severity == "error" and f.target == "truce"
    assert "lasts 3 days" in f.message and "day 4 of the stage" in f.message
    run = replay(path, f)
    assert run.snapshot.day_in_stage == 4 > Table(scenario).env(run.snapshot)["stage_days"]


def test_stage_overrun_reads_the_length_in_force_in_each_snapshot() -> None:
    path = TIME / "variable_length.yaml"
    scenario = load(path)
    result = check(scenario)
    assert result.clean  # extended twice, the truce is in force on day 4 of a 4-day stage
    assert any(n.day_in_stage == 4 for n in result.graph.nodes if n.state == "truce_in_force")
    f = only(findings(path, late=1), "stage_overrun")
    assert len(f.trace) == 1 and "lasts 2 days" in f.message
    run = replay(path, f, late=1)
    assert run.snapshot.day_in_stage == 3 and run.values["extensions"] == 0


def test_static_time_checks() -> None:
    f = only(findings(BROKEN / "stage_length_unenforced.yaml"), "stage_length_unenforced")
    assert f.target == "truce" and "at: stage_days" in f.message and not f.trace
    f = only(findings(BROKEN / "risk_chance_invalid.yaml"), "risk_chance_invalid")
    assert f.target == "violation" and "never happens" in f.message
    f = only(findings(TIME / "all_kinds.yaml", violation_chance=0), "risk_chance_invalid")
    assert f.target == "violation"  # a parameter makes the chance 0
    for path in (TIME / "all_kinds.yaml", TIME / "variable_length.yaml"):
        kinds = {f.kind for f in findings(path)}
        assert not kinds & {"stage_length_unenforced", "risk_chance_invalid", "unused_parameter"}


def test_a_risk_chance_above_its_in_is_reported() -> None:
    scenario = variant(
        BROKEN / "risk_chance_invalid.yaml", "{chance: 0, in: 10}", "{chance: 11, in: 10}"
    )
    found = findings(scenario)
    f = only(found, "risk_chance_invalid")
    assert "11 in 10" in f.message and "not between" in f.message
    assert "evaluation_error" in {g.kind for g in found}  # and the run that enables it breaks


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenarios_have_no_static_time_findings(path: Path) -> None:
    found = check(load(path)).findings
    assert not {f.kind for f in found} & {"stage_length_unenforced", "risk_chance_invalid"}
    # A deadline the agreement sets may be missed when that is the point of the model (the
    # Minsk II timetable, the Israel-Lebanon withdrawal period): then, and only then, the
    # scenario declares it expected.
    assert all(f.expected is not None for f in found if f.kind == "deadline_missed")


def test_check_text_says_risks_are_per_day(capsys: pytest.CaptureFixture[str]) -> None:
    main([str(TIME / "all_kinds.yaml")])
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("  odds:")]
    assert lines == [
        "  odds: the chances of 1 risk (violation) are per day (per week where a risk says so), "
        "whatever the number of steps"
    ]
    without_risks = ROOT / "tests" / "fixtures" / "compare" / "truce_a.yaml"
    main([str(without_risks), str(TIME / "variable_length.yaml")])
    assert "odds:" not in capsys.readouterr().out
    main([str(ROOT / "scenarios" / "hostage_prisoner_exchange.yaml")])  # migrated: risks
    assert [line for line in capsys.readouterr().out.splitlines() if "odds:" in line] == [
        "  odds: the chances of 2 risks (Israel halts exchange, Hamas halts exchange) are per day "
        "(per week where a risk says so), whatever the number of steps"
    ]


# --- the shortest runs, found again by a search on the engine ----------------------------


def engine_search(path: Path, params: dict[str, object], found: Any) -> int | None:
    """Fewest steps of an engine run (breadth first over its snapshots, each reached by
    replaying its events) after which ``found(run, step)`` holds; None if never."""
    scenario = load(path)
    queue: deque[tuple[int, ...]] = deque([()])
    seen = {Run(scenario, params).snapshot}
    while queue:
        path_so_far = queue.popleft()
        run = Run(scenario, params)
        for index in path_so_far:
            run.fire(index)
        for event in run.enabled():
            nxt = Run(scenario, params)
            for index in path_so_far:
                nxt.fire(index)
            step = nxt.fire(event.index)
            if found(nxt, step):
                return len(path_so_far) + 1
            if nxt.snapshot not in seen and nxt.outcome is None:
                seen.add(nxt.snapshot)
                queue.append((*path_so_far, event.index))
    return None


def overrun(run: Run, _: Any) -> bool:
    """The run is in a stage past its length, the length computed here from the file's
    expression on the run's parameters and values."""
    sc = run.scenario
    stage = sc.stage_of(run.state)
    f = sc.stage_days.get(stage or "")
    if run.outcome is not None or f is None:
        return False
    return run.snapshot.day_in_stage > int(f({**run.params, **run.values}))


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (BROKEN / "deadline_missed.yaml", {}),
        (TIME / "all_kinds.yaml", {}),
        (TIME / "all_kinds.yaml", {"postpone_weight": 0}),
        (TIME / "all_kinds.yaml", {"violation_chance": 0}),
    ],
)
def test_deadline_missed_agrees_with_a_search_on_the_engine(
    path: Path, params: dict[str, object]
) -> None:
    deadlines = {t.index for t in load(path).transitions if t.kind == "deadline"}
    want = engine_search(path, params, lambda run, step: step.event.index in deadlines)
    found = [f for f in findings(path, **params) if f.kind == "deadline_missed"]
    assert [len(f.trace) for f in found] == ([] if want is None else [want])


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (BROKEN / "stage_overrun.yaml", {}),
        (TIME / "variable_length.yaml", {}),
        (TIME / "variable_length.yaml", {"late": 1}),
        (TIME / "all_kinds.yaml", {}),
        (BROKEN / "deadline_missed.yaml", {}),
    ],
)
def test_stage_overrun_agrees_with_a_search_on_the_engine(
    path: Path, params: dict[str, object]
) -> None:
    want = engine_search(path, params, overrun)
    found = [f for f in findings(path, **params) if f.kind == "stage_overrun"]
    assert [len(f.trace) for f in found] == ([] if want is None else [want])


def test_every_finding_kind_is_documented() -> None:
    text = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    for kind in SEVERITY:
        assert f"| `{kind}` | {SEVERITY[kind]} |" in text
