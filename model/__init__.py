"""Ceasefire-proposal modeller: scenario files -> checked state machines -> runs and reports.

The notebook API::

    from model import load, Run
    run = Run(load("scenarios/cairo_three_stage_truce.yaml"))
"""

from .engine import Event, Run, Step
from .errors import Problem, RunError, ScenarioError
from .loader import load, load_text
from .scenario import ParameterError, Scenario

__all__ = [
    "Event",
    "ParameterError",
    "Problem",
    "Run",
    "RunError",
    "Scenario",
    "ScenarioError",
    "Step",
    "load",
    "load_text",
]
