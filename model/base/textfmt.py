"""Formatting shared by the text reports: numbers, and user text made safe to print."""

from __future__ import annotations

import io
import json
import re
from typing import TextIO


def format_percent(x: float | None) -> str:
    """A share as a percentage, with more digits near 0% and 100% (— for no value).

    Only an exact 0 is shown as 0%: a share below 0.001% keeps two significant digits
    (``2.4e-34%``), so that a possible ending never reads as an impossible one."""
    if x is None:
        return "—"
    if x <= 0:
        return "0%"
    if x < 1e-5:
        return f"{x * 100:.2g}%"
    if abs(x - 1) < 1e-12:
        return "100%"
    if x < 0.001 or x > 0.999:
        return f"{x * 100:.3f}%"
    return f"{x * 100:.1f}%"


# -- user text on a terminal --------------------------------------------------------------------

_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 controls but tab and newline, DEL, C1 (CSI, OSC, NEL)
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings, overrides, isolates
    "\u2028\u2029"  # line and paragraph separators
    "\ufeff\ufff9-\ufffb]"  # byte order mark, interlinear annotation controls
)
"""Characters that a terminal, an editor or a browser would act on rather than show: escape
sequences (ESC, CSI) that move the cursor, clear the screen or set the window title (OSC),
carriage returns that overwrite a line, and bidi controls that reorder what is read."""

_UNSAFE_NEWLINE = re.compile(_UNSAFE.pattern[:-1] + "\n]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, newlines: bool = True) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\u202e``), so
    that user text from a scenario cannot act on the terminal; newlines are kept unless
    ``newlines`` is false (for one-line fields), tabs always."""
    return (_UNSAFE if newlines else _UNSAFE_NEWLINE).sub(_escape, text)


def has_unsafe(text: str) -> bool:
    """Whether `visible` would change ``text`` (newlines aside)."""
    return _UNSAFE.search(text) is not None


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_text(record: object) -> str:
    """``record`` as indented JSON (non-ASCII text kept readable), with the control and bidi
    characters that JSON leaves raw (C1, DEL, bidi, separators) written as ``\\uXXXX``
    escapes: the same data, safe to print on a terminal."""
    text = json.dumps(record, indent=2, ensure_ascii=False)
    # Outside strings json.dumps writes only ASCII punctuation, digits and words, and it
    # already escapes C0 controls, so every match is inside a string, where \\uXXXX is valid.
    return _UNSAFE.sub(_json_escape, text)


class VisibleWriter(io.TextIOBase):
    """A text stream that passes everything through `visible` (for interactive sessions,
    which write user text piece by piece)."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(visible(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def writable(self) -> bool:
        return True


def drawable(text: str) -> str:
    """User text for a matplotlib figure: controls shown as escapes (they have no glyph and
    make an SVG invalid XML), and every ``$`` escaped so that matplotlib draws it instead of
    reading the text as mathtext (which could also fail to parse)."""
    return visible(text).replace("$", r"\$")
