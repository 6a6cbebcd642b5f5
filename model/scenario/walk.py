"""Walks over expression trees (`model.scenario.expr`) that read no values: the names an
expression reads, derived quantities written out in it, its size and the digits of the
largest number it can compute (both checked when a scenario loads), and the conjuncts of a
condition as written."""

from __future__ import annotations

import ast
from collections.abc import Mapping

from model.base.limits import MAX_LITERAL, MAX_TABLE_ROWS
from model.scenario import expr
from model.scenario.expr import (
    Binary,
    BoolOp,
    Call,
    Compare,
    Const,
    Expr,
    IfExp,
    Lookup,
    Name,
    Unary,
)
from model.scenario.schema import EnumVariable, ScenarioSpec


def names(e: Expr) -> set[str]:
    """The variable, parameter, derived and table names an expression reads."""
    match e:
        case Name(id=n):
            return {n}
        case Const():
            return set()
        case Unary(operand=x):
            return names(x)
        case Binary(left=a, right=b):
            return names(a) | names(b)
        case BoolOp(values=vs) | Call(args=vs):
            return set().union(*(names(v) for v in vs))
        case Compare(left=a, comparators=cs):
            return names(a).union(*(names(c) for c in cs))
        case IfExp(test=t, body=b, orelse=o):
            return names(t) | names(b) | names(o)
        case Lookup(table=t, index=i):
            return {t} | names(i)
    raise AssertionError(e)  # pragma: no cover


def expand(e: Expr, definitions: Mapping[str, Expr]) -> Expr:
    """``e`` with each name in ``definitions`` replaced by its tree (macro expansion of derived
    quantities; the definitions must be expanded already, so one pass is enough)."""
    match e:
        case Name(id=n):
            return definitions.get(n, e)
        case Const():
            return e
        case Unary(op=op, operand=x):
            return Unary(op, expand(x, definitions))
        case Binary(op=op, left=a, right=b):
            return Binary(op, expand(a, definitions), expand(b, definitions))
        case BoolOp(op=op, values=vs):
            return BoolOp(op, tuple(expand(v, definitions) for v in vs))
        case Call(func=f, args=vs):
            return Call(f, tuple(expand(v, definitions) for v in vs))
        case Compare(left=a, ops=ops, comparators=cs):
            return Compare(expand(a, definitions), ops, tuple(expand(c, definitions) for c in cs))
        case IfExp(test=t, body=b, orelse=o):
            return IfExp(expand(t, definitions), expand(b, definitions), expand(o, definitions))
        case Lookup(table=t, index=i, column=c, running=r):
            return Lookup(t, expand(i, definitions), c, r)
    raise AssertionError(e)  # pragma: no cover


def size(e: Expr) -> tuple[int, int]:
    """The number of nodes of ``e`` and its depth (bounds the expansion of derived names)."""
    match e:
        case Name() | Const():
            return 1, 1
        case Unary(operand=x) | Lookup(index=x):
            parts = [x]
        case Binary(left=a, right=b):
            parts = [a, b]
        case BoolOp(values=vs) | Call(args=vs):
            parts = list(vs)
        case Compare(left=a, comparators=cs):
            parts = [a, *cs]
        case IfExp(test=t, body=b, orelse=o):
            parts = [t, b, o]
        case _:  # pragma: no cover - the tree is closed
            raise AssertionError(e)
    sizes = [size(p) for p in parts]
    return 1 + sum(n for n, _ in sizes), 1 + max(d for _, d in sizes)


def max_digits(e: Expr) -> int:
    """Decimal digits the largest number computed in ``e`` (its value or any part of it) can
    need, each name standing for a value of at most `MAX_LITERAL` (variable bounds,
    parameters, literals and table cells all are; a running total of a table for at most
    `MAX_TABLE_ROWS` of them): checked when a scenario loads, so that evaluation never builds
    huge numbers."""
    return _digits(e)[1]


def _digits(e: Expr) -> tuple[int, int]:
    """Digits of the value of ``e``, and the most digits of any value computed inside it."""
    match e:
        case Const(value=int() as v) if not isinstance(v, bool):
            n = len(str(abs(v)))
            return n, n
        case Const():
            return 1, 1
        case Name():
            n = len(str(MAX_LITERAL))
            return n, n
        case Lookup(index=i, running=running):
            n = len(str(MAX_LITERAL * (MAX_TABLE_ROWS if running else 1)))
            return n, max(n, _digits(i)[1])
        case Unary(op="-", operand=x):
            return _digits(x)
        case Binary(op=op, left=a, right=b):
            (da, sa), (db, sb) = _digits(a), _digits(b)
            value = {"*": da + db, "//": da, "%": db}.get(op, max(da, db) + 1)
            return value, max(value, sa, sb)
        case IfExp(test=t, body=b, orelse=o):
            (_, st), (db, sb), (do, so) = _digits(t), _digits(b), _digits(o)
            return max(db, do), max(st, sb, so)
        case Call(args=args):
            parts = [_digits(a) for a in args]
            return max(d for d, _ in parts), max(s for _, s in parts)
        case Unary(operand=x):
            return 1, _digits(x)[1]
        case BoolOp(values=items) | Compare(comparators=items):
            seen = [_digits(x)[1] for x in items]
            if isinstance(e, Compare):
                seen.append(_digits(e.left)[1])
            return 1, max(seen)
    raise AssertionError(e)  # pragma: no cover - the tree is closed


def conjunct_texts(text: str) -> list[str]:
    """The conjuncts of a condition as written: ``a and (b and c)`` -> ["a", "b", "c"]; a
    condition that is no conjunction is its own one conjunct. Explanations name the conjunct
    that is false (`model.semantics.why`); the text was checked when the scenario loaded."""
    source = text.strip()
    tree = ast.parse(source, mode="eval").body
    out: list[str] = []

    def split(node: ast.expr) -> None:
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
            for value in node.values:
                split(value)
            return
        segment = ast.get_source_segment(source, node)
        out.append(" ".join((segment or source).split()))

    split(tree)
    return out


def spec_reads(spec: ScenarioSpec, *, weights: bool = True) -> set[str]:
    """Every name read by some expression of the scenario; without ``weights``, leaving out
    what only transitions' weights read (relative weights are simulation settings, not terms
    of a proposal: the state diagram's caption leaves those parameters out)."""
    texts: list[str | bool | int] = []
    for t in spec.transitions:
        texts += [t.guard, t.days, *t.effects.values()]
        texts += [t.weight] if weights else []
        texts += [r.holds for r in t.requires]
        timed = t.schedule or t.deadline
        if timed is not None:
            texts.append(timed.when[1])
        if t.risk is not None:
            texts += [t.risk.chance, t.risk.in_]
    texts += [i.holds for i in spec.invariants]
    texts += [v.initial for v in spec.variables if not isinstance(v, EnumVariable)]
    texts += [s.days for s in spec.stages if s.days is not None]
    texts += [d.value for d in spec.derived]
    read: set[str] = set()
    for text in texts:
        read |= names(expr.parse(expr.text_of(text)))
    return read
