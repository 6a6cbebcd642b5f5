"""Display names: what pictures, reports and pages show for a state, event, variable,
parameter, outcome, stage or party.

A label is optional; the id is shown where there is none, so a scenario without labels reads
as before. Ids stay what a user types (``--set``, ``--query``, properties); labels are only
shown. One event may be the trigger of several transitions, and several states may end in one
outcome: they must agree on the label, which `label_conflicts` checks at load time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

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
    return Labels(MappingProxyType({k: MappingProxyType(v) for k, v in found.items()}))


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
