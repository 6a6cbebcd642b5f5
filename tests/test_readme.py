"""The README's first screen gives the two commands, and CI runs exactly its test command."""

from __future__ import annotations

import re

from conftest import ROOT


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    first_screen = readme.split("\n---\n", 1)[0]
    return re.findall(r"```\n(.+?)\n```", first_screen)[:2]


def test_first_screen_has_run_and_test_commands() -> None:
    run, test = _commands()
    assert run.endswith("python -m model.simulate") and "pip install -e ." in run
    assert "pip install -e '.[dev]'" in test and test.endswith("python -m pytest")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci[-1] == _commands()[1]
