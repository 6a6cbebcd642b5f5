"""The expression language of guards, effects, weights, durations and invariants.

Expressions are data. Python's ``ast`` parses the text; a whitelist turns the parts we allow
into our own small tree; a type checker gives "did you mean" hints; evaluation walks closures
built from the tree. There is no ``eval``/``exec``, no attribute access, no calls except
``min``/``max``/``upto``, no power operator, and integer literals are bounded.

A schedule table (``tables:``) is read by subscript: ``releases[day_in_stage]``, a column
``releases[day_in_stage, 'civilians']``, and the running total ``upto(releases, day)`` (the
sum of the listed rows whose key is at most the index). Walks that read no values (names read,
size, digits) are in `model.scenario.walk`.

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


@dataclass(frozen=True)
class TableType:
    """A schedule table: read only by subscript or ``upto``, never as a value."""

    name: str
    columns: tuple[str, ...]  # () for a table of one unnamed column

    def __str__(self) -> str:
        return f"table {self.name}"


@dataclass(frozen=True)
class TableRows:
    """A table's data for evaluation: each listed key's values (one per column, in the order
    of ``columns``; a column a row leaves out holds the default) and the default of the keys
    not listed."""

    columns: tuple[str, ...]
    rows: Mapping[int, tuple[int, ...]]
    default: int


Type = str | EnumType | TableType  # "int", "bool", an EnumType, or a table (not a value)
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


@dataclass(frozen=True)
class Lookup:
    """A read of a table: ``table[index]`` / ``table[index, 'column']``, or with ``running``
    ``upto(table, index[, 'column'])``."""

    table: str
    index: Expr
    column: str | None = None
    running: bool = False


Expr = Const | Name | Unary | Binary | BoolOp | Compare | IfExp | Call | Lookup

FUNCTIONS = ("min", "max")
UPTO = "upto"
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
    ast.Subscript: "only a table is indexed, by its name: name[index] or name[index, 'column']",
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
    if "#" in text:
        # Python would read the rest of the line as a comment: in a folded block (`>`) that
        # silently drops the rest of the expression, since YAML keeps a '#' there as text.
        raise ExprError(
            "'#' is not part of the expression language (inside a YAML block `>` or `|` it "
            "is text, not a comment): put the comment on a line of its own above the field"
        )
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        at, hint = f"column {exc.offset or 0}", ""
        if "\n" in text.strip():  # a literal block `|` keeps its line breaks
            at = f"line {exc.lineno}, {at}"
            hint = " (the expression has line breaks: write it as a folded block `>-`)"
        raise ExprError(f"syntax error at {at}: {exc.msg}{hint}") from None
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
        case ast.Call(func=ast.Name(id="upto"), args=args, keywords=keywords):
            return _upto(args, keywords, d)
        case ast.Subscript(value=ast.Name(id=table), slice=index):
            return _subscript(table, index, d)
        case ast.Call(func=ast.Name(id=fname)):
            hint = Hints()(fname, (*FUNCTIONS, UPTO))
            raise ExprError(
                f"function {fname!r} is not available; only min(), max() and upto(){hint}"
            )
    if isinstance(node, ast.Call):
        node = node.func  # explain what is being called: an attribute, a lambda, ...
    for kind, message in _REFUSED.items():
        if isinstance(node, kind) or isinstance(getattr(node, "op", None), kind):
            raise ExprError(message)
    raise ExprError(f"{type(node).__name__} is not part of the expression language")


def _column(node: ast.AST, where: str) -> str:
    """A column name: a quoted name."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    raise ExprError(f"{where} is a column name in quotes, such as 'civilians'")


def _subscript(table: str, index: ast.AST, depth: int) -> Lookup:
    """``table[index]`` or ``table[index, 'column']``."""
    if isinstance(index, ast.Slice) or (
        isinstance(index, ast.Tuple) and any(isinstance(x, ast.Slice) for x in index.elts)
    ):
        raise ExprError(f"slices are not allowed; read one key: {table}[index]")
    if isinstance(index, ast.Tuple):
        if len(index.elts) != 2:
            raise ExprError(
                f"{table}[...] takes an index and at most one column, found {len(index.elts)} "
                f"items: write {table}[index] or {table}[index, 'column']"
            )
        column = _column(index.elts[1], f"the second item of {table}[...]")
        return Lookup(table, _convert(index.elts[0], depth), column)
    return Lookup(table, _convert(index, depth))


def _upto(args: list[ast.expr], keywords: list[ast.keyword], depth: int) -> Lookup:
    """``upto(table, index)`` or ``upto(table, index, 'column')``."""
    if keywords or any(isinstance(a, ast.Starred) for a in args):
        raise ExprError("upto() takes no keyword arguments and no *args")
    if len(args) not in (2, 3):
        raise ExprError(
            f"upto() takes a table, an index and optionally a column, found {len(args)} "
            "arguments: upto(table, index) or upto(table, index, 'column')"
        )
    if not isinstance(args[0], ast.Name):
        raise ExprError("the first argument of upto() is a table's name")
    column = _column(args[2], "the third argument of upto()") if len(args) == 3 else None
    return Lookup(args[0].id, _convert(args[1], depth), column, running=True)


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
            if isinstance(env[name], TableType):
                raise ExprError(
                    f"{name!r} is a table, not a value: read it as {name}[index] or "
                    f"upto({name}, index)"
                )
            return env[name]
        case Lookup():
            return _lookup(e, env)
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


def _lookup(e: Lookup, env: Mapping[str, Type]) -> Type:
    """The type of a table read (int), after checking the table, its column and the index."""
    table = env.get(e.table)
    read = f"upto({e.table}, ...)" if e.running else f"{e.table}[...]"
    if table is None:
        tables = [n for n, t in env.items() if isinstance(t, TableType)]
        raise _Unknown(f"unknown table {e.table!r} in {read}", e.table, tables)
    if not isinstance(table, TableType):
        raise ExprError(f"{e.table!r} is {_show(table)}, not a table: {read} reads a table")
    column = f", '{table.columns[0]}'" if table.columns else ""
    usage = f"upto({e.table}, index{column})" if e.running else f"{e.table}[index{column}]"
    if table.columns and e.column is None:
        raise ExprError(f"table {e.table!r} has columns {', '.join(table.columns)}: {usage}")
    if not table.columns and e.column is not None:
        raise ExprError(f"table {e.table!r} has no named columns: read it as {usage}")
    if e.column is not None and e.column not in table.columns:
        raise _Unknown(f"table {e.table!r} has no column {e.column!r}", e.column, table.columns)
    _require(_type(e.index, env), INT, f"the index of {read}")
    return INT


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


def compile_expr(e: Expr, tables: Mapping[str, TableRows] | None = None) -> Compiled:
    """Turn a (type-checked) tree into a function of the environment.

    Raises ``ZeroDivisionError`` at run time for a zero divisor; callers turn it into an
    `EvaluationError` that names the transition. ``tables`` holds the data of the tables the
    expression reads.
    """
    tables = tables or {}
    match e:
        case Const(value=v):
            return lambda env: v
        case Name(id=n):
            return lambda env: env[n]
        case Unary(op="-", operand=x):
            fx = compile_expr(x, tables)
            return lambda env: -fx(env)  # type: ignore[operator]
        case Unary(op="not", operand=x):
            fx = compile_expr(x, tables)
            return lambda env: not fx(env)
        case Binary(op=op, left=a, right=b):
            fa, fb, f = compile_expr(a, tables), compile_expr(b, tables), _ARITH[op]
            return lambda env: f(fa(env), fb(env))  # type: ignore[arg-type]
        case BoolOp(op="and", values=vs):
            fs = tuple(compile_expr(v, tables) for v in vs)
            return lambda env: all(f(env) for f in fs)
        case BoolOp(op="or", values=vs):
            fs = tuple(compile_expr(v, tables) for v in vs)
            return lambda env: any(f(env) for f in fs)
        case Compare(left=a, ops=ops, comparators=cs):
            fs = tuple(compile_expr(x, tables) for x in (a, *cs))
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
            ft, fb, fo = compile_expr(t, tables), compile_expr(b, tables), compile_expr(o, tables)
            return lambda env: fb(env) if ft(env) else fo(env)
        case Call(func=f, args=args):
            fs = tuple(compile_expr(a, tables) for a in args)
            agg = min if f == "min" else max
            return lambda env: agg(g(env) for g in fs)
        case Lookup(table=name, index=index, column=column, running=running):
            return _read_table(tables[name], compile_expr(index, tables), column, running)
    raise AssertionError(e)  # pragma: no cover


def _read_table(table: TableRows, index: Compiled, column: str | None, running: bool) -> Compiled:
    """A table read, written plainly (a scan of the rows for a running total): the tests'
    reference evaluates with these closures, independently of the compiled table's look-ups
    (`model.semantics.compiler`)."""
    col = table.columns.index(column) if column is not None else 0

    def read(env: Env) -> int:
        key = index(env)
        assert type(key) is int  # the type checker saw to it
        return table.rows[key][col] if key in table.rows else table.default

    def upto(env: Env) -> int:
        key = index(env)
        assert type(key) is int
        return sum(row[col] for k, row in table.rows.items() if k <= key)

    return upto if running else read


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
        case Lookup(table=t, index=i, column=c, running=running):
            column = "" if c is None else f", {c!r}"
            return f"upto({t}, {render(i)}{column})" if running else f"{t}[{render(i)}{column}]"
    raise AssertionError(e)  # pragma: no cover
