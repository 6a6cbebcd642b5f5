"""Every resource limit on untrusted input, in one place, each with the reason for its value.

Scenario files, mechanism files, source texts and command lines are untrusted data. Each limit
below bounds the time or memory one input can cost; going over a limit is a `ScenarioError`
(or, on the command line, an error with exit status 2) that names the limit and its value.
docs/format.md lists them for scenario writers.
"""

from __future__ import annotations

# --- reading files ---------------------------------------------------------------------------

MAX_BYTES = 1_000_000
"""Scenario, mechanism and source files above this size are refused (counted as read)."""

# --- expressions -----------------------------------------------------------------------------

MAX_EXPR_LENGTH = 2000
"""Characters in one expression."""

MAX_LITERAL = 10**15
"""Largest integer literal in an expression (and the largest parameter value)."""

MAX_EXPR_DEPTH = 60
"""Nesting depth of one expression."""

# --- quotes (paths and quote checks) ---------------------------------------------------------

MAX_QUOTE_LENGTH = 1000
"""Characters in one quote's text.

A quote cites the sentence or two that support one element; the longest in the shipped
scenarios is 197 characters, so 1,000 (about five long sentences) leaves ample room while
keeping the check and the closest-passage search of a misquote cheap.
"""

MAX_PASSAGE_SEARCHES = 20
"""Misquotes per scenario for which the error shows the closest passage of the source.

Each search costs time in proportion to the source's length; past this many the error still
says the quote was not found, without a passage. Twenty covers any real editing session.
"""
