"""Loader errors of derived quantities: each names the file, line, column and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_loader_errors import MINIMAL, line_of, problems, write

from model.scenario.loader import load

DERIVED = """\
derived:
  - id: released
    name: Hostages released so far
    value: 133 - hostages_held
    unit: people
    assumption: test
"""


def with_derived(extra: str = "", base: str = MINIMAL) -> str:
    """MINIMAL with the derived quantity ``released`` (and ``extra`` entries) declared."""
    return base.replace("states:\n", DERIVED + extra + "states:\n", 1)


def entry(name: str, value: str) -> str:
    return f"  - id: {name}\n    name: {name}\n    value: {value}\n    assumption: test\n"


def test_a_derived_quantity_loads_and_guards_read_it(tmp_path: Path) -> None:
    text = with_derived().replace("guard: hostages_held > 0", "guard: released < 133")
    scenario = load(write(tmp_path, text))
    assert scenario.derived_names == ("released",)


def test_unknown_name_in_a_derived_value(tmp_path: Path) -> None:
    text = with_derived().replace("value: 133 - hostages_held", "value: 133 - hostges_held")
    line = line_of(text, "value: 133")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line}:5: derived[0].value: unknown name 'hostges_held' "
        "(did you mean 'hostages_held'?)"
    ]


def test_unknown_derived_name_in_a_guard(tmp_path: Path) -> None:
    text = with_derived().replace("guard: hostages_held > 0", "guard: relased < 133")
    line = line_of(text, "guard:")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line}:5: transitions[0].guard: unknown name 'relased' "
        "(did you mean 'released'?)"
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("hostages_held", "'hostages_held' is both a variable and a derived quantity"),
        ("day_in_stage", "'day_in_stage' is a reserved name in expressions; choose another"),
        ("stage_days", "'stage_days' is a reserved name in expressions; choose another"),
        ("day", "'day' is a reserved name in expressions; choose another"),
    ],
)
def test_a_derived_id_cannot_take_a_name_already_used(
    tmp_path: Path, name: str, message: str
) -> None:
    text = with_derived(entry(name, "1"))
    line = [i for i, x in enumerate(text.splitlines(), 1) if x == f"  - id: {name}"][-1]
    assert f"scenarios/x.yaml:{line}:5: derived[1].id: {message}" in problems(write(tmp_path, text))


def test_a_derived_id_cannot_be_a_parameter(tmp_path: Path) -> None:
    params = "parameters:\n  - id: released\n    default: 1\n    assumption: test\n"
    text = with_derived().replace("states:\n", params + "states:\n", 1)
    line = line_of(text, "- id: released")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line}:5: derived[0].id: "
        "'released' is both a parameter and a derived quantity"
    ]


def test_duplicate_derived_ids(tmp_path: Path) -> None:
    text = with_derived(entry("released", "1"))
    lines = [i for i, x in enumerate(text.splitlines(), 1) if x == "  - id: released"]
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{lines[1]}:5: derived[1].id: derived has more than one entry 'released'"
    ]


def test_a_cycle_among_derived_quantities_is_reported_once(tmp_path: Path) -> None:
    text = with_derived(entry("a", "b + released") + entry("b", "c * 2") + entry("c", "a - 1"))
    line = line_of(text, "value: b + released")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line}:5: derived[1].value: derived quantities read each other in "
        "a cycle: a -> b -> c -> a; a derived quantity cannot depend on itself"
    ]


def test_a_derived_quantity_reading_itself(tmp_path: Path) -> None:
    text = with_derived(entry("a", "a + 1") + entry("b", "a * 2"))
    line = line_of(text, "value: a + 1")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line}:5: derived[1].value: derived quantities read each other in "
        "a cycle: a -> a; a derived quantity cannot depend on itself"
    ]


def test_derived_quantities_may_read_later_ones(tmp_path: Path) -> None:
    text = with_derived(entry("twice", "2 * half") + entry("half", "released // 2"))
    text = text.replace("guard: hostages_held > 0", "guard: twice <= released")
    assert load(write(tmp_path, text)).derived_names == ("released", "twice", "half")


def test_a_derived_quantity_is_int_or_bool(tmp_path: Path) -> None:
    variables = (
        "  - id: phase\n    type: enum\n    values: [one, two]\n    initial: one\n"
        "    assumption: test\n"
    )
    text = with_derived(entry("which", "phase")).replace(
        "      said_by: Israeli government spokesman Avi Hyman\n",
        "      said_by: Israeli government spokesman Avi Hyman\n" + variables,
    )
    line = line_of(text, "value: phase")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line}:5: derived[1].value: a derived quantity is int or bool, "
        "found enum phase (one, two); compare it with a value to make a bool"
    ]


def test_a_derived_quantity_is_typed_where_it_is_read(tmp_path: Path) -> None:
    text = with_derived().replace("guard: hostages_held > 0", "guard: released")
    line = line_of(text, "guard:")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line}:5: transitions[0].guard: the expression should be bool, found int"
    ]


def test_an_effect_cannot_set_a_derived_quantity(tmp_path: Path) -> None:
    text = with_derived().replace(
        "      hostages_held: hostages_held - 1\n",
        "      hostages_held: hostages_held - 1\n      released: released + 1\n",
    )
    line = line_of(text, "released: released + 1")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line}:7: transitions[0].effects.released: 'released' is a derived "
        "quantity, computed from the state; an effect cannot set it (change the variables it "
        "reads)"
    ]


def test_a_derived_quantity_does_not_read_stage_days(tmp_path: Path) -> None:
    text = with_derived(entry("left", "stage_days - day_in_stage"))
    line = line_of(text, "value: stage_days")
    found = problems(write(tmp_path, text))
    assert len(found) == 1
    assert found[0].startswith(
        f"scenarios/x.yaml:{line}:5: derived[1].value: unknown name 'stage_days'"
    )


def test_initial_values_do_not_read_derived_quantities(tmp_path: Path) -> None:
    text = with_derived().replace("initial: 133", "initial: released")
    line = line_of(text, "initial: released")
    assert problems(write(tmp_path, text)) == [
        f"scenarios/x.yaml:{line}:5: variables[0].initial: unknown name 'released' "
        "(initial values may read parameters only)"
    ]


def test_derived_quantities_that_grow_when_written_out_are_refused(tmp_path: Path) -> None:
    chain = "".join(entry(f"d{i}", f"d{i - 1} + d{i - 1}") for i in range(1, 16))
    text = with_derived(entry("d0", "released") + chain)
    found = problems(write(tmp_path, text))
    assert found
    assert all("MAX_EXPANDED_SIZE" in p for p in found)
    assert found[0].startswith(f"scenarios/x.yaml:{line_of(text, 'value: d10 + d10')}:5: ")


def test_derived_quantities_that_reach_huge_numbers_are_refused(tmp_path: Path) -> None:
    text = with_derived(entry("big", "released * released * released * released"))
    text = text.replace("guard: hostages_held > 0", "guard: big * big * big * big > 0")
    line = line_of(text, "guard:")
    found = problems(write(tmp_path, text))
    assert found == [
        f"scenarios/x.yaml:{line}:5: transitions[0].guard: the expression can reach a number "
        "of 272 digits (each name may stand for up to 1000000000000000); the limit is 200 "
        "digits (MAX_VALUE_DIGITS)"
    ]
