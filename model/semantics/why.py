"""Why a transition is not enabled: its conditions split into conjuncts, each evaluated alone.

A transition's condition is its guard and every requirement (`requires`, usually a party's
stated position), all of which must hold. `Conditions` splits each into its conjuncts as
written (``a and b and c``: three), compiles each for the transition's source states on the
table (`model.semantics.table.Table.condition`) and says which are false in a snapshot, with
the values of the names each reads. `Run.fire` says so when an event is not enabled now; the
explorer-based explanations (`model.analysis.explain`) ask it of every reachable snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from model.scenario import expr, walk
from model.scenario.compiled import CompiledTransition
from model.scenario.expr import Value
from model.semantics.compiler import Fn, parse
from model.semantics.rules import Key
from model.semantics.table import Table


@dataclass(frozen=True)
class Conjunct:
    """One conjunct of a transition's guard or of one of its requirements."""

    transition: int
    text: str  # as written
    condition: str  # the whole guard or requirement it is part of, as written
    requirement: int | None  # index into the transition's `requires` (None: the guard)
    by: str | None  # the party whose position the requirement is (None: none said)
    reads: tuple[str, ...]  # names it reads as written (derived quantities included), sorted
    depends: tuple[str, ...]  # names it reads with derived quantities written out, sorted
    quote: str | None  # the requirement's (or the transition's) quote, one line
    assumption: str | None

    @property
    def owner(self) -> str:
        """Whose condition it is, in words: "israel's position", "a requirement", "the guard"."""
        if self.requirement is None:
            return "the guard"
        return f"{self.by}'s position" if self.by else "a requirement"


def conjuncts_of(t: CompiledTransition) -> tuple[Conjunct, ...]:
    """The conjuncts of ``t``'s guard, then of each requirement, in order (a guard that is
    the constant true has none)."""
    out: list[Conjunct] = []
    spec = t.spec
    parts: list[tuple[int | None, str | bool | int]] = [(None, spec.guard)]
    parts += [(j, r.holds) for j, r in enumerate(spec.requires)]
    for j, condition in parts:
        text = expr.text_of(condition)
        if j is None and text.strip() == "true":
            continue
        source = spec if j is None else spec.requires[j]
        quote = None if source.quote is None else " ".join(source.quote.text.split())
        assumption = None if source.assumption is None else " ".join(source.assumption.split())
        for piece in walk.conjunct_texts(text):
            out.append(
                Conjunct(
                    transition=t.index,
                    text=piece,
                    condition=" ".join(text.split()),
                    requirement=j,
                    by=None if j is None else spec.requires[j].by,
                    reads=tuple(sorted(walk.names(parse(piece)))),
                    depends=(),
                    quote=quote,
                    assumption=assumption,
                )
            )
    return tuple(out)


class Conditions:
    """Every transition's conjuncts, compiled on demand for the states they are read in."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.scenario = table.scenario
        self._conjuncts: dict[int, tuple[Conjunct, ...]] = {}
        self._code: dict[tuple[int, int, int], Fn] = {}

    def of(self, index: int) -> tuple[Conjunct, ...]:
        """The conjuncts of transition ``index``, with the names each depends on (derived
        quantities written out)."""
        found = self._conjuncts.get(index)
        if found is None:
            t = self.scenario.transitions[index]
            found = tuple(
                _with_depends(c, walk.names(self.scenario.expand(parse(c.text))))
                for c in conjuncts_of(t)
            )
            self._conjuncts[index] = found
        return found

    def holds(self, key: Key, index: int, position: int) -> bool | None:
        """Whether conjunct ``position`` of transition ``index`` is true in snapshot ``key``
        (None: it cannot be evaluated there; the step's error says why)."""
        state = key[0]
        code = self._code.get((state, index, position))
        if code is None:
            tree = parse(self.of(index)[position].text)
            code = self._code[(state, index, position)] = self.table.condition(state, tree)
        try:
            return bool(code((*key[1], key[2], key[2] - key[3])))
        except ArithmeticError:
            return None

    def values(self, key: Key, c: Conjunct) -> dict[str, Value]:
        """The value of each name ``c`` reads, in snapshot ``key`` (tables left out)."""
        env = self.table.env(self.table.snapshot(key))
        out: dict[str, Value] = {}
        for name in c.reads:
            if name in self.scenario.tables:
                continue
            try:
                out[name] = env[name]
            except (KeyError, ArithmeticError):
                continue
        return out

    def false_now(self, key: Key, index: int) -> list[tuple[Conjunct, dict[str, Value]]]:
        """The conjuncts of transition ``index`` that are not true in ``key``, with values."""
        return [
            (c, self.values(key, c))
            for p, c in enumerate(self.of(index))
            if not self.holds(key, index, p)
        ]


def _with_depends(c: Conjunct, names: set[str]) -> Conjunct:
    return replace(c, depends=tuple(sorted(names)))


def describe_false(found: list[tuple[Conjunct, dict[str, Value]]]) -> str:
    """```not war_ended` (the guard: war_ended = true), ...`` for an error message."""
    parts = []
    for c, values in found:
        shown = ", ".join(f"{k} = {_show(v)}" for k, v in values.items())
        parts.append(f"`{c.text}` ({c.owner}" + (f": {shown})" if shown else ")"))
    return ", ".join(parts)


def _show(v: Value) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v) if isinstance(v, str) else str(v)


class NotEnabled(ValueError):
    """An event asked for that cannot happen now; ``false`` holds, for each transition it
    names whose source state the run is in, the conjuncts false now with their values."""

    def __init__(self, message: str, false: dict[str, list[tuple[Conjunct, dict[str, Value]]]]):
        super().__init__(message)
        self.false = false


def why_not(
    table: Table,
    key: Key,
    wanted: list[CompiledTransition],
    conditions: Conditions | None = None,
) -> NotEnabled:
    """Why none of ``wanted`` (the transitions an event names) can happen in ``key``, in
    words: the conjuncts false now with their values, or the rule that holds it back.
    ``conditions``: compiled conjuncts to reuse (asked of many snapshots, as the browser
    explorer's data does, compiling them once matters)."""
    if conditions is None:
        conditions = Conditions(table)
    state = table.states[key[0]]
    reasons: list[str] = []
    false: dict[str, list[tuple[Conjunct, dict[str, Value]]]] = {}
    for t in wanted:
        if state not in t.sources:
            reasons.append(f"{t.name} leaves only from {', '.join(t.sources)}")
            continue
        found = conditions.false_now(key, t.index)
        if found:
            false[t.name] = found
            reasons.append(f"{t.name}: false now: {describe_false(found)}")
        elif key[5] is not None:
            reasons.append(f"{t.name}: an activity is under way (days must pass first)")
        elif t.kind in ("scheduled", "deadline"):
            reasons.append(f"{t.name} is scheduled and not due now")
        elif t.kind == "risk":
            reasons.append(f"{t.name} is a risk: it can happen only as a day passes")
        else:
            reasons.append(
                f"{t.name}: its conditions hold, but its weight is 0 now or its days pass "
                "the horizon"
            )
    return NotEnabled("; ".join(reasons), false)
