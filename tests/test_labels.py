"""Display labels (issue 17, item 1): optional, checked at load time, the id by default."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.base.errors import ScenarioError
from model.scenario.loader import load, load_text

GUIDE = Path(__file__).parent.parent / "scenarios" / "guide" / "01_first_phase.yaml"
TEXT = GUIDE.read_text(encoding="utf-8")


def labelled(text: str = TEXT) -> str:
    """The guide's first example with a label on each kind of element."""
    text = text.replace("  - id: first_phase\n", "  - id: first_phase\n    label: Phase one\n")
    text = text.replace(
        "  - id: first_phase_completed\n",
        "  - id: first_phase_completed\n    label: Phase one completed\n",
    )
    return text.replace(
        "  - trigger: first_phase_ends\n",
        "  - trigger: first_phase_ends\n    label: Phase one ends\n",
    )


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_text(text, "x.yaml", base_dir=GUIDE.parent)
    return [str(p) for p in info.value.problems]


def test_labels_default_to_ids_and_names() -> None:
    sc = load(GUIDE)
    assert sc.labels.state("first_phase") == "first_phase"
    assert sc.labels.event("first_phase_ends") == "first_phase_ends"
    assert sc.labels.stage("phase_1") == "First phase"  # a stage's name is its label
    assert sc.labels.party("side_b") == "Side B"
    assert sc.labels.event("days_pass") == "days pass"
    assert not sc.labels.has("state", "first_phase")


def test_declared_labels_are_used_and_an_outcome_takes_its_state_label() -> None:
    sc = load_text(labelled(), "x.yaml", base_dir=GUIDE.parent)
    assert sc.labels.state("first_phase") == "Phase one"
    assert sc.labels.event("first_phase_ends") == "Phase one ends"
    assert sc.labels.outcome("first_phase_completed") == "Phase one completed"
    assert sc.labels.has("event", "first_phase_ends")


def test_two_transitions_of_one_event_with_different_labels_are_refused() -> None:
    text = labelled() + (
        "  - trigger: first_phase_ends\n"
        "    label: Phase one is over\n"
        "    source: first_phase\n"
        "    dest: first_phase_completed\n"
        "    schedule: {at: stage_days}\n"
        "    assumption: A second copy, for the test.\n"
    )
    found = problems(text)
    assert any(
        "transitions[1].label" in p and "already labelled 'Phase one ends'" in p for p in found
    ), found


def test_two_states_with_one_label_are_refused() -> None:
    text = labelled().replace("label: Phase one completed", "label: Phase one")
    found = problems(text)
    assert any(
        "states[1].label" in p and "already the label of state 'first_phase'" in p for p in found
    ), found


@given(st.sampled_from(["", " ", "two\nlines", "tab\there", "x" * 49]))
def test_a_label_that_is_empty_multiline_or_long_is_refused(bad: str) -> None:
    text = labelled().replace("label: Phase one ends", f"label: {bad!r}".replace("'", '"'))
    found = problems(text)
    assert any("transitions[0].label" in p for p in found), found


ROOT = GUIDE.parent.parent
SHIPPED = sorted(ROOT.glob("*.yaml")) + sorted((ROOT / "examples").glob("*.yaml"))
SHORT = 28
"""The length a label should keep to so that it fits a slide's diagram box (a few run over)."""


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_scenario_labels_its_states_events_variables_and_parameters(
    path: Path,
) -> None:
    sc = load(path)
    spec = sc.spec
    named = [
        *(("state", s.id) for s in spec.states),
        *(("event", t.trigger) for t in spec.transitions),
        *(("variable", v.id) for v in spec.variables),
        *(("variable", d.id) for d in spec.derived),
        *(("parameter", p.id) for p in spec.parameters),
        *(("outcome", s.outcome) for s in spec.states if s.outcome is not None),
    ]
    unlabelled = [(kind, ident) for kind, ident in named if not sc.labels.has(kind, ident)]
    assert not unlabelled, unlabelled
    # A label is a display name, not the id again with spaces.
    for kind, ident in named:
        label = sc.labels.of(kind, ident)
        assert label != ident and (label[0].isupper() or label[0].isdigit()), (kind, ident, label)


def test_shipped_labels_are_short_enough_for_a_slide() -> None:
    long = {
        (path.name, kind, ident, label)
        for path in SHIPPED
        for kind, found in load(path).labels.by_kind.items()
        if kind in ("state", "event", "parameter")
        for ident, label in found.items()
        if len(label) > SHORT
    }
    assert not long, long
