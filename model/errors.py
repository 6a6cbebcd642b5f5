"""Errors as values: every problem names the file, line, column and field it is about.

Errors are grouped by phase, as in sismic: reading and parsing the file, validating it against
the schema, checking its meaning (names, types, quotes), and running it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .textfmt import visible


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a scenario file, printed as ``file:line:col: path: message``."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        # File names, paths and messages quote user text: shown with controls escaped, on
        # one line, so that a scenario cannot act on the terminal through an error message.
        where = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return visible(text, newlines=False)


class ScenarioError(Exception):
    """A scenario file cannot be used; carries one `Problem` per thing to fix."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(sorted(set(problems)))
        super().__init__("\n".join(str(p) for p in self.problems))


class RunError(Exception):
    """A run reached a step the scenario forbids (a bound or an invariant broken)."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


class OutOfBounds(RunError):
    """An effect would take a variable outside its declared bounds."""

    def __init__(self, where: str, variable: str, value: int, low: int, high: int) -> None:
        self.where, self.variable, self.value = where, variable, value
        super().__init__(
            "out_of_bounds",
            f"{where}: {variable} would become {value}, outside its bounds [{low}, {high}]",
        )


class InvariantViolated(RunError):
    """A named invariant is false after a step."""

    def __init__(self, invariant: str, transition: str) -> None:
        self.invariant, self.transition = invariant, transition
        super().__init__("invariant", f"invariant {invariant!r} is false after {transition}")


class EvaluationError(RunError):
    """An expression could not be evaluated (division by zero, a negative weight, ...)."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        super().__init__("evaluation", f"{where}: {message}")
