"""Shared test settings: Hypothesis profiles and paths.

HYPOTHESIS_PROFILE=thorough runs the property tests deeply; the default profile keeps CI fast.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def same_meaning(a_scenario: Any, b_scenario: Any) -> None:
    """The same explored graph (snapshots, steps, weights, days, errors) and the same exact
    outcome probabilities."""
    from model.analysis.exact import analyse
    from model.analysis.explore import explore

    a, b = explore(a_scenario), explore(b_scenario)
    if a.initial_error is not None or b.initial_error is not None:
        assert type(a.initial_error) is type(b.initial_error)
        return
    assert list(a.nodes) == list(b.nodes)
    assert [(e.source, e.target, e.transition, e.weight, e.days) for e in a.edges] == [
        (e.source, e.target, e.transition, e.weight, e.days) for e in b.edges
    ]
    assert [(s.node, s.transition, type(s.error)) for s in a.step_errors] == [
        (s.node, s.transition, type(s.error)) for s in b.step_errors
    ]
    if a.complete:
        exact_a, exact_b = analyse(a, "fraction"), analyse(b, "fraction")
        assert exact_a.endings == exact_b.endings
        assert exact_a.total == Fraction(1)
