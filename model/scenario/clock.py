"""How expressions read the clock, for scenarios without a horizon (a saturating clock).

Without a horizon, a phase such as "the ceasefire continues as long as talks continue" has
no last day, and a clock kept exactly would make the state space infinite. Where every
expression of a step compares the clock only with constants (numbers, parameters, the
stage's constant length), days beyond the largest of those constants cannot be told apart
by any step, so the explorer keeps the clock exactly only up to it (`model.semantics.table`,
``Table.saturate``; docs/semantics.md). This module finds each read of the clock in an
expression and what it is compared with; the loader refuses other reads when there is no
horizon, and the table computes the constants under the parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from model.scenario import expr, walk
from model.scenario.schema import ScenarioSpec
from model.scenario.yamlsource import Path_

CLOCK = ("day", "day_in_stage")
"""The clock names an expression may read."""

Read = tuple[str, expr.Expr | None]
"""A read of a clock name: the name, and the constant expression it is compared with (None:
read in another way, such as in arithmetic)."""


def clock_reads(
    e: expr.Expr, constant: Callable[[expr.Expr], bool], last_keys: Mapping[str, int]
) -> Iterator[Read]:
    """Each read of `CLOCK` in ``e``: in a comparison with an expression for which
    ``constant`` holds, with that expression; otherwise with None. A table read indexed by
    the clock itself (``releases[day_in_stage]``, ``upto(releases, day)``) compares it with
    the table's keys: beyond the last one (``last_keys``) every day reads the same."""
    match e:
        case expr.Name(id=n):
            if n in CLOCK:
                yield n, None
        case expr.Const():
            return
        case expr.Lookup(table=t, index=expr.Name(id=n)) if n in CLOCK:
            yield n, expr.Const(max(0, last_keys.get(t, 0)))
        case expr.Compare(left=a, comparators=cs):
            operands = (a, *cs)
            plain: set[int] = set()
            for i in range(len(cs)):
                x, y = operands[i], operands[i + 1]
                if _is_clock(x) and constant(y):
                    assert isinstance(x, expr.Name)
                    yield x.id, y
                    plain.add(i)
                elif _is_clock(y) and constant(x):
                    assert isinstance(y, expr.Name)
                    yield y.id, x
                    plain.add(i + 1)
            for i, x in enumerate(operands):
                if i not in plain:
                    yield from clock_reads(x, constant, last_keys)
        case _:
            for child in children(e):
                yield from clock_reads(child, constant, last_keys)


def children(e: expr.Expr) -> tuple[expr.Expr, ...]:
    """The sub-expressions of ``e``."""
    match e:
        case expr.Name() | expr.Const():
            return ()
        case expr.Unary(operand=x):
            return (x,)
        case expr.Binary(left=a, right=b):
            return (a, b)
        case expr.BoolOp(values=vs) | expr.Call(args=vs):
            return vs
        case expr.Compare(left=a, comparators=cs):
            return (a, *cs)
        case expr.IfExp(test=t, body=b, orelse=o):
            return (t, b, o)
        case expr.Lookup(index=i):
            return (i,)
    raise AssertionError(e)  # pragma: no cover


def _is_clock(e: expr.Expr) -> bool:
    return isinstance(e, expr.Name) and e.id in CLOCK


def unbounded_reads(
    spec: ScenarioSpec, derived: Mapping[str, expr.Expr]
) -> list[tuple[Path_, str]]:
    """Where a scenario without a horizon reads the clock in a way a saturating clock cannot
    keep (each with its place and the message); empty when the clock can be abstracted.

    ``derived`` are the derived quantities' trees, written out, as the table inlines them.
    """
    params = {p.id for p in spec.parameters}
    fixed = params | {"stage_days"}
    last_keys = {t.id: max((int(k) for k in t.rows), default=0) for t in spec.tables}

    def constant(e: expr.Expr) -> bool:
        return walk.names(e) <= fixed

    out: list[tuple[Path_, str]] = []
    for i, st in enumerate(spec.stages):
        if st.days is not None and not walk.names(_tree(st.days)) <= params:
            out.append(
                (
                    ("stages", i, "days"),
                    "the scenario has no horizon, so a stage's length must be a number or "
                    "read parameters only; give the scenario a horizon for a length that "
                    "reads variables",
                )
            )
    for path, text in step_expressions(spec):
        tree = walk.expand(_tree(text), derived) if derived else _tree(text)
        for name, compared in clock_reads(tree, constant, last_keys):
            if compared is None:
                out.append((path, _message(name)))
                break
    for i, t in enumerate(spec.transitions):
        timed = t.schedule or t.deadline
        if timed is not None and not constant(_tree(timed.when[1])):
            field = next(f for f in type(timed).model_fields if getattr(timed, f) is not None)
            section = "schedule" if t.schedule is not None else "deadline"
            out.append(
                (
                    ("transitions", i, section, field),
                    "the scenario has no horizon, so this day must be a number or read "
                    "parameters and stage_days only; give the scenario a horizon otherwise",
                )
            )
    return out


def _message(name: str) -> str:
    return (
        f"the scenario has no horizon, so the clock is kept exactly only up to the largest "
        f"day it is compared with; this expression reads {name!r} otherwise (in arithmetic, "
        "or compared with a variable): compare it with numbers or parameters only, or give "
        "the scenario a horizon"
    )


def _tree(text: str | bool | int) -> expr.Expr:
    return expr.parse(expr.text_of(text))


def step_expressions(spec: ScenarioSpec) -> Iterator[tuple[Path_, str | bool | int]]:
    """Every expression a step evaluates, with its place."""
    for i, t in enumerate(spec.transitions):
        base: Path_ = ("transitions", i)
        yield (*base, "guard"), t.guard
        for j, r in enumerate(t.requires):
            yield (*base, "requires", j, "holds"), r.holds
        for name, text in t.effects.items():
            yield (*base, "effects", name), text
        yield (*base, "weight"), t.weight
        yield (*base, "days"), t.days
        if t.risk is not None:
            yield (*base, "risk", "chance"), t.risk.chance
            yield (*base, "risk", "in"), t.risk.in_
    for i, inv in enumerate(spec.invariants):
        yield ("invariants", i, "holds"), inv.holds
