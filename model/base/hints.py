"""'Did you mean' hints, bounded in number and in cost.

A hint compares one name with every candidate (difflib, quadratic in the names' lengths), so
a file with a thousand misspelled names among a thousand declared ones cost 16 s of hints.
Each load now gives at most `MAX_HINTS` hints, each among at most `MAX_HINT_CANDIDATES`
candidates; beyond that the problems are reported without a hint.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from model.base.limits import MAX_HINT_CANDIDATES, MAX_HINT_NAME, MAX_HINTS


class Hints:
    """A budget of hints for one load (or one command line)."""

    def __init__(self, limit: int = MAX_HINTS) -> None:
        self.remaining = limit

    def __call__(self, name: str, candidates: Iterable[str]) -> str:
        """``" (did you mean 'x'?)"`` for the closest candidate other than ``name``, or ``""``."""
        if self.remaining <= 0 or len(name) > MAX_HINT_NAME:
            return ""
        pool: list[str] = []
        for candidate in candidates:
            if candidate != name:
                pool.append(candidate)
                if len(pool) > MAX_HINT_CANDIDATES:
                    return ""
        self.remaining -= 1
        close = difflib.get_close_matches(name, pool, n=1)
        return f" (did you mean {close[0]!r}?)" if close else ""

    def unknown(self, what: str, name: str, known: Iterable[str]) -> str:
        """``"unknown state 'x' (did you mean 'y'?)"``: the loader's message for a bad name."""
        return f"unknown {what} {name!r}{self(name, known)}"
