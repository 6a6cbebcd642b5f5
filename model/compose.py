"""Composition: merge the mechanism files a scenario includes into one flat scenario.

A mechanism (e.g. the monitored return, the exchange) is written once in its own file, with
transitions that go from and to *slots*; each scenario that includes it binds the slots to
its own states and may change the mechanism's parameter defaults. The loader then checks and
runs the flat result, so the checker and the engine see the composed scenario. Every merged
element remembers the file and line it came from, so errors point into the mechanism file.

Rules: a transition whose destination is its (only) source slot is a step within a state;
it is copied once for each state that slot is bound to. Otherwise the destination slot must
stand for exactly one state. Parties, variables, parameters and sources that a scenario and
a mechanism (or two mechanisms) both declare must be declared identically. Mechanisms do not
include other mechanisms.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import Problem, ScenarioError
from .schema import MechanismSpec
from .shape import schema_problems
from .yamlsource import Document, Path_, format_path, read_file

SECTIONS = ("sources", "parties", "variables", "parameters", "transitions", "invariants")
_SHARED = ("sources", "parties", "variables", "parameters")


class ComposedDocument(Document):
    """A scenario document with included entries; positions resolve to their own files."""

    def __init__(self, host: Document, data: Any) -> None:
        super().__init__(host.file, data, host.positions)
        self.host = host
        self.origins: dict[Path_, tuple[Document, Path_]] = {}

    def locate(self, path: Path_) -> tuple[str, int, int, Path_]:
        if len(path) >= 2 and path[:2] in self.origins:
            doc, base = self.origins[path[:2]]
            return doc.locate((*base, *path[2:]))
        return self.host.locate(path)


def compose(doc: Document, base_dir: Path) -> Document:
    """Merge ``doc``'s ``includes`` into it; return it unchanged when it has none."""
    data = doc.data
    if not isinstance(data, dict) or not data.get("includes"):
        return doc
    includes = data["includes"]
    if not isinstance(includes, list):
        return doc  # the schema reports the wrong type
    merged = {k: copy.deepcopy(v) for k, v in data.items() if k != "includes"}
    for section in SECTIONS:
        merged.setdefault(section, [])
    out = ComposedDocument(doc, merged)
    problems: list[Problem] = []
    for i, include in enumerate(includes):
        problems += _include(out, merged, i, include, base_dir)
    if problems:
        raise ScenarioError(problems)
    for section in SECTIONS:
        if not merged[section] and section not in data:
            del merged[section]
    return out


def _include(
    out: ComposedDocument, merged: dict[str, Any], i: int, include: Any, base_dir: Path
) -> list[Problem]:
    host = out.host
    where: Path_ = ("includes", i)
    if not isinstance(include, dict) or not isinstance(include.get("file"), str):
        return []  # the schema reports it
    path = base_dir / include["file"]
    mech_doc = read_file(path, _display(path))
    try:
        mech = MechanismSpec.model_validate(mech_doc.data)
    except ValidationError as exc:
        raise ScenarioError(schema_problems(mech_doc, exc, MechanismSpec)) from None
    problems: list[Problem] = []
    slots = {s.id for s in mech.slots}
    bound: dict[str, list[str]] = {}
    for name, states in (include.get("slots") or {}).items():
        if name not in slots:
            problems.append(
                host.problem(
                    (*where, "slots", name),
                    f"mechanism {mech.mechanism!r} has no slot {name!r}; "
                    f"its slots: {', '.join(sorted(slots))}",
                )
            )
            continue
        bound[name] = [states] if isinstance(states, str) else list(states)
    for name in sorted(slots - set(bound)):
        problems.append(
            host.problem(
                (*where, "slots"),
                f"slot {name!r} of mechanism {mech.mechanism!r} is not bound to a state",
            )
        )
    params = {p.id for p in mech.parameters}
    for name in include.get("defaults") or {}:
        if name not in params:
            problems.append(
                host.problem(
                    (*where, "defaults", name),
                    f"mechanism {mech.mechanism!r} has no parameter {name!r}",
                )
            )
    if problems:
        return problems

    raw: dict[str, Any] = mech_doc.data
    mech_dir = path.resolve().parent
    for section in _SHARED:
        for j, entry in enumerate(raw.get(section) or []):
            entry = copy.deepcopy(entry)
            if section == "sources":
                entry["file"] = os.path.relpath(mech_dir / entry["file"], base_dir.resolve())
            if section == "parameters" and entry["id"] in (include.get("defaults") or {}):
                entry["default"] = include["defaults"][entry["id"]]
            problems += _add_shared(out, merged, section, entry, mech_doc, (section, j), base_dir)
    for j, entry in enumerate(raw.get("invariants") or []):
        _append(out, merged, "invariants", copy.deepcopy(entry), mech_doc, ("invariants", j))
    for j, t in enumerate(raw.get("transitions") or []):
        problems += _add_transition(out, merged, t, bound, mech_doc, ("transitions", j))
    return problems


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _append(
    out: ComposedDocument,
    merged: dict[str, Any],
    section: str,
    entry: Any,
    doc: Document,
    origin: Path_,
) -> None:
    out.origins[(section, len(merged[section]))] = (doc, origin)
    merged[section].append(entry)


def _add_shared(
    out: ComposedDocument,
    merged: dict[str, Any],
    section: str,
    entry: dict[str, Any],
    doc: Document,
    origin: Path_,
    base_dir: Path,
) -> list[Problem]:
    for k, existing in enumerate(merged[section]):
        if isinstance(existing, dict) and existing.get("id") == entry.get("id"):
            if section == "sources":
                same = (base_dir / existing["file"]).resolve() == (
                    base_dir / entry["file"]
                ).resolve()
            else:
                same = existing == entry
            if same:
                return []
            file, line, _, local = out.locate((section, k))
            return [
                doc.problem(
                    origin,
                    f"{section[:-1]} {entry.get('id')!r} is declared differently in "
                    f"{file}:{line} ({format_path(local)}); declare it once, or identically",
                )
            ]
    _append(out, merged, section, entry, doc, origin)
    return []


def _add_transition(
    out: ComposedDocument,
    merged: dict[str, Any],
    t: dict[str, Any],
    bound: dict[str, list[str]],
    doc: Document,
    origin: Path_,
) -> list[Problem]:
    sources = [t["source"]] if isinstance(t["source"], str) else list(t["source"])
    unknown = [s for s in [*sources, t["dest"]] if s not in bound]
    if unknown:
        return [
            doc.problem(
                (*origin, "source"),
                f"{unknown[0]!r} is not a slot of this mechanism; "
                "transitions in a mechanism go from and to slots",
            )
        ]
    if sources == [t["dest"]]:
        for state in bound[t["dest"]]:
            _append(
                out,
                merged,
                "transitions",
                {**copy.deepcopy(t), "source": state, "dest": state},
                doc,
                origin,
            )
        return []
    if len(bound[t["dest"]]) != 1:
        return [
            doc.problem(
                (*origin, "dest"),
                f"slot {t['dest']!r} is bound to {len(bound[t['dest']])} states; "
                "a destination must be one state",
            )
        ]
    states = [s for slot in sources for s in bound[slot]]
    _append(
        out,
        merged,
        "transitions",
        {
            **copy.deepcopy(t),
            "source": states[0] if len(states) == 1 else states,
            "dest": bound[t["dest"]][0],
        },
        doc,
        origin,
    )
    return []
