"""Where the shipped scenarios and seeds live (next to the package, in the repository)."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SCENARIOS_DIR = REPO_ROOT / "scenarios"
SEEDS_DIR = REPO_ROOT / "seeds"
DEFAULT_SCENARIO = SCENARIOS_DIR / "cairo_three_stage_truce.yaml"


def display_path(path: Path) -> str:
    """A path as a user reads it: relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
