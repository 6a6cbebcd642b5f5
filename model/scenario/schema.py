"""The scenario file format: pydantic v2 models, strict and immutable.

This module only describes shape. Meaning (names that must exist, expression types, quotes
found in the seed) is checked by `model.scenario.loader`, which knows file positions.
Lists hold named entries (``id:``) so that error paths read ``transitions[3].guard``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    model_serializer,
    model_validator,
)

from model.base.limits import MAX_LITERAL, MAX_TABLE_COLUMNS, MAX_TABLE_ROWS
from model.scenario.schema_base import (
    ExprText,
    FrozenModel,
    Ident,
    Label,
    Source,
    SourcedModel,
    Text,
)

SCHEMA_VERSION = 1


def _freeze(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(d))


Effects = Annotated[
    dict[Ident, ExprText],
    AfterValidator(_freeze),
    PlainSerializer(dict, return_type=dict[str, Any]),
    Field(description="New values, each an expression over the values before the step."),
]


class Party(SourcedModel):
    id: Ident
    name: Text
    role: Literal["party", "mediator", "host", "monitor", "observer"]


class Stage(SourcedModel):
    id: Ident
    name: Text
    days: ExprText | None = Field(
        None, description="Length in days, a whole number or an expression over parameters."
    )


class IntVariable(SourcedModel):
    id: Ident
    label: Label | None = None
    type: Literal["int"]
    min: StrictInt
    max: StrictInt
    initial: ExprText = Field(description="A whole number or an expression over parameters.")
    unit: Text | None = Field(
        None,
        description="What it counts (e.g. 'people'), for timelines: variables of one unit share "
        "a scale, variables of different units (or none) never do.",
    )
    bookkeeping: StrictBool = Field(
        False,
        description="A helper of the model, not a quantity of the proposal: left out of "
        "timelines unless asked for.",
    )
    description: Text | None = None

    @model_validator(mode="after")
    def _bounds(self) -> IntVariable:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is larger than max ({self.max})")
        return self


class BoolVariable(SourcedModel):
    id: Ident
    label: Label | None = None
    type: Literal["bool"]
    initial: ExprText
    description: Text | None = None


class EnumVariable(SourcedModel):
    id: Ident
    label: Label | None = None
    type: Literal["enum"]
    values: Annotated[tuple[Ident, ...], Field(min_length=1)]
    initial: Ident
    description: Text | None = None


Variable = Annotated[IntVariable | BoolVariable | EnumVariable, Field(discriminator="type")]


class Variant(SourcedModel):
    """One account of a disputed fact, as a value of a parameter, citing who gives it."""

    value: StrictInt | StrictBool
    label: Text = Field(description="A neutral name for this account.")


class Parameter(SourcedModel):
    id: Ident
    label: Label | None = None
    type: Literal["int", "bool"] = "int"
    default: StrictInt | StrictBool
    min: StrictInt | None = None
    max: StrictInt | None = None
    description: Text | None = None
    variants: tuple[Variant, ...] = Field(
        (),
        description="Where the source's accounts conflict: one value per account, each citing "
        "its speaker. The checker checks every variant; reports name the one in use.",
    )


class State(SourcedModel):
    id: Ident
    label: Label | None = Field(
        None, description="Display name; for an outcome state, also the outcome's display name."
    )
    stage: Ident | None = Field(None, description="Required except for outcome states.")
    outcome: Ident | None = Field(
        None, description="Marks an outcome state (the run ends here) with a neutral label."
    )
    description: Text | None = None


class Requirement(SourcedModel):
    """A further condition on a transition, usually a party's stated position."""

    holds: ExprText = Field(description="A boolean expression that must also be true.")
    by: Ident | None = Field(None, description="The party whose position this is, if any.")


class Schedule(FrozenModel):
    """When a scheduled event happens, without a party choosing it (exactly one field)."""

    at: ExprText | None = Field(None, description="On this day of the stage (day_in_stage).")
    every: ExprText | None = Field(
        None, description="Every this many days spent in the source state."
    )
    after: ExprText | None = Field(
        None, description="This many days after the source state was entered."
    )

    @model_validator(mode="after")
    def _one(self) -> Schedule:
        _exactly_one(self, ("at", "every", "after"))
        return self

    @property
    def when(self) -> tuple[Literal["at", "every", "after"], str | bool | int]:
        """Which kind of day, and its expression."""
        if self.at is not None:
            return "at", self.at
        if self.every is not None:
            return "every", self.every
        assert self.after is not None
        return "after", self.after


class Deadline(FrozenModel):
    """The day by which an obligation must be met (exactly one field); on that day, if the
    transition's guard (the obligation is still unmet) holds, the transition happens."""

    by: ExprText | None = Field(None, description="By this day of the stage (day_in_stage).")
    within: ExprText | None = Field(
        None, description="Within this many days of entering the source state."
    )

    @model_validator(mode="after")
    def _one(self) -> Deadline:
        _exactly_one(self, ("by", "within"))
        return self

    @property
    def when(self) -> tuple[Literal["at", "after"], str | bool | int]:
        """The same day as a schedule's ``at`` (``by``) or ``after`` (``within``)."""
        if self.by is not None:
            return "at", self.by
        assert self.within is not None
        return "after", self.within


class Risk(FrozenModel):
    """A chance per day (or per week) that the event happens while it is enabled."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    chance: ExprText = Field(1, description="The chance is `chance` in `in` (whole numbers).")
    in_: ExprText = Field(alias="in", description="Out of how many (e.g. chance 1 in 50).")
    per: Literal["day", "week"] = Field(
        "day",
        description="'day': the chance on every day it is enabled; 'week': on each day that "
        "completes a week of the stage (day_in_stage a multiple of 7).",
    )


def _exactly_one(model: BaseModel, names: tuple[str, ...]) -> None:
    given = [n for n in names if getattr(model, n) is not None]
    if len(given) != 1:
        found = ", ".join(given) if given else "none"
        raise ValueError(f"needs exactly one of {', '.join(names)} (found: {found})")


TransitionKind = Literal["decision", "scheduled", "deadline", "risk"]


class Transition(SourcedModel):
    trigger: Ident = Field(description="The event name.")
    label: Label | None = Field(
        None,
        description="The event's display name (transitions sharing a trigger share one label).",
    )
    source: Ident | Annotated[tuple[Ident, ...], Field(min_length=1)]
    dest: Ident
    actor: Ident | None = Field(
        None,
        description="Id of the party that acts (for a deadline: the party that bears the "
        "obligation). Required for decisions and risks; a scheduled event's actor is the "
        "schedule.",
    )
    guard: ExprText = True
    effects: Effects = Field(default_factory=dict, validate_default=True)
    days: ExprText = Field(0, description="Days the step takes (advances the clock).")
    weight: ExprText = Field(1, description="Relative weight when a simulation chooses.")
    allow_backward: StrictBool = Field(
        False, description="Allow a move to an earlier stage (otherwise the checker flags it)."
    )
    requires: tuple[Requirement, ...] = Field(
        (), description="Further conditions, each with its source (added by included positions)."
    )
    schedule: Schedule | None = Field(
        None, description="A scheduled event: on a day, without a party choosing it."
    )
    deadline: Deadline | None = Field(
        None, description="A deadline: happens on its day if the guard (obligation unmet) holds."
    )
    risk: Risk | None = Field(
        None, description="A daily (or weekly) risk: a chance per day while it is enabled."
    )
    description: Text | None = None

    @model_validator(mode="after")
    def _timed_once(self) -> Transition:
        timed = [n for n in ("schedule", "deadline", "risk") if getattr(self, n) is not None]
        if len(timed) > 1:
            raise ValueError(f"is timed in one way only; found {' and '.join(timed)}")
        if timed:
            chosen = [n for n in ("weight", "days") if n in self.model_fields_set]
            if chosen:
                raise ValueError(
                    f"a transition with '{timed[0]}' happens by its timing, not by a choice: "
                    f"remove {' and '.join(repr(n) for n in chosen)}"
                )
        if self.actor is None and self.kind in ("decision", "risk"):
            raise ValueError(f"a {self.kind} needs an 'actor' (the party that acts)")
        return self

    @model_serializer(mode="wrap")
    def _without_choice(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A timed transition is dumped without ``weight`` and ``days`` (their defaults), which
        it may not carry: so that a dump loads again."""
        data: dict[str, Any] = handler(self)
        if self.kind != "decision":
            data.pop("weight", None)
            data.pop("days", None)
        return data

    @property
    def kind(self) -> TransitionKind:
        """decision (chosen by weight), scheduled, deadline or risk (a chance per day)."""
        if self.schedule is not None:
            return "scheduled"
        if self.deadline is not None:
            return "deadline"
        if self.risk is not None:
            return "risk"
        return "decision"

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,) if isinstance(self.source, str) else self.source


class Derived(SourcedModel):
    """A quantity computed from the state, not part of it (e.g. trucks delivered so far)."""

    id: Ident
    name: Text = Field(description="A readable label for reports and timelines.")
    value: ExprText = Field(
        description="An int or bool expression over variables, parameters, day, day_in_stage "
        "and other derived quantities; guards, effects, weights, durations and invariants may "
        "read it by its id."
    )
    unit: Text | None = Field(None, description="What it counts (e.g. 'trucks'), for reports.")
    description: Text | None = None


RowKey = Annotated[
    StrictStr,
    StringConstraints(pattern=r"^(0|-?[1-9][0-9]{0,15})$"),
    Field(description="A whole number (usually a day), written as a YAML mapping key."),
]
Cell = Annotated[StrictInt, Field(ge=-MAX_LITERAL, le=MAX_LITERAL)]


class Table(SourcedModel):
    """Values by key (usually a day), that expressions read: ``releases[day_in_stage]``,
    ``releases[day_in_stage, 'civilians']`` and ``upto(releases, day_in_stage)`` (the sum of
    the rows up to a key)."""

    id: Ident
    description: Text | None = None
    columns: (
        Annotated[tuple[Ident, ...], Field(min_length=1, max_length=MAX_TABLE_COLUMNS)] | None
    ) = Field(
        None,
        description="Names of the table's columns (categories); without them the table has "
        "one column and each row is a number.",
    )
    rows: Annotated[
        dict[RowKey, Cell | dict[Ident, Cell]],
        Field(min_length=1, max_length=MAX_TABLE_ROWS),
        AfterValidator(_freeze),
        PlainSerializer(dict, return_type=dict[str, Any]),
    ] = Field(
        description="Key -> value (one column) or key -> {column: value}; a column left out of "
        "a row has the default."
    )
    default: Cell = Field(0, description="The value of a key (or column) not listed.")


class Invariant(SourcedModel):
    id: Ident
    holds: ExprText = Field(description="A boolean expression true in every reachable state.")
    description: Text | None = None


class LeadsTo(FrozenModel):
    """Whenever ``from`` holds, ``to`` holds then or later (within ``within_days`` days)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: ExprText = Field(alias="from")
    to: ExprText
    within_days: Annotated[StrictInt, Field(ge=0, le=36500)] | None = None


class Until(FrozenModel):
    """``holds`` stays true until ``until`` does, and ``until`` does become true."""

    holds: ExprText
    until: ExprText


PROPERTY_KINDS = ("always", "never", "eventually", "leads_to", "until")


class Property(SourcedModel):
    """A statement about runs that the checker proves or refutes (docs/checks.md): exactly
    one of the PROPERTY_KINDS, over conditions that may also read state, stage and outcome;
    ``fair``: only runs where an event that stays possible happens (weak fairness)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    id: Ident
    always: ExprText | None = None
    never: ExprText | None = None
    eventually: ExprText | None = None
    leads_to: LeadsTo | None = None
    until: Until | None = None
    in_: Literal["every run", "some run"] = Field("every run", alias="in")
    fair: StrictBool = False
    description: Text | None = None

    @model_validator(mode="after")
    def _one(self) -> Property:
        _exactly_one(self, PROPERTY_KINDS)
        return self

    @property
    def kind(self) -> str:
        return next(k for k in PROPERTY_KINDS if getattr(self, k) is not None)


FindingKind = Literal[
    "invariant_violated",
    "out_of_bounds",
    "evaluation_error",
    "deadlock",
    "no_outcome_cycle",
    "unreachable_state",
    "unreachable_outcome",
    "never_enabled",
    "nondeterminism",
    "horizon_reached",
    "transition_from_outcome",
    "backward_stage",
    "guard_never_true",
    "unused_state",
    "unused_variable",
    "unused_parameter",
    "unused_table",
    "unused_party",
    "deadline_missed",
    "stage_overrun",
    "stage_length_unenforced",
    "risk_chance_invalid",
    "property_violated",
]
"""Kinds of finding `model.check` reports (docs/checks.md explains each)."""


class ExpectedFinding(SourcedModel):
    """A finding that is the point of the model, e.g. an outcome no path reaches."""

    kind: FindingKind
    target: StrictStr | None = Field(
        None, description="What it is about (a state, outcome, transition...); none: any."
    )
    when: dict[Ident, StrictInt | StrictBool] = Field(
        default_factory=dict,
        description="Expected only under these parameter values (e.g. one variant).",
    )


class QuerySpec(SourcedModel):
    """A probabilistic question the scenario's sources raise, answered by
    ``python -m model.simulate --queries`` exactly and by Monte Carlo (docs/what-if.md)."""

    id: Ident
    ask: Text = Field(
        description="The question: 'chance of X [given Y] [by day N | before day N]', "
        "'chance of X within N days of Y', 'days to X [given Y]' or 'likeliest run to OUTCOME' "
        "(X, Y: conditions; state, stage and outcome names read as true while there)."
    )
    description: Text | None = None


class Include(FrozenModel):
    """Use a mechanism file in this scenario, binding its slots to this scenario's states."""

    file: Text = Field(description="Path of the mechanism file, relative to this file.")
    slots: dict[Ident, Ident | tuple[Ident, ...]] = Field(
        default_factory=dict,
        description="Each slot of the mechanism: the state (or states) it stands for here.",
    )
    events: dict[Ident, Ident | tuple[Ident, ...]] = Field(
        default_factory=dict,
        description="Each event slot of the mechanism: the trigger(s) it stands for here.",
    )
    defaults: dict[Ident, StrictInt | StrictBool] = Field(
        default_factory=dict, description="New defaults for the mechanism's parameters."
    )


class Slot(FrozenModel):
    """A placeholder for a state of the scenario that includes the mechanism."""

    id: Ident
    description: Text


class Constraint(SourcedModel):
    """A condition a mechanism (e.g. a party's position) adds to events of the scenario."""

    on: Ident = Field(description="The event slot it applies to.")
    holds: ExprText
    by: Ident | None = Field(None, description="The party whose position this is, if any.")


class MechanismSpec(FrozenModel):
    """A mechanism file: transitions (with their variables, parameters and parties) that
    several scenarios include. Its transitions go from and to slots, not states; its
    constraints apply to the scenario's events bound to its event slots."""

    mechanism: Ident = Field(description="The mechanism's id.")
    title: Text
    summary: Text
    sources: Annotated[tuple[Source, ...], Field(min_length=1)]
    slots: tuple[Slot, ...] = ()
    events: tuple[Slot, ...] = Field((), description="Event slots that constraints apply to.")
    parties: tuple[Party, ...] = ()
    variables: tuple[Variable, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    derived: tuple[Derived, ...] = Field(
        (), description="Quantities computed from the state (see the scenario format)."
    )
    tables: tuple[Table, ...] = Field(
        (), description="Schedule tables, values by day (see the scenario format)."
    )
    transitions: tuple[Transition, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    invariants: tuple[Invariant, ...] = ()


class ScenarioSpec(FrozenModel):
    """A scenario file, as written (after its includes are merged in)."""

    id: Ident
    title: Text
    summary: Text
    sources: Annotated[tuple[Source, ...], Field(min_length=1)]
    parties: Annotated[tuple[Party, ...], Field(min_length=1)]
    stages: Annotated[tuple[Stage, ...], Field(min_length=1)]
    variables: tuple[Variable, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    derived: tuple[Derived, ...] = Field(
        (),
        description="Quantities computed from variables, parameters and the clock, readable "
        "by every expression of a step but not part of the state.",
    )
    tables: tuple[Table, ...] = Field(
        (),
        description="Schedule tables: values by day (and by category) that every expression "
        "may read, such as releases by day.",
    )
    states: Annotated[tuple[State, ...], Field(min_length=1)]
    initial: Ident = Field(description="Id of the state a run starts in.")
    transitions: tuple[Transition, ...] = ()
    invariants: tuple[Invariant, ...] = ()
    horizon: Annotated[StrictInt, Field(ge=1, le=36500)] | None = Field(
        None,
        description="Days modelled: no step may take the clock past it. Without a horizon "
        "the scenario runs until an outcome, and the clock is kept exactly only up to the "
        "largest day any step compares it with (see docs/semantics.md).",
    )
    extends: Text | None = Field(
        None,
        description="A scenario file this one builds on: its elements come first, then these.",
    )
    includes: tuple[Include, ...] = Field(
        (), description="Mechanism files merged into this scenario when it loads."
    )
    properties: tuple[Property, ...] = Field(
        (), description="Statements about runs that `python -m model.check` proves or refutes."
    )
    expected_findings: tuple[ExpectedFinding, ...] = Field(
        (), description="Findings of `python -m model.check` that are the point of the model."
    )
    queries: tuple[QuerySpec, ...] = Field(
        (), description="Probabilistic questions, answered by `python -m model.simulate --queries`."
    )


def json_schema(model: type[BaseModel] = ScenarioSpec) -> dict[str, Any]:
    """The JSON Schema of the format, for editors."""
    schema = model.model_json_schema()
    if model is ScenarioSpec:
        # A file that extends another gets the rest from its base: require only its own names.
        rest = [k for k in schema["required"] if k not in ("id", "title", "summary")]
        schema["required"] = [k for k in schema["required"] if k not in rest]
        schema["if"] = {"not": {"required": ["extends"]}}
        schema["then"] = {"required": rest}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = (
        "Ceasefire-proposal scenario" if model is ScenarioSpec else "Ceasefire-proposal mechanism"
    )
    return schema


def schema_text(model: type[BaseModel] = ScenarioSpec) -> str:
    """The JSON Schema as stored in ``docs/scenario.schema.json`` (or mechanism.schema.json)."""
    import json

    return json.dumps(json_schema(model), indent=2, sort_keys=True) + "\n"
