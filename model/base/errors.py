"""Errors as values: every problem names the file, line, column and field it is about.

Errors are grouped by phase, as in sismic: reading and parsing the file, validating it against
the schema, checking its meaning (names, types, quotes), and running it.
"""

from __future__ import annotations

from dataclasses import dataclass

from model.base.textfmt import visible


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
    """A run reached a step the scenario forbids (a bound or an invariant broken).

    ``problem``, when the raiser knows it, is the same error at the place in the scenario
    file of the expression concerned (``file:line:col: transitions[2].guard: ...``).
    """

    def __init__(self, kind: str, message: str, problem: Problem | None = None) -> None:
        self.kind = kind
        self.problem = problem
        super().__init__(message)

    def __reduce__(self) -> tuple[object, ...]:
        # The subclasses' constructors take other arguments than the message: rebuild from
        # the message and the attributes, so an error can cross to another process.
        return (_restore, (type(self), str(self), dict(self.__dict__)))


def _restore(cls: type[RunError], message: str, state: dict[str, object]) -> RunError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class OutOfBounds(RunError):
    """An effect would take a variable outside its declared bounds."""

    def __init__(self, where: str, variable: str, value: int, low: int, high: int) -> None:
        self.where, self.variable, self.value = where, variable, value
        super().__init__(
            "out_of_bounds",
            f"{where}: {variable} would become {show_int(value)}, outside its bounds "
            f"[{low}, {high}]",
        )


class InvariantViolated(RunError):
    """A named invariant is false after a step."""

    def __init__(self, invariant: str, transition: str) -> None:
        self.invariant, self.transition = invariant, transition
        super().__init__("invariant", f"invariant {invariant!r} is false after {transition}")


class EvaluationError(RunError):
    """An expression could not be evaluated (division by zero, a negative weight, ...)."""

    def __init__(self, where: str, message: str) -> None:
        self.where, self.detail = where, message
        super().__init__("evaluation", f"{where}: {message}")


def clip(text: str, limit: int = 40) -> str:
    """``text`` quoted for a message, shortened when long (a hostile value is not echoed)."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[: limit - 3] + '...'!r} ({len(text):,} characters)"


def clip_value(raw: object) -> str:
    """A value for a message: `show_int` for a whole number (never a 5,000-digit str()),
    else `clip` of its text."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return show_int(raw)
    return clip(str(raw))


def show_int(value: int) -> str:
    """``value`` as digits, or its size when it has too many digits to print in full."""
    if value.bit_length() < 100:  # at most 31 digits
        return str(value)
    digits = int(value.bit_length() * 0.30103) + 1  # log10(2): the digit count, to within 1
    return f"{'-' if value < 0 else ''}a number of about {digits:,} digits"
