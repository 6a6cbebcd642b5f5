"""Ceasefire-proposal modeller: scenario files -> checked state machines -> runs and reports.

The notebook API::

    from model import load, Run
    from model.analysis.explore import explore        # the reachable state graph
    from model.analysis.consistency import check      # findings with counterexamples
    scenario = load("scenarios/cairo_three_stage_truce.yaml")
    run = Run(scenario)

Names are imported on first use, so ``python -m model.<command>`` loads only what it needs.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Event": "semantics.engine",
    "Run": "semantics.engine",
    "Step": "semantics.engine",
    "Problem": "base.errors",
    "RunError": "base.errors",
    "ScenarioError": "base.errors",
    "load": "scenario.loader",
    "load_text": "scenario.loader",
    "ParameterError": "scenario.compiled",
    "Scenario": "scenario.compiled",
    "StateGraph": "analysis.explore",
    "CheckResult": "analysis.consistency",
    "Finding": "analysis.findings",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")
