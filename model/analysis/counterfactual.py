"""What changes between two settings, or two scenarios, and why (``model.compare --why``).

Each side's explored graph is read by the explainer (`model.analysis.explain`): every
requirement, conjunct by conjunct (a party's position, a guard's condition), gets a status
on each side: ``never true`` (false in every reachable snapshot of its transition's source
states), ``true in some run``, ``not reached`` (no run reaches its transition's source
states) or ``absent`` (the other scenario does not have it). A requirement whose status
differs is a change, shown with the parameters it reads on each side. For each outcome
reachable on one side only, the chains that block it on the other are given
(`model.analysis.explain.Explanation`).
"""

from __future__ import annotations

from dataclasses import dataclass

from model.analysis.explain import Explainer, Explanation, explain
from model.analysis.explore import StateGraph
from model.analysis.findings import Finding
from model.scenario.compiled import ParamValue

NEVER, TRUE, UNREACHED, ABSENT = "never true", "true in some run", "not reached", "absent"

Params = tuple[tuple[str, ParamValue], ...]


@dataclass(frozen=True)
class RequirementChange:
    """One conjunct of a transition's conditions whose status differs between A and B."""

    transition: str
    text: str
    owner: str  # "israel's position", "a requirement", "the guard"
    a: str
    b: str
    params_a: Params = ()
    params_b: Params = ()


@dataclass(frozen=True)
class OutcomeChange:
    """An outcome reachable on one side only, and why the other side cannot reach it."""

    outcome: str
    reachable_in: str  # "A" or "B"
    because: tuple[Explanation, ...]  # why the other side cannot reach it


@dataclass(frozen=True)
class WhyDiff:
    requirements: tuple[RequirementChange, ...]
    outcomes: tuple[OutcomeChange, ...]


def _statuses(graph: StateGraph) -> dict[tuple[str, str], tuple[str, str, Params]]:
    """(transition, conjunct) -> (status, owner, the parameters it reads with their values)."""
    ex = Explainer(graph)
    params = graph.params
    out: dict[tuple[str, str], tuple[str, str, Params]] = {}
    for t in graph.scenario.transitions:
        conjuncts = ex.conditions.of(t.index)
        if not conjuncts:
            continue
        if not any(s in ex.reached for s in t.sources):
            never = set(conjuncts)
            status_never = UNREACHED
        elif t.index in ex.moved:
            never, status_never = set(), NEVER
        else:
            never, status_never = set(ex.verdict(t.index).never), NEVER
        for c in conjuncts:
            read = tuple((n, params[n]) for n in c.depends if n in params)
            status = status_never if c in never else TRUE
            out.setdefault((t.name, c.text), (status, c.owner, read))
    return out


def why_differs(a: StateGraph, b: StateGraph) -> WhyDiff | None:
    """The requirements and outcomes that change from A to B, and why (None unless both
    graphs are complete: a partial search cannot show that something never happens)."""
    if not (a.complete and b.complete) or a.initial_error or b.initial_error:
        return None
    sa, sb = _statuses(a), _statuses(b)
    changes = []
    for key in [*sa, *(k for k in sb if k not in sa)]:
        status_a, owner, params_a = sa.get(key, (ABSENT, "", ()))
        status_b, owner_b, params_b = sb.get(key, (ABSENT, "", ()))
        if status_a != status_b:
            changes.append(
                RequirementChange(*key, owner or owner_b, status_a, status_b, params_a, params_b)
            )
    reached_a = set(a.outcome_nodes.values())
    reached_b = set(b.outcome_nodes.values())
    outcomes = []
    for label in sorted(reached_a ^ reached_b):
        blocked, side = (b, "A") if label in reached_a else (a, "B")
        has = any(s.outcome == label for s in blocked.scenario.spec.states)
        found = explain(blocked, [Finding("unreachable_outcome", label, "")]) if has else []
        outcomes.append(OutcomeChange(label, side, tuple(found)))
    return WhyDiff(tuple(changes), tuple(outcomes))
