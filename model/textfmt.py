"""Number formatting shared by the text reports."""

from __future__ import annotations


def format_percent(x: float | None) -> str:
    """A share as a percentage, with more digits near 0% and 100% (— for no value)."""
    if x is None:
        return "—"
    if abs(x) < 1e-12:
        return "0%"
    if abs(x - 1) < 1e-12:
        return "100%"
    if x < 0.001 or x > 0.999:
        return f"{x * 100:.3f}%"
    return f"{x * 100:.1f}%"
