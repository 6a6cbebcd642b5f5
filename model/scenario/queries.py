"""Probabilistic questions about a scenario: the query syntax, parsed and checked.

A question is one line of plain words around the scenario's own names (docs/what-if.md,
"Questions")::

    chance of OUTCOME_OR_CONDITION [given CONDITION] [by day N | before day N]
    chance of CONDITION within N days of CONDITION
    days to CONDITION [given CONDITION]
    likeliest run to OUTCOME

A CONDITION is an expression (docs/format.md) over the variables, parameters, derived
quantities and the clock (``day``, ``day_in_stage``), in which every state id, stage id and
outcome label also reads as a boolean: true while the run is in that state, in that stage, or
has reached that outcome (a variable, parameter or derived quantity of the same name wins).
So ``stage_1``, ``truce_collapsed`` and ``stage_2 and hostages_held == 0`` are conditions.

What the words mean (a run "reaches" a condition at the first snapshot where it holds):

- ``chance of Y``: the probability that a run reaches Y. ``given X``: among the runs that
  reach X, the share that reach Y at that moment or later. ``by day N``: Y is reached on
  day N or earlier; ``before day N``: on day N - 1 or earlier. ``within N days of X``: among
  the runs that reach X, the share that reach Y at most N days after they first reached X.
- ``days to Y``: the expected day on which runs reaching Y first reach it (so for an
  outcome, the expected length of the runs that end in it); ``given X``: the expected days
  from first reaching X to reaching Y, among runs that reach both in that order.
- ``likeliest run to O``: the single most probable sequence of steps that ends in outcome O.

`parse_query` reads a question and checks its names and types against the scenario's; the
loader checks the ``queries:`` section with it, and the command line its ``--query`` texts.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

from model.base.hints import Hints
from model.scenario import expr
from model.scenario.compiled import Scenario
from model.scenario.schema import ScenarioSpec

QueryKind = Literal["chance", "days", "run"]

MAX_QUERY_DAY = 36_500
"""The largest day a question may name (the longest horizon a scenario may have)."""

_HEADS: tuple[tuple[str, QueryKind], ...] = (
    ("chance of", "chance"),
    ("days to", "days"),
    ("likeliest run to", "run"),
)
_CLAUSE = re.compile(
    r"\s+(?:(given)|(by\s+day)|(before\s+day)|within\s+(\S+)\s+days?\s+of)\s+", re.IGNORECASE
)


class QueryError(ValueError):
    """A question that cannot be asked; ``column`` (from 1) is where in its text."""

    def __init__(self, message: str, column: int = 1) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class Query:
    """One question, parsed: what it asks (``kind``) about which conditions."""

    text: str
    kind: QueryKind
    target: str
    """The condition (or, for ``run``, the outcome label) asked about."""
    given: str | None = None
    """The condition the question is asked under (also the ``within`` reference)."""
    last_day: int | None = None
    """``by day N`` (N) or ``before day N`` (N - 1): the last day that counts."""
    within: int | None = None
    """``within N days of X``: days after first reaching ``given`` that count."""

    @property
    def label(self) -> str:
        return " ".join(self.text.split())


@dataclass(frozen=True)
class Names:
    """What a question may name: the typed names of expressions, and the states, stages and
    outcome labels (read as booleans)."""

    types: Mapping[str, expr.Type]
    states: Collection[str]
    stages: Collection[str]
    outcomes: Collection[str]

    def flags(self) -> dict[str, expr.Type]:
        """State ids, stage ids and outcome labels as booleans, where no other name has them."""
        out: dict[str, expr.Type] = {}
        for name in (*self.states, *self.stages, *self.outcomes):
            if name not in self.types:
                out[name] = expr.BOOL
        return out


def outcomes(spec: ScenarioSpec) -> list[str]:
    """The outcome labels of ``spec``, in the order their states are declared, each once."""
    return list(dict.fromkeys(s.outcome for s in spec.states if s.outcome))


def scenario_names(scenario: Scenario) -> Names:
    """What a question about ``scenario`` (loaded) may name."""
    spec = scenario.spec
    return Names(
        scenario.names, [s.id for s in spec.states], [s.id for s in spec.stages], outcomes(spec)
    )


def parse_query(text: str, names: Names, hints: Hints | None = None) -> Query:
    """Read and check one question; raise `QueryError` (with the column) if it cannot be asked."""
    stripped = text.lstrip()
    offset = len(text) - len(stripped)
    lowered = stripped.lower()
    found = [(h, k) for h, k in _HEADS if lowered.startswith(h + " ") or lowered == h]
    if not found:
        raise QueryError(
            "a question starts with 'chance of', 'days to' or 'likeliest run to' "
            "(e.g. 'chance of three_stages_completed given stage_1')",
            offset + 1,
        )
    head, kind = found[0]
    start = offset + len(head)
    parts = _split(text, start)
    target_text, target_col = parts.pop(0)[1:3]
    clauses: dict[str, tuple[str, int, str | None]] = {}
    for word, body, col, arg in parts:
        if word in clauses or (word in ("by", "before") and ({"by", "before"} & clauses.keys())):
            raise QueryError(f"'{_word(word)}' may appear once, with no other day limit", col)
        clauses[word] = (body, col, arg)
    if "within" in clauses and ({"given", "by", "before"} & clauses.keys()):
        raise QueryError(
            "'within N days of X' already says from when: it takes no 'given' or day limit",
            clauses["within"][1],
        )
    if kind != "chance" and ({"by", "before", "within"} & clauses.keys()):
        word = next(w for w in ("by", "before", "within") if w in clauses)
        raise QueryError(f"'{_word(word)}' goes with 'chance of'", clauses[word][1])
    if kind == "run":
        if clauses:
            raise QueryError("'likeliest run to' takes an outcome and nothing more", parts[0][2])
        if target_text not in names.outcomes:
            hint = (hints or Hints())(target_text, names.outcomes)
            outcomes = ", ".join(sorted(names.outcomes)) or "none"
            raise QueryError(
                f"{target_text!r} is not an outcome (outcomes: {outcomes}){hint}", target_col
            )
        return Query(text, kind, target_text)
    env = {**names.types, **names.flags()}
    _condition(target_text, target_col, env, hints)
    given = None
    last_day = within = None
    if "given" in clauses:
        given = clauses["given"][0]
        _condition(given, clauses["given"][1], env, hints)
    for word in ("by", "before"):
        if word in clauses:
            body, col, _ = clauses[word]
            day = _day(body, col)
            if word == "before":
                if day == 0:
                    raise QueryError("no run reaches anything before day 0", col)
                day -= 1
            last_day = day
    if "within" in clauses:
        given, col, arg = clauses["within"]
        within = _day(arg or "", col)
        _condition(given, col, env, hints)
    return Query(text, kind, target_text, given, last_day, within)


def _split(text: str, start: int) -> list[tuple[str, str, int, str | None]]:
    """The text after the head cut at its clauses: (clause word, body, column, argument)."""
    out: list[tuple[str, str, int, str | None]] = []
    word, pos, arg = "", start, None
    for m in _CLAUSE.finditer(text, start):
        out.append(_part(text, word, pos, m.start(), arg))
        groups = m.groups()
        word = "given" if groups[0] else "by" if groups[1] else "before" if groups[2] else "within"
        arg = groups[3]
        pos = m.end()
    out.append(_part(text, word, pos, len(text), arg))
    return out


def _part(
    text: str, word: str, start: int, stop: int, arg: str | None
) -> tuple[str, str, int, str | None]:
    body = text[start:stop]
    col = start + len(body) - len(body.lstrip()) + 1
    if not body.strip():
        what = f"'{_word(word)}'" if word else "the question"
        raise QueryError(f"{what} needs a condition or a day after it", col)
    return (word, body.strip(), col, arg)


def _word(word: str) -> str:
    return {"by": "by day", "before": "before day", "within": "within N days of"}.get(word, word)


def _day(body: str, col: int) -> int:
    if not re.fullmatch(r"\d{1,6}", body):
        raise QueryError(f"a day is a whole number of days, found {body!r}", col)
    day = int(body)
    if day > MAX_QUERY_DAY:
        raise QueryError(f"a day is at most {MAX_QUERY_DAY:,}, found {day:,}", col)
    return day


def _condition(text: str, col: int, env: Mapping[str, expr.Type], hints: Hints | None) -> None:
    try:
        tree = expr.parse(text)
        expr.typecheck(tree, env, expr.BOOL, hints)
    except expr.ExprError as exc:
        raise QueryError(f"{text!r}: {exc}", col) from None


__all__ = [
    "MAX_QUERY_DAY",
    "Names",
    "Query",
    "QueryError",
    "QueryKind",
    "outcomes",
    "parse_query",
    "scenario_names",
]
