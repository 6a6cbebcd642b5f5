"""Every class of loader error names the file, line, column and field, and exits with 2."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from conftest import ROOT

from model.base.errors import ScenarioError
from model.base.hints import Hints
from model.base.limits import (
    MAX_COMPOSED_ENTRIES,
    MAX_EXTENDS_DEPTH,
    MAX_HINT_CANDIDATES,
    MAX_HINTS,
    MAX_INCLUDES,
    MAX_VARIANT_COMBINATIONS,
)
from model.scenario.compiled import ParameterError
from model.scenario.loader import load
from model.scenario.yamlsource import read_text
from model.simulate import main

SEED = ROOT / "seeds" / "000_fe535af938dae792.txt"

# A small valid scenario; tests change one line and check the message for that line.
MINIMAL = f"""\
id: tiny
title: Tiny
summary: A scenario for loader tests.
horizon: 30
sources:
  - id: seed
    file: seeds/{SEED.name}
parties:
  - id: israel
    name: Israel
    role: party
    quote:
      text: Israel and Hamas sent teams to Egypt yesterday
stages:
  - id: talks
    name: Talks
    assumption: test
variables:
  - id: hostages_held
    type: int
    min: 0
    max: 133
    initial: 133
    quote:
      text: the 133 Israeli hostages can be released
      said_by: Israeli government spokesman Avi Hyman
states:
  - id: talking
    stage: talks
    assumption: test
  - id: done
    outcome: finished
    assumption: test
initial: talking
transitions:
  - trigger: release
    source: talking
    dest: done
    actor: israel
    guard: hostages_held > 0
    effects:
      hostages_held: hostages_held - 1
    assumption: test
"""


def write(tmp_path: Path, text: str, name: str = "x.yaml") -> Path:
    """Write the scenario in ``tmp_path`` with a copy of the seed (its project root)."""
    (tmp_path / "seeds").mkdir(exist_ok=True)
    shutil.copy(SEED, tmp_path / "seeds")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load(path, display="scenarios/x.yaml")
    return [str(p) for p in info.value.problems]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_minimal_scenario_loads(tmp_path: Path) -> None:
    scenario = load(write(tmp_path, MINIMAL))
    assert scenario.id == "tiny"


def test_unknown_variable_in_guard_with_hint(tmp_path: Path) -> None:
    text = MINIMAL.replace("guard: hostages_held > 0", "guard: hostges_held > 0")
    line = line_of(text, "guard:")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line}:5: transitions[0].guard: unknown name 'hostges_held' "
        "(did you mean 'hostages_held'?)"
    ]


def test_cli_reports_problem_and_exits_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = MINIMAL.replace("dest: done", "dest: dne")
    path = write(tmp_path, text)
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    line = line_of(text, "dest:")
    assert (
        f"{path}:{line}:5: transitions[0].dest: unknown state 'dne' (did you mean 'done'?)" in err
    )
    assert "Traceback" not in err


def test_type_error_bool_used_as_int(tmp_path: Path) -> None:
    text = MINIMAL.replace("hostages_held: hostages_held - 1", "hostages_held: true + 1")
    line = line_of(text, "hostages_held: true + 1")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line}:7: transitions[0].effects.hostages_held: "
        "the left operand of '+' should be int, found bool"
    ]


def test_python_tag_is_refused_and_nothing_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = MINIMAL.replace(
        "summary: A scenario for loader tests.",
        f"summary: !!python/object/apply:os.system ['touch {marker}']",
    )
    found = problems(write(tmp_path, text))
    assert found == [
        f"scenarios/x.yaml:{line_of(text, 'summary:')}:10: summary: YAML tag "
        "'tag:yaml.org,2002:python/object/apply:os.system' is not allowed: scenario files are data"
    ]
    assert not marker.exists()


def test_duplicate_key(tmp_path: Path) -> None:
    text = MINIMAL.replace("horizon: 30\n", "horizon: 30\nhorizon: 40\n")
    assert problems(write(tmp_path, text)) == [
        "scenarios/x.yaml:5:1: horizon: duplicate key 'horizon' (first at line 4)"
    ]


def test_oversized_file_is_refused_before_parsing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, MINIMAL + "#" * 1_000_001)
    found = problems(path)
    assert found == [
        "scenarios/x.yaml: the file is larger than 1,000,000 bytes, the limit for files read "
        "(MAX_BYTES); split it or shorten it"
    ]
    assert main([str(path)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_quote_changed_by_one_word_is_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "text: Israel and Hamas sent teams to Egypt yesterday",
        "text: Israel and Hamas sent delegations to Egypt yesterday",
    )
    found = problems(write(tmp_path, text))
    line = line_of(text, "sent delegations")
    assert len(found) == 1
    assert found[0].startswith(
        f"scenarios/x.yaml:{line}:7: parties[0].quote.text: quote not found in "
        "000_fe535af938dae792.txt: 'Israel and Hamas sent delegations to Egypt yesterday'"
    )
    assert found[0].endswith(
        "closest passage in the source: 'Israel and Hamas sent teams to Egypt yesterday'"
    )


def test_quote_with_straight_apostrophe_is_explained(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "text: Israel and Hamas sent teams to Egypt yesterday",
        "text: Hamas' demand for the return of displaced residents",
    )
    (found,) = problems(write(tmp_path, text))
    assert "only in quote marks, apostrophes or dashes" in found


def test_quote_whitespace_is_normalised(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "text: Israel and Hamas sent teams to Egypt yesterday",
        'text: "Israel  and Hamas\\n sent teams   to Egypt yesterday"',
    )
    assert load(write(tmp_path, text)).id == "tiny"


def test_speaker_must_be_named_in_source(tmp_path: Path) -> None:
    text = MINIMAL.replace("said_by: Israeli government spokesman Avi Hyman", "said_by: Someone")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line_of(text, 'said_by')}:7: variables[0].quote.said_by: "
        "speaker 'Someone' is not named in 000_fe535af938dae792.txt; use the source's own words"
    ]


def test_missing_and_unknown_fields(tmp_path: Path) -> None:
    text = MINIMAL.replace("    dest: done\n", "    dst: done\n")
    line = line_of(text, "dst:")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line - 2}:5: transitions[0]: missing required field 'dest'",
        f"scenarios/x.yaml:{line}:5: transitions[0].dst: unknown field 'dst' "
        "(did you mean 'dest'?)",
    ]


def test_a_decision_and_a_risk_need_an_actor_a_scheduled_event_does_not(tmp_path: Path) -> None:
    text = MINIMAL.replace("    actor: israel\n", "")
    line = line_of(text, "- trigger:")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line}:5: transitions[0]: a decision needs an 'actor' (the party "
        "that acts)"
    ]
    risk = text.replace("    dest: done\n", "    dest: done\n    risk: {chance: 1, in: 50}\n")
    assert problems(write(tmp_path, risk)) == [
        f"scenarios/x.yaml:{line}:5: transitions[0]: a risk needs an 'actor' (the party that acts)"
    ]
    scheduled = text.replace("    dest: done\n", "    dest: done\n    schedule: {at: 3}\n")
    assert load(write(tmp_path, scheduled)).transitions[0].actor == "schedule"


def test_wrong_scalar_type(tmp_path: Path) -> None:
    text = MINIMAL.replace("horizon: 30", "horizon: soon")
    assert problems(write(tmp_path, text)) == [
        "scenarios/x.yaml:4:1: horizon: Input should be a valid integer, found 'soon' (str)"
    ]


def test_element_without_provenance(tmp_path: Path) -> None:
    text = MINIMAL.replace("    stage: talks\n    assumption: test\n", "    stage: talks\n")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line_of(text, '- id: talking')}:5: states[0]: "
        "needs a 'quote' from a stored source, a 'citation' of a published document or an "
        "'assumption'"
    ]


def test_yaml_syntax_error(tmp_path: Path) -> None:
    text = MINIMAL.replace("initial: talking", "initial: [talking")
    (found,) = problems(write(tmp_path, text))
    # The flow sequence opened on this line is never closed: PyYAML notices on the next key.
    line = line_of(text, "initial: [talking")
    assert found.startswith("scenarios/x.yaml:")
    assert int(found.split(":")[1]) > line
    assert "expected ',' or ']'" in found  # libyaml: "did not find expected ..."


def test_file_that_is_not_utf8_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(MINIMAL.replace("Tiny", "Tr\u00eave").encode("latin-1"))
    assert main([str(path)]) == 2
    assert f"{path}: the file is not UTF-8 text" in capsys.readouterr().err


def test_anchors_are_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace("title: Tiny", "title: &t Tiny\nsummary2: *t")
    found = problems(write(tmp_path, text))
    assert any("anchors and aliases are not supported" in p for p in found)


def test_yaml_12_booleans_keep_no_as_text(tmp_path: Path) -> None:
    # YAML 1.1 would read `no` as false; a title "no" must stay the text "no".
    text = MINIMAL.replace("title: Tiny", "title: no")
    assert load(write(tmp_path, text)).spec.title == "no"


def test_effect_on_unknown_variable_and_enum_literal(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "      hostages_held: hostages_held - 1",
        "      hostage_held: 1",
    )
    line = line_of(text, "hostage_held: 1")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line}:7: transitions[0].effects.hostage_held: "
        "unknown variable 'hostage_held' (did you mean 'hostages_held'?)"
    ]


def test_initial_value_outside_bounds(tmp_path: Path) -> None:
    text = MINIMAL.replace("initial: 133", "initial: 134")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line_of(text, 'initial: 134')}:5: variables[0].initial: "
        "initial value 134 (with default parameters) is outside [0, 133]"
    ]


def test_unknown_parameter_override_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--set", "batch_sise=3"]) == 2
    err = capsys.readouterr().err
    assert "unknown parameter 'batch_sise' (did you mean 'batch_size'?)" in err


def test_parameter_override_out_of_bounds_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--set", "batch_size=0"]) == 2
    assert "parameter 'batch_size' must be at least 1 and at most 133, not 0" in (
        capsys.readouterr().err
    )


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "absent.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def _copy_project(tmp_path: Path) -> Path:
    """The shipped scenarios, mechanisms and seeds in a scratch directory."""
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    return tmp_path / "scenarios"


def test_error_inside_an_included_mechanism_names_that_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenarios = _copy_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    mechanism = scenarios / "mechanisms" / "monitored_return.yaml"
    text = mechanism.read_text()
    broken = text.replace("""{return_north: "'monitored'"}""", """{return_north: "'monitord'"}""")
    assert broken != text
    mechanism.write_text(broken)
    with pytest.raises(ScenarioError) as info:
        load(scenarios / "cairo_three_stage_truce.yaml", "scenarios/cairo_three_stage_truce.yaml")
    line = line_of(broken, "monitord")
    col = broken.splitlines()[line - 1].index("return_north") + 1  # the key in the flow map
    assert [str(p) for p in info.value.problems] == [
        f"scenarios/mechanisms/monitored_return.yaml:{line}:{col}: "
        "transitions[1].effects.return_north: "
        "'monitord' is not one of return_north's values (did you mean 'monitored'?)"
    ]


def _truce_slot_binding_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, binding: str
) -> tuple[list[str], int, int]:
    """Problems of the three-stage truce with its pull-back slot binding replaced, and the
    line and column of that binding."""
    scenarios = _copy_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    scenario = scenarios / "cairo_three_stage_truce.yaml"
    text = scenario.read_text()
    scenario.write_text(text.replace("pull_back_phase: stage_2_in_force", binding))
    with pytest.raises(ScenarioError) as info:
        load(scenario, "scenarios/cairo_three_stage_truce.yaml")
    line = line_of(text, "pull_back_phase: stage_2_in_force")
    col = text.splitlines()[line - 1].index("pull_back_phase") + 1
    return [str(p) for p in info.value.problems], line, col


def test_unbound_and_unknown_slots_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found, line, col = _truce_slot_binding_problems(tmp_path, monkeypatch, "pullback: x")
    assert found == [
        f"scenarios/cairo_three_stage_truce.yaml:{line}:5: includes[1].slots: "
        "slot 'pull_back_phase' of mechanism 'monitored_return' is not bound to a state",
        f"scenarios/cairo_three_stage_truce.yaml:{line}:{col}: includes[1].slots.pullback: "
        "mechanism 'monitored_return' has no slot 'pullback'; its slots: "
        "pull_back_phase, return_phase",
    ]


def test_slot_bound_to_no_state_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An empty list once bound the slot to nothing and its transitions silently disappeared.
    found, line, col = _truce_slot_binding_problems(tmp_path, monkeypatch, "pull_back_phase: []")
    assert found == [
        f"scenarios/cairo_three_stage_truce.yaml:{line}:{col}: includes[1].slots.pull_back_phase: "
        "slot 'pull_back_phase' is bound to nothing; name a state",
    ]


# --- issue 10: hostile input (see also tests/test_fuzz_loader.py and tests/fixtures/hostile/) -


def _tiny_with(tmp_path: Path, states: str, transitions: str) -> Path:
    """MINIMAL with its states and transitions replaced."""
    head = MINIMAL[: MINIMAL.index("states:\n")]
    return write(tmp_path, f"{head}states:\n{states}initial: s0\ntransitions:\n{transitions}")


def test_1000_misspelled_names_get_few_hints_quickly(tmp_path: Path) -> None:
    states = "".join(f"  - {{id: s{i}, stage: talks, assumption: a}}\n" for i in range(1000))
    transitions = "".join(
        f"  - {{trigger: t{i}, source: s{i}, dest: s{i}x, actor: israel, assumption: a}}\n"
        for i in range(1000)
    )
    path = _tiny_with(tmp_path, states, transitions)
    start = time.process_time()
    found = problems(path)
    assert time.process_time() - start < 2.0
    assert len(found) == 1000
    assert all("unknown state" in p for p in found)
    hinted = [p for p in found if "did you mean" in p]
    assert 1 <= len(hinted) <= MAX_HINTS


def test_no_hint_among_too_many_candidates() -> None:
    hints = Hints()
    names = [f"name_{i}" for i in range(MAX_HINT_CANDIDATES + 1)]
    assert hints("name_1x", names) == ""
    assert hints("name_1x", names[:10]) == " (did you mean 'name_1'?)"
    assert hints("name_1", ["name_1"]) == ""  # never the name itself


def test_hint_for_unknown_field_comes_from_the_model_at_that_place(tmp_path: Path) -> None:
    # `quote` is a field of parties; `text` only of quotes: no hint from another model.
    text = MINIMAL.replace("    role: party\n", "    role: party\n    qoute: x\n", 1)
    (found,) = [p for p in problems(write(tmp_path, text)) if "qoute" in p]
    assert found.endswith("unknown field 'qoute' (did you mean 'quote'?)")


def test_huge_set_value_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--set", "batch_size=" + "9" * 5000]) == 2
    err = capsys.readouterr().err
    assert "takes a whole number between -1000000000000000 and 1000000000000000" in err
    assert "Traceback" not in err


def test_set_value_with_thousands_of_leading_zeros_is_a_number() -> None:
    scenario = load(ROOT / "scenarios" / "cairo_three_stage_truce.yaml")
    assert scenario.parameters({"batch_size": "0" * 5000 + "12"})["batch_size"] == 12


@pytest.mark.parametrize("value", ["1_000", "1e3", "0x10", "\u0661\u0662", "12.0"])
def test_set_value_must_be_decimal_digits(value: str) -> None:
    scenario = load(ROOT / "scenarios" / "cairo_three_stage_truce.yaml")
    with pytest.raises(ParameterError, match="takes a whole number"):
        scenario.parameters({"batch_size": value})


def test_yaml_12_numbers_only(tmp_path: Path) -> None:
    doc = read_text("a: [1_000, 1:20, 0x1F, 2024-04-08, .inf, 1.5, 012, -0]", "x.yaml")
    assert doc.data == {"a": ["1_000", "1:20", "0x1F", "2024-04-08", ".inf", 1.5, 12, 0]}


def test_chain_of_extends_is_limited(tmp_path: Path) -> None:
    for i in range(MAX_EXTENDS_DEPTH + 2):
        (tmp_path / f"s{i}.yaml").write_text(
            f"extends: s{i + 1}.yaml\nid: s{i}\ntitle: t\nsummary: s\n", encoding="utf-8"
        )
    with pytest.raises(ScenarioError, match="MAX_EXTENDS_DEPTH"):
        load(tmp_path / "s0.yaml")


def test_too_many_includes(tmp_path: Path) -> None:
    scenarios = _copy_project(tmp_path)
    text = (scenarios / "monitored_return.yaml").read_text()
    include = "  - file: mechanisms/monitored_return.yaml\n"
    many = text.replace("includes:\n", "includes:\n" + include * MAX_INCLUDES)
    (scenarios / "many.yaml").write_text(many)
    with pytest.raises(ScenarioError, match=f"the limit is {MAX_INCLUDES} \\(MAX_INCLUDES\\)"):
        load(scenarios / "many.yaml")


def test_composition_that_copies_too_many_transitions(tmp_path: Path) -> None:
    # A mechanism step within a slot is copied once per state the slot is bound to.
    scenarios = _copy_project(tmp_path)
    n = MAX_COMPOSED_ENTRIES // 4 + 1
    mechanism = (
        "mechanism: many\ntitle: t\nsummary: s\n"
        "sources: [{id: cairo_talks, file: ../../seeds/000_fe535af938dae792.txt}]\n"
        "slots: [{id: here, description: d}]\ntransitions:\n"
        + "".join(
            f"  - {{trigger: m{i}, source: here, dest: here, actor: israel, assumption: a}}\n"
            for i in range(4)
        )
    )
    (scenarios / "mechanisms" / "many.yaml").write_text(mechanism)
    states = "".join(f"  - {{id: s{i}, stage: talks, assumption: a}}\n" for i in range(n))
    scenario = MINIMAL.replace(f"file: {SEED}", "file: ../seeds/000_fe535af938dae792.txt")
    scenario = scenario[: scenario.index("states:\n")] + (
        f"states:\n{states}initial: s0\nincludes:\n  - file: mechanisms/many.yaml\n"
        f"    slots: {{here: [{', '.join(f's{i}' for i in range(n))}]}}\n"
    )
    (scenarios / "many.yaml").write_text(scenario)
    with pytest.raises(ScenarioError, match="MAX_COMPOSED_ENTRIES"):
        load(scenarios / "many.yaml")


def test_unknown_field_never_hints_itself(tmp_path: Path) -> None:
    text = MINIMAL.replace("    actor: israel\n", "    actor: israel\n    id: x\n")
    (found,) = [p for p in problems(write(tmp_path, text)) if "'id'" in p]
    assert "unknown field 'id'" in found
    assert "did you mean 'id'" not in found


def test_expression_whose_value_could_have_too_many_digits(tmp_path: Path) -> None:
    product = " * ".join(["hostages_held"] * 13)  # 13 names of up to 16 digits: 208 digits
    text = MINIMAL.replace("guard: hostages_held > 0", f"guard: {product} > 0")
    (found,) = problems(write(tmp_path, text))
    assert found.endswith(
        "the expression can reach a number of 208 digits (each name may stand for up to "
        "1000000000000000); the limit is 200 digits (MAX_VALUE_DIGITS)"
    )
    ok = MINIMAL.replace(
        "guard: hostages_held > 0", f"guard: {product.removeprefix('hostages_held * ')} > 0"
    )
    assert load(write(tmp_path, ok)).id == "tiny"


def test_values_of_all_composed_files_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import model.scenario.compose

    monkeypatch.setattr(model.scenario.compose, "MAX_COMPOSED_VALUES", 500)
    with pytest.raises(ScenarioError, match="more than 500 values in all"):
        load(ROOT / "scenarios" / "positions_and_three_stage_truce.yaml")


def test_a_file_composed_twice_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import model.scenario.compose

    scenarios = _copy_project(tmp_path)
    text = (scenarios / "monitored_return.yaml").read_text()
    include = "  - file: mechanisms/monitored_return.yaml\n"
    assert include in text
    (scenarios / "twice.yaml").write_text(text.replace(include, include + include[:-1] + " \n"))
    reads: list[Path] = []
    real = model.scenario.compose.read_text_file

    def counting(path: Path) -> str:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(model.scenario.compose, "read_text_file", counting)
    with pytest.raises(ScenarioError):  # the second include binds no slots
        load(scenarios / "twice.yaml")
    assert len(reads) == 1


def test_too_many_variant_combinations(tmp_path: Path) -> None:
    variants = (
        "    variants:\n"
        "      - {value: true, label: yes, assumption: a}\n"
        "      - {value: false, label: no, assumption: a}\n"
    )
    params = "".join(
        f"  - id: p{i}\n    type: bool\n    default: true\n    assumption: a\n{variants}"
        for i in range(9)  # 2**9 = 512 combinations
    )
    text = MINIMAL.replace("states:\n", f"parameters:\n{params}states:\n")
    found = problems(write(tmp_path, text))
    assert found == [
        f"scenarios/x.yaml:{line_of(text, 'variants:')}:5: parameters[0].variants: the "
        "parameters' variants make 512 combinations, each checked on its own; the limit is "
        f"{MAX_VARIANT_COMBINATIONS} (MAX_VARIANT_COMBINATIONS)"
    ]


def test_expression_with_a_look_alike_letter_is_refused(tmp_path: Path) -> None:
    # Python reads the fullwidth 'ｈ' as 'h' (NFKC), so this guard would silently name a
    # variable; expressions are ASCII.
    text = MINIMAL.replace("guard: hostages_held > 0", "guard: \uff48ostages_held > 0")
    (found,) = problems(write(tmp_path, text))
    assert found.endswith(
        "transitions[0].guard: character '\uff48' (U+FF48) is not allowed: expressions are "
        "written in ASCII (names use a-z, 0-9 and _)"
    )
