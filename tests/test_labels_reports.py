"""Display labels in the text and JSON reports (issue 17, item 1).

The differential tests run each command on a shipped (labelled) scenario and on a copy of the
project whose scenarios have their labels removed, line numbers kept. The labelled output with
each label turned back into its id must be the unlabelled output, whitespace aside (labels are
longer than ids, so lines wrap elsewhere): labels change what is shown, never what is said.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.analysis.consistency import check
from model.base.limits import DEFAULT_MAX_STEPS
from model.check import main as check_main
from model.compare import main as compare_main
from model.reports.check import check_record, format_check_text
from model.reports.run import format_text, run_record
from model.scenario.labels import Labels
from model.scenario.loader import load, load_text
from model.semantics.engine import Run
from model.simulate import main as simulate_main
from model.strategy import main as strategy_main

LABEL_AFTER_ID = re.compile(r"^(\s*- (?:id|trigger): \S+\n)(\s*)label: .*$", re.M)


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's scenarios and seeds with every display label removed (each
    label line becomes a comment, so that findings name the same lines)."""
    root = tmp_path_factory.mktemp("bare")
    shutil.copytree(ROOT / "seeds", root / "seeds")
    for path in (ROOT / "scenarios").rglob("*"):
        target = root / path.relative_to(ROOT)
        if path.is_dir():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".yaml":
            text = path.read_text(encoding="utf-8")
            target.write_text(LABEL_AFTER_ID.sub(r"\1\2# no label", text), encoding="utf-8")
        else:
            shutil.copy(path, target)
    (root / "pyproject.toml").write_text("")
    return root


PROSE = ("source:", "cited:", "assumption:", "why it is expected:")


def without_prose(text: str) -> str:
    """``text`` without the scenario's own words (its quoted sources, assumptions and reasons,
    the same with or without labels, in which a label may occur as plain words)."""
    kept, depth = [], None
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip())
        if depth is not None and indent > depth and line.strip():
            continue
        depth = indent if line.strip().startswith(PROSE) else None
        if depth is None:
            kept.append(line)
    return "\n".join(kept)


def same_json(labelled: Any, plain: Any, labels: Labels) -> bool:
    """The records are the same once label fields are removed and each string is taken
    back to ids (a string the same in both, such as a quote, is the same as it is)."""
    if isinstance(labelled, dict) and isinstance(plain, dict):
        labelled = strip_label_fields(labelled)
        return labelled.keys() == plain.keys() and all(
            same_json(labelled[k], plain[k], labels) for k in plain
        )
    if isinstance(labelled, list) and isinstance(plain, list):
        return len(labelled) == len(plain) and all(
            same_json(a, b, labels) for a, b in zip(labelled, plain)
        )
    if isinstance(labelled, str) and isinstance(plain, str) and labelled != plain:
        return back_to_ids(labelled, labels) == squeeze(plain)
    return bool(labelled == plain)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def back_to_ids(text: str, labels: Labels) -> str:
    """``text`` (whitespace removed) with each label turned back into its id: ``'Label'
    (id)`` and ``Label (id)`` (where the id is shown for typing) to the id, ``Label [i]`` to
    ``id[i]``, then each label, longest first."""
    text = squeeze(text)
    pairs = sorted(
        (
            (squeeze(label), ident)
            for found in labels.declared().values()
            for ident, label in found.items()
            if ident != "days_pass"  # "days pass" is also the name of the engine's own step
        ),
        key=lambda p: -len(p[0]),
    )
    for label, ident in pairs:
        named = re.escape(label) + r"\[(\d+)\]\(" + re.escape(ident) + r"\[\1\]\)"
        text = re.sub(named, ident + r"[\1]", text)
        text = text.replace(f"{label!r}({ident})", repr(ident)).replace(f"{label}({ident})", ident)
        text = re.sub(re.escape(label) + r"\[(\d+)\]", ident + r"[\1]", text)
    for label, ident in pairs:
        text = text.replace(label, ident)
    return text


def output(main: Callable[[list[str]], int], argv: list[str], capsys: Any, **kw: str) -> str:
    main(argv)
    out: str = capsys.readouterr().out
    return out


def strip_label_fields(value: Any) -> Any:
    """A JSON record without the fields labels add (``labels``, ``*_label``, a change's
    ``label``)."""
    if isinstance(value, dict):
        return {
            k: strip_label_fields(v)
            for k, v in value.items()
            if k != "labels" and not k.endswith("_label") and not (k == "label" and "to" in value)
        }
    if isinstance(value, list):
        return [strip_label_fields(v) for v in value]
    return value


def label_fields(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "labels" or k.endswith("_label"):
                yield k
            yield from label_fields(v)
    elif isinstance(value, list):
        for v in value:
            yield from label_fields(v)


CASES = [
    ("simulate", simulate_main, ["{}/cairo_three_stage_truce.yaml", "--seed", "15"]),
    ("check", check_main, ["{}/positions_and_three_stage_truce.yaml"]),
    (
        "check --set",
        check_main,
        ["{}/positions_and_three_stage_truce.yaml", "--set", "israel_rules_out_ending_war=false"],
    ),
    ("exact", simulate_main, ["{}/hamas_position.yaml", "--exact"]),
    ("montecarlo", simulate_main, ["{}/examples/talks_continue.yaml", "--runs", "300"]),
    (
        "sweep",
        simulate_main,
        ["{}/examples/talks_continue.yaml", "--sweep", "first_stage_days=10:30:10", "--exact"],
    ),
    ("strategy", strategy_main, ["{}/hamas_position.yaml", "--for", "hamas"]),
    ("strategy table", strategy_main, ["{}/examples/talks_continue.yaml"]),
    ("queries", simulate_main, ["{}/cairo_three_stage_truce.yaml", "--queries", "--runs", "200"]),
]


# Every case in text and in JSON, but --queries, which has no JSON of its own.
WITH_FORMAT = [
    pytest.param(*case, json_out, id=f"{case[0]}-{'json' if json_out else 'text'}")
    for json_out in (False, True)
    for case in CASES
    if not (json_out and case[0] == "queries")
]


@pytest.mark.parametrize(("name", "main", "argv", "json_out"), WITH_FORMAT)
def test_labels_change_what_is_shown_never_what_is_said(
    name: str,
    main: Callable[[list[str]], int],
    argv: list[str],
    json_out: bool,
    bare: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    extra = ["--json"] if json_out else []
    labelled_argv = [a.format("scenarios") for a in argv] + extra
    labels = load(ROOT / labelled_argv[0]).labels
    assert labels.declared(), "the shipped scenario has labels"
    labelled = output(main, labelled_argv, capsys)
    plain = output(main, [a.format(str(bare / "scenarios")) for a in argv] + extra, capsys)
    plain = plain.replace(str(bare) + "/", "")
    if json_out:
        record = json.loads(labelled)
        assert any(True for _ in label_fields(record)), "the JSON gains label fields"
        assert not any(True for _ in label_fields(json.loads(plain))), "none without labels"
        assert same_json(record, json.loads(plain), labels)
    else:
        assert squeeze(labelled) != squeeze(plain), "the text shows labels"
        assert back_to_ids(without_prose(labelled), labels) == squeeze(without_prose(plain))


def test_compare_shows_the_labels_of_both_scenarios(
    bare: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = ["cairo_three_stage_truce.yaml", "positions_and_three_stage_truce.yaml"]
    labelled = output(compare_main, [f"scenarios/{n}" for n in names] + ["--why"], capsys)
    plain = output(compare_main, [str(bare / "scenarios" / n) for n in names] + ["--why"], capsys)
    plain = plain.replace(str(bare) + "/", "")
    labels = load(ROOT / "scenarios" / names[1]).labels
    assert "Batch released from Gaza" in labelled and "release_batch_from_gaza," not in labelled
    labelled = re.sub(r"days\s+pass\s+×", "days_pass ×", labelled)
    assert back_to_ids(without_prose(labelled), labels) == squeeze(without_prose(plain))


def test_interactive_lists_label_and_id_and_fires_by_id(capsys: pytest.CaptureFixture[str]) -> None:
    import io
    import sys

    stdin = sys.stdin
    sys.stdin = io.StringIO("israel_accepts_framework\nq\n")
    try:
        simulate_main(["scenarios/cairo_three_stage_truce.yaml", "--interactive"])
    finally:
        sys.stdin = stdin
    out = capsys.readouterr().out
    assert "1. israel: Israel accepts framework (israel_accepts_framework)" in out
    assert "→ israel: Israel accepts framework · Israel has accepted false→true" in out
    assert "state Negotiating" in out


def test_a_labelled_trace_names_no_labelled_element_by_its_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Outside the quoted sources and the modellers' assumptions (the scenario's own words),
    the trace shows every labelled state, event, variable and outcome by its label."""
    path = "scenarios/cairo_three_stage_truce.yaml"
    simulate_main([path, "--seed", "15"])
    text = capsys.readouterr().out
    labels = load(ROOT / path).labels
    ids = {i for kind in ("state", "event", "variable", "outcome") for i in labels.declared()[kind]}
    ids.discard("days_pass")
    shown = []
    in_source = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("source:", "assumption:")):
            in_source = True
        elif not line.startswith("        "):  # a continuation of a source is indented 8
            in_source = False
        if not in_source:
            shown.append(line)
    words = set(re.findall(r"[a-z0-9_]+", "\n".join(shown)))
    assert not ids & words, sorted(ids & words)


def test_json_keeps_ids_and_adds_labels_beside_them(capsys: pytest.CaptureFixture[str]) -> None:
    simulate_main(["scenarios/cairo_three_stage_truce.yaml", "--seed", "15", "--json"])
    record = json.loads(capsys.readouterr().out)
    begins = next(s for s in record["steps"] if s["event"] == "truce_begins")
    assert begins["event_label"] == "Truce begins"
    assert (begins["from"], begins["from_label"]) == ("negotiating", "Negotiating")
    assert (begins["to"], begins["to_label"]) == ("stage_1_in_force", "Stage 1 in force")
    assert begins["changes"]["exchange_floor"]["label"] == "Exchange floor"
    batch = next(s for s in record["steps"] if s["event"] == "release_batch_from_gaza")
    assert batch["transition"] == "release_batch_from_gaza[11]"
    assert batch["transition_label"] == "Batch released from Gaza [11]"
    assert record["labels"]["outcome"]["three_stages_completed"] == "All three stages completed"
    assert record["end"]["outcome_label"] == "All three stages completed"


AGREEMENT = ROOT / "scenarios" / "guide" / "08_agreement.yaml"
SECTIONS = {"states": "id", "transitions": "trigger", "variables": "id", "parameters": "id"}


def with_drawn_labels(text: str, draw: Callable[[str, str], str]) -> str:
    """``text`` with a label after each state, transition, variable and parameter id, drawn
    by ``draw(section, id)`` (the same for every transition of one trigger)."""
    out, section = [], ""
    for line in text.split("\n"):
        out.append(line)
        top = re.match(r"^([a-z_]+):", line)
        if top:
            section = top[1]
        item = re.match(r"^(\s*)- (id|trigger): (\S+)\s*$", line)
        if item and SECTIONS.get(section) == item[2]:
            out.append(f'{item[1]}  label: "{draw(section, item[3])}"')
    return "\n".join(out)


# Letters no quote or assumption of the guide uses in a row, so that a label never occurs
# in the scenario's own words.
LABEL_TEXT = st.text(alphabet="QXZJKqxzjk ", max_size=24).map(lambda s: " ".join(s.split()))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_labels_change_what_a_run_and_a_check_show_never_what_they_say(
    data: st.DataObject,
) -> None:
    text = AGREEMENT.read_text(encoding="utf-8")
    plain = load_text(text, str(AGREEMENT.relative_to(ROOT)), base_dir=AGREEMENT.parent)
    drawn: dict[tuple[str, str], str] = {}

    def draw(section: str, ident: str) -> str:
        if (section, ident) not in drawn:
            # A unique head, so that no label occurs inside another or across two.
            drawn[section, ident] = f"Zq{len(drawn)}q {data.draw(LABEL_TEXT)}".strip()
        return drawn[section, ident]

    labelled = load_text(
        with_drawn_labels(text, draw), str(AGREEMENT.relative_to(ROOT)), base_dir=AGREEMENT.parent
    )
    seed = data.draw(st.integers(0, 50))
    shown = []
    for sc in (labelled, plain):
        run = Run(sc)
        status = run.play(seed)
        out = format_text(run_record(run, seed=seed, max_steps=DEFAULT_MAX_STEPS, status=status))
        out += format_check_text(check_record(check(sc)))
        # the label lines move the lines findings are declared at
        shown.append(re.sub(r"\.yaml:\d+:\d+", ".yaml:L", without_prose(out)))
    assert back_to_ids(shown[0], labelled.labels) == squeeze(shown[1])
