"""Run a scenario on the `transitions` state-machine library.

This is the only module that imports `transitions`: the engine adapter. A `Run` builds a real
``Machine`` whose states are the scenario's states; the machine holds and changes the control
state, and the step rules are the compiled table's (`model.semantics.table.Table`, the one step
semantics, which the explorer, the checker and Monte Carlo run on). Each transition's condition
asks the table whether it is enabled, and its ``before`` callback asks the table what firing it
gives (on the table's careful path, which evaluates one piece at a time and raises the located
error of a step that breaks a rule).

Notebook use::

    from model import load, Run
    run = Run(load("scenarios/cairo_three_stage_truce.yaml"))
    run.enabled()          # events that can happen now, with their actors
    run.fire("israel_accepts_framework")
    run.history            # the steps so far
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from transitions import EventData, Machine

from model.base import display
from model.base.errors import RunError
from model.base.limits import DEFAULT_MAX_STEPS
from model.scenario.compiled import DAYS, SCHEDULE, CompiledTransition, ParamValue, Scenario
from model.scenario.expr import Value
from model.scenario.schema import Citation, Quote
from model.semantics.rules import Key
from model.semantics.step import Snapshot, weighted_choice
from model.semantics.table import Table
from model.semantics.why import NotEnabled, why_not

DAYS_PASS = "days_pass"
"""The engine's trigger for days passing with no event (a reserved trigger name)."""

Status = Literal["running", "outcome", "stuck", "horizon", "max_steps", "error"]


@dataclass(frozen=True)
class Event:
    """An event that can happen now: which transition, who acts, with what weight."""

    index: int
    name: str
    trigger: str
    actor: str
    dest: str
    weight: int
    quote: Quote | None
    assumption: str | None
    citation: Citation | None = None


@dataclass(frozen=True)
class Step:
    """One fired event and what it changed."""

    number: int
    event: Event
    before: Snapshot
    after: Snapshot
    changes: Mapping[str, tuple[Value, Value]] = field(default_factory=dict)


class _Model:
    """The object the `transitions` machine drives; `state` is set by the library."""

    state: str
    trigger: Callable[..., bool]
    may_trigger: Callable[..., bool]

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot


class Run:
    """One run of a scenario: a `transitions` machine plus the variables and the clock."""

    def __init__(self, scenario: Scenario, params: Mapping[str, object] | None = None) -> None:
        self.scenario = scenario
        self.params: dict[str, ParamValue] = scenario.parameters(params)
        self.semantics = _table(scenario, self.params)  # the step rules
        self.history: list[Step] = []
        self.error: RunError | None = None
        self._model = _Model(self.semantics.start())
        self._machine = Machine(
            model=self._model,
            states=[s.id for s in scenario.spec.states],
            initial=scenario.spec.initial,
            transitions=[
                *(c for t in scenario.transitions for c in self._config(t)),
                {  # days passing with nothing happening (the schedule acts: no party)
                    "trigger": DAYS_PASS,
                    "source": "*",
                    "dest": None,
                    "conditions": [partial(self._stays_or_fails, DAYS)],
                    "before": [partial(self._effects, DAYS)],
                },
            ],
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
        )

    def _config(self, t: CompiledTransition) -> list[dict[str, Any]]:
        """The machine's transitions for ``t``: to its destination, and an internal one for
        its steps that leave the run in the state it is in (an activity starting or going
        on, a risk or scheduled event whose destination is its source)."""
        return [
            {
                "trigger": t.trigger,
                "source": list(t.sources),
                "dest": t.dest,
                "conditions": [partial(self._moves, t.index)],
                "before": [partial(self._effects, t.index)],
            },
            {
                "trigger": t.trigger,
                "source": list(t.sources),
                "dest": None,
                "conditions": [partial(self._stays, t.index)],
                "before": [partial(self._effects, t.index)],
            },
        ]

    def _next(self, index: int, event: EventData) -> Snapshot | RunError | None:
        """The snapshot after the step labelled ``index`` (None: not a step now; the error
        of a step that breaks a rule, raised by `_effects`)."""
        chosen = event.kwargs.get("index")
        if chosen is not None and chosen != index:
            return None
        key = self._key()
        if not self.semantics.enables(key, index):
            return None
        try:
            return self.semantics.snapshot(self.semantics.step(key, index))
        except RunError as exc:
            return exc

    def _moves(self, index: int, event: EventData) -> bool:
        nxt = self._next(index, event)
        return isinstance(nxt, RunError) or (nxt is not None and nxt.state != self.state)

    def _stays(self, index: int, event: EventData) -> bool:
        nxt = self._next(index, event)
        return isinstance(nxt, Snapshot) and nxt.state == self.state

    def _stays_or_fails(self, index: int, event: EventData) -> bool:
        """Days passing never move the run: the one transition for them also raises the
        error of a day that breaks a rule (from `_effects`)."""
        nxt = self._next(index, event)
        return nxt is not None

    def _effects(self, index: int, event: EventData) -> None:
        self._model.snapshot = self.semantics.snapshot(self.semantics.step(self._key(), index))

    def _key(self) -> Key:
        return self.semantics.key(self._model.snapshot)

    # -- reading the run -----------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        return self._model.snapshot

    @property
    def state(self) -> str:
        """The current state, as the `transitions` machine holds it."""
        return self._model.state

    @property
    def day(self) -> int:
        return self.snapshot.day

    @property
    def values(self) -> dict[str, Value]:
        return dict(zip(self.semantics.names, self.snapshot.values))

    @property
    def derived(self) -> dict[str, Value | None]:
        """The derived quantities' values now (None where one cannot be evaluated)."""
        return self.semantics.derived_values(self.snapshot)

    @property
    def stage(self) -> str | None:
        return self.scenario.stage_of(self.state)

    @property
    def outcome(self) -> str | None:
        return self.scenario.outcome_of(self.state)

    def enabled(self) -> list[Event]:
        """Events that can fire now, in the scenario's order, with actor and weight."""
        if self.outcome is not None or self.error is not None:
            return []
        transitions = self.scenario.transitions
        return [
            _event(transitions[i], w) if i != DAYS else self._days_pass(w)
            for i, w, _ in self.semantics.events(self._key())
        ]

    def _days_pass(self, weight: int) -> Event:
        return Event(
            DAYS,
            "days pass",
            DAYS_PASS,
            SCHEDULE,
            self.state,
            weight,
            None,
            "Days pass with no event: a chance of each risk, or the wait for a scheduled day.",
        )

    @property
    def status(self) -> Status:
        if self.error is not None:
            return "error"
        if self.outcome is not None:
            return "outcome"
        if self.enabled():
            return "running"
        return "horizon" if self.semantics.blocked(self._key()) else "stuck"

    # -- acting --------------------------------------------------------------------------

    def fire(self, event: Event | str | int) -> Step:
        """Fire an event: an `Event` from `enabled()`, its transition index, or its trigger.

        A trigger that matches several enabled transitions is refused as ambiguous. A step
        that breaks a bound or an invariant raises `RunError` and leaves the run unchanged.
        """
        chosen = self._resolve(event)
        before = self.snapshot
        try:
            fired = self._model_trigger(chosen)
        except RunError as exc:
            self.error = exc
            raise
        if not fired:  # pragma: no cover - guarded by _resolve
            raise RuntimeError(f"the engine refused {chosen.name} although it was enabled")
        after = self.snapshot
        changes = {
            n: (a, b)
            for n, a, b in zip(self.semantics.names, before.values, after.values)
            if a != b
        }
        step = Step(len(self.history) + 1, chosen, before, after, changes)
        self.history.append(step)
        return step

    def accepts(self, trigger: str, index: int | None = None) -> bool:
        """Whether the `transitions` machine would take ``trigger`` now (without firing it).

        With ``index``, only that transition is considered. This asks the library itself,
        so tests can compare it with the explorer.
        """
        if self.outcome is not None or trigger not in self._machine.events:
            return False
        kwargs = {} if index is None else {"index": index}
        return bool(self._model.may_trigger(trigger, **kwargs))

    def _model_trigger(self, event: Event) -> bool:
        trigger = self._model.trigger  # added by `transitions`
        return bool(trigger(event.trigger, index=event.index))

    def _resolve(self, event: Event | str | int) -> Event:
        enabled = self.enabled()
        if isinstance(event, Event):
            matches = [e for e in enabled if e.index == event.index]
        elif isinstance(event, int):
            matches = [e for e in enabled if e.index == event]
        else:
            matches = [e for e in enabled if event in (e.trigger, e.name)]
        if len(matches) == 1:
            return matches[0]
        names = ", ".join(e.name for e in enabled) or "none"
        if not matches:
            wanted = [t for t in self.scenario.transitions if _names(t, event)]
            why = why_not(self.semantics, self._key(), wanted)
            because = f" ({why})" if wanted and self.outcome is None else ""
            raise NotEnabled(
                f"{_label(event)} is not enabled in state {self.state!r}{because}; "
                f"enabled: {names}",
                why.false,
            )
        raise ValueError(
            f"{_label(event)} matches {len(matches)} enabled transitions "
            f"({', '.join(e.name for e in matches)}); fire one by its Event or index"
        )

    def _repr_svg_(self) -> str | None:
        """The run's timeline, shown by Jupyter (drawn by `model.render`; see `base.display`)."""
        return display.svg("run", self)

    def play(self, seed: int | None = 0, max_steps: int = DEFAULT_MAX_STEPS) -> Status:
        """Fire weighted random events until an outcome, a stop, or ``max_steps``.

        An expression that cannot be evaluated while listing the events raises its
        `EvaluationError`, which is also kept in ``error`` (the run's status is then "error").
        """
        rng = random.Random(seed)
        while len(self.history) < max_steps:
            try:
                events = self.enabled()
            except RunError as exc:  # an expression cannot be evaluated: the run ends here
                self.error = exc
                raise
            if not events:
                return self.status
            choice = events[weighted_choice(rng, [e.weight for e in events])]
            try:
                self.fire(choice)
            except RunError:
                return "error"
        return self.status if self.status != "running" else "max_steps"


def _table(scenario: Scenario, params: Mapping[str, ParamValue]) -> Table:
    """The compiled table of ``scenario`` under ``params``, built once per scenario and
    parameter values (in ``scenario.memo``): a `Table` holds no run state, and compiling it
    (about 0.5 ms for the three-stage truce) would otherwise be most of a short run's time."""
    key = ("engine table", *sorted(params.items()))
    table = scenario.memo.get(key)
    if not isinstance(table, Table):
        table = scenario.memo[key] = Table(scenario, params)
    return table


def _event(t: CompiledTransition, weight: int) -> Event:
    spec = t.spec
    return Event(
        t.index,
        t.name,
        t.trigger,
        t.actor,
        t.dest,
        weight,
        spec.quote,
        spec.assumption,
        spec.citation,
    )


def _names(t: CompiledTransition, event: Event | str | int) -> bool:
    """Whether ``event`` (an `Event`, an index or a trigger or name) names ``t``."""
    if isinstance(event, Event):
        return t.index == event.index
    if isinstance(event, int):
        return t.index == event
    return event in (t.trigger, t.name)


def _label(event: Event | str | int) -> str:
    if isinstance(event, Event):
        return f"event {event.name!r}"
    return f"transition #{event}" if isinstance(event, int) else f"event {event!r}"
