"""Scenario expressions compiled into closures over positional slots.

A run's variables and clock are one flat tuple ``x = (*values, day, day_in_stage)``; a
`Compiler` knows which slot each variable reads and which names are constants (parameters and a
stage's ``stage_days``), and turns a `model.scenario.expr` tree (parsed from the scenario's own
expression texts; nothing is evaluated from source text) into a `Code`: a function of ``x``,
with constants folded (``progress_weight`` becomes a plain integer, ``not israel_accepts``
becomes ``lambda x: not x[0]``) and the commonest shapes specialised. Evaluation order and
errors are the engine's (`model.scenario.expr`): the same operands are evaluated in the same
order and a division by zero raises when evaluated, not when compiled. A derived quantity is
inlined where it is read (macro expansion: it costs nothing more than its expression written
out, and is not in ``x``). A read of a schedule table is a dictionary look-up, a running
total (``upto``) a binary search in the precomputed running totals of its rows; both fold to
a constant when the index is constant. Used by the compiled transition table
(`model.semantics.table`).
"""

from __future__ import annotations

import operator
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from model.scenario import expr
from model.scenario.expr import Value

Fn = Callable[[Sequence[Any]], Any]
"""A compiled expression: a function of ``x = (*values, day, day_in_stage)``."""


@dataclass(frozen=True, slots=True)
class Code:
    """A compiled expression with what the compiler knows about it."""

    fn: Fn
    const: bool = False  # fn ignores x and returns `value`
    value: Any = None
    slot: int = -1  # >= 0: fn is a plain read of x[slot]
    raises: bool = False  # may raise ZeroDivisionError


def _constant(value: Any) -> Code:
    return Code(lambda x: value, const=True, value=value)


def _read(i: int) -> Code:
    return Code(operator.itemgetter(i), slot=i)


def _floordiv(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in '//'")  # the engine's message
    return a // b


def _mod(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in '%'")
    return a % b


_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "//": _floordiv,
    "%": _mod,
}
_SAFE_DIV: dict[str, Callable[[Any, Any], Any]] = {"//": operator.floordiv, "%": operator.mod}
_CMP: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _binary(op: Callable[[Any, Any], Any], a: Code, b: Code, raises: bool) -> Code:
    """``op(a, b)``: folded when both sides are constant, specialised for slots and constants."""
    if a.const and b.const:
        try:
            return _constant(op(a.value, b.value))
        except ZeroDivisionError:
            pass  # raise when evaluated, as the engine does
    fa, fb = a.fn, b.fn
    i, j, u, v = a.slot, b.slot, a.value, b.value
    fn: Fn
    if i >= 0 and b.const:
        fn = lambda x: op(x[i], v)  # noqa: E731
    elif i >= 0 and j >= 0:
        fn = lambda x: op(x[i], x[j])  # noqa: E731
    elif a.const and j >= 0:
        fn = lambda x: op(u, x[j])  # noqa: E731
    elif b.const:
        fn = lambda x: op(fa(x), v)  # noqa: E731
    elif a.const:
        fn = lambda x: op(u, fb(x))  # noqa: E731
    else:
        fn = lambda x: op(fa(x), fb(x))  # noqa: E731
    return Code(fn, raises=raises)


def _compare_slot_const(op: str, i: int, c: Any) -> Fn | None:
    """The commonest guard shapes (``v > 0``, ``v == 'name'``) without an operator call."""
    match op:
        case "==":
            return lambda x: x[i] == c
        case "!=":
            return lambda x: x[i] != c
        case "<":
            return lambda x: x[i] < c
        case "<=":
            return lambda x: x[i] <= c
        case ">":
            return lambda x: x[i] > c
        case ">=":
            return lambda x: x[i] >= c
    return None  # pragma: no cover - the comparison operators are closed


@lru_cache(maxsize=4096)
def parse(value: str | bool | int) -> expr.Expr:
    """The tree of an expression text (or a YAML boolean or integer), parsed once per text:
    trees are immutable, and parsing was half the time of compiling a table (a `Run` compiles
    one, so a short run paid it again and again)."""
    return expr.parse(expr.text_of(value))


class Through(ArithmeticError):
    """An expression failed inside derived quantities: ``chain`` is the one it read, then
    the ones read in turn down to the one whose own expression raised ``cause``."""

    def __init__(self, chain: tuple[str, ...], cause: ArithmeticError) -> None:
        super().__init__(str(cause))
        self.chain, self.cause = chain, cause


class Compiler:
    """Compiles `model.scenario.expr` trees to `Code` for one environment of slots and
    constants, inlining the ``derived`` quantities' trees (each as written; the names they read
    are inlined in turn).

    With ``trace`` (only on the path that builds errors) each inlined derived quantity
    re-raises an error as `Through`, naming the derived quantities it was reached through.
    """

    def __init__(
        self,
        slots: Mapping[str, int],
        constants: Mapping[str, Value],
        derived: Mapping[str, expr.Expr] | None = None,
        *,
        tables: Mapping[str, expr.TableRows] | None = None,
        trace: bool = False,
    ) -> None:
        self.slots = slots
        self.constants = constants
        self.derived = derived or {}
        self.tables = tables or {}
        self.trace = trace
        self._readers: dict[tuple[str, str | None, bool], Callable[[int], int]] = {}

    def traced(self) -> Compiler:
        """This compiler, tracing errors through derived quantities."""
        return Compiler(self.slots, self.constants, self.derived, tables=self.tables, trace=True)

    def text(self, value: str | bool | int) -> Code:
        return self.tree(parse(value))

    def tree(self, e: expr.Expr) -> Code:
        match e:
            case expr.Const(value=v):
                return _constant(v)
            case expr.Name(id=n):
                if n in self.constants:
                    return _constant(self.constants[n])
                if n in self.derived:
                    return self._derived(n)
                return _read(self.slots[n])
            case expr.Unary(op="-", operand=operand):
                a = self.tree(operand)
                if a.const:
                    return _constant(-a.value)
                fa = a.fn
                return Code(lambda x: -fa(x), raises=a.raises)
            case expr.Unary(op="not", operand=operand):
                a = self.tree(operand)
                if a.const:
                    return _constant(not a.value)
                fa = a.fn
                return Code(lambda x: not fa(x), raises=a.raises)
            case expr.Binary(op=op, left=left, right=right):
                a, b = self.tree(left), self.tree(right)
                fn = _ARITH[op]
                divides = op in _SAFE_DIV
                if divides and b.const and b.value != 0:
                    fn, divides = _SAFE_DIV[op], False
                return _binary(fn, a, b, a.raises or b.raises or divides)
            case expr.Compare(left=left, ops=ops, comparators=comparators):
                return self._compare(left, ops, comparators)
            case expr.BoolOp(op=op, values=values):
                return self._boolop(op == "and", [self.tree(v) for v in values])
            case expr.IfExp(test=test, body=body, orelse=orelse):
                t, b, o = self.tree(test), self.tree(body), self.tree(orelse)
                if t.const:
                    return b if t.value else o
                ft, fb, fo = t.fn, b.fn, o.fn
                return Code(
                    lambda x: fb(x) if ft(x) else fo(x), raises=t.raises or b.raises or o.raises
                )
            case expr.Call(func=func, args=args):
                codes = [self.tree(a) for a in args]
                agg = min if func == "min" else max
                raises = any(c.raises for c in codes)
                if all(c.const for c in codes):
                    return _constant(agg(c.value for c in codes))
                if len(codes) == 1:
                    return codes[0]
                if len(codes) == 2:
                    return _binary(agg, codes[0], codes[1], raises)
                fs = tuple(c.fn for c in codes)
                return Code(lambda x: agg([f(x) for f in fs]), raises=raises)
            case expr.Lookup(table=table, index=index, column=column, running=running):
                code = self.tree(index)
                read = self._reader(table, column, running)
                if code.const:
                    return _constant(read(code.value))
                fi, i = code.fn, code.slot
                if i >= 0:
                    return Code(lambda x: read(x[i]))
                return Code(lambda x: read(fi(x)), raises=code.raises)
        raise AssertionError(e)  # pragma: no cover - the tree is closed

    def _reader(self, table: str, column: str | None, running: bool) -> Callable[[int], int]:
        """The function of the index that reads ``table`` (a column of it; its running total),
        built once per compiler."""
        key = (table, column, running)
        if key not in self._readers:
            self._readers[key] = _reader(self.tables[table], column, running)
        return self._readers[key]

    def _derived(self, name: str) -> Code:
        code = self.tree(self.derived[name])
        if not self.trace or code.const:
            return code
        fn = code.fn

        def through(x: Sequence[Any]) -> Any:
            try:
                return fn(x)
            except Through as exc:
                raise Through((name, *exc.chain), exc.cause) from None
            except ArithmeticError as exc:
                raise Through((name,), exc) from None

        return Code(through, raises=code.raises)

    def _compare(
        self, left: expr.Expr, ops: tuple[str, ...], comparators: tuple[expr.Expr, ...]
    ) -> Code:
        codes = [self.tree(c) for c in (left, *comparators)]
        raises = any(c.raises for c in codes)
        if len(ops) == 1:
            a, b = codes
            if a.slot >= 0 and b.const:
                fn = _compare_slot_const(ops[0], a.slot, b.value)
                if fn is not None:
                    return Code(fn)
            return _binary(_CMP[ops[0]], a, b, raises)
        # A chain: each operand evaluated once, left to right, stopping at the first false.
        fs = tuple(c.fn for c in codes)
        cmps = tuple(_CMP[op] for op in ops)
        pairs = tuple(zip(cmps, fs[1:]))
        first = fs[0]

        def chain(x: Sequence[Any]) -> bool:
            lhs = first(x)
            for cmp, f in pairs:
                rhs = f(x)
                if not cmp(lhs, rhs):
                    return False
                lhs = rhs
            return True

        return Code(chain, raises=raises)

    @staticmethod
    def _boolop(conjunction: bool, codes: list[Code]) -> Code:
        """``and``/``or`` with the engine's short-circuit order; constants folded away."""
        kept: list[Code] = []
        for c in codes:
            if c.const:
                if bool(c.value) == conjunction:
                    continue  # `true and ...`, `false or ...`: no effect
                decided = _constant(not conjunction)
                if not any(k.raises for k in kept):
                    return decided
                kept.append(decided)  # earlier operands still run (and may raise)
                break
            kept.append(c)
        if not kept:
            return _constant(conjunction)
        if len(kept) == 1:
            return kept[0]
        raises = any(k.raises for k in kept)
        fs = tuple(k.fn for k in kept)
        if len(fs) == 2:
            fa, fb = fs
            if conjunction:
                return Code(lambda x: bool(fa(x)) and bool(fb(x)), raises=raises)
            return Code(lambda x: bool(fa(x)) or bool(fb(x)), raises=raises)
        if conjunction:

            def all_of(x: Sequence[Any]) -> bool:
                for f in fs:  # noqa: SIM110 - a loop is faster than all() over a generator
                    if not f(x):
                        return False
                return True

            return Code(all_of, raises=raises)

        def any_of(x: Sequence[Any]) -> bool:
            for f in fs:  # noqa: SIM110 - a loop is faster than any() over a generator
                if f(x):
                    return True
            return False

        return Code(any_of, raises=raises)


def _reader(table: expr.TableRows, column: str | None, running: bool) -> Callable[[int], int]:
    """A table read as a function of the index: a dict look-up with the table's default, or
    (``running``) the running total of the rows whose key is at most the index, found by
    binary search in the sorted keys (0 below the first key, the total beyond the last)."""
    col = table.columns.index(column) if column is not None else 0
    if not running:
        values = {k: row[col] for k, row in table.rows.items()}
        default = table.default
        return lambda i: values.get(i, default)
    keys = sorted(table.rows)
    totals = [0]
    for k in keys:
        totals.append(totals[-1] + table.rows[k][col])
    return lambda i: totals[bisect_right(keys, i)]
