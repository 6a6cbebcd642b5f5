"""A seed's text as numbered sentences, and the sentences a quote falls in.

Tracing (`model.analysis.trace`) cites sentences; this module only knows text: it splits a
seed into sentences whose offsets index `SourceText.normalised`, so that a quote found there
maps to the sentences it touches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from model.scenario.provenance import normalise

_DATELINE = re.compile(r"date \d{4}-\d{2}-\d{2}(?= )")
"""The collection dateline the seeds begin with (`` date 2024-04-08 A Hamas official ...``)."""

_END = re.compile(r"[.!?]+[”’\"')\]]* (?=[“‘\"(\[]*[^\W\d_])")
"""End of a sentence in normalised text: terminal punctuation, closing quotes, one space, and
(checked in code) an upper-case letter, possibly after opening quotes."""

_ABBREVIATION_WORDS = """
mr mrs ms dr st gen lt col maj sgt capt cmdr adm rep sen gov pres prof jr sr rev vol fig inc
ltd co corp dept est approx vs etc jan feb mar apr jun jul aug sep sept oct nov dec
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
"""Words a full stop follows without ending the sentence (compared in lower case)."""
_OPENERS = '“‘"(['


@dataclass(frozen=True)
class Sentence:
    """One sentence of a seed, whitespace normalised, with its place in the normalised text."""

    number: int  # from 1
    text: str
    start: int  # offsets into `SourceText.normalised`
    end: int


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Split a seed text into sentences.

    Paragraph breaks always end a sentence; the seed's leading ``date YYYY-MM-DD`` dateline is a
    sentence of its own (`SourceText.sentences` runs it into the first sentence); a full stop
    after an abbreviation or an initial (``Mr.``, ``U.S.``, ``William J. Burns``) does not end
    one. The sentences joined with single spaces are exactly `provenance.normalise(text)`, so
    offsets into that text map a quote to the sentences it touches.
    """
    pieces: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        para = normalise(paragraph)
        if not para:
            continue
        dateline = _DATELINE.match(para)
        if dateline:
            pieces.append(dateline.group())
            para = para[dateline.end() + 1 :]
        pieces.extend(_split_paragraph(para))
    out: list[Sentence] = []
    offset = 0
    for piece in pieces:
        out.append(Sentence(len(out) + 1, piece, offset, offset + len(piece)))
        offset += len(piece) + 1
    return tuple(out)


def _split_paragraph(para: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _END.finditer(para):
        after = para[m.end() :].lstrip(_OPENERS)
        if not after[:1].isupper():
            continue
        if para[m.start()] == "." and _is_abbreviation(para[start : m.start()]):
            continue
        out.append(para[start : m.end() - 1])
        start = m.end()
    out.append(para[start:])
    return [p for p in out if p]


def _is_abbreviation(before: str) -> bool:
    """Does the text before a full stop end in an abbreviation or an initial?"""
    word = before.rsplit(" ", 1)[-1].lstrip(_OPENERS)
    if re.fullmatch(r"[A-Z]|(?:[A-Za-z]\.)+[A-Za-z]", word):  # "J" in "J. Burns", "U.S"
        return True
    return word.casefold() in _ABBREVIATIONS


def occurrences(sentences: Sequence[Sentence], normalised: str, quote: str) -> list[list[int]]:
    """For each place ``quote`` occurs in ``normalised``, the numbers of the sentences it
    touches (one, or several when it spans a sentence break)."""
    q = normalise(quote)
    out: list[list[int]] = []
    if not q:
        return out
    at = normalised.find(q)
    while at >= 0:
        end = at + len(q)
        out.append([s.number for s in sentences if s.start < end and s.end > at])
        at = normalised.find(q, at + 1)
    return out
