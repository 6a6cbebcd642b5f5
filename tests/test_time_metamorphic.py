"""Metamorphic properties that pin the meaning of time (issue 13, item 2), in exact rational
arithmetic, on generated scenarios: with the tests' reference (``reference``) and with the
exact analysis on the compiled table (``table``).

(a) a decision of d days split into d one-day steps through fresh states changes no outcome
    probability or expected day; (b) instantaneous bookkeeping steps change none; (c) a daily
    risk of p over a stage of N days, nothing else happening, collapses with probability
    1 - (1 - p)^N (weekly: 1 - (1 - p)^(N // 7)), however many bookkeeping steps the stage
    has; (d) a scheduled event ``at: k`` happens on day k of its stage in every run.
"""

from __future__ import annotations

import copy
import itertools
from collections import deque
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from reference_semantics import Semantics
from strategies import scenario_data
from time_reference import TooLarge, endings, load_data, without_error_days

from model.base.errors import RunError
from model.scenario.compiled import Scenario

SOLVERS = ["reference", "table"]


def _endings(scenario: Scenario, solver: str) -> Any:
    try:
        return without_error_days(endings(scenario, solver))
    except TooLarge:
        assume(False)


def _sources(t: dict[str, Any]) -> list[str]:
    return [t["source"]] if isinstance(t["source"], str) else list(t["source"])


def _timed(t: dict[str, Any]) -> bool:
    return any(k in t for k in ("risk", "schedule", "deadline"))


def _stage(data: dict[str, Any], state: str) -> Any:
    return next(s.get("stage") for s in data["states"] if s["id"] == state)


# -- (a) splitting an activity -------------------------------------------------------------


def split_activity(data: dict[str, Any], i: int) -> dict[str, Any] | None:
    """``data`` with decision ``i`` (constant days d >= 2, one source with no scheduled
    event or deadline) replaced by d one-day decisions through fresh states of the source's
    stage; each risk of the source is also a risk of each fresh state (its self-loop a
    self-loop there); the first step is held back by the horizon where the whole d days do
    not fit, as the activity is. None where ``i`` is not such a decision."""
    t = data["transitions"][i]
    d = t.get("days")
    if _timed(t) or not isinstance(d, int) or d < 2 or not isinstance(t["source"], str):
        return None
    source = t["source"]
    if any(_timed(u) and "risk" not in u and source in _sources(u) for u in data["transitions"]):
        return None
    out = copy.deepcopy(data)
    mids = [f"split{k}" for k in range(1, d)]
    out["states"] += [{"id": m, "stage": _stage(data, source), "assumption": "s"} for m in mids]
    common = {"actor": t["actor"], "allow_backward": True, "assumption": "split", "days": 1}
    # One day, or (where the d days do not fit) d days: held back by the horizon as the
    # activity is, so a run ends at the horizon in the same snapshots.
    fits = f"day + {d} <= {data['horizon']}"
    first = {**copy.deepcopy(t), "dest": mids[0], "days": f"1 if {fits} else {d}"}
    first.pop("effects", None)
    chain = [first]
    for a, b in itertools.pairwise(mids):
        chain.append({"trigger": "split_step", "source": a, "dest": b, **common})
    last = {"trigger": "split_step", "source": mids[-1], "dest": t["dest"], **common}
    if "effects" in t:
        last["effects"] = t["effects"]
    chain.append(last)
    out["transitions"][i] = chain[0]
    risks = [u for u in data["transitions"] if "risk" in u and source in _sources(u)]
    for m in mids:
        for u in risks:
            dest = m if u["dest"] == source else u["dest"]
            out["transitions"].append({**copy.deepcopy(u), "source": m, "dest": dest})
    out["transitions"] += chain[1:]
    return out


def make_activity(data: dict[str, Any], i: int, days: int) -> tuple[dict[str, Any], int]:
    """``data`` with transition ``i`` made a decision of ``days`` days from its first source,
    and no scheduled event or deadline from that state (so that it can be split); and the
    decision's index now."""
    out = copy.deepcopy(data)
    t = out["transitions"][i]
    for k in ("risk", "schedule", "deadline"):
        t.pop(k, None)
    source = _sources(t)[0]
    t.update(source=source, days=days, weight=t.get("weight", 1), actor=t.get("actor", "p0"))
    kept = []
    for u in out["transitions"]:
        if ("schedule" in u or "deadline" in u) and source in _sources(u):
            rest = [s for s in _sources(u) if s != source]
            if not rest:
                continue
            u["source"] = rest
        kept.append(u)
    out["transitions"] = kept
    return out, next(j for j, u in enumerate(kept) if u is t)


@pytest.mark.parametrize("solver", SOLVERS)
@settings(max_examples=60, deadline=None)
@given(data=scenario_data(time=True), choice=st.data())
def test_splitting_an_activity_into_one_day_steps_changes_nothing(
    solver: str, data: dict[str, Any], choice: st.DataObject
) -> None:
    i = choice.draw(st.integers(0, len(data["transitions"]) - 1))
    data, i = make_activity(data, i, choice.draw(st.integers(2, 4)))
    split = split_activity(data, i)
    assert split is not None
    assert _endings(load_data(split), solver) == _endings(load_data(data), solver)


# -- (b) instantaneous bookkeeping -------------------------------------------------------


def add_bookkeeping_loop(data: dict[str, Any], state: str, weight: int) -> dict[str, Any]:
    """A self-loop decision of ``state`` that sets a fresh variable once, at once."""
    out = copy.deepcopy(data)
    out.setdefault("variables", []).append(
        {"id": "booked", "type": "bool", "initial": False, "assumption": "bookkeeping"}
    )
    out["transitions"].append(
        {
            "trigger": "book",
            "source": state,
            "dest": state,
            "actor": "p0",
            "guard": "not booked",
            "effects": {"booked": "true"},
            "weight": weight,
            "assumption": "bookkeeping",
        }
    )
    return out


def add_intermediate_state(data: dict[str, Any], i: int) -> dict[str, Any] | None:
    """Transition ``i`` leads to a fresh state (in its destination's stage) left at once by a
    single decision to the destination; None where the destination is an outcome or one of
    the transition's sources (a self-loop keeps its bookkeeping, a move would not)."""
    t = data["transitions"][i]
    stage = _stage(data, t["dest"])
    if stage is None or t["dest"] in _sources(t):
        return None
    out = copy.deepcopy(data)
    out["states"].append({"id": "between", "stage": stage, "assumption": "bookkeeping"})
    out["transitions"][i]["dest"] = "between"
    out["transitions"].append(
        {
            "trigger": "pass_on",
            "source": "between",
            "dest": t["dest"],
            "actor": "p0",
            "allow_backward": True,
            "assumption": "bookkeeping",
        }
    )
    return out


@pytest.mark.parametrize("solver", SOLVERS)
@settings(max_examples=60, deadline=None)
@given(data=scenario_data(time=True), choice=st.data())
def test_instantaneous_bookkeeping_steps_change_nothing(
    solver: str, data: dict[str, Any], choice: st.DataObject
) -> None:
    inner = [s["id"] for s in data["states"] if "outcome" not in s]
    if choice.draw(st.booleans()):
        state = choice.draw(st.sampled_from(inner))
        changed = add_bookkeeping_loop(data, state, choice.draw(st.integers(1, 5)))
    else:
        options = [
            i
            for i in range(len(data["transitions"]))
            if add_intermediate_state(data, i) is not None
        ]
        assume(options)
        result = add_intermediate_state(data, choice.draw(st.sampled_from(options)))
        assert result is not None
        changed = result
    assert _endings(load_data(changed), solver) == _endings(load_data(data), solver)


# -- (c) a daily risk over a stage --------------------------------------------------------


def risk_over_a_stage(
    days: int, chance: int, out_of: int, per: str, books: int, activity: int
) -> dict[str, Any]:
    """A stage of ``days`` days (its length read from a variable) ending by a scheduled
    ``at: stage_days``, a risk of ``chance`` in ``out_of`` per ``per``, and ``books``
    instantaneous bookkeeping steps plus an activity of ``activity`` days in between."""
    a = {"assumption": "metamorphic"}
    transitions: list[dict[str, Any]] = [
        {"trigger": "breakdown", "source": ["q", "r"], "dest": "collapse", "actor": "p",
         "risk": {"chance": chance, "in": out_of, "per": per}, **a},
        {"trigger": "stage_ends", "source": ["q", "r"], "dest": "done",
         "schedule": {"at": "stage_days"}, **a},
        {"trigger": "book", "source": "q", "dest": "q", "actor": "p", "guard": f"n < {books}",
         "effects": {"n": "n + 1"}, **a},
        {"trigger": "visit", "source": "q", "dest": "r", "actor": "p", "guard": "n == 1",
         "effects": {"n": "n + 1"}, **a},
        {"trigger": "back", "source": "r", "dest": "q", "actor": "p", "days": activity, **a},
    ]  # fmt: skip
    return {
        "id": "risk_over_a_stage",
        "title": "A risk over a stage",
        "summary": "Metamorphic test.",
        "horizon": days + 1,
        "sources": [{"id": "seed", "file": "../seeds/000_fe535af938dae792.txt"}],
        "parties": [{"id": "p", "name": "P", "role": "party", **a}],
        "stages": [{"id": "s", "name": "S", "days": "length", **a}],
        "variables": [
            {"id": "length", "type": "int", "min": 0, "max": 60, "initial": days, **a},
            {"id": "n", "type": "int", "min": 0, "max": 10, "initial": 0, **a},
        ],
        "states": [
            {"id": "q", "stage": "s", **a},
            {"id": "r", "stage": "s", **a},
            {"id": "collapse", "outcome": "collapse", **a},
            {"id": "done", "outcome": "done", **a},
        ],
        "initial": "q",
        "transitions": transitions,
    }


@pytest.mark.parametrize("solver", SOLVERS)
@settings(max_examples=40, deadline=None)
@given(
    days=st.integers(0, 24),
    out_of=st.integers(2, 10),
    share=st.floats(0.05, 0.95),
    per=st.sampled_from(["day", "week"]),
    books=st.integers(0, 3),
    activity=st.integers(0, 3),
)
def test_a_risk_over_a_stage_collapses_with_the_chance_per_day_it_states(
    solver: str, days: int, out_of: int, share: float, per: str, books: int, activity: int
) -> None:
    chance = max(1, min(out_of - 1, round(share * out_of)))
    p = Fraction(chance, out_of)
    scenario = load_data(risk_over_a_stage(days, chance, out_of, per, books, activity))
    got = endings(scenario, solver)
    exposed = days if per == "day" else days // 7
    collapse = 1 - (1 - p) ** exposed
    assert got.get(("outcome", "collapse"), (Fraction(0), None))[0] == collapse
    assert got["outcome", "done"] == (1 - collapse, Fraction(days))


# -- (d) a scheduled event happens on its day ---------------------------------------------


def mark_on_day(data: dict[str, Any], k: int) -> dict[str, Any]:
    """``data`` with every inner state in one stage and, declared first, a scheduled
    ``at: k`` self-loop of each that sets ``marked`` (once)."""
    out = copy.deepcopy(data)
    for s in out["states"]:
        if "outcome" not in s:
            s["stage"] = "s0"
    out.setdefault("variables", []).append(
        {"id": "marked", "type": "bool", "initial": False, "assumption": "metamorphic"}
    )
    marks = [
        {
            "trigger": "mark",
            "source": s["id"],
            "dest": s["id"],
            "guard": "not marked",
            "effects": {"marked": "true"},
            "schedule": {"at": k},
            "allow_backward": True,
            "assumption": "metamorphic",
        }
        for s in out["states"]
        if "outcome" not in s
    ]
    out["transitions"] = marks + out["transitions"]
    return out


def _check_marks(scenario: Scenario, k: int, reached: list[Any], steps: list[Any]) -> None:
    marked = scenario.variable_names.index("marked")
    marks = {t.index for t in scenario.transitions if t.trigger == "mark"}
    for day_in_stage, values in reached:
        assert values[marked] == (day_in_stage > k) or day_in_stage == k, (day_in_stage, values)
    for label, before_day_in_stage in steps:
        if label in marks:
            assert before_day_in_stage == k


@pytest.mark.parametrize("solver", SOLVERS)
@settings(max_examples=80, deadline=None)
@given(data=scenario_data(time=True), k=st.integers(0, 5))
def test_a_scheduled_event_happens_on_its_day_in_every_run(
    solver: str, data: dict[str, Any], k: int
) -> None:
    scenario = load_data(mark_on_day(data, k))
    reached: list[Any] = []  # (day_in_stage, values) of every snapshot in the stage
    steps: list[Any] = []  # (label, day_in_stage before) of every step
    if solver == "reference":
        sem = Semantics(scenario, scenario.parameters())
        try:
            start = sem.initial()
        except RunError:
            return
        seen, queue = {start}, deque([start])
        while queue:
            snap = queue.popleft()
            if sem.is_outcome(snap):
                continue
            reached.append((snap.day_in_stage, snap.values))
            for label, _, _, nxt in sem.steps(snap)[0]:
                steps.append((label, snap.day_in_stage))
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
    else:
        from model.analysis.explore import explore

        graph = explore(scenario, scenario.parameters())
        table = graph.table
        snaps = [table.snapshot(key) for key in graph.node_keys]
        for snap in snaps:
            if not scenario.outcome_of(snap.state):
                reached.append((snap.day_in_stage, snap.values))
        for source, label in zip(graph.edge_source, graph.edge_transition):
            steps.append((label, snaps[source].day_in_stage))
    _check_marks(scenario, k, reached, steps)
