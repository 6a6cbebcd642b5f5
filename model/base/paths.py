"""Where the shipped scenarios and seeds live, in a checkout and after ``pip install``.

In the repository they are the top-level folders ``scenarios/`` (with ``mechanisms/``) and
``seeds/``, next to the package; ``pip install`` (editable or not) works from that layout. A
non-editable install ships them as package data in ``model/_data/scenarios`` and
``model/_data/seeds`` (see ``[tool.setuptools.package-dir]`` in pyproject.toml), still
sibling folders, so the relative paths inside the scenario files hold in both layouts.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # model/, above model/base/
_CHECKOUT = PACKAGE_DIR.parent
_INSTALLED = PACKAGE_DIR / "_data"

IN_CHECKOUT = (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "scenarios").is_dir()
"""The package runs from a source checkout (an editable install or the repository itself)."""

DATA_ROOT = _CHECKOUT if IN_CHECKOUT or not (_INSTALLED / "scenarios").is_dir() else _INSTALLED
"""The folder holding ``scenarios/`` and ``seeds/``: the checkout, or the installed data."""

REPO_ROOT = DATA_ROOT  # the name older code and tests use
SCENARIOS_DIR = DATA_ROOT / "scenarios"
SEEDS_DIR = DATA_ROOT / "seeds"
DEFAULT_SCENARIO = SCENARIOS_DIR / "cairo_three_stage_truce.yaml"
DOCS_DIR: Path | None = _CHECKOUT / "docs" if IN_CHECKOUT else None
"""The project's ``docs/`` (only in a checkout: an installed package has no docs to write)."""

SHIPPED_HELP = (
    "a path is read relative to the working directory; if no such file exists, "
    "'scenarios/NAME.yaml', 'NAME.yaml' or 'NAME' names a shipped scenario"
)


def find_scenario(path: str | Path) -> Path:
    """``path`` itself when it exists; otherwise the shipped scenario it names, if any.

    A user who types ``scenarios/november_truce.yaml`` outside the repository (or after a
    non-editable install) means the shipped file; a file of that name in the working
    directory still comes first. ``november_truce.yaml`` and ``november_truce`` name it too.
    Anything else (absolute, ``..``, not shipped) is returned unchanged, for the reader to
    report as missing.
    """
    given = Path(path)
    if str(path) == "" or os.path.lexists(given) or given.is_absolute():
        return given
    parts = given.parts[1:] if given.parts[:1] == ("scenarios",) else given.parts
    if not parts or any(part in ("..", ".") for part in parts):
        return given
    candidate = SCENARIOS_DIR.joinpath(*parts)
    if not candidate.suffix:
        candidate = candidate.with_suffix(".yaml")
    return candidate if candidate.is_file() else given


def display_path(path: Path) -> str:
    """A path as a user reads it: relative to the working directory when it is below it."""
    # os.path.realpath, unlike Path.resolve, never raises on a symbolic link loop.
    try:
        return str(Path(os.path.realpath(path)).relative_to(os.path.realpath(Path.cwd())))
    except ValueError:
        return str(path)
