"""The data document of the browser explorer: one JSON document per scenario, its schema.

The page (`model.render.explorer`) only reads this document: every snapshot, the steps out of
it, why the events that cannot happen now cannot, and the odds of each ending from it are
computed in Python (`model.reports.explorer`) from the explored graph the checker and the exact
analysis use. The browser re-implements no semantics.

The document is columnar, to stay small: snapshot ``i`` is ``snapshots.state[i]``,
``snapshots.day[i]`` and so on; the steps out of it are the entries ``snapshots.first_step[i]``
to ``snapshots.first_step[i + 1] - 1`` of ``steps``. Rows that repeat (variable values, odds,
the set of disabled events with their reasons) are kept once in a table and referred to by
index. ``steps.target`` is -1 for a step that breaks a rule of the scenario (the run would
end there with an error; ``step_errors`` says which rule).
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FORMAT: Literal["ceasefire-explorer/1"] = "ceasefire-explorer/1"

Value = bool | int | str


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Named(_Model):
    id: str
    label: str = Field(description="what the page shows (the id where no label is given)")


class ScenarioInfo(_Model):
    id: str
    title: str
    summary: str
    file: str = Field(description="the scenario file, as the docs pages name it")
    horizon: int | None


class StateInfo(Named):
    stage: int | None = Field(description="index into `stages` (None: an outcome state)")
    ending: int | None = Field(description="index into `endings` for an outcome state")


class EventInfo(_Model):
    """One transition (or the engine's own step in which only days pass, listed last)."""

    name: str = Field(description="the transition's compiled name (`model.check` uses it)")
    event: str = Field(description="its trigger, as `Run.fire` takes it")
    label: str
    actor: str
    actor_label: str
    kind: str = Field(description="decision, scheduled, deadline, risk or days")
    timing: str | None = Field(description="how a scheduled event, deadline or risk is timed")
    sources: list[str] = Field(description="states it leaves from")
    dest: str
    guard: list[str] = Field(description="its conditions in words (guard, then requirements)")
    source: list[str] = Field(description="its quote, citation and assumption, one line each")
    never: list[str] = Field(
        description="the checker's explanation when no run ever takes it (else empty)"
    )


class Ending(_Model):
    kind: Literal["outcome", "no_outcome"]
    id: str
    label: str


class Probability(_Model):
    p: float = Field(description="the probability, correctly rounded from the exact value")
    t: str = Field(description="as a percentage (only an exact 0 reads 0%)")
    x: str | None = Field(description="the exact fraction, when it has at most 40 characters")


class Disabled(_Model):
    event: int = Field(description="index into `events`")
    why: int = Field(description="index into `reasons`")


class Snapshots(_Model):
    count: int
    state: list[int] = Field(description="index into `states`")
    day: list[int]
    stage_day: list[int] = Field(description="the day within the stage")
    values: list[int] = Field(description="index into `value_rows`")
    odds: list[int] | None = Field(description="index into `odds_rows` (None: not embedded)")
    disabled: list[int] = Field(description="index into `disabled_sets`")
    first_step: list[int] = Field(description="count + 1 offsets into `steps`")


class Steps(_Model):
    event: list[int] = Field(description="index into `events`")
    target: list[int] = Field(description="the snapshot it leads to (-1: it breaks a rule)")
    weight: list[int]
    days: list[int]


class StepError(_Model):
    step: int = Field(description="index into `steps`")
    message: str


class SampledOdds(_Model):
    """Monte Carlo figures from the start, where the exact odds per snapshot are not embedded."""

    runs: int
    seed: int
    odds: list[Probability] = Field(description="the share of runs per ending (`endings`)")


class Limits(_Model):
    max_snapshots: int = Field(description="above this, no snapshots are embedded")
    max_odds_snapshots: int = Field(description="above this, no odds per snapshot")
    budget_bytes: int = Field(description="the stated budget of this document's size")


class ExplorerData(_Model):
    """Everything the explorer page shows, for one scenario under its default parameters."""

    format: Literal["ceasefire-explorer/1"] = FORMAT
    scenario: ScenarioInfo
    parameters: dict[str, Value]
    stages: list[Named]
    states: list[StateInfo]
    variables: list[Named]
    events: list[EventInfo]
    endings: list[Ending]
    note: str | None = Field(description="what is not embedded and why, said on the page")
    limits: Limits
    snapshots: Snapshots | None = Field(description="None: too many to embed (see `note`)")
    value_rows: list[list[Value]]
    steps: Steps | None
    step_errors: list[StepError]
    odds_rows: list[list[Probability]]
    disabled_sets: list[list[Disabled]]
    reasons: list[list[str]] = Field(description="why an event cannot happen now, one line each")
    sampled: SampledOdds | None


def schema_text() -> str:
    """The JSON Schema of `ExplorerData` (written next to the pages by `python -m model.docs`)."""
    return json.dumps(ExplorerData.model_json_schema(), indent=2, sort_keys=True) + "\n"
