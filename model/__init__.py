"""Ceasefire-proposal modeller: scenario files -> checked state machines -> runs and reports.

The notebook API::

    from model import load, Run
    from model.explore import explore        # the reachable state graph
    from model.consistency import check      # findings with counterexamples
    scenario = load("scenarios/cairo_three_stage_truce.yaml")
    run = Run(scenario)

Names are imported on first use, so ``python -m model.<command>`` loads only what it needs.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Event": "engine",
    "Run": "engine",
    "Step": "engine",
    "Problem": "errors",
    "RunError": "errors",
    "ScenarioError": "errors",
    "load": "loader",
    "load_text": "loader",
    "ParameterError": "scenario",
    "Scenario": "scenario",
    "StateGraph": "explore",
    "CheckResult": "consistency",
    "Finding": "consistency",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")
