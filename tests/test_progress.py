"""The progress bar of long what-if runs (model.cli.progress): drawn by tqdm on a terminal
stderr only; stdout and non-terminal streams never see it."""

from __future__ import annotations

import io
import sys

import pytest
from conftest import ROOT

from model.cli.progress import TerminalProgress
from model.simulate import main

EXCHANGE = ROOT / "scenarios" / "hostage_prisoner_exchange.yaml"


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_terminal_and_cleared_at_the_end() -> None:
    tty = FakeTerminal()
    with TerminalProgress("Monte Carlo", unit="run", stream=tty) as bar:
        bar(50, 100)
        assert "Monte Carlo:  50%" in tty.getvalue()
        assert "50/100" in tty.getvalue()
        bar(100, 100)
    drawn = tty.getvalue()
    assert drawn.endswith("\r") and drawn.split("\r")[-2].strip() == ""  # the line is cleared
    bar.close()  # a second close writes nothing
    assert tty.getvalue() == drawn


def test_progress_writes_nothing_on_a_stream_that_is_not_a_terminal() -> None:
    pipe = io.StringIO()
    with TerminalProgress("Monte Carlo", unit="run", stream=pipe) as bar:
        bar(50, 100)
        bar(100, 100)
    assert pipe.getvalue() == ""
    assert bar._bar is None  # no tqdm bar was made (tqdm is not even imported for it)


def test_progress_ignores_an_empty_total() -> None:
    tty = FakeTerminal()
    with TerminalProgress("points", stream=tty) as bar:
        bar(0, 0)
    assert tty.getvalue() == ""


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["--runs", "300", "--max-states", "0"], ("Monte Carlo:", "/300 [")),
        ([str(EXCHANGE), "--sweep", "batch_size=10:20:10", "--runs", "9"], ("points:", " 1/2 [")),
    ],
)
def test_progress_goes_to_a_terminal_stderr_and_leaves_stdout_alone(
    args: list[str],
    shown: tuple[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(args) == 0
    piped = capsys.readouterr()
    assert piped.err == ""  # stderr is not a terminal here: no bar
    tty = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", tty)
    assert main(args) == 0
    assert capsys.readouterr().out == piped.out  # the report is the same, byte for byte
    drawn = tty.getvalue()
    assert all(part in drawn for part in shown), drawn
    assert drawn.split("\r")[-2].strip() == ""  # cleared before the report is printed
