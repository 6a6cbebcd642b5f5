"""Derived quantities in the step semantics: the compiled table (which inlines them) against
the reference interpreter (which reads them from the environment), a metamorphic property
(writing each derived quantity out in the expressions that read it changes nothing), and the
example fixture with its located errors."""

from __future__ import annotations

import re
from typing import Any

import yaml
from conftest import ROOT, same_meaning
from hypothesis import given, reject, settings
from hypothesis import strategies as st
from reference_semantics import Semantics
from strategies import scenario_data
from test_explore import _as_reference, _semantics_search
from test_one_semantics import _compare_engine, _compare_snapshots, _load

from model.analysis.explore import explore
from model.base.errors import EvaluationError, RunError, ScenarioError
from model.scenario.loader import load, load_text
from model.semantics.engine import Run
from model.semantics.step import Snapshot
from model.semantics.table import Table

FIXTURE = ROOT / "tests" / "fixtures" / "derived" / "aid_trucks.yaml"
with_derived = st.one_of(scenario_data(derived=True), scenario_data(hazards=True, derived=True))


@settings(max_examples=150)
@given(with_derived)
def test_careful_path_matches_the_reference_with_derived_quantities(data: dict[str, Any]) -> None:
    _compare_snapshots(_load(data), 40)


@settings(max_examples=100)
@given(with_derived, st.integers(0, 2**32))
def test_engine_matches_the_reference_with_derived_quantities(
    data: dict[str, Any], seed: int
) -> None:
    _compare_engine(_load(data), seed, 8)


@settings(max_examples=100)
@given(with_derived, st.sampled_from([None, 3, 20]))
def test_explorer_matches_a_search_on_semantics_with_derived_quantities(
    data: dict[str, Any], max_states: int | None
) -> None:
    scenario = _load(data)
    ref = _semantics_search(scenario, max_states)
    assert _as_reference(explore(scenario, max_states=max_states)) == ref


def _written_out(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with every derived name replaced by its expression, and no derived section."""
    definitions: dict[str, str] = {}
    for d in data.get("derived", []):
        definitions[d["id"]] = f"({_substitute(str(d['value']), definitions)})"

    def out(value: Any) -> Any:
        return _substitute(value, definitions) if isinstance(value, str) else value

    data = {k: v for k, v in data.items() if k != "derived"}
    data["transitions"] = [
        {
            **t,
            "guard": out(t["guard"]),
            "weight": out(t["weight"]),
            "days": out(t["days"]),
            **({"effects": {k: out(v) for k, v in t["effects"].items()}} if "effects" in t else {}),
        }
        for t in data["transitions"]
    ]
    if "invariants" in data:
        data["invariants"] = [{**i, "holds": out(i["holds"])} for i in data["invariants"]]
    return data


def _substitute(text: str, definitions: dict[str, str]) -> str:
    if not definitions:
        return text
    pattern = r"\b(" + "|".join(map(re.escape, definitions)) + r")\b"
    return re.sub(pattern, lambda m: definitions[m.group(1)], text)


@settings(max_examples=100)
@given(with_derived)
def test_writing_derived_quantities_out_changes_nothing(data: dict[str, Any]) -> None:
    """The same explored graph (snapshots, steps, weights, days) and the same exact
    probabilities whether expressions read a derived name or its expression written out.
    Errors differ only in their place (the derived entry, or the expression that read it)."""
    scenario = _load(data)
    try:
        plain = load_text(yaml.safe_dump(_written_out(data)), base_dir=ROOT / "scenarios")
    except ScenarioError:
        reject()  # written out, an expression can pass a limit the derived names kept it under
    same_meaning(scenario, plain)


def test_the_state_does_not_hold_derived_quantities() -> None:
    scenario = load(FIXTURE)
    run = Run(scenario)
    assert list(run.values) == ["convoys_logged"]
    assert Table(scenario).derived_values(run.snapshot) == {
        "trucks_delivered": 0,
        "convoys": 0,
        "enough_aid": False,
    }
    while run.state == "in_truce" and run.day < 4:
        run.fire("day_passes")
    # A decision of one day takes effect when its day has passed (docs/semantics.md,
    # "Durations"): the convoys of day 4, logged as the step 3 -> 4 arrives.
    assert run.values == {"convoys_logged": 12}
    assert run.derived["trucks_delivered"] == 2400
    assert [e.trigger for e in run.enabled()] == ["deal_reached"]


def _error_of(params: dict[str, object]) -> RunError:
    scenario = load(FIXTURE)
    run = Run(scenario, params)
    try:
        run.enabled()
    except RunError as exc:
        return exc
    raise AssertionError("no error")


def test_an_error_inside_a_derived_quantity_is_placed_at_its_value() -> None:
    err = _error_of({"trucks_per_convoy": 0})
    assert isinstance(err, EvaluationError)
    text = FIXTURE.read_text(encoding="utf-8").splitlines()
    line = next(i for i, x in enumerate(text, 1) if "trucks_delivered // trucks_per_convoy" in x)
    assert str(err.problem) == (
        f"{load(FIXTURE).file}:{line}:5: derived[1].value: cannot be evaluated at run time: "
        "division by zero in '//', read by transition truce_breaks_down: weight; make the "
        "expression defined for every value it can meet (`python -m model.check` shows the "
        "steps that lead there)"
    )
    # The reference interpreter, reading the derived quantity from its environment, agrees.
    sem = Semantics(load(FIXTURE), load(FIXTURE).parameters({"trucks_per_convoy": 0}))
    listing = [e.result for e in sem.node(sem.initial()).entries if e.weight is None]
    assert listing, "the reference found no error"
    exc = listing[0]
    assert str(exc) == str(err) and str(exc.problem) == str(err.problem)


def test_an_error_reached_through_derived_quantities_names_them() -> None:
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    data["derived"].append(
        {"id": "per_convoy_day", "name": "x", "value": "convoys + 1", "assumption": "test"}
    )
    data["invariants"].append(
        {"id": "reads_through", "holds": "per_convoy_day > 0", "assumption": "test"}
    )
    scenario = load_text(yaml.safe_dump(data), base_dir=FIXTURE.parent)
    table = Table(scenario, {"trucks_per_convoy": 0})
    assert table.start_error is not None
    assert str(table.start_error) == (
        "derived convoys: division by zero in '//', read by invariant reads_through through "
        "per_convoy_day"
    )
    assert table.start_error.problem is not None
    assert table.start_error.problem.path == "derived[1].value"
    start = Snapshot(scenario.spec.initial, (0,), 0, 0)
    assert table.derived_values(start) == {
        "trucks_delivered": 0,
        "convoys": None,
        "enough_aid": False,
        "per_convoy_day": None,
    }
