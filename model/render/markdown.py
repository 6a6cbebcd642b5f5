"""Markdown from untrusted text (titles, names, quotes of a scenario file) for the docs pages.

Every piece of user text goes through one of these: `md` (prose and table cells, escaped so
that it is shown, never run or linked), `code` (a code span) or `fenced` (a fenced block).
"""

from __future__ import annotations

import re

from model.base.textfmt import visible

_MD_ESCAPES = {
    "\\": "\\\\",
    "`": "\\`",
    "[": "\\[",  # links and images, javascript: URLs included
    "]": "\\]",
    "|": "\\|",  # table cells
    "<": "&lt;",  # raw HTML: <script>, <img onerror>, autolinks
    ">": "&gt;",
    "&": "&amp;",
}
_MD_SPECIAL = re.compile("[" + re.escape("".join(_MD_ESCAPES)) + "]")


def one_line(text: object) -> str:
    """Whitespace (line breaks, ``\\r``, U+2028 included) as single spaces, controls shown."""
    return visible(" ".join(str(text).split()), newlines=False)


def md(text: object) -> str:
    """User text (titles, names, quotes, assumptions) for a Markdown page: one line, with the
    characters Markdown or HTML would act on escaped, so that it is shown, never run or
    linked. Emphasis markers are left as written: at worst they change emphasis."""
    out = _MD_SPECIAL.sub(lambda m: _MD_ESCAPES[m.group()], one_line(text))
    return re.sub(r"^([#+=-])", r"\\\1", out)  # not a heading, list or rule at line start


def code(text: object) -> str:
    """User text as a Markdown code span (shown verbatim; HTML in it is not interpreted),
    delimited by more backticks than it contains in a row."""
    inner = one_line(text)
    ticks = "`" * (max((len(r) for r in re.findall(r"`+", inner)), default=0) + 1)
    pad = " " if inner.startswith("`") or inner.endswith("`") else ""
    return f"{ticks}{pad}{inner}{pad}{ticks}"


def fenced(text: str, info: str) -> str:
    """``text`` as a fenced code block whose fence no line of it can close."""
    fence = "`" * max([3, *(len(run) + 1 for run in re.findall(r"`+", text))])
    return f"{fence}{info}\n{visible(text).rstrip(chr(10))}\n{fence}\n"
