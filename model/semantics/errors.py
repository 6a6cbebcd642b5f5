"""The errors of a step, placed in the scenario file.

The compiled table (`model.semantics.table`) evaluates a step that goes wrong one piece at a
time and builds its error here: an expression that cannot be evaluated, a weight or duration
that is negative or beyond `MAX_RUN_VALUE`, a guard that raises (placed at the condition that
raised), a bound or an invariant broken. Each error carries a `Problem` at its place in the
scenario file, so every command reports it with the file's line and column. An expression that
fails inside a derived quantity it reads is placed at that derived quantity's ``value`` (the
innermost one, where derived quantities read each other), and the message says which
expression read it, and through which derived quantities (`derived_error`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from model.base.errors import EvaluationError, RunError, show_int
from model.base.limits import MAX_RUN_VALUE
from model.scenario.compiled import CompiledTransition, Scenario
from model.scenario.yamlsource import Path_
from model.semantics.compiler import Through

E = TypeVar("E", bound=RunError)


def located(scenario: Scenario, err: E, path: Path_) -> E:
    """``err`` with its `Problem` at ``path`` of the scenario file (returned for raising)."""
    message = str(err)
    if isinstance(err, EvaluationError):
        message = (
            f"cannot be evaluated at run time: {err.detail}; make the expression defined "
            "for every value it can meet (`python -m model.check` shows the steps that "
            "lead there)"
        )
    err.problem = scenario.document.problem(path, message)
    return err


Chain = Callable[[], tuple[str, ...] | None]
"""Which derived quantities an expression that just failed was evaluating when it raised
(the one it read first, then those read in turn), or None: its own text raised."""


def evaluate(
    scenario: Scenario,
    f: Callable[[Any], Any],
    arg: Any,
    where: str,
    path: Path_,
    through: Chain | None = None,
) -> Any:
    """``f(arg)``; an expression that cannot be evaluated raises its located error (asking
    ``through`` whether it failed inside a derived quantity)."""
    try:
        return f(arg)
    except ArithmeticError as exc:
        chain = through() if through is not None else None
        if chain:
            raise derived_error(scenario, chain, where, exc) from None
        raise located(scenario, EvaluationError(where, str(exc)), path) from None


def derived_error(
    scenario: Scenario, chain: tuple[str, ...], where: str, exc: BaseException
) -> EvaluationError:
    """The error of an expression (``where``) that failed inside the derived quantities
    ``chain`` (the one it read, ..., the one whose expression raised), placed at the last."""
    name = chain[-1]
    position = scenario.derived_names.index(name)
    through = f" through {', '.join(chain[:-1])}" if len(chain) > 1 else ""
    cause = exc.cause if isinstance(exc, Through) else exc
    err = EvaluationError(f"derived {name}", f"{cause}, read by {where}{through}")
    return located(scenario, err, ("derived", position, "value"))


def integer(
    scenario: Scenario,
    f: Callable[[Any], Any],
    arg: Any,
    where: str,
    path: Path_,
    through: Chain | None = None,
) -> int:
    """An integer expression's value (as `evaluate`), refused above `MAX_RUN_VALUE`."""
    value = evaluate(scenario, f, arg, where, path, through)
    assert isinstance(value, int) and not isinstance(value, bool)
    if abs(value) > MAX_RUN_VALUE:
        raise located(scenario, EvaluationError(where, too_large(value)), path)
    return value


def negative(scenario: Scenario, t: CompiledTransition, what: str, value: int) -> EvaluationError:
    """The error of a negative weight or duration (``what``: "weight" or "days")."""
    if what == "weight":
        message = f"weight is negative ({value})"
    else:
        message = f"duration is negative ({value} days)"
    err = EvaluationError(f"transition {t.name}", message)
    return located(scenario, err, ("transitions", t.index, what))


def guard_conditions(t: CompiledTransition) -> list[tuple[Path_, str | bool | int]]:
    """The conditions of ``t``'s guard (the guard and each requirement), with their places."""
    conditions: list[tuple[Path_, str | bool | int]] = [(("guard",), t.spec.guard)]
    conditions += [(("requires", j, "holds"), r.holds) for j, r in enumerate(t.spec.requires)]
    return conditions


def guard_error(
    scenario: Scenario, t: CompiledTransition, field: Path_, exc: ArithmeticError
) -> EvaluationError:
    """The error of a guard that raised, placed at ``field`` (the condition that raised)."""
    err = EvaluationError(f"transition {t.name}: guard", str(exc))
    return located(scenario, err, ("transitions", t.index, *field))


def too_large(value: int) -> str:
    """The message for a weight or length beyond `MAX_RUN_VALUE`."""
    return (
        f"{show_int(value)} is beyond the limit of run-time values (MAX_RUN_VALUE = "
        f"10^{len(str(MAX_RUN_VALUE)) - 1} in model/base/limits.py)"
    )
