"""The Israel–Lebanon cessation of hostilities of November 2024 (its shipped scenario).

What the published text promises, checked on the model: day 0 is the entry into force; the
withdrawal and deployment are due by day 60 (the text) or day 83 (the White House extension
to 18 February 2025), and a run that never completes them is caught on exactly that day; the
invariants hold and mean something (a scenario that breaks them is caught); closed forms for
the deadline; the exact probabilities agree with Monte Carlo.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from functools import cache
from typing import Any

import pytest
from conftest import ROOT
from test_montecarlo import _check_coverage, _pairs

from model.analysis.consistency import check
from model.analysis.exact import ExactResult, analyse_scenario
from model.analysis.explore import explore
from model.analysis.montecarlo import monte_carlo
from model.scenario.compiled import Scenario
from model.scenario.loader import load, load_text
from model.semantics.engine import Run

PATH = ROOT / "scenarios" / "israel_lebanon_2024.yaml"
ENTRY_INTO_FORCE = date(2024, 11, 27)  # 04:00 local time, paragraph 1: day 0
NO_VIOLATIONS = {"strike_chance": 0, "attack_chance": 0}
OUTCOMES = {
    "handover_completed": "withdrawal_and_deployment_completed",
    "israeli_forces_remain": "israeli_forces_remain_at_deadline",
    "laf_not_deployed": "laf_deployment_incomplete_at_deadline",
    "hostilities_resumed": "hostilities_resumed",
}


@cache
def scenario() -> Scenario:
    return load(PATH)


@cache
def exact(**params: int) -> ExactResult:
    return analyse_scenario(scenario(), params, method="fraction")


def probability(result: ExactResult, outcome: str) -> Fraction:
    return Fraction(result.ending(outcome).probability)


def days_of(result: ExactResult, outcome: str) -> Fraction:
    return Fraction(result.ending(outcome).expected_days)


# -- the deadline is where the text (or the extension) puts it -----------------------------


def test_the_deadline_variants_are_the_dates_of_the_accounts() -> None:
    (param,) = [p for p in scenario().spec.parameters if p.id == "withdrawal_deadline_day"]
    assert param.default == 60
    by_value = {v.value: v for v in param.variants}
    assert set(by_value) == {60, 83}
    # Day 60 is 26 January 2025 (the text's 60 days), day 83 is 18 February 2025 (the White
    # House statement), both counted from the entry into force on 27 November 2024.
    assert (date(2025, 1, 26) - ENTRY_INTO_FORCE).days == 60
    assert (date(2025, 2, 18) - ENTRY_INTO_FORCE).days == 83
    assert by_value[60].citation is not None and by_value[60].citation.section == "paragraph 12"
    extension = by_value[83].citation
    assert extension is not None and extension.source == "white_house_extension"
    assert extension.words is not None and "February 18, 2025" in extension.words


def test_day_zero_is_the_entry_into_force() -> None:
    run = Run(scenario(), {})
    assert (run.state, run.day) == ("in_force", 0)
    assert dict(run.values) == {
        "withdrawn": 0,
        "deployed": 0,
        "verified": 0,
    }
    assert scenario().spec.initial == "in_force"


@pytest.mark.parametrize("deadline", [60, 83])
def test_a_withdrawal_that_never_happens_is_caught_on_the_deadline_day(deadline: int) -> None:
    never = exact(withdrawal_deadline_day=deadline, withdraw_chance=0, **NO_VIOLATIONS)
    assert probability(never, "israeli_forces_remain_at_deadline") == 1
    assert days_of(never, "israeli_forces_remain_at_deadline") == deadline
    # The same on the engine: the deadline fires on that day, not a day earlier or later.
    run = Run(
        scenario(), {"withdrawal_deadline_day": deadline, "withdraw_chance": 0, **NO_VIOLATIONS}
    )
    assert run.play(seed=1, max_steps=1000) == "outcome"
    assert (run.state, run.day) == ("israeli_forces_remain", deadline)
    assert run.history[-1].event.name == "withdrawal_deadline_missed"
    assert run.history[-1].before.day == deadline
    assert all(s.after.state == "in_force" and s.before.day < deadline for s in run.history[:-1])


@pytest.mark.parametrize("deadline", [60, 83])
def test_a_prompt_handover_still_ends_on_the_last_day_of_the_period(deadline: int) -> None:
    # Every step of the handover as soon as it can happen: done within days, but the period
    # (and with it the model) ends on its last day, with the handover completed.
    prompt = exact(
        withdrawal_deadline_day=deadline,
        withdraw_chance=1000,
        deploy_chance=1000,
        verify_chance=1000,
        **NO_VIOLATIONS,
    )
    assert probability(prompt, "withdrawal_and_deployment_completed") == 1
    assert days_of(prompt, "withdrawal_and_deployment_completed") == deadline


def test_a_withdrawal_without_deployment_is_lebanons_missed_deadline() -> None:
    one_sector = exact(sectors=1, withdraw_chance=1000, deploy_chance=0, **NO_VIOLATIONS)
    assert probability(one_sector, "laf_deployment_incomplete_at_deadline") == 1
    assert days_of(one_sector, "laf_deployment_incomplete_at_deadline") == 60
    # With more sectors Israel waits for the handover of the last sector it left (the
    # modelling choice for "gradually ... in parallel"), so it is Israel's deadline that is
    # missed: which party misses a deadline depends on that choice.
    three = exact(withdraw_chance=1000, deploy_chance=0, **NO_VIOLATIONS)
    assert probability(three, "israeli_forces_remain_at_deadline") == 1


@pytest.mark.parametrize("deadline", [60, 83])
def test_the_deadline_in_closed_form(deadline: int) -> None:
    # One sector, deployment the day after the withdrawal, no violations: Israel's forces
    # remain when no withdrawal happens on any of the `deadline` days; the deployment is
    # incomplete when the withdrawal comes on the last day; otherwise the handover completes.
    p = Fraction(60, 1000)
    result = exact(withdrawal_deadline_day=deadline, sectors=1, deploy_chance=1000, **NO_VIOLATIONS)
    assert probability(result, "israeli_forces_remain_at_deadline") == (1 - p) ** deadline
    assert (
        probability(result, "laf_deployment_incomplete_at_deadline")
        == (1 - p) ** (deadline - 1) * p
    )
    assert probability(result, "withdrawal_and_deployment_completed") == 1 - (1 - p) ** (
        deadline - 1
    )


def test_the_extension_helps_the_handover_and_adds_exposure_to_violations() -> None:
    text, extended = exact(), exact(withdrawal_deadline_day=83)
    assert probability(extended, "withdrawal_and_deployment_completed") > probability(
        text, "withdrawal_and_deployment_completed"
    )
    assert probability(extended, "israeli_forces_remain_at_deadline") < probability(
        text, "israeli_forces_remain_at_deadline"
    )
    assert probability(extended, "hostilities_resumed") > probability(text, "hostilities_resumed")


def test_no_violations_no_resumption() -> None:
    result = exact(**NO_VIOLATIONS)
    assert probability(result, "hostilities_resumed") == 0
    assert sum(probability(result, o) for o in OUTCOMES.values()) == 1


# -- the checker, the invariants and the outcomes -------------------------------------------


@pytest.mark.parametrize("deadline", [60, 83])
def test_checks_clean_with_only_the_declared_missed_deadlines(deadline: int) -> None:
    result = check(scenario(), {"withdrawal_deadline_day": deadline})
    assert result.clean, [(f.kind, f.target) for f in result.findings]
    assert {(f.kind, f.target) for f in result.findings} == {
        ("deadline_missed", "withdrawal_deadline_missed"),
        ("deadline_missed", "deployment_deadline_missed"),
    }
    assert all(f.expected for f in result.findings)
    assert set(result.outcomes_reached) == set(OUTCOMES.values())
    assert result.graph.node_count < 6_000  # a modest graph: --exact in well under a second


@pytest.mark.parametrize("deadline", [60, 83])
def test_every_outcome_snapshot_is_what_its_name_says(deadline: int) -> None:
    params = {"withdrawal_deadline_day": deadline}
    graph = explore(scenario(), params)
    names = scenario().variable_names
    seen = set()
    for node in graph.nodes:
        values: dict[str, Any] = dict(zip(names, node.values, strict=True))
        w, d, v, sectors = values["withdrawn"], values["deployed"], values["verified"], 3
        assert v <= d <= w <= sectors  # the invariants, on every reachable snapshot
        assert node.day <= deadline
        if node.state in OUTCOMES:
            seen.add(node.state)
        if node.state == "handover_completed":
            assert (w, d, node.day) == (sectors, sectors, deadline)
        elif node.state == "israeli_forces_remain":
            assert w < sectors and node.day == deadline
        elif node.state == "laf_not_deployed":
            assert w == sectors and d < sectors and node.day == deadline
        elif node.state == "hostilities_resumed":
            assert node.day <= deadline
    assert seen == set(OUTCOMES)


def _modified(old: str, new: str) -> Scenario:
    text = PATH.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    return load_text(text.replace(old, new), base_dir=PATH.parent)


def test_an_early_deployment_breaks_the_parallel_invariant() -> None:
    # The Lebanese Armed Forces entering a sector Israel has not left is caught.
    early = _modified("    guard: deployed < withdrawn\n", "    guard: deployed < sectors\n")
    result = check(early)
    broken = [f for f in result.findings if f.kind == "invariant_violated"]
    assert [f.target for f in broken] == ["laf_deploy_where_israel_has_left"]
    assert not result.clean


def test_a_deadline_moved_past_the_period_is_caught() -> None:
    # A withdrawal deadline later than the period's end leaves runs in the stage past its
    # length: the checker reports the broken "within the period" invariant (the run stops
    # there, so the overrun itself is not reached).
    late = _modified(
        "    deadline: {by: withdrawal_deadline_day}\n    citation:\n      source: cessation_text\n"
        "      section: paragraph 12\n    assumption: >-\n      Israeli forces",
        "    deadline: {by: withdrawal_deadline_day + 1}\n    citation:\n"
        "      source: cessation_text\n      section: paragraph 12\n    assumption: >-\n"
        "      Israeli forces",
    )
    result = check(late)
    broken = [f for f in result.findings if f.kind == "invariant_violated"]
    assert [f.target for f in broken] == ["withdrawal_within_the_period"]
    assert broken[0].trace[-1]["day_before"] == 60  # the step into day 61 is refused
    assert not result.clean


# -- exact probabilities agree with Monte Carlo ----------------------------------------------


@pytest.mark.parametrize("deadline", [60, 83])
def test_monte_carlo_intervals_cover_the_exact_probabilities(deadline: int) -> None:
    params = {"withdrawal_deadline_day": deadline}
    result = exact(withdrawal_deadline_day=deadline)
    pairs = []
    for seed in range(4):
        mc = monte_carlo(scenario(), params, runs=1000, seed=seed)
        pairs += _pairs(f"israel_lebanon_2024@{deadline}", result, mc)
    _check_coverage(pairs, minimum=12)
