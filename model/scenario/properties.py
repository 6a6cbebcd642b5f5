"""The names a property (and an invariant) may read besides a step's: the current ``state``,
``stage`` and ``outcome``, each an enumeration; and the conditions a property is made of.

In a state that is not an outcome, ``outcome`` is ``'none'``; an outcome state has no stage,
so there ``stage`` is ``'none'`` too (the loader refuses an outcome or stage named 'none').
"""

from __future__ import annotations

from model.scenario import expr
from model.scenario.schema import Property, ScenarioSpec
from model.scenario.schema_base import ExprText
from model.scenario.yamlsource import Path_

SNAPSHOT_NAMES = ("state", "stage", "outcome")
NONE = "none"


def snapshot_types(spec: ScenarioSpec) -> dict[str, expr.Type]:
    """``state``, ``stage`` and ``outcome`` as enumerations of the scenario's names."""
    outcomes = tuple(dict.fromkeys(s.outcome for s in spec.states if s.outcome))
    return {
        "state": expr.EnumType("state", tuple(s.id for s in spec.states)),
        "stage": expr.EnumType("stage", (*(s.id for s in spec.stages), NONE)),
        "outcome": expr.EnumType("outcome", (*outcomes, NONE)),
    }


def snapshot_values(spec: ScenarioSpec, state: str) -> dict[str, expr.Value]:
    """The values of ``state``, ``stage`` and ``outcome`` in control state ``state``."""
    s = next(s for s in spec.states if s.id == state)
    return {"state": s.id, "stage": s.stage or NONE, "outcome": s.outcome or NONE}


def conditions(p: Property) -> tuple[tuple[Path_, ExprText], ...]:
    """The conditions of property ``p``, each with its path under the property."""
    if p.leads_to is not None:
        return (("leads_to", "from"), p.leads_to.from_), (("leads_to", "to"), p.leads_to.to)
    if p.until is not None:
        return (("until", "holds"), p.until.holds), (("until", "until"), p.until.until)
    kind = p.kind
    text = getattr(p, kind)
    assert text is not None
    return (((kind,), text),)
