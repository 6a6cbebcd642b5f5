"""Source texts and the check that every quote is in them, word for word; and the one way
every output describes where an element comes from (quote, citation, assumption).

Matching ignores differences in whitespace only. Typographic quotes, apostrophes and dashes
must be as they are in the file; when a quote differs only in those, the error says so.
A citation names a section of a published document that is not stored: nothing can check
its words, so every output marks it `UNVERIFIED`.
"""

from __future__ import annotations

import difflib
import hashlib
import heapq
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate, pairwise
from pathlib import Path
from typing import Any, Protocol

from model.base.confine import read_text_file
from model.scenario.schema_base import Citation, Source

UNVERIFIED = "cited, not verified against a stored text"
"""How every output marks a citation: there is no stored text to check its words against."""

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
        """Read a source file by the rules of `confine.read_text_file` (raises `FileRefused`)."""
        return cls(source_id, path, read_text_file(path))

    @cached_property
    def normalised(self) -> str:
        return normalise(self.text)

    @cached_property
    def _casefolded(self) -> str:
        return self.normalised.casefold()

    @cached_property
    def _folded(self) -> str:
        return self.normalised.translate(_FOLD)

    @cached_property
    def _words(self) -> list[str]:
        return self.normalised.split(" ")

    @cached_property
    def _keys(self) -> list[str]:
        """The words casefolded and stripped of punctuation, to match words across typos."""
        return [_key(w) for w in self._words]

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
        return normalise(words).casefold() in self._casefolded

    def explain_missing(self, quote: str) -> str:
        """Why a quote was not found, with the closest passage of the source."""
        q = normalise(quote)
        if q.translate(_FOLD) in self._folded:
            return (
                "the quote differs from the source only in quote marks, apostrophes or dashes; "
                "copy them as they are in the source (’ “ ” – …)"
            )
        if q.casefold() in self._casefolded:
            return "the quote differs from the source only in upper/lower case"
        best = self.closest_passage(q)
        return f"closest passage in the source: {best!r}" if best else "the source is empty"

    def closest_passage(self, quote: str) -> str:
        """The run of words in the source, as long as the quote, that is most like it.

        Comparing the quote with every window of the source (difflib is quadratic in the
        quote's length) took seconds per long quote, so that is done only while it stays
        within `_EXHAUSTIVE_WORK`. Otherwise each window is scored by the quote's words and
        word pairs it contains (one pass with running sums), and difflib picks among the
        `_CANDIDATES` best windows only: an ordinary typo leaves most words and pairs intact,
        so the right passage is among them.
        """
        words = self._words
        q_keys = [_key(w) for w in normalise(quote).split(" ")]
        n = max(1, len(q_keys))
        starts = max(1, len(words) - n + 1)
        if starts * len(quote) ** 2 <= _EXHAUSTIVE_WORK:
            every = (" ".join(words[i : i + n]) for i in range(starts))
            return max(every, key=lambda w: _similarity(quote, w))
        keys = self._keys
        singles = set(q_keys)
        pairs = set(pairwise(q_keys))
        # hit[j]: word j is in the quote (1), and so is the pair it starts (2 more).
        hit = [
            (k in singles) + 2 * ((k, nxt) in pairs)
            for k, nxt in zip(keys, [*keys[1:], ""], strict=True)
        ]
        sums = [0, *accumulate(hit)]
        # The last pair of a window reaches past it; ignoring that is harmless for ranking.
        scores = [sums[i + n] - sums[i] for i in range(starts)]
        best = sorted(heapq.nlargest(_CANDIDATES, range(starts), key=lambda i: (scores[i], -i)))
        # Word by word first (cheap), then character by character for the closest few only.
        by_words = sorted(best, key=lambda i: -_ratio(q_keys, keys[i : i + n]))[:_FINALISTS]
        windows = [" ".join(words[i : i + n]) for i in sorted(by_words)]
        return max(windows, key=lambda w: _similarity(quote, w))


_EXHAUSTIVE_WORK = 2_000_000
"""Windows times squared quote length up to which every window is compared (about 50 ms)."""

_CANDIDATES = 8
"""Windows (best by shared words and pairs) compared word by word with a misquote."""

_FINALISTS = 3
"""Of those, the windows compared character by character (38 ms each for 1,000 characters)."""


def _key(word: str) -> str:
    return word.strip(_PUNCTUATION).casefold()


_PUNCTUATION = "\"'“”‘’.,;:!?()[]…-–—"


def _similarity(a: str, b: str) -> float:
    return _ratio(a.casefold(), b.casefold())


def _ratio(a: Sequence[str], b: Sequence[str]) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


class Sourced(Protocol):
    """An element with provenance (every `_Sourced` model of the schema)."""

    @property
    def quote(self) -> Any: ...
    @property
    def citation(self) -> Citation | None: ...
    @property
    def assumption(self) -> str | None: ...


def cited_document(citation: Citation, sources: Sequence[Source]) -> Source:
    """The published document a (loaded, so valid) citation refers to."""
    cited = [s for s in sources if not s.stored]
    return next(s for s in cited if s.id == citation.source) if citation.source else cited[0]


def citation_record(citation: Citation, sources: Sequence[Source]) -> dict[str, Any]:
    """A citation as JSON-ready data, with the document it cites."""
    doc = cited_document(citation, sources)
    return {
        "source": doc.id,
        "document": doc.title,
        "issued_by": doc.issued_by,
        "date": doc.date,
        "url": doc.url,
        "section": citation.section,
        "words": normalise(citation.words) if citation.words else None,
        "verified": False,
    }


def provenance_record(element: Sourced, sources: Sequence[Source]) -> dict[str, Any]:
    """Where an element comes from, as JSON-ready data: ``quote``, ``citation`` and
    ``assumption`` keys, each present only when the element has it."""
    out: dict[str, Any] = {}
    if element.quote is not None:
        out["quote"] = {"text": normalise(element.quote.text), "said_by": element.quote.said_by}
    if element.citation is not None:
        out["citation"] = citation_record(element.citation, sources)
    if element.assumption is not None:
        out["assumption"] = normalise(element.assumption)
    return out


def citation_text(record: Mapping[str, Any]) -> str:
    """'Title (date), section: “words”', without the unverified mark; the issuer is in the
    record, and in the outputs that describe each document once (docs pages, model.trace)."""
    words = f": “{record['words']}”" if record.get("words") else ""
    return f"{record['document']} ({record['date']}), {record['section']}{words}"


def provenance_texts(record: Mapping[str, Any]) -> list[str]:
    """One line per kind of provenance in a `provenance_record`, as every report prints it:
    ``source: “…” (who)``, ``cited: … (cited, not verified against a stored text)``,
    ``assumption: …``."""
    out = []
    if "quote" in record:
        q = record["quote"]
        who = f" ({q['said_by']})" if q["said_by"] else ""
        out.append(f"source: “{q['text']}”{who}")
    if "citation" in record:
        out.append(f"cited: {citation_text(record['citation'])} ({UNVERIFIED})")
    if "assumption" in record:
        out.append(f"assumption: {record['assumption']}")
    return out
