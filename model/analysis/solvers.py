"""The exact analysis's solver names and default tolerance, apart from the analysis itself.

`model.simulate` builds its ``--method`` and ``--tolerance`` options from these at start-up;
importing `model.analysis.exact` there would load the explorer and the compiled table for
``--help`` too.
"""

from __future__ import annotations

from typing import Literal

Method = Literal["auto", "fraction", "sparse", "interval"]
METHODS: tuple[Method, ...] = ("auto", "fraction", "sparse", "interval")

DEFAULT_TOLERANCE = 1e-9
"""``method="interval"`` iterates until every probability is within this of its exact value."""
