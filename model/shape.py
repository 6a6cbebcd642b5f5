"""Shape errors: pydantic's validation errors turned into positioned `Problem`s.

Messages keep pydantic's wording (what was expected, what was found) and add the file, line,
column and field path, plus a "did you mean" hint for unknown fields.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem
from .yamlsource import Document, Path_


def _all_fields(model: type[BaseModel]) -> set[str]:
    """Field names of a model and of every model inside it (for "did you mean" hints)."""
    names: set[str] = set()
    for sub in _submodels(model, set()):
        names.update(sub.model_fields)
    return names


def _submodels(model: type[BaseModel], seen: set[type[BaseModel]]) -> set[type[BaseModel]]:
    if model in seen:
        return seen
    seen.add(model)
    for f in model.model_fields.values():
        for t in _types_in(f.annotation):
            if isinstance(t, type) and issubclass(t, BaseModel):
                _submodels(t, seen)
    return seen


def _types_in(annotation: Any) -> Iterable[Any]:
    yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _types_in(arg)
    origin = getattr(annotation, "__origin__", None)
    if origin is not None:
        yield from _types_in(origin)


def schema_problems(doc: Document, exc: ValidationError, model: type[BaseModel]) -> list[Problem]:
    """One problem per field path, positioned in ``doc``; ``model`` gives field-name hints."""
    fields = _all_fields(model)
    grouped: dict[tuple[Path_, str], list[str]] = {}
    for err in exc.errors(include_url=False):
        path: list[str | int] = []
        leftover: str | int | None = None
        loc = err["loc"]
        for i, part in enumerate(loc):
            if (*path, part) in doc.positions:
                path.append(part)
            elif i == len(loc) - 1:
                leftover = part
        kind = err["type"]
        if kind == "missing":
            message = f"missing required field {leftover!r}"
        elif kind == "extra_forbidden":
            key = str(path[-1])
            close = difflib.get_close_matches(key, sorted(fields), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            message = f"unknown field {key!r}{hint}"
        else:
            message = str(err["msg"]).removeprefix("Value error, ")
            if kind not in ("value_error", "union_tag_invalid", "union_tag_not_found"):
                message += f", found {_show(err.get('input'))}"
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


def _show(value: Any) -> str:
    text = repr(value)
    kind = type(value).__name__
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{text[:60]}{'...' if len(text) > 60 else ''} ({kind})"
