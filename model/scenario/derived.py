"""Derived quantities checked when a scenario loads: their order, cycles, types and size.

A derived quantity reads variables, parameters, ``day``, ``day_in_stage`` and other derived
quantities (not ``stage_days``: it is read the same way in every state, by invariants and
reports too). Its meaning is its expression written out where it is read (`walk.expand`); the
compiled table inlines it so, and expressions are measured so (`measure`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from model.base.hints import Hints
from model.base.limits import (
    MAX_EXPANDED_DEPTH,
    MAX_EXPANDED_SIZE,
    MAX_LITERAL,
    MAX_VALUE_DIGITS,
)
from model.scenario import expr, walk
from model.scenario.schema import Derived
from model.scenario.yamlsource import Path_

Fail = Callable[[Path_, str], None]


def check_derived(
    items: Sequence[Derived],
    env: Mapping[str, expr.Type],
    tables: Mapping[str, expr.TableRows],
    hints: Hints,
    fail: Fail,
) -> tuple[dict[str, tuple[expr.Type, expr.Compiled]], dict[str, expr.Expr]]:
    """Type and compile each derived quantity over ``env`` (reading the data of ``tables``),
    each after those it reads
    (declaration order where free); report every problem through ``fail``.

    Returns the type and closure of each one that passed, and its tree with the derived
    quantities it reads written out. Quantities that fail, or read one that fails, are left
    out (reported once)."""
    position = {d.id: i for i, d in enumerate(items)}
    trees: dict[str, expr.Expr] = {}
    for i, d in enumerate(items):
        try:
            trees[d.id] = expr.parse(expr.text_of(d.value))
        except expr.ExprError as exc:
            fail(("derived", i, "value"), str(exc))
    reads = {name: [n for n in trees if n in walk.names(t)] for name, t in trees.items()}
    unparsed = set(position) - set(trees)
    order, cyclic = dependency_order(reads)
    for cycle in cyclic:
        shown = " -> ".join([*cycle, cycle[0]])
        fail(
            ("derived", position[cycle[0]], "value"),
            f"derived quantities read each other in a cycle: {shown}; a derived quantity "
            "cannot depend on itself",
        )
    types = dict(env)
    expanded: dict[str, expr.Expr] = {}
    out: dict[str, tuple[expr.Type, expr.Compiled]] = {}
    for name in order:
        if any(n not in out for n in reads[name]) or unparsed & walk.names(trees[name]):
            continue  # it reads one that failed (already reported)
        try:
            t = expr.typecheck(trees[name], types, None, hints)
            if t not in (expr.INT, expr.BOOL):
                raise expr.ExprError(
                    f"a derived quantity is int or bool, found {t}; compare it with a "
                    "value to make a bool"
                )
            tree = walk.expand(trees[name], expanded)
            measure(tree)
        except expr.ExprError as exc:
            fail(("derived", position[name], "value"), str(exc))
            continue
        expanded[name] = tree
        types[name] = t
        out[name] = (t, expr.compile_expr(trees[name], tables))
    return out, expanded


def measure(tree: expr.Expr) -> None:
    """Refuse an expression (written out) too large to compile or able to build huge
    numbers."""
    nodes, depth = walk.size(tree)
    if nodes > MAX_EXPANDED_SIZE or depth > MAX_EXPANDED_DEPTH:
        raise expr.ExprError(
            f"with the derived quantities it reads written out, the expression has {nodes} "
            f"nodes nested {depth} deep; the limits are {MAX_EXPANDED_SIZE} "
            f"(MAX_EXPANDED_SIZE) and {MAX_EXPANDED_DEPTH} (MAX_EXPANDED_DEPTH)"
        )
    digits = walk.max_digits(tree)
    if digits > MAX_VALUE_DIGITS:
        raise expr.ExprError(
            f"the expression can reach a number of {digits} digits (each name may "
            f"stand for up to {MAX_LITERAL}); the limit is {MAX_VALUE_DIGITS} "
            "digits (MAX_VALUE_DIGITS)"
        )


def dependency_order(reads: Mapping[str, list[str]]) -> tuple[list[str], list[list[str]]]:
    """The names in an order where each comes after those it reads (Kahn's algorithm, in the
    given order where free), and the cycles that keep the others out, each once.

    Iterative, so a long chain of derived quantities cannot exhaust the stack."""
    waiting = {name: len(set(deps)) for name, deps in reads.items()}
    readers: dict[str, list[str]] = {}
    for name, deps in reads.items():
        for dep in set(deps):
            readers.setdefault(dep, []).append(name)
    order: list[str] = []
    ready = [n for n in reads if waiting[n] == 0]
    while ready:
        done = ready.pop(0)
        order.append(done)
        for r in readers.get(done, []):
            waiting[r] -= 1
            if waiting[r] == 0:
                ready.append(r)
    placed = set(order)
    cycles: list[list[str]] = []
    in_cycle: set[str] = set()
    for start in reads:
        if start in placed or start in in_cycle:
            continue
        # Every name left waits for another name left: walking them must repeat one.
        walk, seen = [start], {start: 0}
        while True:
            nxt = next(n for n in reads[walk[-1]] if n not in placed)
            if nxt in seen:
                cycle = walk[seen[nxt] :]
                break
            seen[nxt] = len(walk)
            walk.append(nxt)
        if not in_cycle.intersection(cycle):
            in_cycle.update(cycle)
            first = min(range(len(cycle)), key=lambda i: list(reads).index(cycle[i]))
            cycles.append(cycle[first:] + cycle[:first])
    return order, cycles
