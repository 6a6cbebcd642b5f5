"""Ceasefire-proposal modeller: scenario files -> checked state machines -> runs and reports.

The notebook API::

    from model import load, Run
    from model.analysis.explore import explore        # the reachable state graph
    from model.analysis.consistency import check      # findings with counterexamples
    from model import guarantees                      # what a party can force
    scenario = load("scenarios/cairo_three_stage_truce.yaml")
    run = Run(scenario)

Names are imported on first use, so ``python -m model.<command>`` loads only what it needs.
"""

from __future__ import annotations

import importlib
from typing import Any

from model.base import display

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
    "guarantees": "analysis.strategy",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")


# Notebook display: the scenario and the run (lower layers) ask `model.base.display` for a
# picture; the renderers answer. Registered here, above every layer, and drawn only on request.
def _scenario_svg(scenario: Any) -> str:
    from model.render.draw import diagram_svg

    return diagram_svg(scenario)


def _run_svg(run: Any) -> str:
    from model.render.timeline import timeline_svg

    return timeline_svg(run)


display.register("scenario", _scenario_svg)
display.register("run", _run_svg)
