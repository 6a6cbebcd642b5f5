"""The tests' independent reference of the step semantics, rules of time included.

`Semantics` follows docs/semantics.md, "The rules, precisely", on environment dicts
(`reference_rules.Rules`: `model.scenario.expr` closures, derived quantities read from the
environment), written independently of the compiled table (`model.semantics.table`), which
the differential tests compare with it: `steps` (every step out of a snapshot with its exact
probability, days and next snapshot, and the located errors of the steps that break a rule)
and `ending` (stuck or horizon).

`semantics_runner` is a `model.semantics.summary.RunnerFactory` on it: Monte Carlo's
reference (``monte_carlo(..., runner=semantics_runner)``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Literal

from reference_rules import Rules

from model.base.errors import EvaluationError, RunError
from model.scenario.compiled import CompiledTransition, ParamValue, Scenario
from model.scenario.expr import Value
from model.semantics.step import Snapshot, weighted_choice
from model.semantics.summary import EndStatus, RunOnce, RunSummary

Ending = Literal["stuck", "horizon"]


@dataclass(frozen=True)
class Entry:
    """One branch out of a snapshot: its label (transition index, -1: days pass), its integer
    weight (None: the step could not even be listed), its days, and where it leads (or the
    error of the rule it breaks)."""

    label: int
    weight: int | None
    days: int
    result: Snapshot | RunError


@dataclass(frozen=True)
class Node:
    """The step out of a snapshot: which rule ("one": a scheduled event, a deadline or an
    arrival, probability 1; "decisions": weights as written; "tick": a day passes, weights
    the probabilities times the lcm of their denominators; "end": no step), its branches in
    step order, and for "end" how the run ended (None: an outcome)."""

    kind: Literal["one", "decisions", "tick", "end"]
    entries: list[Entry]
    ending: Ending | None = None

    @property
    def total(self) -> int:
        return sum(e.weight for e in self.entries if e.weight is not None)

    @property
    def listed(self) -> bool:
        """Whether every branch could be listed (its weight is known)."""
        return all(e.weight is not None for e in self.entries)


class Labelled(Exception):
    """A `RunError` of transition ``label``, raised through a test that has no label."""

    def __init__(self, label: int, error: RunError) -> None:
        super().__init__(str(error))
        self.label, self.error = label, error


class Semantics(Rules):
    """Step semantics of one scenario under fixed parameter values, rules of time included."""

    # -- the rules of time (docs/semantics.md, "The rules, precisely") ----------------------

    def steps(
        self, snap: Snapshot
    ) -> tuple[list[tuple[int, Fraction, int, Snapshot]], list[tuple[int, RunError]]]:
        """Every step out of ``snap`` as (label, probability, days, next snapshot), and the
        located errors of the steps that break a rule, as (label, error); label: the
        transition's index, -1 for days passing with no activity."""
        node = self.node(snap)
        total = node.total
        steps = [
            (e.label, Fraction(e.weight, total), e.days, e.result)
            for e in node.entries
            if isinstance(e.result, Snapshot) and e.weight is not None
        ]
        errors = [(e.label, e.result) for e in node.entries if isinstance(e.result, RunError)]
        return steps, errors

    def ending(self, snap: Snapshot) -> Ending | None:
        """ "stuck" or "horizon" for a snapshot with no step (None: an outcome, a step)."""
        return self.node(snap).ending

    def node(self, snap: Snapshot) -> Node:
        """What leaves ``snap``: the first rule that applies, its branches in step order."""
        if self.is_outcome(snap):
            return Node("end", [])
        env = self.env(snap)
        due, error = self._first_due(snap, env)
        if error is not None:
            return Node("one", [error])
        if due is not None:  # 1. a scheduled event or deadline due today
            step = self._scheduled(due, snap)
            return Node("one", [self._branch(due.index, 1, snap, step)])
        if snap.activity is not None and snap.activity[1] == 0:  # 2. arrival
            a = self.scenario.transitions[snap.activity[0]]
            arrive = lambda: self._fold(a.index, self._arrive(snap), own=False)  # noqa: E731
            return Node("one", [self._branch(a.index, 1, snap, arrive)])
        blocked = False
        if snap.activity is None:  # 3. decisions
            entries: list[Entry] = []
            for t in self.candidates(snap.state):
                if t.kind != "decision":
                    continue
                try:  # guard, then weight, then (weight above 0) days, as `is_enabled`
                    if not self.guard(t, env) or (w := self.weight(t, env)) <= 0:
                        continue
                    d = self.duration(t, env)
                except RunError as exc:
                    entries.append(Entry(t.index, None, 0, exc))
                    continue
                if snap.day + d > self.horizon:
                    blocked = True
                else:
                    entries.append(self._branch(t.index, w, snap, self._decide(t, d, snap)))
            if entries:
                return Node("decisions", entries)
        # 4. a day passes (risks listed first: an enabled risk is pending)
        risks: list[tuple[CompiledTransition, Fraction]] = []
        errors: list[Entry] = []
        for t in self.candidates(snap.state):
            if t.kind == "risk":
                try:
                    p = self._risk(t, env)
                except RunError as exc:
                    errors.append(Entry(t.index, None, 0, exc))
                    continue
                if p:
                    risks.append((t, p))
        if errors:
            return Node("tick", errors)
        try:
            pending = snap.activity is not None or bool(risks) or self._pending(snap, env)
        except Labelled as exc:
            return Node("tick", [Entry(exc.label, None, 0, exc.error)])
        if not pending or snap.day >= self.horizon:
            return Node("end", [], "horizon" if blocked or pending else "stuck")
        return Node("tick", self._tick(snap, [(t, p) for t, p in risks if self._active(t, snap)]))

    def _tick(
        self, snap: Snapshot, risks: list[tuple[CompiledTransition, Fraction]]
    ) -> list[Entry]:
        """A day passes: risk i with p_i * prod_{j<i} (1 - p_j), then nothing happening with
        prod (1 - p_j); branches of probability 0 are left out (reading: no such step)."""
        out: list[tuple[int, Fraction, Callable[[], Snapshot]]] = []
        rest = Fraction(1)
        for t, p in risks:
            out.append((t.index, p * rest, self._occur(t, snap)))
            rest *= 1 - p
        label = snap.activity[0] if snap.activity is not None else -1
        out.append((label, rest, self._quiet_day(label, snap)))
        out = [x for x in out if x[1] > 0]
        scale = math.lcm(*(p.denominator for _, p, _ in out))
        return [self._branch(i, int(p * scale), snap, f) for i, p, f in out]

    def _branch(self, label: int, weight: int, snap: Snapshot, f: Callable[[], Snapshot]) -> Entry:
        try:
            after = f()
        except RunError as exc:
            return Entry(label, weight, 0, exc)
        return Entry(label, weight, after.day - snap.day, after)

    # the steps (each returns the snapshot reached, quiet days folded in, or raises)

    def _checked(self, snap: Snapshot, after: str) -> None:
        """Invariants on a snapshot a step reaches, except one at which an activity arrives
        at once (docs/semantics.md, "Checks": its arrival is checked instead)."""
        if snap.activity is not None and snap.activity[1] == 0:
            return
        self.check_invariants(snap, after)

    def _scheduled(self, t: CompiledTransition, snap: Snapshot) -> Callable[[], Snapshot]:
        def step() -> Snapshot:
            after = self._enter(snap, t.dest, self._effects(t, snap), snap.day)
            if t.dest == snap.state:
                after = replace(after, fired=after.fired | 1 << t.index)
            self._checked(after, f"transition {t.name}")
            return self._fold(t.index, after, own=False)

        return step

    def _arrive(self, snap: Snapshot) -> Snapshot:
        assert snap.activity is not None
        t = self.scenario.transitions[snap.activity[0]]
        after = replace(self._enter(snap, t.dest, self._effects(t, snap), snap.day), activity=None)
        self._checked(after, f"transition {t.name}")
        return after

    def _decide(self, t: CompiledTransition, d: int, snap: Snapshot) -> Callable[[], Snapshot]:
        def step() -> Snapshot:
            if d == 0:
                after = self._enter(snap, t.dest, self._effects(t, snap), snap.day)
            else:  # an activity starts: nothing else changes yet
                after = replace(snap, activity=(t.index, d))
            self._checked(after, f"transition {t.name}")
            return self._fold(t.index, after, own=d > 0)

        return step

    def _occur(self, t: CompiledTransition, snap: Snapshot) -> Callable[[], Snapshot]:
        def step() -> Snapshot:
            values = self._effects(t, snap)  # on the values before the day
            after = self._day_passes(snap)
            after = self._enter(after, t.dest, values, after.day)
            self._checked(after, f"transition {t.name}")
            return self._fold(t.index, after, own=False)

        return step

    def _quiet_day(self, label: int, snap: Snapshot) -> Callable[[], Snapshot]:
        def step() -> Snapshot:
            after = self._day_passes(snap)
            self._checked(after, self._after(label))
            return self._fold(label, after, own=label >= 0)

        return step

    def _fold(self, label: int, snap: Snapshot, own: bool) -> Snapshot:
        """``snap`` after the quiet days that follow it (and the arrival of the step's own
        activity, when it arrives with nothing due), each day checked as part of the step."""
        while True:
            if self.quiet(snap):
                snap = self._day_passes(snap)
                self._checked(snap, self._after(label))
            elif (
                own
                and snap.activity is not None
                and snap.activity == (label, 0)
                and self._nothing_due(snap)
            ):
                snap = self._arrive(snap)
            else:
                return snap

    def _nothing_due(self, snap: Snapshot) -> bool:
        try:
            t, error = self._first_due(snap, self.env(snap))
        except RunError:  # pragma: no cover - env() of a snapshot already checked
            return False
        return t is None and error is None

    def quiet(self, snap: Snapshot) -> bool:
        """Whether a day passes from ``snap`` with nothing but the clock (an expression that
        cannot be evaluated: not quiet; the next step raises its error)."""
        if self.is_outcome(snap) or snap.day >= self.horizon:
            return False
        try:
            env = self.env(snap)
            t, error = self._first_due(snap, env)
            if t is not None or error is not None:
                return False
            if snap.activity is not None:
                if snap.activity[1] == 0:
                    return False
            elif any(self.is_enabled(t, snap, env) for t in self._decisions(snap.state)):
                return False
            risks = [t for t in self.candidates(snap.state) if t.kind == "risk"]
            enabled = [t for t in risks if self._risk(t, env)]
            if any(self._active(t, snap) for t in enabled):
                return False
            return snap.activity is not None or bool(enabled) or self._pending(snap, env)
        except (RunError, Labelled):
            return False

    # the pieces of a step

    def _day_passes(self, snap: Snapshot) -> Snapshot:
        activity = snap.activity
        if activity is not None:
            activity = (activity[0], activity[1] - 1)
        return replace(snap, day=snap.day + 1, activity=activity, fired=0)

    def _enter(self, snap: Snapshot, dest: str, values: tuple[Value, ...], day: int) -> Snapshot:
        """The run in ``dest`` with ``values`` on ``day`` (the "moving" rule when ``dest`` is
        another control state; a self-loop keeps the bookkeeping)."""
        if dest == snap.state:
            return replace(snap, values=values, day=day)
        same_stage = self.scenario.stage_of(dest) == self.scenario.stage_of(snap.state)
        return Snapshot(
            dest,
            values,
            day,
            snap.stage_start if same_stage else day,
            day if dest in self._records_entered else 0,
            None,
            0,
        )

    def _after(self, label: int) -> str:
        """What an invariant is false after, for a step labelled ``label`` (reading: days
        passing with no activity is "days passing")."""
        if label < 0:
            return "days passing"
        return f"transition {self.scenario.transitions[label].name}"

    def _decisions(self, state: str) -> list[CompiledTransition]:
        return [t for t in self.candidates(state) if t.kind == "decision"]

    def _timed(self, state: str) -> list[CompiledTransition]:
        return [t for t in self.candidates(state) if t.due is not None]

    def _first_due(
        self, snap: Snapshot, env: Mapping[str, Value]
    ) -> tuple[CompiledTransition | None, Entry | None]:
        """The first due scheduled event or deadline whose guard holds, or the error of the
        first whose day or guard cannot be evaluated (the step is then that one's error)."""
        for t in self._timed(snap.state):
            if snap.fired >> t.index & 1:
                continue
            try:
                if self._is_due(t, snap, env) and self.guard(t, env):
                    return t, None
            except RunError as exc:
                return None, Entry(t.index, None, 0, exc)
        return None, None

    def _is_due(self, t: CompiledTransition, snap: Snapshot, env: Mapping[str, Value]) -> bool:
        assert t.due is not None
        kind, n = t.due[0], self._due_day(t, env)
        if kind == "at":
            return snap.day_in_stage == n
        if kind == "after":
            return snap.days_in_state == n
        return snap.days_in_state > 0 and snap.days_in_state % n == 0

    def _pending(self, snap: Snapshot, env: Mapping[str, Value]) -> bool:
        """Whether a scheduled event or deadline of the state can still become due (an
        enabled risk, the other half of "pending", is the caller's); raises `Labelled`."""
        for t in self._timed(snap.state):
            assert t.due is not None
            try:
                n = self._due_day(t, env)
            except RunError as exc:
                raise Labelled(t.index, exc) from None
            kind = t.due[0]
            if kind == "every":
                return True
            if n > (snap.day_in_stage if kind == "at" else snap.days_in_state):
                return True
        return False

    def _due_day(self, t: CompiledTransition, env: Mapping[str, Value]) -> int:
        """N of ``t``'s at/every/after (by/within), an error when negative (every: not positive)."""
        assert t.due is not None
        kind, f = t.due
        section = "schedule" if t.kind == "scheduled" else "deadline"
        field = kind if section == "schedule" else {"at": "by", "after": "within"}[kind]
        path = ("transitions", t.index, section, field)
        n = self._int(f, env, f"transition {t.name}: {field}", path)
        if n < 0 or (kind == "every" and n == 0):
            what = "be above 0" if kind == "every" else "be 0 or more"
            err = EvaluationError(f"transition {t.name}", f"{field} must {what} (found {n})")
            raise self.located(err, path)
        return n

    def _risk(self, t: CompiledTransition, env: Mapping[str, Value]) -> Fraction:
        """``t``'s chance per day (or week) when its guard holds, else 0; the chance must be
        0 <= chance <= in with in > 0 (else an error of the risk, at its chance)."""
        if not self.guard(t, env):
            return Fraction(0)
        assert t.chance is not None
        base = ("transitions", t.index, "risk")
        chance = self._int(t.chance[0], env, f"transition {t.name}: chance", (*base, "chance"))
        out_of = self._int(t.chance[1], env, f"transition {t.name}: in", (*base, "in"))
        if out_of <= 0 or not 0 <= chance <= out_of:  # placed at the chance, as the table does
            err = EvaluationError(
                f"transition {t.name}",
                "a risk's chance must be between 0 and its 'in', which must be above 0 "
                f"(found {chance} in {out_of})",
            )
            raise self.located(err, (*base, "chance"))
        return Fraction(chance, out_of)

    def _active(self, t: CompiledTransition, snap: Snapshot) -> bool:
        """Whether an enabled risk is active on the coming day (weekly: it completes a week)."""
        return t.spec.risk is None or t.spec.risk.per == "day" or (snap.day_in_stage + 1) % 7 == 0


@dataclass(frozen=True)
class Walk:
    """One random run on `Semantics`, as the engine's `Run.play` and the fast path end it:
    status ("raised": the start or a listing of steps raised ``error``), the labels of the
    steps taken, the last snapshot (before the failing step; None: the start raised), the
    stages visited in declared order."""

    status: str
    trace: tuple[int, ...]
    snapshot: Snapshot | None
    error: RunError | None
    outcome: str | None
    stages: tuple[str, ...]


def walk(sem: Semantics, seed: int, max_steps: int) -> Walk:
    """A run drawn with `weighted_choice` over each node's integer weights in step order
    (decisions: the weights as written; a day: the probabilities times the lcm of their
    denominators; a scheduled event or an arrival: [1]), as the compiled table draws."""
    rng = random.Random(seed)
    try:
        snap = sem.initial()
    except RunError as exc:
        return Walk("raised", (), None, exc, None, ())
    order = [st.id for st in sem.scenario.spec.stages]
    seen: set[str] = set()
    trace: list[int] = []

    def end(status: str, error: RunError | None = None, outcome: str | None = None) -> Walk:
        stages = tuple(st for st in order if st in seen)
        return Walk(status, tuple(trace), snap, error, outcome, stages)

    while True:
        stage = sem.scenario.stage_of(snap.state)
        if stage is not None:
            seen.add(stage)
        outcome = sem.scenario.outcome_of(snap.state)
        if outcome is not None:
            return end("outcome", outcome=outcome)
        node = sem.node(snap)
        unlisted = [e.result for e in node.entries if e.weight is None]
        if unlisted:
            assert isinstance(unlisted[0], RunError)
            return end("raised", unlisted[0])
        if node.kind == "end":
            return end(node.ending or "stuck")
        if len(trace) >= max_steps:
            return end("max_steps")
        chosen = node.entries[weighted_choice(rng, [e.weight or 0 for e in node.entries])]
        if isinstance(chosen.result, RunError):
            return end("error", chosen.result)
        snap = chosen.result
        trace.append(chosen.label)


def semantics_runner(
    scenario: Scenario, params: Mapping[str, ParamValue], max_steps: int
) -> RunOnce:
    """``run_once(seed)`` on `walk`, with the statuses of `Run.play`; where the engine raises
    (the start, or a guard or weight that cannot be evaluated), the run ends with status
    ``error`` here."""
    sem = Semantics(scenario, params)

    def run_once(seed: int) -> RunSummary:
        w = walk(sem, seed, max_steps)
        kind = w.error.kind if w.error is not None else None
        if w.snapshot is None:
            return RunSummary("error", None, 0, 0, frozenset(), kind)
        status: EndStatus = "error" if w.status == "raised" else w.status  # type: ignore[assignment]
        day, steps = w.snapshot.day, len(w.trace)
        return RunSummary(status, w.outcome, day, steps, frozenset(w.stages), kind)

    return run_once
