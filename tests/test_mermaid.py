"""Mermaid export: the text parses as stateDiagram-v2 and matches the scenario exactly."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SCENARIOS
from hypothesis import given
from strategies import scenario_data

from model.render.mermaid import RESERVED, mermaid_id, to_mermaid
from model.scenario.compiled import Scenario
from model.scenario.loader import load, load_text

ID = r"[A-Za-z][A-Za-z0-9_]*"
# What Mermaid's grammar takes as a description. Mermaid replaces entity codes (``#58;``) by
# placeholders before it parses (its ``encodeEntities``), so they may stand where the raw
# characters may not: a deadline's timing, ``deadline: day N``, is written ``deadline#58; day N``.
DESCR = r"(?:[^:;#\n]|#\w+;)+"
LINE_RULES = {
    "direction": re.compile(r"direction (LR|RL|TB|BT)"),
    "comment": re.compile(r"%%.*"),
    "classdef": re.compile(rf"classDef {ID} [^\n]+"),
    "class": re.compile(rf"class ({ID}(?:,{ID})*) ({ID})"),
    "description": re.compile(rf"({ID}) : ({DESCR})"),
    # A label in quotes: Mermaid's STATE_DESCR takes anything but a quote.
    "label": re.compile(rf'state "((?:[^:;#"\n]|#\w+;)+)" as ({ID})'),
    "start": re.compile(rf"\[\*\] --> ({ID})"),
    "end": re.compile(rf"({ID}) --> \[\*\]"),
    "transition": re.compile(rf"({ID}) --> ({ID}) : ({DESCR})"),
}


def parse(text: str) -> dict[str, object]:
    """A strict parser of the subset of stateDiagram-v2 that `to_mermaid` writes."""
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    states: set[str] = set()
    out: dict[str, object] = {
        "descriptions": {},
        "labels": {},
        "start": None,
        "ends": set(),
        "transitions": Counter(),
        "self_loop_arrows": Counter(),
        "classes": {},
    }
    for raw in lines[1:]:
        assert raw.startswith("    ") and raw == raw.rstrip(), raw
        line = raw.strip()
        for kind, rule in LINE_RULES.items():  # noqa: B007 (used after the loop)
            m = rule.fullmatch(line)
            if m:
                break
        else:
            raise AssertionError(f"not stateDiagram-v2: {line!r}")
        if kind == "label":
            assert m[2] not in out["labels"], raw  # type: ignore[operator]
            out["labels"][m[2]] = m[1]  # type: ignore[index]
            states.add(m[2])
        elif kind == "description":
            out["descriptions"][m[1]] = m[2].strip()  # type: ignore[index]
            states.add(m[1])
        elif kind == "start":
            out["start"] = m[1]
            states.add(m[1])
        elif kind == "end":
            out["ends"].add(m[1])  # type: ignore[attr-defined]
        elif kind == "transition":
            # A label may hold several lines, split by ``<br>`` (one self-loop's events);
            # Mermaid renders the tag as a line break, and the export writes every ``<`` of
            # user text as ``#lt;``, so the tag is never user text.
            for label in m[3].split("<br>"):
                assert label.strip(), raw
                out["transitions"][(m[1], m[2], label.strip())] += 1  # type: ignore[index]
            if m[1] == m[2]:
                out["self_loop_arrows"][m[1]] += 1  # type: ignore[index]
            states.update((m[1], m[2]))
        elif kind == "class":
            for name in m[1].split(","):
                out["classes"][name] = m[2]  # type: ignore[index]
    out["states"] = states
    return out


TIMED = ("scheduled", "deadline")
ENTITIES = {"#35;": "#", "#58;": ":", "#59;": ";", "#37;": "%", "#123;": "{", "#125;": "}"}
ENTITIES |= {"#lt;": "<", "#gt;": ">", "#amp;": "&", "#quot;": '"', "#96;": "`"}


def decoded(text: str) -> str:
    """Mermaid's entity codes back to the characters it renders."""
    return re.sub(r"#\w+;", lambda m: ENTITIES[m[0]], text)


def _arrow_key(
    arrow: tuple[str, str, str], expected: Counter[tuple[str, str, str, str, bool]]
) -> tuple[str, str, str, str, bool]:
    """The expected (source, dest, event label, party label, timed) an arrow's label shows:
    ``event (party)``, or ``event (party, timing)`` for a timed event."""
    source, dest, label = arrow
    shown = decoded(label)
    for key in expected:
        s, d, event, party, timed = key
        if (s, d) != (source, dest):
            continue
        if shown == f"{event} ({party})" and not timed:
            return key
        if timed and shown.startswith(f"{event} ({party}, ") and shown.endswith(")"):
            return key
    raise AssertionError(f"unexpected arrow {arrow}")


def check_against(scenario: Scenario, text: str) -> None:
    parsed = parse(text)
    spec = scenario.spec
    labels = scenario.labels
    mid = {s.id: mermaid_id(s.id) for s in spec.states}
    used = {spec.initial} | {s for t in scenario.transitions for s in (*t.sources, t.dest)}
    used |= {s.id for s in spec.states if s.stage or s.outcome}
    assert parsed["states"] == {mid[s] for s in used}
    assert parsed["start"] == mid[spec.initial]
    # Scheduled events and deadlines are drawn with the schedule as actor; they and risks carry
    # their timing after the actor (checked in tests/test_time_render.py), decisions none.
    # Events and parties are shown by their labels.
    expected = Counter(
        (
            mid[s],
            mid[t.dest],
            labels.event(t.trigger),
            "schedule" if t.spec.kind in TIMED else labels.party(t.actor),
            t.spec.kind != "decision",
        )
        for t in scenario.transitions
        for s in t.sources
    )
    arrows = parsed["transitions"].elements()  # type: ignore[attr-defined]
    assert Counter(_arrow_key(arrow, expected) for arrow in arrows) == expected
    # Each state has at most one self-loop arrow (several labels on one state's loop are drawn
    # over each other by Mermaid 11); the Counter above shows each of its events is in a label.
    assert all(n == 1 for n in parsed["self_loop_arrows"].values())  # type: ignore[attr-defined]
    outcomes = {mid[s.id] for s in spec.states if s.outcome}
    assert parsed["ends"] == outcomes
    assert {k for k, v in parsed["classes"].items() if v == "outcome"} == outcomes  # type: ignore[attr-defined]
    names = {st.id: labels.stage(st.id) for st in spec.stages}
    for s in spec.states:
        # The label first (Mermaid's title), then the stage or "outcome" (the box's body).
        want = labels.outcome(s.outcome) if s.outcome else labels.state(s.id)
        assert decoded(parsed["labels"][mid[s.id]]) == " ".join(want.split())  # type: ignore[index]
        body = "outcome" if s.outcome else names[s.stage or ""]
        assert decoded(parsed["descriptions"][mid[s.id]]) == " ".join(body.split())  # type: ignore[index]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenarios_export_to_mermaid(path: Path) -> None:
    scenario = load(path)
    check_against(scenario, to_mermaid(scenario))


@given(scenario_data())
def test_generated_scenarios_export_to_mermaid(data: dict[str, object]) -> None:
    scenario = load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios")
    check_against(scenario, to_mermaid(scenario))


def test_reserved_words_and_special_characters_are_escaped() -> None:
    assert mermaid_id("note") == "note_" and mermaid_id("notes") == "notes"
    assert "end" in RESERVED
    data = yaml.safe_load((ROOT / "scenarios" / "november_truce.yaml").read_text())
    data["stages"][0]["name"] = "Truce: first; part # one"
    text = to_mermaid(load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios"))
    assert "truce_agreed : Truce#58; first#59; part #35; one" in text


def test_the_events_of_one_self_loop_share_one_arrow() -> None:
    """Shipped scenarios with several events on one self-loop: one arrow, one line each."""
    merged = 0
    for path in SCENARIOS:
        scenario = load(path)
        loops = Counter(
            mermaid_id(s) for t in scenario.transitions for s in t.sources if s == t.dest
        )
        parsed = parse(to_mermaid(scenario))
        assert parsed["self_loop_arrows"] == Counter(dict.fromkeys(loops, 1))
        text = to_mermaid(scenario)
        for state, n in loops.items():
            arrow = next(
                ln for ln in text.splitlines() if ln.startswith(f"    {state} --> {state} :")
            )
            assert arrow.count("<br>") == n - 1
            merged += n > 1
    assert merged  # the test looks at a state with several self-loop events


def test_the_parser_rejects_what_mermaid_would() -> None:
    with pytest.raises(AssertionError):
        parse("stateDiagram-v2\n    a -> b\n")
    with pytest.raises(AssertionError):
        parse("stateDiagram-v2\n    a --> b : x: y\n")
    with pytest.raises(AssertionError):
        parse("stateDiagram-v2\n    a --> b : x; y\n")
    with pytest.raises(AssertionError):
        parse("stateDiagram-v2\n    a --> b : x # y\n")
    # An entity code is what the export writes for those characters, and Mermaid accepts it.
    assert parse("stateDiagram-v2\n    a --> b : x#58; y#59; z#35;\n")["transitions"]
    with pytest.raises(AssertionError):  # an empty line in a self-loop's label
        parse("stateDiagram-v2\n    a --> a : x (p)<br>\n")
    assert parse("stateDiagram-v2\n    a --> a : x (p)<br>y (q)\n")["transitions"] == Counter(
        {("a", "a", "x (p)"): 1, ("a", "a", "y (q)"): 1}
    )
