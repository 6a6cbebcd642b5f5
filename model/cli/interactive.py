"""Step through a scenario by hand: ``python -m model.simulate --interactive``.

Shows the day, stage, state and variables, and the events that can happen now with their
actor and source; the user picks one by number, undoes the last step, lets the simulation
take one weighted random step or run to the end, or quits. End of input (Ctrl-D) and Ctrl-C
end the session cleanly.
"""

from __future__ import annotations

import os
import random
import select
import signal
import sys
from collections.abc import Callable
from typing import TextIO

from model.base.errors import RunError
from model.base.limits import DEFAULT_MAX_STEPS
from model.reports.text import derived_text, fmt_value, values_text, wrap
from model.scenario.compiled import Scenario
from model.scenario.provenance import provenance_record, provenance_texts
from model.semantics.engine import Event, Run
from model.semantics.records import stage_name
from model.semantics.step import weighted_choice

HELP = (
    "number = fire that event · r = one random step · c = continue to the end · u = undo · q = quit"
    " · an event's name = fire it, or say why it cannot happen now"
)


class Session:
    """An interactive run with undo (by replaying the events fired so far)."""

    def __init__(
        self,
        scenario: Scenario,
        params: dict[str, str],
        seed: int,
        out: TextIO,
        max_steps: int = DEFAULT_MAX_STEPS,
    ) -> None:
        self.scenario, self.params, self.out = scenario, params, out
        self.rng = random.Random(seed)
        self.run = Run(scenario, params)
        self.max_steps = max_steps  # where "c" stops: a cycle of zero-day steps never ends
        # Event names the user may type (answers are read in lower case).
        self.names = {n.lower(): n for t in scenario.transitions for n in (t.trigger, t.name)}
        self.labels = scenario.labels
        self.declared = {"labels": self.labels.declared()}  # for `values_text`

    def show(self) -> list[Event]:
        run, w = self.run, self.out.write
        stage = stage_name(self.scenario, run.state) or "outcome"
        w(f"\nday {run.day} · {stage} · state {self.labels.state(run.state)}\n")
        for line in wrap(values_text(self.declared, run.values), "  ", 2):
            w(line + "\n")
        if self.scenario.derived_names:
            for line in wrap(derived_text(run.semantics.derived_values(run.snapshot)), "  ", 2):
                w(line + "\n")
        if run.outcome is not None:
            w(f"outcome reached: {self.labels.outcome(run.outcome)} (u = undo, q = quit)\n")
            return []
        events = run.enabled()
        if not events:
            w(f"no event can happen ({run.status}); u = undo, q = quit\n")
        for n, e in enumerate(events, 1):
            # The id beside the label: an event may be fired by typing its name.
            head = f"  {n:>2}. {e.actor}: {self.labels.named(e.name)}" + (
                f" → {self.labels.state(e.dest)}" if e.dest != run.state else ""
            )
            w(head + "\n")
            for line in self._source_lines(e):
                w(line + "\n")
        return events

    def _source_lines(self, event: Event) -> list[str]:
        record = provenance_record(event, self.scenario.spec.sources)
        return [ln for text in provenance_texts(record) for ln in wrap(text, " " * 8, 2, width=90)]

    def fire(self, event: Event) -> None:
        try:
            step = self.run.fire(event)
        except RunError as exc:
            self.out.write(f"  ✗ {exc}; the step was not taken (u = undo)\n")
            return
        changes = ", ".join(
            f"{self.labels.variable(k)} {fmt_value(a)}→{fmt_value(b)}"
            for k, (a, b) in step.changes.items()
        )
        shown = self.labels.transition(event.name)
        self.out.write(f"  → {event.actor}: {shown}" + (f" · {changes}" if changes else "") + "\n")

    def fire_by_name(self, name: str) -> None:
        """Fire the event called ``name``, or say which of its conditions are false now."""
        try:
            event = next(e for e in self.run.enabled() if name in (e.trigger, e.name))
        except StopIteration:
            try:
                self.run.fire(name)  # not enabled: raises, saying why
            except ValueError as exc:
                self.out.write(f"  ✗ {exc}\n")
                return
            raise AssertionError("fired an event that was not enabled") from None
        self.fire(event)

    def undo(self) -> None:
        if not self.run.history:
            self.out.write("  nothing to undo\n")
            return
        fired = [s.event.index for s in self.run.history[:-1]]
        self.run = Run(self.scenario, self.params)
        for index in fired:
            self.run.fire(index)
        self.out.write("  undone\n")

    def random_step(self, events: list[Event]) -> None:
        self.fire(events[weighted_choice(self.rng, [e.weight for e in events])])


def terminal_input() -> Callable[[str], str]:
    """What reads the user's answers: `read_line` on a terminal, ``input`` otherwise."""
    return read_line if sys.stdin.isatty() else input


def read_line(prompt: str) -> str:
    """``input`` for a terminal, without losing a Ctrl-C typed just as the prompt appears.

    ``input`` writes the prompt and then blocks in ``read``; a SIGINT that arrives between
    the two only sets Python's flag, and the read goes on until Enter. Here the signal also
    writes to a wake-up pipe that ``select`` watches with the terminal, so Python's handler
    runs (raising KeyboardInterrupt) whenever the signal comes. A terminal in line mode
    answers each read with one line, so nothing is left in Python's buffer between calls.
    """
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    previous = signal.set_wakeup_fd(wake_w)
    try:
        sys.stdout.write(prompt)
        sys.stdout.flush()
        stdin = sys.stdin.fileno()
        while stdin not in select.select([stdin, wake_r], [], [])[0]:
            os.read(wake_r, 512)  # another signal, already handled: wait on
        line = sys.stdin.readline()
    finally:
        signal.set_wakeup_fd(previous)
        os.close(wake_r)
        os.close(wake_w)
    if not line:
        raise EOFError
    return line.rstrip("\n")


def interact(session: Session, read: Callable[[str], str]) -> int:
    """The read-act loop; ``read`` is ``input`` in a terminal. Returns the exit status."""
    out = session.out
    out.write(f"{session.scenario.spec.title}\n{HELP}\n")
    try:
        while True:
            events = session.show()
            try:
                answer = read("> ").strip().lower()
            except EOFError:
                out.write("\nend of input: session ended\n")
                return 0
            if answer in ("q", "quit", "exit"):
                return 0
            if answer == "u":
                session.undo()
            elif answer == "r" and events:
                session.random_step(events)
            elif answer == "c":
                while (
                    (events := session.run.enabled())
                    and session.run.error is None
                    and len(session.run.history) < session.max_steps
                ):
                    session.random_step(events)
                if events and session.run.error is None:
                    out.write(f"  stopped after {session.max_steps} steps (--max-steps)\n")
            elif answer.isdecimal() and len(answer) < 6 and 1 <= int(answer) <= len(events):
                session.fire(events[int(answer) - 1])
            elif answer in session.names:
                session.fire_by_name(session.names[answer])
            else:
                out.write(f"  ? {HELP}\n")
    except KeyboardInterrupt:
        out.write("\ninterrupted: session ended\n")
        return 0
