"""The exported JSON Schema matches the pydantic models, and scenarios survive a round trip."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import ROOT, SCENARIOS
from hypothesis import given
from strategies import scenario_data

from model.scenario.loader import load, load_text
from model.scenario.schema import MechanismSpec, ScenarioSpec, schema_text
from model.scenario.yamlsource import read_file

SCHEMA_FILE = ROOT / "docs" / "scenario.schema.json"
MECHANISM_SCHEMA_FILE = ROOT / "docs" / "mechanism.schema.json"
MECHANISMS = sorted((ROOT / "scenarios" / "mechanisms").glob("*.yaml"))


def test_schema_files_are_up_to_date() -> None:
    assert SCHEMA_FILE.read_text() == schema_text(), (
        "docs/scenario.schema.json is stale: run python -m model.schema > docs/scenario.schema.json"
    )
    assert MECHANISM_SCHEMA_FILE.read_text() == schema_text(MechanismSpec), (
        "docs/mechanism.schema.json is stale: "
        "run python -m model.schema mechanism > docs/mechanism.schema.json"
    )


@pytest.mark.parametrize("path", MECHANISMS, ids=lambda p: p.name)
def test_mechanisms_validate_against_their_schema_file(path: Any) -> None:
    jsonschema.validate(read_file(path).data, json.loads(MECHANISM_SCHEMA_FILE.read_text()))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenarios_validate_against_schema_file(path: Any) -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.validate(read_file(path).data, schema)


def test_schema_file_rejects_what_pydantic_rejects() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    data = read_file(SCENARIOS[0]).data
    broken = {**data, "unexpected": 1}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def _round_trip(spec: ScenarioSpec) -> ScenarioSpec:
    text = yaml.safe_dump(spec.model_dump(mode="json", exclude_none=True), sort_keys=False)
    return load_text(text, "round-trip.yaml", base_dir=ROOT / "scenarios").spec


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenario_round_trips(path: Any) -> None:
    spec = load(path).spec
    assert _round_trip(spec) == spec


@given(scenario_data())
def test_generated_scenario_round_trips(data: dict[str, Any]) -> None:
    spec = load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios").spec
    again = _round_trip(spec)
    assert again == spec
    assert again.model_dump() == spec.model_dump()


@given(scenario_data())
def test_generated_scenarios_satisfy_the_schema_file(data: dict[str, Any]) -> None:
    jsonschema.validate(data, json.loads(SCHEMA_FILE.read_text()))


def test_loaded_scenario_is_immutable() -> None:
    spec = load(SCENARIOS[0]).spec
    with pytest.raises(Exception, match="frozen"):
        spec.title = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        spec.transitions[0].effects["x"] = "1"  # type: ignore[index]
