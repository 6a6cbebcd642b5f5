"""Start-up: a command's ``--help`` and the package import load no plotting or numeric library.

Heavy libraries are imported only in the functions that use them, so the commands start fast
(the time itself is measured by ``bench/startup.py``, not here: a shared machine is noisy).
The list of imported modules comes from ``python -X importtime``, independent of the code.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

HEAVY = {"matplotlib", "numpy", "scipy", "tqdm", "rich", "PIL"}
COMMANDS = (
    "simulate",
    "check",
    "trace",
    "compare",
    "diagram",
    "timeline",
    "docs",
    "schema",
    "strategy",
)


def imported_packages(argv: list[str]) -> set[str]:
    err = subprocess.run(
        [sys.executable, "-X", "importtime", *argv], cwd=ROOT, capture_output=True, text=True
    ).stderr
    lines = [line for line in err.splitlines() if line.startswith("import time:")]
    assert lines, err  # importtime output is there, so an empty set below means something
    return {line.split("|")[-1].strip().split(".")[0] for line in lines}


@pytest.mark.parametrize("command", COMMANDS)
def test_help_imports_no_heavy_library(command: str) -> None:
    argv = ["-m", f"model.{command}"] + (["--help"] if command != "schema" else [])
    found = imported_packages(argv)
    assert "model" in found
    assert found & HEAVY == set()


def test_the_notebook_api_imports_no_heavy_library() -> None:
    found = imported_packages(["-c", "from model import load, Run; load; Run"])
    assert {"pydantic", "transitions"} <= found  # the names were really resolved
    assert found & HEAVY == set()


def test_the_check_finds_a_heavy_import() -> None:
    # The same reading of -X importtime sees matplotlib when it is imported.
    assert "matplotlib" in imported_packages(["-c", "import model, matplotlib.figure"])
