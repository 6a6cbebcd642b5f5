"""Source texts and the check that every quote is in them, word for word.

Matching ignores differences in whitespace only. Typographic quotes, apostrophes and dashes
must be as they are in the file; when a quote differs only in those, the error says so.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."})
_SENTENCE_END = re.compile(r"(?<=[.!?”])\s+(?=[“\"A-Z])|\n\s*\n")


def normalise(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return " ".join(text.split())


@dataclass(frozen=True)
class SourceText:
    """A seed file's text, loaded once."""

    id: str
    path: Path
    text: str

    @classmethod
    def read(cls, source_id: str, path: Path) -> SourceText:
        return cls(source_id, path, path.read_bytes().decode("utf-8"))

    @cached_property
    def normalised(self) -> str:
        return normalise(self.text)

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @cached_property
    def sentences(self) -> tuple[str, ...]:
        """The text split into sentences (paragraph breaks always split), normalised."""
        parts = _SENTENCE_END.split(self.text)
        return tuple(s for s in (normalise(p) for p in parts) if s)

    def contains(self, quote: str) -> bool:
        return normalise(quote) in self.normalised

    def mentions(self, words: str) -> bool:
        """True when ``words`` appear in the text, ignoring case and whitespace."""
        return normalise(words).casefold() in self.normalised.casefold()

    def explain_missing(self, quote: str) -> str:
        """Why a quote was not found, with the closest passage of the source."""
        q = normalise(quote)
        if q.translate(_FOLD) in self.normalised.translate(_FOLD):
            return (
                "the quote differs from the source only in quote marks, apostrophes or dashes; "
                "copy them as they are in the source (’ “ ” – …)"
            )
        if q.casefold() in self.normalised.casefold():
            return "the quote differs from the source only in upper/lower case"
        best = self.closest_passage(q)
        return f"closest passage in the source: {best!r}" if best else "the source is empty"

    def closest_passage(self, quote: str) -> str:
        """The run of words in the source, as long as the quote, that is most like it."""
        words = self.normalised.split(" ")
        n = max(1, len(normalise(quote).split(" ")))
        windows = (" ".join(words[i : i + n]) for i in range(max(1, len(words) - n + 1)))
        return max(windows, key=lambda w: _similarity(quote, w), default="")


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.casefold(), b.casefold(), autojunk=False).ratio()
