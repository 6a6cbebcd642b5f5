"""The expression language of guards, effects, weights, durations and invariants.

Expressions are data. Python's ``ast`` parses the text; a whitelist turns the parts we allow
into our own small tree; a type checker gives "did you mean" hints; evaluation walks closures
built from the tree. There is no ``eval``/``exec``, no attribute access, no calls except
``min``/``max``, no power operator, and integer literals are bounded.

Types: ``int``, ``bool`` and enumerations (a variable's declared set of names, written as
quoted strings: ``return_north == 'monitored'``). ``bool`` is never an ``int`` here.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from model.base.hints import Hints
from model.base.limits import MAX_EXPR_DEPTH as MAX_DEPTH
from model.base.limits import MAX_EXPR_LENGTH as MAX_LENGTH
from model.base.limits import MAX_LITERAL

Value = int | bool | str
Env = Mapping[str, Value]


@dataclass(frozen=True)
class EnumType:
    """An enumeration: a variable may take exactly these names."""

    name: str
    values: tuple[str, ...]

    def __str__(self) -> str:
        return f"enum {self.name} ({', '.join(self.values)})"


Type = str | EnumType  # "int", "bool" or an EnumType
INT = "int"
BOOL = "bool"
_LIT = "string"  # a quoted name before we know which enumeration it belongs to


class ExprError(Exception):
    """An expression is malformed or ill-typed; the message says what and where."""


class _Unknown(ExprError):
    """A name the type checker does not know; `typecheck` adds a "did you mean" hint."""

    def __init__(self, message: str, name: str, candidates: Collection[str]) -> None:
        super().__init__(message)
        self.message, self.name, self.candidates = message, name, candidates


# --- the tree ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Const:
    value: Value


@dataclass(frozen=True)
class Name:
    id: str


@dataclass(frozen=True)
class Unary:
    op: str  # "-", "not"
    operand: Expr


@dataclass(frozen=True)
class Binary:
    op: str  # + - * // %
    left: Expr
    right: Expr


@dataclass(frozen=True)
class BoolOp:
    op: str  # and / or
    values: tuple[Expr, ...]


@dataclass(frozen=True)
class Compare:
    left: Expr
    ops: tuple[str, ...]
    comparators: tuple[Expr, ...]


@dataclass(frozen=True)
class IfExp:
    test: Expr
    body: Expr
    orelse: Expr


@dataclass(frozen=True)
class Call:
    func: str  # min / max
    args: tuple[Expr, ...]


Expr = Const | Name | Unary | Binary | BoolOp | Compare | IfExp | Call

FUNCTIONS = ("min", "max")
CONSTANTS: dict[str, Value] = {"true": True, "false": False}

_BINOPS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.FloorDiv: "//",
    ast.Mod: "%",
}
_CMPOPS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_REFUSED: dict[type[ast.AST], str] = {
    ast.Pow: "the power operator ** is not allowed; write the multiplication out",
    ast.Div: "'/' is not allowed; use '//' for whole-number division",
    ast.Attribute: "attribute access ('.') is not allowed",
    ast.Subscript: "indexing ('[...]') is not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.NamedExpr: "':=' is not allowed",
}


def text_of(value: str | bool | int) -> str:
    """Expression text of a YAML value: ``true`` -> "true", ``3`` -> "3", strings as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse(text: str) -> Expr:
    """Parse expression text into the project's tree, refusing anything outside the language."""
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    if not text.isascii():
        # Names and enumeration values are ASCII; Python would read 'ｈeld' as 'held' (NFKC).
        char = next(c for c in text if not c.isascii())
        raise ExprError(
            f"character {char!r} (U+{ord(char):04X}) is not allowed: expressions are written "
            "in ASCII (names use a-z, 0-9 and _)"
        )
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"syntax error at column {exc.offset or 0}: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExprError("expression is too deeply nested") from None
    return _convert(tree.body, 0)


def _convert(node: ast.AST, depth: int) -> Expr:
    if depth > MAX_DEPTH:
        raise ExprError(f"expression is nested more than {MAX_DEPTH} levels deep")
    d = depth + 1
    match node:
        case ast.Constant(value=bool() as v):
            return Const(v)
        case ast.Constant(value=int() as v):
            if abs(v) > MAX_LITERAL:
                raise ExprError(f"integer literal {v} is larger than {MAX_LITERAL}")
            return Const(v)
        case ast.Constant(value=str() as v):
            return Const(v)
        case ast.Constant(value=v):
            raise ExprError(f"literal {v!r} is not allowed: only whole numbers, booleans, names")
        case ast.Name(id=name):
            if name in ("True", "False"):
                return Const(name == "True")
            if name in CONSTANTS:
                return Const(CONSTANTS[name])
            return Name(name)
        case ast.UnaryOp(op=ast.USub(), operand=operand):
            inner = _convert(operand, d)
            if isinstance(inner, Const) and type(inner.value) is int:
                return Const(-inner.value)
            return Unary("-", inner)
        case ast.UnaryOp(op=ast.UAdd(), operand=operand):
            return _convert(operand, d)
        case ast.UnaryOp(op=ast.Not(), operand=operand):
            return Unary("not", _convert(operand, d))
        case ast.BinOp(op=op, left=left, right=right) if type(op) in _BINOPS:
            return Binary(_BINOPS[type(op)], _convert(left, d), _convert(right, d))
        case ast.BoolOp(op=op, values=values):
            return BoolOp(
                "and" if isinstance(op, ast.And) else "or", tuple(_convert(v, d) for v in values)
            )
        case ast.Compare(left=left, ops=ops, comparators=comps):
            symbols = []
            for cop in ops:
                if type(cop) not in _CMPOPS:
                    raise ExprError(f"comparison {type(cop).__name__} is not allowed")
                symbols.append(_CMPOPS[type(cop)])
            return Compare(_convert(left, d), tuple(symbols), tuple(_convert(c, d) for c in comps))
        case ast.IfExp(test=test, body=body, orelse=orelse):
            return IfExp(_convert(test, d), _convert(body, d), _convert(orelse, d))
        case ast.Call(func=ast.Name(id=fname), args=args, keywords=keywords) if fname in FUNCTIONS:
            if keywords:
                raise ExprError(f"{fname}() takes no keyword arguments")
            if not args or any(isinstance(a, ast.Starred) for a in args):
                raise ExprError(f"{fname}() needs at least one argument (no *args)")
            return Call(fname, tuple(_convert(a, d) for a in args))
        case ast.Call(func=ast.Name(id=fname)):
            hint = Hints()(fname, FUNCTIONS)
            raise ExprError(f"function {fname!r} is not available; only min() and max(){hint}")
    if isinstance(node, ast.Call):
        node = node.func  # explain what is being called: an attribute, a lambda, ...
    for kind, message in _REFUSED.items():
        if isinstance(node, kind) or isinstance(getattr(node, "op", None), kind):
            raise ExprError(message)
    raise ExprError(f"{type(node).__name__} is not part of the expression language")


# --- types ---------------------------------------------------------------------------------


def _show(t: Type) -> str:
    return str(t)


def typecheck(
    expr: Expr,
    env: Mapping[str, Type],
    expected: Type | None = None,
    hints: Hints | None = None,
) -> Type:
    """Return the type of ``expr`` given the names in ``env``; raise `ExprError` if ill-typed.

    ``expected`` is the type the context needs (a variable's type for an effect); it is how a
    quoted name is checked against the enumeration it must belong to. ``hints`` is the
    budget of "did you mean" hints of the file being loaded.
    """
    try:
        t = _type(expr, env, expected if isinstance(expected, EnumType) else None)
    except _Unknown as exc:
        hint = (hints or Hints())(exc.name, exc.candidates)
        raise ExprError(exc.message + hint) from None
    if expected is not None:
        _require(t, expected, "the expression")
    return t


def _require(found: Type, expected: Type, what: str) -> None:
    if found != expected:
        raise ExprError(f"{what} should be {_show(expected)}, found {_show(found)}")


def _type(e: Expr, env: Mapping[str, Type], enum: EnumType | None = None) -> Type:
    """Type of ``e``; ``enum`` is the enumeration a quoted name here must belong to."""
    match e:
        case Const(value=bool()):
            return BOOL
        case Const(value=int()):
            return INT
        case Const(value=str() as v):
            if enum is None:
                return _LIT
            if v not in enum.values:
                raise _Unknown(f"{v!r} is not one of {enum.name}'s values", v, enum.values)
            return enum
        case Name(id=name):
            if name not in env:
                owners = [
                    t.name for t in env.values() if isinstance(t, EnumType) and name in t.values
                ]
                if owners:
                    raise ExprError(
                        f"unknown name {name!r}; to mean the value of {owners[0]}, quote it: "
                        f"'{name}' (in YAML: \"'{name}'\")"
                    )
                raise _Unknown(f"unknown name {name!r}", name, env.keys())
            return env[name]
        case Unary(op="-", operand=x):
            _require(_type(x, env), INT, "the operand of unary '-'")
            return INT
        case Unary(op="not", operand=x):
            _require(_type(x, env), BOOL, "the operand of 'not'")
            return BOOL
        case Binary(op=op, left=a, right=b):
            _require(_type(a, env), INT, f"the left operand of '{op}'")
            _require(_type(b, env), INT, f"the right operand of '{op}'")
            return INT
        case BoolOp(op=op, values=values):
            for item in values:
                _require(_type(item, env), BOOL, f"each operand of '{op}'")
            return BOOL
        case Compare(left=left, ops=ops, comparators=comps):
            items = (left, *comps)
            for op, lhs, rhs in zip(ops, items, items[1:]):
                _compare(op, lhs, rhs, env)
            return BOOL
        case IfExp(test=test, body=body, orelse=orelse):
            _require(_type(test, env), BOOL, "the condition of 'if ... else'")
            tb = _type(body, env, enum)
            to = _type(orelse, env, tb if isinstance(tb, EnumType) else enum)
            if tb == _LIT and isinstance(to, EnumType):
                tb = _type(body, env, to)
            if tb != to:
                raise ExprError(f"both branches of 'if ... else' must have one type: {tb}, {to}")
            return tb
        case Call(func=f, args=args):
            for a in args:
                _require(_type(a, env), INT, f"each argument of {f}()")
            return INT
    raise ExprError(f"cannot type {e!r}")  # pragma: no cover - the tree is closed


def _compare(op: str, a: Expr, b: Expr, env: Mapping[str, Type]) -> None:
    if op in ("<", "<=", ">", ">="):
        _require(_type(a, env), INT, f"the left side of '{op}'")
        _require(_type(b, env), INT, f"the right side of '{op}'")
        return
    ta = _type(a, env)
    tb = _type(b, env, ta if isinstance(ta, EnumType) else None)
    if ta == _LIT and isinstance(tb, EnumType):
        ta = _type(a, env, tb)
    if ta == _LIT and tb == _LIT:
        raise ExprError(f"'{op}' compares two quoted names; compare a variable with a name")
    if ta != tb:
        raise ExprError(f"'{op}' compares {_show(ta)} with {_show(tb)}")


def names(e: Expr) -> set[str]:
    """The variable and parameter names an expression reads."""
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
    raise AssertionError(e)  # pragma: no cover


def size(e: Expr) -> tuple[int, int]:
    """The number of nodes of ``e`` and its depth (bounds the expansion of derived names)."""
    match e:
        case Name() | Const():
            return 1, 1
        case Unary(operand=x):
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
    parameters and literals all are): checked when a scenario loads, so that evaluation
    never builds huge numbers."""
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


# --- evaluation ----------------------------------------------------------------------------

Compiled = Callable[[Env], Value]


def _floordiv(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in '//'")
    return a // b


def _mod(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError("division by zero in '%'")
    return a % b


_ARITH: dict[str, Callable[[int, int], int]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "//": _floordiv,
    "%": _mod,
}
_CMP: dict[str, Callable[[Value, Value], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,  # type: ignore[operator]
    "<=": lambda a, b: a <= b,  # type: ignore[operator]
    ">": lambda a, b: a > b,  # type: ignore[operator]
    ">=": lambda a, b: a >= b,  # type: ignore[operator]
}


def compile_expr(e: Expr) -> Compiled:
    """Turn a (type-checked) tree into a function of the environment.

    Raises ``ZeroDivisionError`` at run time for a zero divisor; callers turn it into an
    `EvaluationError` that names the transition.
    """
    match e:
        case Const(value=v):
            return lambda env: v
        case Name(id=n):
            return lambda env: env[n]
        case Unary(op="-", operand=x):
            fx = compile_expr(x)
            return lambda env: -fx(env)  # type: ignore[operator]
        case Unary(op="not", operand=x):
            fx = compile_expr(x)
            return lambda env: not fx(env)
        case Binary(op=op, left=a, right=b):
            fa, fb, f = compile_expr(a), compile_expr(b), _ARITH[op]
            return lambda env: f(fa(env), fb(env))  # type: ignore[arg-type]
        case BoolOp(op="and", values=vs):
            fs = tuple(compile_expr(v) for v in vs)
            return lambda env: all(f(env) for f in fs)
        case BoolOp(op="or", values=vs):
            fs = tuple(compile_expr(v) for v in vs)
            return lambda env: any(f(env) for f in fs)
        case Compare(left=a, ops=ops, comparators=cs):
            fs = tuple(compile_expr(x) for x in (a, *cs))
            cmps = tuple(_CMP[op] for op in ops)

            def compare(env: Env) -> bool:
                left = fs[0](env)
                for cmp, f in zip(cmps, fs[1:]):
                    right = f(env)
                    if not cmp(left, right):
                        return False
                    left = right
                return True

            return compare
        case IfExp(test=t, body=b, orelse=o):
            ft, fb, fo = compile_expr(t), compile_expr(b), compile_expr(o)
            return lambda env: fb(env) if ft(env) else fo(env)
        case Call(func=f, args=args):
            fs = tuple(compile_expr(a) for a in args)
            agg = min if f == "min" else max
            return lambda env: agg(g(env) for g in fs)
    raise AssertionError(e)  # pragma: no cover


def render(e: Expr) -> str:
    """Source text for a tree (fully parenthesised where precedence could mislead)."""
    match e:
        case Const(value=bool() as v):
            return "true" if v else "false"
        case Const(value=str() as v):
            return repr(v)
        case Const(value=v):
            return str(v)
        case Name(id=n):
            return n
        case Unary(op="not", operand=x):
            return f"(not ({render(x)}))"
        case Unary(op=op, operand=x):
            return f"{op}({render(x)})"
        case Binary(op=op, left=a, right=b):
            return f"({render(a)} {op} {render(b)})"
        case BoolOp(op=op, values=vs):
            return "(" + f" {op} ".join(render(v) for v in vs) + ")"
        case Compare(left=a, ops=ops, comparators=cs):
            parts = [render(a)]
            for op, c in zip(ops, cs):
                parts += [op, render(c)]
            return "(" + " ".join(parts) + ")"
        case IfExp(test=t, body=b, orelse=o):
            return f"({render(b)} if {render(t)} else {render(o)})"
        case Call(func=f, args=args):
            return f"{f}({', '.join(render(a) for a in args)})"
    raise AssertionError(e)  # pragma: no cover
