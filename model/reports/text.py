"""Small text helpers shared by the text reports: values, counts, wrapped lines.

One copy of each, so that every report shows a value, a count and a wrapped paragraph the
same way.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from model.scenario import expr
from model.scenario.labels import label_in

WIDTH = 96
"""Columns the text reports wrap at (the trace, with its long quotes, uses its own)."""


def fmt_value(v: Any) -> str:
    """A value as a scenario file writes it: ``true``/``false``, numbers, names."""
    return expr.text_of(v)


def values_text(record: Mapping[str, Any], values: Mapping[str, Any]) -> str:
    """``x=1, Held in Gaza=133``: variables by their labels (`label_in` ``record``)."""
    return ", ".join(f"{label_in(record, 'variable', k)}={fmt_value(v)}" for k, v in values.items())


def derived_text(values: Mapping[str, Any]) -> str:
    """``derived: trucks=600, enough=false``; None (it cannot be evaluated there) as
    ``undefined``."""
    shown = (f"{k}={'undefined' if v is None else fmt_value(v)}" for k, v in values.items())
    return "derived: " + ", ".join(shown)


def plural(n: int, word: str) -> str:
    """``1 step``, ``2 steps``, ``1,000 steps``: a count with its noun."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def wrap(
    text: str,
    indent: str = "",
    hang: int = 0,
    *,
    width: int = WIDTH,
    break_long_words: bool = True,
    break_on_hyphens: bool = True,
) -> list[str]:
    """``text`` wrapped at ``width``, its first line indented by ``indent`` and the others
    by ``hang`` more columns."""
    return textwrap.wrap(
        text,
        width,
        initial_indent=indent,
        subsequent_indent=indent + " " * hang,
        break_long_words=break_long_words,
        break_on_hyphens=break_on_hyphens,
    )


def wrap_code(text: str, indent: str = "", hang: int = 0) -> list[str]:
    """`wrap`, never breaking a line inside a `backquoted` condition."""
    parts = text.split("`")
    kept = "`".join(p.replace(" ", "\u00a0") if i % 2 else p for i, p in enumerate(parts))
    return [line.replace("\u00a0", " ") for line in wrap(kept, indent, hang)]
