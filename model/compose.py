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

from .confine import FileRefused, inside_root, read_text_file
from .errors import Problem, ScenarioError
from .paths import display_path
from .schema import MechanismSpec
from .shape import schema_problems
from .yamlsource import Document, Path_, format_path, read_text

SECTIONS = ("sources", "parties", "variables", "parameters", "transitions", "invariants")
_SHARED = ("sources", "parties", "variables", "parameters")
_EXTENDED = (
    "sources",
    "parties",
    "stages",
    "variables",
    "parameters",
    "states",
    "transitions",
    "invariants",
    "expected_findings",
)
_OWN = ("id", "title", "summary")


class ComposedDocument(Document):
    """A scenario document with included entries; positions resolve to their own files."""

    def __init__(self, host: Document, data: Any) -> None:
        super().__init__(host.file, data, host.positions)
        self.host = host
        self.origins: dict[Path_, tuple[Document, Path_]] = {}

    def locate(self, path: Path_) -> tuple[str, int, int, Path_]:
        for n in (4, 2):  # a requirement added to a transition, then a whole entry
            if len(path) >= n and path[:n] in self.origins:
                doc, base = self.origins[path[:n]]
                return doc.locate((*base, *path[n:]))
        return self.host.locate(path)


def compose(doc: Document, base_dir: Path, root: Path, _seen: tuple[Path, ...] = ()) -> Document:
    """Merge the scenario ``doc`` extends and the mechanisms it includes into one document.

    ``base_dir`` is the (resolved) folder of ``doc``; every file named must be inside ``root``
    (see `confine.inside_root`). Returns ``doc`` unchanged when it has neither.
    """
    data = doc.data
    if not isinstance(data, dict) or not (data.get("includes") or data.get("extends")):
        return doc
    includes = data.get("includes") or []
    if not isinstance(includes, list) or not isinstance(data.get("extends") or "", str):
        return doc  # the schema reports the wrong type
    merged = {k: copy.deepcopy(v) for k, v in data.items() if k not in ("includes", "extends")}
    out = ComposedDocument(doc, merged)
    if data.get("extends"):
        _extend(out, merged, data, base_dir, root, _seen)
    touched = set(merged)
    for section in SECTIONS:
        merged.setdefault(section, [])
    problems: list[Problem] = []
    for i, include in enumerate(includes):
        problems += _include(out, merged, i, include, base_dir, root)
    if problems:
        raise ScenarioError(problems)
    for section in SECTIONS:
        if not merged[section] and section not in touched:
            del merged[section]
    return out


def _extend(
    out: ComposedDocument,
    merged: dict[str, Any],
    data: dict[str, Any],
    base_dir: Path,
    root: Path,
    seen: tuple[Path, ...],
) -> None:
    """Put the base scenario's elements first; this file's own top-level values win."""
    path = _named_file(out.host, ("extends",), data["extends"], base_dir, root)
    if path in seen:
        raise ScenarioError(
            [out.host.problem(("extends",), "scenarios extend each other in a loop")]
        )
    missing = [k for k in _OWN if k not in data]
    if missing:
        raise ScenarioError(
            [
                out.host.problem(
                    ("extends",),
                    f"a scenario that extends another needs its own {', '.join(missing)}",
                )
            ]
        )
    base_doc = _read_named(out.host, ("extends",), data["extends"], path)
    if not isinstance(base_doc.data, dict) or "mechanism" in base_doc.data:
        found = (
            "a mechanism"
            if isinstance(base_doc.data, dict)
            else "a list"
            if isinstance(base_doc.data, list)
            else "a single value"
        )
        raise ScenarioError(
            [
                out.host.problem(
                    ("extends",),
                    f"{data['extends']!r} is not a scenario (found {found}); extends names a "
                    "scenario file, and a mechanism is added with includes",
                )
            ]
        )
    base = compose(base_doc, path.parent, root, (*seen, path))
    problems: list[Problem] = []
    own = {k: v for k, v in merged.items()}
    merged.clear()
    for key, value in base.data.items():
        if key not in _EXTENDED:
            merged[key] = copy.deepcopy(value)
    for section in _EXTENDED:
        entries = list(base.data.get(section) or [])
        for k, entry in enumerate(entries):
            entry = copy.deepcopy(entry)
            if section == "sources":
                if not _source_inside(entry, path.parent, root, base, (section, k), problems):
                    continue
                entry["file"] = os.path.relpath(path.parent / entry["file"], base_dir)
            out.origins[(section, k)] = (base, (section, k))
            merged.setdefault(section, []).append(entry)
    for key, value in own.items():
        if key in _EXTENDED and isinstance(value, list):
            start = len(merged.setdefault(key, []))
            for j, entry in enumerate(value):
                out.origins[(key, start + j)] = (out.host, (key, j))
                merged[key].append(entry)
        else:
            merged[key] = value
    if problems:
        raise ScenarioError(problems)
    # Sources declared in both (same id, same file) are kept once.
    unique: list[Any] = []
    for entry in merged.get("sources", []):
        if not any(isinstance(u, dict) and u.get("id") == entry.get("id") for u in unique):
            unique.append(entry)
    merged["sources"] = unique


def _named_file(doc: Document, where: Path_, name: str, base_dir: Path, root: Path) -> Path:
    """The resolved path ``name`` (written at ``where`` in ``doc``) names inside ``root``."""
    try:
        return inside_root(name, base_dir, root)
    except FileRefused as exc:
        raise ScenarioError([doc.problem(where, exc.describe(repr(name)))]) from None


def _read_named(doc: Document, where: Path_, name: str, path: Path) -> Document:
    """Read and parse the file ``name`` (written at ``where`` in ``doc``) found at ``path``."""
    try:
        text = read_text_file(path)
    except FileRefused as exc:
        raise ScenarioError([doc.problem(where, exc.describe(repr(name)))]) from None
    return read_text(text, display_path(path))


def _source_inside(
    entry: Any, folder: Path, root: Path, doc: Document, where: Path_, problems: list[Problem]
) -> bool:
    """Check a source that an included or extended file declares; report it if outside."""
    if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
        return True  # the schema reports it
    try:
        inside_root(entry["file"], folder, root)
    except FileRefused as exc:
        problems.append(doc.problem((*where, "file"), exc.describe(repr(entry["file"]))))
        return False
    return True


def _include(
    out: ComposedDocument,
    merged: dict[str, Any],
    i: int,
    include: Any,
    base_dir: Path,
    root: Path,
) -> list[Problem]:
    host = out.host
    where: Path_ = ("includes", i)
    if not isinstance(include, dict) or not isinstance(include.get("file"), str):
        return []  # the schema reports it
    path = _named_file(host, (*where, "file"), include["file"], base_dir, root)
    mech_doc = _read_named(host, (*where, "file"), include["file"], path)
    try:
        mech = MechanismSpec.model_validate(mech_doc.data)
    except ValidationError as exc:
        raise ScenarioError(schema_problems(mech_doc, exc, MechanismSpec)) from None
    problems: list[Problem] = []
    bound = _bind(
        host, where, mech.mechanism, "slots", {s.id for s in mech.slots}, include, problems
    )
    bound_events = _bind(
        host, where, mech.mechanism, "events", {e.id for e in mech.events}, include, problems
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
    mech_dir = path.parent
    for section in _SHARED:
        for j, entry in enumerate(raw.get(section) or []):
            entry = copy.deepcopy(entry)
            if section == "sources":
                if not _source_inside(entry, mech_dir, root, mech_doc, (section, j), problems):
                    continue
                entry["file"] = os.path.relpath(mech_dir / entry["file"], base_dir)
            if section == "parameters" and entry["id"] in (include.get("defaults") or {}):
                entry["default"] = include["defaults"][entry["id"]]
            problems += _add_shared(out, merged, section, entry, mech_doc, (section, j), base_dir)
    for j, entry in enumerate(raw.get("invariants") or []):
        _append(out, merged, "invariants", copy.deepcopy(entry), mech_doc, ("invariants", j))
    for j, t in enumerate(raw.get("transitions") or []):
        problems += _add_transition(out, merged, t, bound, mech_doc, ("transitions", j))
    for j, c in enumerate(raw.get("constraints") or []):
        problems += _add_constraint(out, merged, c, bound_events, mech_doc, ("constraints", j))
    return problems


def _add_constraint(
    out: ComposedDocument,
    merged: dict[str, Any],
    constraint: dict[str, Any],
    bound_events: dict[str, list[str]],
    doc: Document,
    origin: Path_,
) -> list[Problem]:
    """Add the constraint to every transition whose trigger its event slot is bound to."""
    triggers = bound_events.get(constraint["on"])
    if triggers is None:
        return [doc.problem((*origin, "on"), f"{constraint['on']!r} is not an event slot")]
    requirement = {k: copy.deepcopy(v) for k, v in constraint.items() if k != "on"}
    hits = 0
    for k, t in enumerate(merged["transitions"]):
        if isinstance(t, dict) and t.get("trigger") in triggers:
            t.setdefault("requires", []).append(requirement)
            out.origins[("transitions", k, "requires", len(t["requires"]) - 1)] = (doc, origin)
            hits += 1
    if hits == 0:
        return [
            doc.problem(
                (*origin, "on"),
                f"no transition of the scenario has trigger {' or '.join(map(repr, triggers))}",
            )
        ]
    return []


def _bind(
    host: Document,
    where: Path_,
    mechanism: str,
    kind: str,
    declared: set[str],
    include: dict[str, Any],
    problems: list[Problem],
) -> dict[str, list[str]]:
    """Check an include's slot (or event-slot) bindings; every declared one must be bound."""
    what, to = ("slot", "a state") if kind == "slots" else ("event slot", "a trigger")
    bound: dict[str, list[str]] = {}
    for name, value in (include.get(kind) or {}).items():
        if name not in declared:
            problems.append(
                host.problem(
                    (*where, kind, name),
                    f"mechanism {mechanism!r} has no {what} {name!r}; "
                    f"its {what}s: {', '.join(sorted(declared)) or 'none'}",
                )
            )
            continue
        bound[name] = [value] if isinstance(value, str) else list(value)
    for name in sorted(declared - set(bound)):
        problems.append(
            host.problem(
                (*where, kind), f"{what} {name!r} of mechanism {mechanism!r} is not bound to {to}"
            )
        )
    return bound


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
                same = _same_file(base_dir, existing.get("file"), entry.get("file"))
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


def _same_file(base_dir: Path, a: Any, b: Any) -> bool:
    """Whether two source entries' ``file`` values name the same file (the loader checks each)."""
    if not isinstance(a, str) or not isinstance(b, str) or "\0" in a + b:
        return bool(a == b)
    return os.path.realpath(base_dir / a) == os.path.realpath(base_dir / b)


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
