"""Shape errors: pydantic's validation errors turned into positioned `Problem`s.

Messages keep pydantic's wording (what was expected, what was found) and add the file, line,
column and field path, plus a "did you mean" hint for unknown fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from model.base.errors import Problem
from model.base.hints import Hints
from model.scenario.yamlsource import Document, Path_


def _models_in(annotation: Any) -> set[type[BaseModel]]:
    return {t for t in _types_in(annotation) if isinstance(t, type) and issubclass(t, BaseModel)}


def _fields_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> set[str]:
    """Field names of the model(s) that can stand at ``loc`` (for "did you mean" hints).

    Indexes are skipped; a part that is no field of the current models (a union's tag such
    as ``int`` for variables) keeps them.
    """
    current = {model}
    for part in loc:
        if isinstance(part, int):
            continue
        holders = [m.model_fields[part] for m in current if part in m.model_fields]
        if holders:
            current = set().union(*(_models_in(f.annotation) for f in holders))
    return set().union(*(m.model_fields for m in current))


def _types_in(annotation: Any) -> Iterable[Any]:
    yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _types_in(arg)
    origin = getattr(annotation, "__origin__", None)
    if origin is not None:
        yield from _types_in(origin)


def schema_problems(
    doc: Document,
    exc: ValidationError,
    model: type[BaseModel],
    prefix: Path_ = (),
) -> list[Problem]:
    """One problem per field path, positioned in ``doc``; ``model`` gives field-name hints.

    ``prefix`` is where in ``doc`` the validated value is (e.g. ``("includes", 0)``).
    """
    hint = Hints()
    grouped: dict[tuple[Path_, str], list[str]] = {}
    for err in exc.errors(include_url=False):
        path: list[str | int] = list(prefix)
        leftover: str | int | None = None
        loc = err["loc"]
        for i, part in enumerate(loc):
            if doc.written((*path, part)):
                path.append(part)
            elif i == len(loc) - 1:
                leftover = part
        kind = err["type"]
        if kind == "missing":
            message = f"missing required field {leftover!r}"
        elif kind == "extra_forbidden":
            key = str(loc[-1])
            message = f"unknown field {key!r}{hint(key, sorted(_fields_at(model, loc[:-1])))}"
        else:
            # "... a valid dictionary or instance of Party": the class name means nothing here.
            message = re.sub(
                r" or instance of \w+", "", str(err["msg"]).removeprefix("Value error, ")
            )
            if kind not in ("value_error", "union_tag_invalid", "union_tag_not_found"):
                message += f", found {describe(err.get('input'))}"
        grouped.setdefault((tuple(path), kind if kind != "missing" else str(leftover)), [])
        grouped[(tuple(path), kind if kind != "missing" else str(leftover))].append(message)
    problems = []
    by_path: dict[Path_, list[str]] = {}
    for (path_, _), messages in grouped.items():
        by_path.setdefault(path_, []).extend(dict.fromkeys(messages))
    for path_, messages in by_path.items():
        problems.append(doc.problem(path_, _join(messages)))
    return problems


def _join(messages: list[str]) -> str:
    """Join the branches of a failed union ("Input should be a valid string ...") readably."""
    if len(messages) > 1 and all(m.startswith("Input should be") for m in messages):
        found = messages[0].rsplit(", found ", 1)[-1]
        wanted = [m.removeprefix("Input should be ").rsplit(", found ", 1)[0] for m in messages]
        return f"Input should be {' or '.join(dict.fromkeys(wanted))}, found {found}"
    return "; ".join(messages)


def describe(value: Any) -> str:
    """A found value for a message: short, with its type (``'soon' (str)``, ``a list``)."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"{str(value).lower()} (bool)"
    if isinstance(value, str) and len(value) > 60:
        return f"{value[:60]!r}... ({len(value)} characters, str)"
    return f"{value!r} ({type(value).__name__})"
