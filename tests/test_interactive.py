"""Interactive stepping, driven by a script and through a real terminal (a pty)."""

from __future__ import annotations

import fcntl
import io
import os
import select
import subprocess
import sys
import termios
import time
from collections.abc import Iterator

from conftest import ROOT

from model.cli.interactive import Session, interact
from model.scenario.loader import load

DEFAULT = ROOT / "scenarios" / "cairo_three_stage_truce.yaml"


def scripted(answers: list[str]) -> tuple[int, str, Session]:
    out = io.StringIO()
    session = Session(load(DEFAULT), {}, 0, out)
    feed: Iterator[str] = iter(answers)

    def read(prompt: str) -> str:
        out.write(prompt)
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    return interact(session, read), out.getvalue(), session


def test_pick_by_number_then_undo() -> None:
    status, out, session = scripted(["1", "2", "u", "q"])
    assert status == 0
    assert "1. israel: Israel accepts framework (israel_accepts_framework)" in out
    assert "→ israel: Israel accepts framework · Israel has accepted false→true" in out
    assert "undone" in out
    assert [s.event.trigger for s in session.run.history] == ["israel_accepts_framework"]


def test_continue_runs_to_an_end_and_end_of_input_is_clean() -> None:
    status, out, session = scripted(["c"])
    assert status == 0
    assert session.run.status in ("outcome", "stuck", "horizon")
    assert "end of input: session ended" in out


def test_unknown_answer_shows_help() -> None:
    _, out, _ = scripted(["x", "99", "q"])
    assert out.count("? number = fire that event") == 2


def _read_until(fd: int, needle: bytes, timeout: float = 20.0) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while needle not in data and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    return data


class _Terminal:
    """``python -m model.simulate --interactive`` on a pty that is its controlling terminal.

    The test keeps its own copy of the terminal's child end open: once every copy is closed,
    Linux may answer reads of the parent end with EIO before the program's last output has
    passed through the terminal (seen under load), and that output would be lost.
    """

    def __init__(self) -> None:
        self.fd, self._child_end = os.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "model.simulate", "--interactive"],
            stdin=self._child_end,
            stdout=self._child_end,
            stderr=self._child_end,
            cwd=ROOT,
            start_new_session=True,  # a session of its own, whose controlling terminal ...
            preexec_fn=_take_terminal,  # ... is this pty, so Ctrl-C there sends it SIGINT
        )

    def wait(self, timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.proc.poll()
            if status is not None:
                return status
            _read_until(self.fd, b"\0", 0.1)  # keep draining output
        raise TimeoutError("the interactive session did not end")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.fd)
        os.close(self._child_end)


def _take_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def test_through_a_terminal_pick_and_end_of_input() -> None:
    term = _Terminal()
    try:
        assert b"> " in _read_until(term.fd, b"> ")
        os.write(term.fd, b"1\n")
        assert b"Israel has accepted false" in _read_until(term.fd, b"Israel has accepted false")
        _read_until(term.fd, b"> ")
        os.write(term.fd, b"\x04")  # Ctrl-D: end of input
        assert b"session ended" in _read_until(term.fd, b"session ended")
        assert term.wait() == 0
    finally:
        term.close()


def test_through_a_terminal_ctrl_c_ends_cleanly() -> None:
    term = _Terminal()
    try:
        _read_until(term.fd, b"> ")
        os.write(term.fd, b"\x03")  # Ctrl-C typed at the terminal: SIGINT
        rest = _read_until(term.fd, b"session ended")
        assert b"interrupted: session ended" in rest
        assert b"Traceback" not in rest
        assert term.wait() == 0
    finally:
        term.close()


def test_an_event_typed_by_name_fires_or_says_why_it_cannot_happen_now() -> None:
    status, out, session = scripted(["truce_begins", "israel_accepts_framework", "q"])
    assert status == 0
    # the cairo truce: truce_begins needs both acceptances, false on day 0
    assert "✗ event 'truce_begins' is not enabled in state 'negotiating'" in out
    assert "`israel_accepts` (the guard: israel_accepts = false)" in out
    assert "`hamas_accepts` (the guard: hamas_accepts = false)" in out
    assert [s.event.trigger for s in session.run.history] == ["israel_accepts_framework"]
