"""Notebook display without upward imports: lower layers ask, the renderers answer.

A `Scenario` or a `Run` shows itself in Jupyter as a picture (`_repr_svg_`), but the scenario
and the engine sit below the renderers and must not import them. They call `svg`; the package
(`model/__init__.py`, above every layer) registers the renderers, which import matplotlib only
when a picture is actually asked for. With nothing registered, `svg` returns ``None`` and
Jupyter falls back to the text representation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_RENDERERS: dict[str, Callable[[Any], str]] = {}


def register(kind: str, render: Callable[[Any], str]) -> None:
    """Draw objects of ``kind`` (``"scenario"``, ``"run"``) as SVG text with ``render``."""
    _RENDERERS[kind] = render


def svg(kind: str, obj: object) -> str | None:
    """``obj`` as SVG text by the renderer registered for ``kind``, or ``None`` if there is none."""
    render = _RENDERERS.get(kind)
    return render(obj) if render is not None else None
