"""The look of data series in charts (timelines, sweep charts): colour, dash pattern, marker.

The colours are the diagrams' Okabe–Ito palette (`model.render.draw.OKABE_ITO`) without its
yellow, which is too pale for a line on white; they stay distinct under the common forms of
colour blindness, and the dash pattern and marker tell lines apart in greyscale.
"""

from __future__ import annotations

from typing import Any

LINE_STYLES: tuple[Any, ...] = (
    "solid",
    (0, (6, 2)),
    (0, (1, 1.5)),
    (0, (6, 2, 1, 2)),
    (0, (3, 1, 1, 1, 1, 1)),
)
"""Five dash patterns; with seven colours (`series_style`) no two of 35 lines look alike."""
COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#000000")
"""Okabe–Ito without yellow, in the diagrams' order."""
SERIES_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def series_style(i: int) -> dict[str, Any]:
    """Colour, dash pattern and marker of the ``i``-th series of a chart. 7 colours and 5
    dash patterns (coprime): no two of the first 35 series share both, none of the first 5
    shares either; the colours stay distinct under the common forms of colour blindness, and
    dash and marker tell the lines apart in greyscale."""
    return {
        "color": COLOURS[i % len(COLOURS)],
        "linestyle": LINE_STYLES[i % len(LINE_STYLES)],
        "marker": SERIES_MARKERS[i % len(SERIES_MARKERS)],
    }
