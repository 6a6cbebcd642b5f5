"""The simulation fast path against the `transitions` engine: same seed, same trace.

Differential tests: for a scenario, parameters and a seed, `Run(scenario, params).play(seed)`
and `compile_table(scenario, params).run(seed)` must fire the same transitions in the same
order, stop in the same snapshot with the same status, and fail with the same error. Checked
on every shipped scenario (every variant, several seeds, random parameter overrides), on the
test fixtures (which break bounds and invariants and divide by zero on purpose), and on
generated random scenarios, with and without the fast path's memo graph.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, SCENARIOS
from hypothesis import example, given, settings
from hypothesis import strategies as st
from reference_semantics import semantics_runner
from strategies import scenario_data

from model.base.errors import RunError
from model.scenario import expr
from model.scenario.compiled import Scenario
from model.scenario.loader import load, load_text
from model.semantics.compiler import Compiler
from model.semantics.engine import Run
from model.semantics.fastpath import compile_table, runner

FIXTURES = sorted(
    p
    for p in (ROOT / "tests" / "fixtures").glob("**/*.yaml")
    # Hostile inputs are refused by the loader on purpose (tests/test_fuzz_loader.py).
    if "hostile" not in p.relative_to(ROOT / "tests" / "fixtures").parts
)


# --- comparing one run ----------------------------------------------------------------------------


def _error(exc: BaseException | None) -> tuple[str, str] | None:
    return None if exc is None else (type(exc).__name__, str(exc))


def engine_outcome(scenario: Scenario, params: Mapping[str, object], seed: int, steps: int) -> Any:
    """What the engine does: (status, trace, snapshot, error, outcome), or what it raises."""
    try:
        run = Run(scenario, params)
        status = run.play(seed, steps)
    except RunError as exc:
        return ("raised", _error(exc))
    trace = tuple(s.event.index for s in run.history)
    stages = {scenario.stage_of(run.scenario.spec.initial)}
    stages.update(scenario.stage_of(s.after.state) for s in run.history)
    order = [s.id for s in scenario.spec.stages]
    return (
        status,
        trace,
        run.snapshot,
        _error(run.error),
        run.outcome,
        tuple(s for s in order if s in stages),
    )


def fast_outcome(
    scenario: Scenario, params: Mapping[str, object], seed: int, steps: int, memo: bool
) -> Any:
    try:
        table = compile_table(scenario, params, memo=memo)
        result = table.run(seed, steps, trace=True)
    except RunError as exc:
        return ("raised", _error(exc))
    assert result.steps == len(result.trace or ())
    return (
        result.status,
        result.trace,
        result.snapshot,
        _error(result.error),
        result.outcome,
        result.stages,
    )


def assert_same(
    scenario: Scenario, params: Mapping[str, object], seeds: range, steps: int = 1000
) -> None:
    """Engine and fast path agree on every seed; one table is reused, so its memo is too."""
    expected = [engine_outcome(scenario, params, seed, steps) for seed in seeds]
    for memo in (True, False):
        try:
            table = compile_table(scenario, params, memo=memo)
        except RunError as exc:
            assert all(e == ("raised", _error(exc)) for e in expected)
            continue
        for seed, want in zip(seeds, expected):
            try:
                r = table.run(seed, steps, trace=True)
                got: Any = (r.status, r.trace, r.snapshot, _error(r.error), r.outcome, r.stages)
            except RunError as exc:
                got = ("raised", _error(exc))
            assert got == want, f"seed {seed}, memo={memo}, params {params}"
            if got[0] == "raised":
                continue
            assert fast_outcome(scenario, params, seed, steps, memo) == want  # a fresh table


def assert_same_summaries(
    scenario: Scenario, params: Mapping[str, object], seeds: range, steps: int = 1000
) -> None:
    """`runner` (for model.analysis.montecarlo) gives what `semantics_runner` gives, and
    where the engine raises, ``strict=False`` ends the run with the engine's error instead."""
    values = scenario.parameters(params)
    try:
        reference = semantics_runner(scenario, values, steps)
    except RunError as exc:
        with pytest.raises(type(exc), match="^" + re.escape(str(exc)) + "$"):
            runner(scenario, values, steps)
        return
    fast = runner(scenario, values, steps)
    for seed in seeds:
        assert fast(seed) == reference(seed), f"seed {seed}, params {params}"
    for memo in (True, False):
        try:
            table = compile_table(scenario, params, memo=memo)
        except RunError:
            continue
        for seed in seeds:
            want = engine_outcome(scenario, params, seed, steps)
            if want[0] != "raised":
                continue
            got = table.run(seed, steps, strict=False)
            assert (got.status, _error(got.error), got.failed) == ("error", want[1], None)


def random_overrides(scenario: Scenario, rng: random.Random) -> dict[str, object]:
    """Values for a few parameters, anywhere within their bounds."""
    out: dict[str, object] = {}
    for p in scenario.spec.parameters:
        if rng.random() < 0.5:
            continue
        if p.type == "bool":
            out[p.id] = rng.random() < 0.5
        else:
            low = p.min if p.min is not None else int(p.default) - 5
            high = p.max if p.max is not None else int(p.default) + 5
            out[p.id] = rng.randint(low, high)
    return out


# --- shipped scenarios and fixtures ---------------------------------------------------------------


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenarios_same_trace_for_every_variant(path: Path) -> None:
    scenario = load(path)
    for variant in scenario.variant_choices():
        assert_same(scenario, variant, range(12))
        assert_same(scenario, variant, range(3), steps=4)  # stopped by max_steps
        assert_same_summaries(scenario, variant, range(12))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenarios_same_trace_with_parameter_overrides(path: Path) -> None:
    scenario = load(path)
    rng = random.Random(path.stem)
    for _ in range(4):
        assert_same(scenario, random_overrides(scenario, rng), range(5))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixtures_same_trace_and_same_errors(path: Path) -> None:
    assert_same(load(path), {}, range(8))
    assert_same_summaries(load(path), {}, range(8))


def test_the_default_scenario_reaches_every_status_the_fast_path_reports() -> None:
    scenario = load(ROOT / "scenarios" / "cairo_three_stage_truce.yaml")
    table = compile_table(scenario)
    results = [table.run(seed) for seed in range(200)]
    assert {r.outcome for r in results} == {
        "no_agreement",
        "truce_collapsed",
        "three_stages_completed",
    }
    done = next(r for r in results if r.outcome == "three_stages_completed")
    assert done.stages == ("talks", "stage_1", "stage_2", "stage_3")
    assert done.state == "three_stages_completed" and done.day > 0
    assert table.run(0, 0).status == "max_steps" and table.run(0, 0).steps == 0


def test_a_generator_can_be_passed_instead_of_a_seed() -> None:
    scenario = load(ROOT / "scenarios" / "cairo_three_stage_truce.yaml")
    table = compile_table(scenario)
    rng = random.Random(7)
    first, second = table.run(rng, trace=True), table.run(rng, trace=True)
    assert first == table.run(7, trace=True)
    again = random.Random(7)
    fresh = compile_table(scenario, memo=False)
    assert (first, second) == (fresh.run(again, trace=True), fresh.run(again, trace=True))
    assert second != first  # the generator went on drawing

    class Shifted(random.Random):
        """A generator with its own randrange: the fast path must call it."""

        def randrange(self, start: int, *args: Any, **kwargs: Any) -> int:  # type: ignore[override]
            return start - 1

    last = compile_table(scenario).run(Shifted(0), trace=True)
    # always the last candidate: consultations_continue (the walk-outs are risks of the days
    # that pass, not decisions)
    assert last.trace is not None and last.trace[0] == 2


def test_memo_graph_is_bounded() -> None:
    scenario = load(ROOT / "scenarios" / "cairo_three_stage_truce.yaml")
    table = compile_table(scenario, max_nodes=10)
    fresh = compile_table(scenario, memo=False)
    dropped = False
    for seed in range(30):
        before = table.nodes
        result = table.run(seed, trace=True)
        assert result == fresh.run(seed, trace=True)
        dropped = dropped or table.nodes < before
        # dropped before a run once past the limit; a run adds at most one node a step
        assert table.nodes <= (before if before <= 10 else 1) + result.steps
    assert dropped


# --- error paths, written out ---------------------------------------------------------------------

ERRORS = """
id: errors
title: Error paths
summary: Each transition fails in its own way, chosen by the parameter `which`.
horizon: 10
sources: [{id: seed, file: ../seeds/000_fe535af938dae792.txt}]
parties: [{id: p, name: P, role: party, assumption: test}]
stages:
  - {id: s0, name: S0, days: 4, assumption: test}
  - {id: s1, name: S1, assumption: test}
parameters:
  - {id: k, default: 1, min: -2, max: 3, assumption: test}
  - {id: which, default: 0, min: 0, max: 11, assumption: test}
variables:
  - {id: n, type: int, min: 0, max: 3, initial: k + 1, assumption: test}
  - {id: b, type: bool, initial: false, assumption: test}
states:
  - {id: a, stage: s0, assumption: test}
  - {id: c, stage: s1, assumption: test}
  - {id: end, outcome: done, assumption: test}
initial: a
invariants:
  - {id: small, holds: "n < 3 or which != 1", assumption: test}
  - {id: divides, holds: "which != 2 or 6 // (n - 1) != 0", assumption: test}
transitions:
  - {trigger: up, source: a, dest: a, actor: p, effects: {n: n + 1},
     weight: "4 if which > 2 else 1", assumption: test}
  - {trigger: guard_div, source: a, dest: c, actor: p,
     guard: "which == 3 and 5 % (n - 2) == 0", assumption: test}
  - {trigger: weight_neg, source: a, dest: c, actor: p, weight: "1 - n if which == 4 else 1",
     assumption: test}
  - {trigger: days_neg, source: a, dest: c, actor: p, days: "1 - n if which == 5 else 1",
     assumption: test}
  - {trigger: weight_div, source: a, dest: c, actor: p,
     weight: "6 // (n - 1) if which == 10 else 1", assumption: test}
  - {trigger: days_div, source: a, dest: c, actor: p, days: "6 % (n - 1) if which == 11 else 1",
     assumption: test}
  - {trigger: effect_div, source: a, dest: c, actor: p,
     effects: {n: "3 // (n - 2) if which == 6 else 0"}, assumption: test}
  - {trigger: long, source: a, dest: end, actor: p, days: "stage_days * 3 if which == 7 else 5",
     guard: "day_in_stage >= 0", assumption: test}
  - {trigger: switched_off, source: a, dest: end, actor: p, weight: 0,
     guard: "which == 9 and (6 // (n - 1) > 0 and false)", assumption: test}
  - {trigger: off, source: c, dest: end, actor: p, weight: "0 if which == 8 and not b else 1",
     days: "0 - 1 if which == 8 and not b else 0", assumption: test}
  - {trigger: stay, source: c, dest: c, actor: p, days: 2, effects: {b: not b}, assumption: test}
"""


@pytest.mark.parametrize("which", range(12))
@pytest.mark.parametrize("k", [-2, -1, 0, 1, 2])
def test_error_paths_match_the_engine(which: int, k: int) -> None:
    scenario = load_text(ERRORS, "errors.yaml", base_dir=ROOT / "scenarios")
    assert_same(scenario, {"which": which, "k": k}, range(6), steps=30)
    assert_same_summaries(scenario, {"which": which, "k": k}, range(6), steps=30)


NEGATIVE_DAYS = """
id: negative_days
title: A parameter as a duration
summary: A duration that is a constant once parameters are folded in, and may be negative.
horizon: 10
sources: [{id: seed, file: ../seeds/000_fe535af938dae792.txt}]
parties: [{id: p, name: P, role: party, assumption: test}]
stages:
  - {id: s0, name: S0, assumption: test}
parameters:
  - {id: d, default: 1, min: -2, max: 2, assumption: test}
states:
  - {id: a, stage: s0, assumption: test}
  - {id: end, outcome: done, assumption: test}
initial: a
transitions:
  - {trigger: go, source: a, dest: end, actor: p, days: d, assumption: test}
"""


@pytest.mark.parametrize("d", [-2, -1, 0, 1, 2])
def test_a_negative_constant_duration_fails_as_in_the_engine(d: int) -> None:
    """A duration that folds to a negative constant is refused as the engine refuses it, with
    and without the memo graph (the direct loop once let it through, then crashed)."""
    scenario = load_text(NEGATIVE_DAYS, "negative_days.yaml", base_dir=ROOT / "scenarios")
    assert_same(scenario, {"d": d}, range(3))
    assert_same_summaries(scenario, {"d": d}, range(3))


CLOCK = """
id: clock
title: Days in a stage
summary: The same state on the same day, entered on different days.
horizon: 8
sources: [{id: seed, file: ../seeds/000_fe535af938dae792.txt}]
parties: [{id: p, name: P, role: party, assumption: test}]
stages:
  - {id: s0, name: S0, assumption: test}
  - {id: s1, name: S1, days: 3, assumption: test}
states:
  - {id: a, stage: s0, assumption: test}
  - {id: c, stage: s1, assumption: test}
  - {id: end, outcome: done, assumption: test}
initial: a
transitions:
  - {trigger: wait, source: a, dest: a, actor: p, days: 1, assumption: test}
  - {trigger: go, source: a, dest: c, actor: p, assumption: test}
  - {trigger: stay, source: c, dest: c, actor: p, days: 1, assumption: test}
  - {trigger: finish, source: c, dest: end, actor: p, guard: "day_in_stage >= 2",
     days: "max(0, stage_days - day_in_stage)", weight: 3, assumption: test}
"""


def test_day_in_stage_is_part_of_the_snapshot() -> None:
    scenario = load_text(CLOCK, "clock.yaml", base_dir=ROOT / "scenarios")
    assert_same(scenario, {}, range(40))


# --- generated scenarios --------------------------------------------------------------------------


@st.composite
def scenario_with_overrides(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, int]]:
    data = draw(scenario_data())
    overrides = {
        p["id"]: draw(st.integers(p["min"], p["max"]))
        for p in data.get("parameters", [])
        if draw(st.booleans())
    }
    return data, overrides


@given(scenario_with_overrides())
def test_generated_scenarios_same_trace(case: tuple[dict[str, Any], dict[str, int]]) -> None:
    data, overrides = case
    scenario = load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios")
    assert_same(scenario, overrides, range(4), steps=40)
    assert_same_summaries(scenario, overrides, range(4), steps=40)


# --- the positional compiler against model.scenario.expr ------------------------------------------

INTS = ("a", "z", "day", "day_in_stage", "p_int")
TYPES: dict[str, expr.Type] = {
    "a": expr.INT,
    "z": expr.INT,
    "flag": expr.BOOL,
    "mode": expr.EnumType("mode", ("x", "y")),
    "day": expr.INT,
    "day_in_stage": expr.INT,
    "p_int": expr.INT,
    "p_bool": expr.BOOL,
}


def _int_text(draw: st.DrawFn, depth: int) -> str:
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from([*INTS, "0", "1", "-2", "3"]))
    kind = draw(st.sampled_from(["+", "-", "*", "//", "%", "min", "max", "neg", "if"]))
    a, b = _int_text(draw, depth - 1), _int_text(draw, depth - 1)
    if kind in ("min", "max"):
        c = _int_text(draw, depth - 1)
        return f"{kind}({a}, {b}, {c})" if draw(st.booleans()) else f"{kind}({a}, {b})"
    if kind == "neg":
        return f"-({a})"
    if kind == "if":
        return f"({a} if {_bool_text(draw, depth - 1)} else {b})"
    return f"({a} {kind} {b})"


def _bool_text(draw: st.DrawFn, depth: int) -> str:
    kind = draw(st.sampled_from(["leaf", "cmp", "chain", "enum", "and", "or", "not", "if"]))
    if depth <= 0 or kind == "leaf":
        return draw(st.sampled_from(["flag", "p_bool", "true", "false"]))
    if kind == "cmp":
        op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
        return f"({_int_text(draw, depth - 1)} {op} {_int_text(draw, depth - 1)})"
    if kind == "chain":
        a, b, c = (_int_text(draw, depth - 1) for _ in range(3))
        return f"({a} < {b} <= {c})"
    if kind == "enum":
        return f"(mode {draw(st.sampled_from(['==', '!=']))} '{draw(st.sampled_from('xy'))}')"
    if kind == "not":
        return f"not ({_bool_text(draw, depth - 1)})"
    if kind == "if":
        return (
            f"({_bool_text(draw, depth - 1)} if {_bool_text(draw, depth - 1)} "
            f"else {_bool_text(draw, depth - 1)})"
        )
    items = [_bool_text(draw, depth - 1) for _ in range(draw(st.integers(2, 3)))]
    return "(" + f" {kind} ".join(items) + ")"


ENV = {
    "a": 1,
    "z": 0,
    "flag": True,
    "mode": "x",
    "day": 2,
    "day_in_stage": 1,
    "p_int": 0,
    "p_bool": False,
}


@st.composite
def expression_case(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    text = _bool_text(draw, 3) if draw(st.booleans()) else _int_text(draw, 3)
    env: dict[str, Any] = {
        "a": draw(st.integers(-3, 3)),
        "z": draw(st.integers(-1, 1)),
        "flag": draw(st.booleans()),
        "mode": draw(st.sampled_from(["x", "y"])),
        "day": draw(st.integers(0, 5)),
        "day_in_stage": draw(st.integers(0, 5)),
        "p_int": draw(st.integers(-2, 2)),
        "p_bool": draw(st.booleans()),
    }
    return text, env


def _evaluate(f: Any, arg: Any) -> tuple[str, Any]:
    try:
        value = f(arg)
    except ZeroDivisionError as exc:
        return ("ZeroDivisionError", str(exc))
    return (type(value).__name__, value)


@settings(max_examples=max(300, settings.default.max_examples))  # cheap: run many
@given(expression_case())
@example(("(a // z > 0) and false", {**ENV, "z": 0}))
@example(("false or (a % z == 0) or true", {**ENV, "z": 0}))
@example(("-(a) < z // (z + 1) <= day", ENV))
def test_positional_compiler_matches_model_expr(case: tuple[str, dict[str, Any]]) -> None:
    text, env = case
    tree = expr.parse(text)
    expr.typecheck(tree, TYPES)
    want = _evaluate(expr.compile_expr(tree), env)
    slots = {"a": 0, "z": 1, "flag": 2, "mode": 3, "day": 4, "day_in_stage": 5}
    x = (env["a"], env["z"], env["flag"], env["mode"], env["day"], env["day_in_stage"])
    params = {"p_int": env["p_int"], "p_bool": env["p_bool"]}
    assert _evaluate(Compiler(slots, params).tree(tree).fn, x) == want, text
    everything = {**params, **{n: env[n] for n in slots}}
    folded = Compiler({}, everything).tree(tree)  # every name a constant: folding alone
    assert _evaluate(folded.fn, ()) == want, text
