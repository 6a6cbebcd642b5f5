"""Display names: what pictures, reports and pages show for a state, event, variable,
parameter, outcome, stage or party.

A label is optional; the id is shown where there is none, so a scenario without labels reads
as before. Ids stay what a user types (``--set``, ``--query``, properties); labels are only
shown. One event may be the trigger of several transitions, and several states may end in one
outcome: they must agree on the label, which `label_conflicts` checks at load time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from model.scenario.schema import ScenarioSpec

Kind = str
"""One of `KINDS`."""

KINDS = ("state", "event", "variable", "parameter", "outcome", "stage", "party")

DAYS_PASS = "days pass"
"""The label of the engine's own step in which only days pass (`Scenario.transition(DAYS)`)."""


@dataclass(frozen=True)
class Labels:
    """The display name of every named element, by kind and id; the id where none is given."""

    by_kind: Mapping[Kind, Mapping[str, str]]
    derived: tuple[str, ...] = ()

    def of(self, kind: Kind, ident: str) -> str:
        """The label of ``ident``, or ``ident`` itself when it has none."""
        return self.by_kind[kind].get(ident, ident)

    def state(self, ident: str) -> str:
        return self.of("state", ident)

    def event(self, ident: str) -> str:
        return DAYS_PASS if ident == "days_pass" else self.of("event", ident)

    def variable(self, ident: str) -> str:
        return self.of("variable", ident)

    def parameter(self, ident: str) -> str:
        return self.of("parameter", ident)

    def outcome(self, ident: str) -> str:
        return self.of("outcome", ident)

    def stage(self, ident: str) -> str:
        return self.of("stage", ident)

    def party(self, ident: str) -> str:
        return self.of("party", ident)

    def has(self, kind: Kind, ident: str) -> bool:
        """Whether ``ident`` has a label of its own (not only its id)."""
        return ident in self.by_kind[kind]

    def transition(self, name: str) -> str:
        """A transition's name (its trigger, or ``trigger[i]`` where several transitions share
        the trigger) with the trigger's label: ``Batch released from Gaza [11]``."""
        return _transition_label(self.by_kind["event"], name)

    def quoted(self, kind: Kind, ident: str) -> str:
        """``'Label' (id)`` in a message that also serves the scenario's author (who writes
        the id); ``'id'`` as before when it has no label."""
        return f"{self.of(kind, ident)!r} ({ident})" if self.has(kind, ident) else repr(ident)

    def named(self, transition: str) -> str:
        """A transition's name in a message: ``Label [i] (name)``, the name alone when its
        event has no label."""
        shown = self.transition(transition)
        return transition if shown == transition else f"{shown} ({transition})"

    def fields(self, **named: tuple[Kind, str | None]) -> dict[str, str]:
        """``{key_label: label}`` for each ``key=(kind, id)`` whose element has a label of its
        own: the fields a JSON record adds beside the ids it names (none without labels, so
        that records of scenarios without labels are as before)."""
        return {
            f"{key}_label": self.by_kind[kind][ident]
            for key, (kind, ident) in named.items()
            if ident is not None and ident in self.by_kind[kind]
        }

    def declared(self) -> dict[Kind, dict[str, str]]:
        """The labels the scenario declares for its states, events, variables, parameters and
        outcomes, by kind (kinds without any left out): a record's ``labels`` field, which its
        text is rendered from with `label_in`. Stage and party names are in the records
        already; derived quantities are shown by id (their names are sentences)."""
        derived = set(self.derived)
        found = {
            kind: {
                k: v
                for k, v in self.by_kind[kind].items()
                if not (kind == "variable" and k in derived)
            }
            for kind in ("state", "event", "variable", "parameter", "outcome")
        }
        if found["event"]:  # the engine's own step, named like the others
            found["event"]["days_pass"] = DAYS_PASS
        return {kind: found[kind] for kind in found if found[kind]}


_INDEXED = re.compile(r"(.+)\[(\d+)\]")


def _transition_label(events: Mapping[str, str], name: str) -> str:
    """`Labels.transition` from the labels of the events."""
    found = _INDEXED.fullmatch(name)
    trigger, index = (found[1], found[2]) if found else (name, None)
    if trigger not in events:
        return name
    return events[trigger] + (f" [{index}]" if index is not None else "")


def shown(item: Mapping[str, Any], key: str) -> Any:
    """What a text report shows for the element ``item[key]`` names: the label a record
    carries beside it (``key_label``, see `Labels.fields`), else the id."""
    return item.get(f"{key}_label", item[key])


def label_in(record: Mapping[str, Any], kind: Kind, ident: str) -> str:
    """What a text report shows for element ``ident`` of ``kind`` in a record with a
    ``labels`` field (`Labels.declared`): its label, else the id. Kind ``transition``: a
    transition's name with its event's label (`Labels.transition`)."""
    declared = record.get("labels", {})
    if kind == "transition":
        return _transition_label(declared.get("event", {}), ident)
    return str(declared.get(kind, {}).get(ident, ident))


def merged(*records: Mapping[str, Any]) -> dict[str, Any]:
    """A record whose ``labels`` are those of ``records`` (the first one's where two label
    one element), for `label_in` in a report on several scenarios."""
    out: dict[Kind, dict[str, str]] = {}
    for record in reversed(records):
        for kind, found in record.get("labels", {}).items():
            out.setdefault(kind, {}).update(found)
    return {"labels": out}


def subject_in(record: Mapping[str, Any], ident: str) -> str:
    """A link of an explanation names a transition or a state: its label, from the
    ``labels`` of ``record``."""
    shown = label_in(record, "transition", ident)
    return shown if shown != ident else label_in(record, "state", ident)


def with_labels(record: dict[str, Any], labels: Labels) -> dict[str, Any]:
    """``record`` with a ``labels`` field when the scenario declares any (none otherwise, so
    that records of scenarios without labels are as before)."""
    declared = labels.declared()
    return {**record, "labels": declared} if declared else record


def _declared(spec: ScenarioSpec) -> Iterator[tuple[Kind, str, str | None, tuple[str | int, ...]]]:
    """(kind, id, label or None, path of the label) for every element that may carry one."""
    for i, s in enumerate(spec.states):
        yield "state", s.id, s.label, ("states", i, "label")
        if s.outcome is not None:
            yield "outcome", s.outcome, s.label, ("states", i, "label")
    for i, t in enumerate(spec.transitions):
        yield "event", t.trigger, t.label, ("transitions", i, "label")
    for i, v in enumerate(spec.variables):
        yield "variable", v.id, v.label, ("variables", i, "label")
    for i, p in enumerate(spec.parameters):
        yield "parameter", p.id, p.label, ("parameters", i, "label")
    # Stages and parties already have a required `name`, and derived quantities a `name`:
    # that is their label.
    for i, g in enumerate(spec.stages):
        yield "stage", g.id, g.name, ("stages", i, "name")
    for i, party in enumerate(spec.parties):
        yield "party", party.id, party.name, ("parties", i, "name")


def labels_of(spec: ScenarioSpec) -> Labels:
    """The labels a (valid) scenario declares."""
    found: dict[Kind, dict[str, str]] = {k: {} for k in KINDS}
    for kind, ident, label, _ in _declared(spec):
        if label is not None:
            found[kind].setdefault(ident, label)
    for d in spec.derived:
        found["variable"].setdefault(d.id, d.name)
    return Labels(
        MappingProxyType({k: MappingProxyType(v) for k, v in found.items()}),
        tuple(d.id for d in spec.derived),
    )


def label_conflicts(spec: ScenarioSpec) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(path, message) for each label that disagrees with another for the same element, and
    each label that two different elements of one kind share (a picture could not tell them
    apart). Stage and party names are not required to differ (they never share a picture's
    box with one another)."""
    first: dict[tuple[Kind, str], str] = {}
    owner: dict[tuple[Kind, str], str] = {}
    for kind, ident, label, path in _declared(spec):
        if label is None:
            continue
        known = first.get((kind, ident))
        if known is not None and known != label:
            yield path, f"{kind} {ident!r} is already labelled {known!r} (one label per {kind})"
            continue
        first[(kind, ident)] = label
        if kind in ("stage", "party"):
            continue
        other = owner.setdefault((kind, label), ident)
        if other != ident:
            yield path, f"label {label!r} is already the label of {kind} {other!r}"
