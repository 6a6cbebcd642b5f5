"""The compiled table is the one step semantics: its careful path and the engine adapter on it
agree with the independent reference interpreter (tests/reference_semantics.py), errors
included (type, message and place in the scenario file).

The explorer and the fast path are compared with the reference in test_explore.py and
test_fastpath.py; there the careful path runs only where the fast path meets an error. Here
every snapshot is also taken on the careful path and on the engine.
"""

from __future__ import annotations

import random
from collections import deque
from typing import Any

import yaml
from conftest import ROOT, SCENARIOS
from hypothesis import given, reject, settings
from hypothesis import strategies as st
from reference_semantics import Semantics
from strategies import scenario_data
from time_reference import compare_table

from model.base.errors import RunError, ScenarioError
from model.scenario.compiled import Scenario
from model.scenario.loader import load, load_text
from model.semantics.engine import Run
from model.semantics.step import Snapshot
from model.semantics.table import Table


def _error(exc: RunError) -> tuple[str, str, Any]:
    return (type(exc).__name__, str(exc), exc.problem)


def _outcome(f: Any, *args: Any) -> Any:
    """``f(*args)``, or the error it raises as comparable data."""
    try:
        return ("ok", f(*args))
    except RunError as exc:
        return ("error", _error(exc))


def _compare_snapshots(scenario: Scenario, limit: int) -> None:
    """Breadth first over the reference's snapshots (up to ``limit``): the table's listing,
    careful steps, fast steps and endings agree with the reference at each one (with the
    rules of time: `time_reference.compare_table`), and so does each decision's answer to
    `Table.enables` where decisions are taken."""
    compare_table(scenario, limit)
    sem, table = Semantics(scenario, scenario.parameters()), Table(scenario)
    start = _outcome(sem.initial)
    if start[0] == "error":
        return
    seen, queue = {start[1]}, deque([start[1]])
    while queue and len(seen) <= limit:
        snap = queue.popleft()
        if sem.is_outcome(snap):
            continue
        node = sem.node(snap)
        if node.kind == "decisions":
            env, key = sem.env(snap), table.key(snap)
            if node.listed:  # (where listing raises, so does `blocked`: compare_table)
                assert _outcome(table.blocked, key) == _outcome(sem.blocked_by_horizon, snap)
            for t in sem.candidates(snap.state):
                if t.kind == "decision":
                    expected = _outcome(sem.is_enabled, t, snap, env)
                    assert _outcome(table.enables, key, t.index) == expected
        for e in node.entries:
            if isinstance(e.result, Snapshot) and e.result not in seen:
                seen.add(e.result)
                queue.append(e.result)


def _compare_engine(scenario: Scenario, seed: int, max_steps: int) -> None:
    """A random walk on the engine: at each step its events (with their integer weights),
    status, accepted triggers and the result of firing each event (snapshot or error) agree
    with the reference's node."""
    sem = Semantics(scenario, scenario.parameters())
    start = _outcome(sem.initial)
    try:
        run = Run(scenario)
    except RunError as exc:
        assert start == ("error", _error(exc))
        return
    assert start == ("ok", run.snapshot)
    rng = random.Random(seed)
    for _ in range(max_steps):
        snap = run.snapshot
        if sem.is_outcome(snap):
            assert run.enabled() == [] and run.status == "outcome"
            return
        node = sem.node(snap)
        events = _outcome(lambda: [(e.index, e.weight) for e in run.enabled()])
        if not node.listed:
            first = next(e.result for e in node.entries if e.weight is None)
            assert isinstance(first, RunError)
            assert events == ("error", _error(first))
            return
        assert events == ("ok", [(e.label, e.weight) for e in node.entries])
        if node.kind == "decisions":
            env = sem.env(snap)
            for t in sem.candidates(snap.state):
                if t.kind == "decision":
                    expected = _outcome(sem.is_enabled, t, snap, env)
                    assert _outcome(run.accepts, t.trigger, t.index) == expected
        if node.kind == "end":
            assert run.status == node.ending
            return
        for e in node.entries:  # each event fired on a copy of the run
            copy = Run(scenario)
            for step in run.history:
                copy.fire(step.event.index)
            fired = _outcome(copy.fire, e.label)
            if fired[0] == "ok":
                fired = ("ok", fired[1].after)
            want = e.result
            assert fired == (
                ("ok", want) if isinstance(want, Snapshot) else ("error", _error(want))
            )
        chosen = rng.choice(node.entries)
        try:
            run.fire(chosen.label)
        except RunError:
            assert run.status == "error" and run.snapshot == snap  # the run is unchanged
            return


def _load(data: dict[str, Any]) -> Scenario:
    try:
        return load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios")
    except ScenarioError:
        reject()  # a constant division by zero: the loader refuses it
        raise  # pragma: no cover - reject() raises


@settings(max_examples=150)
@given(
    st.one_of(
        scenario_data(),
        scenario_data(hazards=True),
        scenario_data(hazards=True, requires=True),
        scenario_data(time=True),
        scenario_data(time=True, hazards=True, requires=True),
    )
)
def test_careful_path_matches_the_reference(data: dict[str, Any]) -> None:
    _compare_snapshots(_load(data), 40)


@settings(max_examples=100)
@given(
    st.one_of(
        scenario_data(),
        scenario_data(hazards=True),
        scenario_data(hazards=True, requires=True),
        scenario_data(time=True),
        scenario_data(time=True, hazards=True, requires=True),
    ),
    st.integers(0, 2**32),
)
def test_engine_matches_the_reference(data: dict[str, Any], seed: int) -> None:
    _compare_engine(_load(data), seed, 8)


def test_shipped_scenarios_match_the_reference() -> None:
    fixtures = sorted((ROOT / "tests" / "fixtures").rglob("*.yaml"))
    for path in [*SCENARIOS, *fixtures]:
        try:
            scenario = load(path)
        except ScenarioError:
            continue  # fixtures the loader refuses on purpose
        _compare_snapshots(scenario, 200)
        for seed in range(3):
            _compare_engine(scenario, seed, 30)


def test_runs_share_one_compiled_table_per_scenario_and_parameters() -> None:
    scenario = load(ROOT / "scenarios" / "cairo_three_stage_truce.yaml")
    first, second = Run(scenario), Run(scenario, {"stage1_releases": 33})  # the default
    other = Run(scenario, {"stage1_releases": 20})
    assert first.semantics is second.semantics
    assert other.semantics is not first.semantics
    assert other.semantics.params["stage1_releases"] == 20
    first.play(seed=1)  # a run changes its own snapshot, never the shared table
    assert second.snapshot == Run(scenario).snapshot == first.history[0].before
    assert load(scenario.file).memo == {}  # another load, its own tables


def test_a_broken_start_raises_for_every_run() -> None:
    data = yaml.safe_load((ROOT / "scenarios" / "cairo_three_stage_truce.yaml").read_text())
    data["invariants"] = [
        {"id": "never", "holds": "held_in_gaza < 0", "assumption": "broken on purpose"}
    ]
    scenario = load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios")
    errors = []
    for _ in range(3):
        try:
            Run(scenario)
        except RunError as exc:
            errors.append(exc)
    assert len(errors) == 3
    assert {str(e) for e in errors} == {"invariant 'never' is false after the start"}
    assert all(e.problem is not None for e in errors)
