"""``python -m model.schema [mechanism]``: print the scenario (or mechanism) format as JSON Schema.

``python -m model.schema > docs/scenario.schema.json`` and ``python -m model.schema mechanism >
docs/mechanism.schema.json`` regenerate the stored copies (a test fails while they are stale).
The format itself is `model.scenario.schema`.
"""

from __future__ import annotations

import sys

from model.scenario.schema import MechanismSpec, ScenarioSpec, schema_text

if __name__ == "__main__":
    kind = sys.argv[1] if len(sys.argv) > 1 else "scenario"
    sys.stdout.write(schema_text(MechanismSpec if kind == "mechanism" else ScenarioSpec))
