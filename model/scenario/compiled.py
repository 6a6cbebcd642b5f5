"""A validated scenario: the file's data plus its compiled expressions and lookup tables.

Built only by `model.scenario.loader`; everything downstream (engine, checks, reports) takes this.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from model.base import display
from model.base.errors import clip, clip_value
from model.base.limits import MAX_LITERAL
from model.scenario import expr, walk
from model.scenario.labels import DAYS_PASS, Labels, labels_of
from model.scenario.provenance import SourceText
from model.scenario.schema import (
    EnumVariable,
    IntVariable,
    Parameter,
    ScenarioSpec,
    Transition,
    TransitionKind,
)
from model.scenario.yamlsource import Document

BUILTINS = ("day", "day_in_stage", "stage_days")
"""Names every guard, effect, weight and duration may read besides variables and parameters:
``day`` (days since the start), ``day_in_stage`` (days since the current stage began) and
``stage_days`` (the current stage's declared length)."""

ParamValue = int | bool

DAYS = -1
"""The label of a step in which days pass and nothing happens (no activity under way): not a
transition of the scenario; `Scenario.transition` describes it."""

SCHEDULE = "schedule"
"""The actor of scheduled events and deadlines: no party chooses them (a reserved party id)."""


class ParameterError(ValueError):
    """A parameter override names no parameter or gives a value it cannot take."""


Due = tuple[Literal["at", "every", "after"], expr.Compiled]
"""When a scheduled event or deadline is due: on a day of the stage ("at"), every N days in
its source state ("every"), or N days after entering it ("after"); N compiled."""


@dataclass(frozen=True)
class CompiledTransition:
    index: int
    name: str
    spec: Transition
    sources: tuple[str, ...]
    guard: expr.Compiled
    effects: tuple[tuple[str, expr.Compiled], ...]
    days: expr.Compiled
    weight: expr.Compiled
    # Timing (docs/semantics.md): a scheduled event's or deadline's day ("at": of the stage;
    # "after"/"every": in the source state), and a risk's chance `chance` in `out_of`.
    due: Due | None = None
    chance: tuple[expr.Compiled, expr.Compiled] | None = None

    @property
    def trigger(self) -> str:
        return self.spec.trigger

    @property
    def kind(self) -> TransitionKind:
        return self.spec.kind

    @property
    def actor(self) -> str:
        """The party that acts; the schedule (`SCHEDULE`) for scheduled events and deadlines."""
        if self.spec.kind in ("scheduled", "deadline") or self.spec.actor is None:
            return SCHEDULE
        return self.spec.actor

    @property
    def dest(self) -> str:
        return self.spec.dest


@dataclass(frozen=True)
class Scenario:
    """A scenario that passed every load-time check; safe to build and run."""

    spec: ScenarioSpec
    file: str
    document: Document = field(repr=False, compare=False)
    sources: Mapping[str, SourceText] = field(repr=False, compare=False)
    transitions: tuple[CompiledTransition, ...] = field(repr=False)
    invariants: tuple[tuple[str, expr.Compiled], ...] = field(repr=False)
    initial_values: tuple[tuple[str, expr.Compiled], ...] = field(repr=False)
    stage_days: Mapping[str, expr.Compiled | None] = field(repr=False)
    # Derived quantities, each after those it reads: closures reading names from an
    # environment (`DerivedEnv`), and trees with the derived names they read written out
    # (`expand`: the compiled table inlines them).
    derived: tuple[tuple[str, expr.Compiled], ...] = field(repr=False)
    derived_trees: Mapping[str, expr.Expr] = field(repr=False)
    # Schedule tables' data, by id: what expressions read with ``name[index]`` and ``upto``.
    tables: Mapping[str, expr.TableRows] = field(repr=False)
    # The type of every name an expression may read, for questions asked after loading
    # (`model.scenario.queries`).
    names: Mapping[str, expr.Type] = field(default_factory=dict, repr=False, compare=False)
    # What higher layers compile from this scenario once, kept as long as it lives (the
    # engine's compiled tables, by parameter values: model.semantics.engine).
    memo: dict[object, object] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.spec.id

    def transition(self, index: int) -> CompiledTransition:
        """Transition ``index``; for `DAYS`, a description of days passing with no event
        (actor: the schedule), so that reports name every step of a run."""
        return self.transitions[index] if index != DAYS else self._days_pass

    @cached_property
    def _days_pass(self) -> CompiledTransition:
        state = self.spec.initial
        spec = Transition.model_validate(
            {
                "trigger": "days_pass",
                "source": state,
                "dest": state,
                "schedule": {"every": 1},
                "assumption": "Days pass with no event (a chance of each risk enabled, or the "
                "wait for a scheduled day).",
            }
        )
        never: expr.Compiled = lambda env: False  # noqa: E731 - not a transition to evaluate
        return CompiledTransition(DAYS, DAYS_PASS, spec, (), never, (), never, never)

    @cached_property
    def labels(self) -> Labels:
        """Display names of states, events, variables, parameters, outcomes, stages, parties."""
        return labels_of(self.spec)

    @property
    def variable_names(self) -> tuple[str, ...]:
        return tuple(v.id for v in self.spec.variables)

    @property
    def derived_names(self) -> tuple[str, ...]:
        """The derived quantities in declaration order."""
        return tuple(d.id for d in self.spec.derived)

    def expand(self, tree: expr.Expr) -> expr.Expr:
        """``tree`` with every derived quantity it reads replaced by its expression."""
        return walk.expand(tree, self.derived_trees) if self.derived_trees else tree

    @property
    def bounds(self) -> dict[str, tuple[int, int]]:
        return {v.id: (v.min, v.max) for v in self.spec.variables if isinstance(v, IntVariable)}

    @property
    def enums(self) -> dict[str, tuple[str, ...]]:
        return {v.id: v.values for v in self.spec.variables if isinstance(v, EnumVariable)}

    def stage_of(self, state: str) -> str | None:
        return self._states[state][0]

    def outcome_of(self, state: str) -> str | None:
        return self._states[state][1]

    @property
    def outcome_states(self) -> dict[str, str]:
        return {s.id: s.outcome for s in self.spec.states if s.outcome}

    @cached_property
    def _states(self) -> dict[str, tuple[str | None, str | None]]:
        # Built once: stage_of runs at every step (a dict per call made 6,000 states slow).
        return {s.id: (s.stage, s.outcome) for s in self.spec.states}

    @cached_property
    def _stage_order(self) -> dict[str, int]:
        return {s.id: i for i, s in enumerate(self.spec.stages)}

    def stage_index(self, stage: str | None) -> int:
        """Position of a stage in the declared order (outcome states without one: last)."""
        order = self._stage_order
        return order[stage] if stage in order else len(order)

    def variant_choices(
        self, overrides: Mapping[str, object] | None = None
    ) -> list[dict[str, str]]:
        """Every combination of variants not fixed by ``overrides``, as ``--set`` values.

        A scenario without variant parameters gives one empty combination.
        """
        import itertools

        fixed = overrides or {}
        free = [p for p in self.spec.parameters if p.variants and p.id not in fixed]
        combos = itertools.product(*([(p.id, v.value) for v in p.variants] for p in free))
        return [{k: str(v).lower() for k, v in combo} for combo in combos]

    def variant_labels(self, params: Mapping[str, ParamValue]) -> list[str]:
        """``name = value: label (speaker)`` for each variant parameter, for reports."""
        return [label for p in self.spec.parameters for label, used in _variants(p, params) if used]

    def other_variants(self, params: Mapping[str, ParamValue]) -> list[str]:
        """The accounts not in use, each with the ``--set`` that chooses it."""
        return [
            f"{label} (--set {label.split(':')[0].replace(' = ', '=')})"
            for p in self.spec.parameters
            for label, used in _variants(p, params)
            if not used
        ]

    def _repr_svg_(self) -> str | None:
        """The state diagram, shown by Jupyter (drawn by `model.render`; see `base.display`)."""
        return display.svg("scenario", self)

    def parameters(self, overrides: Mapping[str, object] | None = None) -> dict[str, ParamValue]:
        """Parameter values: defaults, with ``overrides`` checked against type and bounds.

        Override values may be ints/bools or their text (``"12"``, ``"true"``) as typed on a
        command line.
        """
        specs = {p.id: p for p in self.spec.parameters}
        values: dict[str, ParamValue] = {p.id: p.default for p in self.spec.parameters}
        for name, raw in (overrides or {}).items():
            if name not in specs:
                known = ", ".join(specs) or "none"
                raise ParameterError(
                    f"unknown parameter {clip(name)}{_hint(name, specs)}; "
                    f"this scenario has: {known}"
                )
            values[name] = _coerce(specs[name], raw)
        return values


class DerivedEnv(Mapping[str, expr.Value]):
    """An environment (parameters, variables, clock) in which the derived quantities are read
    too, each evaluated when first read: one that cannot be evaluated (a division by zero)
    raises only where it is read."""

    def __init__(self, base: Mapping[str, expr.Value], scenario: Scenario) -> None:
        self._values = dict(base)
        self._derived = dict(scenario.derived)

    def __getitem__(self, name: str) -> expr.Value:
        if name not in self._values and name in self._derived:
            self._values[name] = self._derived[name](self)
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter({**self._values, **self._derived})

    def __len__(self) -> int:
        return len({**self._values, **self._derived})


def _variants(p: Parameter, params: Mapping[str, ParamValue]) -> list[tuple[str, bool]]:
    """Each variant of ``p`` as a report label, and whether it is the value in ``params``."""
    out = []
    for v in p.variants:
        who = f" ({v.quote.said_by})" if v.quote and v.quote.said_by else ""
        value = str(v.value).lower() if isinstance(v.value, bool) else str(v.value)
        used = v.value == params.get(p.id) and isinstance(v.value, bool) == isinstance(
            params.get(p.id), bool
        )
        out.append((f"{p.id} = {value}: {v.label}{who}", used))
    return out


def _hint(name: str, candidates: Mapping[str, object]) -> str:
    from model.base.hints import Hints

    return Hints()(name, candidates)


def _coerce(p: Parameter, raw: object) -> ParamValue:
    if p.type == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise ParameterError(f"parameter {p.id!r} takes true or false, not {clip(str(raw))}")
    if isinstance(raw, bool):
        raise ParameterError(f"parameter {p.id!r} takes a whole number, not {raw!r}")
    if isinstance(raw, int):
        big = abs(raw) > MAX_LITERAL
        value = raw
    else:
        text = str(raw).strip()
        if not re.fullmatch(r"[-+]?[0-9]+", text):
            raise ParameterError(f"parameter {p.id!r} takes a whole number, not {clip_value(raw)}")
        # Check the length before converting: int() refuses texts over 4,300 digits,
        # leading zeros included.
        digits = text.lstrip("+-").lstrip("0") or "0"
        big = len(digits) > len(str(MAX_LITERAL))
        value = 0 if big else (-int(digits) if text.startswith("-") else int(digits))
        big = big or abs(value) > MAX_LITERAL
    if big:
        raise ParameterError(
            f"parameter {p.id!r} takes a whole number between -{MAX_LITERAL} and {MAX_LITERAL} "
            f"(MAX_LITERAL), not {clip_value(raw)}"
        )
    if (p.min is not None and value < p.min) or (p.max is not None and value > p.max):
        low = "" if p.min is None else f"at least {p.min}"
        high = "" if p.max is None else f"at most {p.max}"
        raise ParameterError(
            f"parameter {p.id!r} must be {' and '.join(x for x in (low, high) if x)}, not {value}"
        )
    return value
