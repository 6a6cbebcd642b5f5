"""Composition: merge the mechanism files a scenario includes into one flat scenario.

A mechanism (e.g. the monitored return, the exchange) is written once in its own file, with
transitions that go from and to *slots*; each scenario that includes it binds the slots to
its own states and may change the mechanism's parameter defaults. The loader then checks and
runs the flat result, so the checker and the engine see the composed scenario. Every merged
element remembers the file and line it came from, so errors point into the mechanism file.

Rules: a transition whose destination is its (only) source slot is a step within a state;
it is copied once for each state that slot is bound to. Otherwise the destination slot must
stand for exactly one state. Parties, variables, parameters, derived quantities, tables and
sources that a scenario and a mechanism (or two mechanisms) both declare must be declared
identically. Mechanisms do not include other mechanisms.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from model.base.confine import FileRefused, inside_root, read_text_file
from model.base.errors import Problem, ScenarioError
from model.base.limits import (
    MAX_COMPOSED_ENTRIES,
    MAX_COMPOSED_VALUES,
    MAX_EXTENDS_DEPTH,
    MAX_INCLUDES,
)
from model.base.paths import display_path
from model.scenario.schema import Include, MechanismSpec, ScenarioSpec
from model.scenario.shape import describe, schema_problems
from model.scenario.source_files import rebase, same_source, source_inside
from model.scenario.yamlsource import Document, Path_, format_path, read_text

SECTIONS = (
    "sources",
    "parties",
    "variables",
    "parameters",
    "derived",
    "tables",
    "transitions",
    "invariants",
)
_SHARED = ("sources", "parties", "variables", "parameters", "derived", "tables")
_EXTENDED = (
    "sources",
    "parties",
    "stages",
    "variables",
    "parameters",
    "derived",
    "tables",
    "states",
    "transitions",
    "invariants",
    "properties",
    "expected_findings",
)
_OWN = ("id", "title", "summary")


class _Reading:
    """The files one composition reads: each once, and `MAX_COMPOSED_VALUES` values in all
    (every file may hold up to `MAX_YAML_VALUES`, and a scenario names up to `MAX_INCLUDES`
    mechanisms and a chain of `MAX_EXTENDS_DEPTH` bases, each with its own includes)."""

    def __init__(self, first: Document) -> None:
        self.values = len(first.positions)
        self.files: dict[Path, Document] = {}

    def read(self, path: Path, name: str, host: Document, where: Path_) -> Document:
        """Read and parse ``path`` (resolved, inside the root), which ``host`` names as ``name``
        at ``where``; problems reading it are placed there."""
        key = path
        if key not in self.files:
            try:
                text = read_text_file(path)
            except FileRefused as exc:
                raise ScenarioError([host.problem(where, exc.describe(repr(name)))]) from None
            doc = read_text(text, display_path(path))
            self.values += len(doc.positions)
            if self.values > MAX_COMPOSED_VALUES:
                raise ScenarioError(
                    [
                        host.problem(
                            where,
                            f"the files this scenario is composed of hold more than "
                            f"{MAX_COMPOSED_VALUES} values in all (the limit MAX_COMPOSED_VALUES)",
                        )
                    ]
                )
            self.files[key] = doc
        return self.files[key]


class ComposedDocument(Document):
    """A scenario document with included entries; positions resolve to their own files."""

    def __init__(self, host: Document, data: Any, reading: _Reading) -> None:
        super().__init__(host.file, data, host.positions)
        self.host = host
        self.origins: dict[Path_, tuple[Document, Path_]] = {}
        self.added = 0  # entries copied in from other files, bounded by MAX_COMPOSED_ENTRIES
        self.reading = reading

    def origin(self, path: Path_) -> tuple[Document, Path_]:
        for n in (4, 2):  # a requirement added to a transition, then a whole entry
            if len(path) >= n and path[:n] in self.origins:
                doc, base = self.origins[path[:n]]
                return doc.origin((*base, *path[n:]))
        return self.host.origin(path)

    def grow(self, doc: Document, origin: Path_) -> None:
        """Count one more entry copied from ``doc`` (at ``origin``); refuse past the limit."""
        self.added += 1
        if self.added > MAX_COMPOSED_ENTRIES:
            raise ScenarioError(
                [
                    doc.problem(
                        origin,
                        f"composing this scenario adds more than {MAX_COMPOSED_ENTRIES} "
                        "entries (the limit MAX_COMPOSED_ENTRIES): a slot bound to many states "
                        "copies each of its transitions once per state",
                    )
                ]
            )


def compose(
    doc: Document,
    base_dir: Path,
    root: Path,
    _seen: tuple[Path, ...] = (),
    _reading: _Reading | None = None,
) -> Document:
    """Merge the scenario ``doc`` extends and the mechanisms it includes into one document.

    ``base_dir`` is the (resolved) folder of ``doc``; every file named must be inside ``root``
    (see `confine.inside_root`). Returns ``doc`` unchanged when it has neither. Entries of the
    wrong shape are left for the schema to report, except where composing needs them: the
    ``extends`` and ``includes`` values, and the sections entries are merged into, are checked
    here.
    """
    data = doc.data
    if not isinstance(data, dict) or not (data.get("includes") or data.get("extends")):
        return doc
    _check_composition_fields(doc)
    includes = data.get("includes") or []
    merged = {k: copy.deepcopy(v) for k, v in data.items() if k not in ("includes", "extends")}
    out = ComposedDocument(doc, merged, _reading or _Reading(doc))
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


def _check_composition_fields(doc: Document) -> None:
    """Refuse what composition cannot work with: ``extends`` that is no file name, ``includes``
    that is no list (or too long), and sections that are no lists (entries are added to them).
    """
    data: dict[str, Any] = doc.data
    problems: list[Problem] = []
    extends = data.get("extends")
    if extends is not None and not isinstance(extends, str):
        problems.append(
            doc.problem(
                ("extends",),
                f"should be the name of a scenario file, found {describe(extends)}",
            )
        )
    includes = data.get("includes")
    if includes is not None and not isinstance(includes, list):
        problems.append(
            doc.problem(
                ("includes",),
                f"should be a list of mechanisms to include, found {describe(includes)}",
            )
        )
    elif includes is not None and len(includes) > MAX_INCLUDES:
        problems.append(
            doc.problem(
                ("includes",),
                f"{len(includes)} includes; the limit is {MAX_INCLUDES} (MAX_INCLUDES)",
            )
        )
    elif includes is not None:
        for i, include in enumerate(includes):
            try:
                Include.model_validate(include)
            except ValidationError as exc:
                problems += schema_problems(doc, exc, Include, ("includes", i))
    for section in dict.fromkeys((*SECTIONS, *_EXTENDED)):
        if section in data and not isinstance(data[section], list):
            problems.append(
                doc.problem(
                    (section,),
                    f"should be a list of entries, found {describe(data[section])}",
                )
            )
    if problems:
        raise ScenarioError(problems)


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
    if len(seen) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(
            [
                out.host.problem(
                    ("extends",),
                    f"more than {MAX_EXTENDS_DEPTH} scenarios extend one another in a chain "
                    "(the limit MAX_EXTENDS_DEPTH)",
                )
            ]
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
    base = compose(
        out.reading.read(path, data["extends"], out.host, ("extends",)),
        path.parent,
        root,
        (*seen, path),
        out.reading,
    )
    _check_base(out.host, data["extends"], base)
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
                if not source_inside(entry, path.parent, root, base, (section, k), problems):
                    continue
                rebase(entry, path.parent, base_dir)
            out.grow(base, (section, k))
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
    # Sources declared in both (same id) are kept once; they must be the same source.
    unique: list[Any] = []
    ids: dict[str, Any] = {}
    for i, entry in enumerate(merged.get("sources", [])):
        key = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(key, str):
            unique.append(entry)  # the schema reports it
        elif key not in ids:
            unique.append(entry)
            ids[key] = entry
        elif not same_source(base_dir, ids[key], entry):
            doc, local = out.origins.get(("sources", i), (out.host, ("sources", i)))
            problems.append(
                doc.problem(
                    local,
                    f"source {key!r} is declared differently in {base.file} and here; "
                    "give one of them another id",
                )
            )
    if problems:
        raise ScenarioError(problems)
    merged["sources"] = unique


def _named_file(doc: Document, where: Path_, name: str, base_dir: Path, root: Path) -> Path:
    """The resolved path ``name`` (written at ``where`` in ``doc``) names inside ``root``."""
    try:
        return inside_root(name, base_dir, root)
    except FileRefused as exc:
        raise ScenarioError([doc.problem(where, exc.describe(repr(name)))]) from None


def _check_base(host: Document, name: str, base: Document) -> None:
    """The scenario ``extends`` names, checked to be one: valid on its own, not a mechanism."""
    data = base.data
    if isinstance(data, dict) and "mechanism" in data:
        raise ScenarioError(
            [
                host.problem(
                    ("extends",),
                    f"{name!r} is a mechanism file, not a scenario; list it under "
                    "'includes:' (with its slots) to use it",
                )
            ]
        )
    try:
        ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(schema_problems(base, exc, ScenarioSpec)) from None


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
    mech_doc = out.reading.read(path, include["file"], host, (*where, "file"))
    if (
        isinstance(mech_doc.data, dict)
        and "mechanism" not in mech_doc.data
        and ("id" in mech_doc.data or "extends" in mech_doc.data)
    ):
        return [
            host.problem(
                (*where, "file"),
                f"{include['file']!r} is a scenario, not a mechanism; a scenario builds on "
                "another with 'extends:'",
            )
        ]
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
                if not source_inside(entry, mech_dir, root, mech_doc, (section, j), problems):
                    continue
                rebase(entry, mech_dir, base_dir)
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
        if not isinstance(t, dict) or t.get("trigger") not in triggers:
            continue
        hits += 1
        if not isinstance(t.setdefault("requires", []), list):
            continue  # the schema reports a `requires:` that is no list
        out.grow(doc, origin)
        t["requires"].append(copy.deepcopy(requirement))
        out.origins[("transitions", k, "requires", len(t["requires"]) - 1)] = (doc, origin)
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
        if not bound[name]:  # the slot's transitions would silently vanish
            problems.append(
                host.problem(
                    (*where, kind, name), f"{what} {name!r} is bound to nothing; name {to}"
                )
            )
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
    out.grow(doc, origin)
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
                same = same_source(base_dir, existing, entry)
            else:
                same = existing == entry
            if same:
                return []
            file, line, _, local = out.locate((section, k))
            what = {"derived": "derived quantity"}.get(section, section[:-1])
            return [
                doc.problem(
                    origin,
                    f"{what} {entry.get('id')!r} is declared differently in "
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
