"""Read a scenario file into plain data plus the line and column of every value.

We read PyYAML's event stream (which constructs no Python objects, so nothing in the file can
run) and build the data ourselves, iteratively, refusing what a scenario never needs: tags
other than the plain scalar/collection ones (``!!python/...``), aliases, merge keys and
duplicate keys. Scalars follow the YAML 1.2 core schema: only ``true``/``false`` are booleans
(so ``no`` stays a string), integers are decimal and bounded by `MAX_LITERAL`, and spellings
YAML 1.1 also took as numbers (``1_000``, ``1:20``) are text. Nesting, list length, the number
of values and key length are bounded by the limits in `model.base.limits`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import yaml

from model.base.confine import FileRefused, read_text_file
from model.base.errors import Problem, ScenarioError
from model.base.limits import (
    MAX_KEY_LENGTH,
    MAX_LITERAL,
    MAX_YAML_DEPTH,
    MAX_YAML_ITEMS,
    MAX_YAML_VALUES,
)

Path_ = tuple[str | int, ...]
Positions = dict[Path_, tuple[int, int]]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"


class _Resolver(yaml.resolver.BaseResolver):
    """YAML 1.2 core-schema scalars: null, true/false, decimal integers and floats. Everything
    else (``no``, ``1:20``, ``2024-04-08``, ``1_000``) is text. Merge keys are still
    recognised, so that they can be refused."""


_Resolver.yaml_implicit_resolvers = {}
for _tag, _rx, _first in (
    (_NULL, r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    (_BOOL, r"^(?:true|false)$", list("tf")),
    # Integers before floats: the float pattern also matches "12".
    (_INT, r"^[-+]?[0-9]+$", list("-+0123456789")),
    (
        _FLOAT,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
    (_MERGE, r"^<<$", ["<"]),
):
    _Resolver.add_implicit_resolver(_tag, re.compile(_rx), _first)


class _PyParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, _Resolver):
    """PyYAML's pure-Python reader, scanner and parser: events only, no composer."""

    def __init__(self, text: str) -> None:
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _Resolver.__init__(self)


_Parser: Callable[[str], Any] = _PyParser
try:  # libyaml's parser, when PyYAML was built with it: the same events, 20 times faster
    from yaml._yaml import CParser

    class _CParser(CParser, _Resolver):
        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            _Resolver.__init__(self)

    _Parser = _CParser
except ImportError:  # pragma: no cover - depends on how PyYAML was installed
    pass


def format_path(path: Path_) -> str:
    """``("transitions", 3, "guard")`` -> ``transitions[3].guard``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Document:
    """Parsed data of one file with the position of each value, for error messages."""

    def __init__(self, file: str, data: Any, positions: Positions) -> None:
        self.file = file
        self.data = data
        self.positions = positions

    def position(self, path: Path_) -> tuple[int, int]:
        """Line and column of the deepest part of ``path`` present in the file."""
        for n in range(len(path), -1, -1):
            if path[:n] in self.positions:
                return self.positions[path[:n]]
        return (1, 1)

    def origin(self, path: Path_) -> tuple[Document, Path_]:
        """The file ``path`` is written in and its path there (itself, for a plain file)."""
        return self, path

    def written(self, path: Path_) -> bool:
        """Whether ``path`` is written in the file (after composition: in its own file)."""
        doc, local = self.origin(path)
        return local in doc.positions

    def locate(self, path: Path_) -> tuple[str, int, int, Path_]:
        """File, line, column and field path (in that file) where ``path`` is written."""
        doc, local = self.origin(path)
        line, col = doc.position(local)
        return doc.file, line, col, local

    def problem(self, path: Path_, message: str) -> Problem:
        file, line, col, local = self.locate(path)
        return Problem(file, line, col, format_path(local), message)

    def where(self, path: Path_) -> str:
        """``file:line:col`` of ``path``, for reports."""
        file, line, col, _ = self.locate(path)
        return f"{file}:{line}:{col}"


def read_text(text: str, file: str) -> Document:
    """Parse YAML (or JSON) text; raise `ScenarioError` naming each problem found."""
    builder = _Builder(file)
    loader: Any = None
    try:
        loader = _Parser(text)
        data = builder.run(loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = exc.problem or exc.context or "cannot be parsed"
        raise ScenarioError([Problem(file, line, col, "", f"not valid YAML: {message}")]) from None
    except yaml.reader.ReaderError as exc:
        code = exc.character if isinstance(exc.character, int) else ord(exc.character[:1] or " ")
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        problem = Problem(
            file,
            line,
            col,
            "",
            f"not valid YAML: character U+{code:04X} is not allowed (a control or special "
            "character); remove it",
        )
        raise ScenarioError([problem]) from None
    except UnicodeEncodeError as exc:  # a str from Python code, with a lone surrogate
        line = text.count("\n", 0, exc.start) + 1
        problem = Problem(file, line, 1, "", f"not valid text: {exc.reason}")
        raise ScenarioError([problem]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error above has a place
        raise ScenarioError([Problem(file, 1, 1, "", f"not valid YAML: {exc}")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if builder.problems:
        raise ScenarioError(builder.problems)
    return Document(file, data, builder.positions)


def read_file(path: str | Path, display: str | None = None) -> Document:
    """Read and parse a scenario file named on the command line or passed to ``load``.

    The reading rules (regular files only, at most `MAX_BYTES`) are `confine.read_text_file`'s;
    a refusal is reported against the file itself.
    """
    name = display or str(path)
    try:
        text = read_text_file(Path(path))
    except FileRefused as exc:
        raise ScenarioError([Problem(name, 0, 0, "", exc.describe("the file"))]) from None
    return read_text(text, name)


At = tuple[int, int]
"""Line and column (from 1) of a value in the file."""


def _at(event: yaml.Event) -> At:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


class _Frame:
    """A collection being built: its value, its path, and (in a mapping) the current key."""

    __slots__ = ("key", "key_at", "path", "value")

    def __init__(self, value: list[Any] | dict[str, Any], path: Path_) -> None:
        self.value = value
        self.path = path
        self.key: str | None = None
        self.key_at: At = (1, 1)


class _Builder:
    """Turn PyYAML's event stream into plain data and positions, without recursion.

    PyYAML's own composer recurses once per nesting level, so a file of 500 ``[`` ends in
    `RecursionError`; here the open collections are an explicit stack, which `MAX_YAML_DEPTH`
    bounds, and `MAX_YAML_ITEMS` / `MAX_YAML_VALUES` bound the size of what is built.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.positions: Positions = {}
        self.problems: list[Problem] = []
        self._values = 0

    def _problem(self, at: At, path: Path_, message: str) -> Problem:
        return Problem(self.file, at[0], at[1], format_path(path), message)

    def _fail(self, at: At, path: Path_, message: str) -> None:
        self.problems.append(self._problem(at, path, message))

    def _stop(self, at: At, path: Path_, message: str) -> NoReturn:
        """A limit is reached: report it with what was found so far, and read no further."""
        raise ScenarioError([*self.problems, self._problem(at, path, message)])

    def run(self, loader: Any) -> Any:
        """Build the data of the stream's single document."""
        stack: list[_Frame] = []
        root: Any = None
        documents = 0
        skip = 0  # > 0: inside a refused value, counting its open collections
        while True:
            event: yaml.Event = loader.get_event()
            if isinstance(event, yaml.StreamEndEvent):
                break
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    self._stop(
                        _at(event),
                        (),
                        "not valid YAML: expected a single document in the stream, "
                        "found another document",
                    )
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.DocumentEndEvent)):
                continue
            if skip:
                if isinstance(event, yaml.CollectionStartEvent):
                    skip += 1
                elif isinstance(event, yaml.CollectionEndEvent):
                    skip -= 1
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                frame = stack.pop()
                if not stack:
                    root = frame.value
                else:
                    self._deliver(stack[-1], frame.value)
                continue
            parent = stack[-1] if stack else None
            if parent is not None and isinstance(parent.value, dict):
                if parent.key is None:
                    skip = self._key(parent, event)
                    continue
                if parent.key is _SKIP:  # the value of a refused key: read past it
                    parent.key = None
                    skip = 1 if isinstance(event, yaml.CollectionStartEvent) else 0
                    continue
            elif parent is not None and len(parent.value) >= MAX_YAML_ITEMS:
                self._stop(
                    _at(event),
                    parent.path,
                    f"a list has more than {MAX_YAML_ITEMS} items (the limit MAX_YAML_ITEMS)",
                )
            path = _child_path(parent)
            at = _at(event)
            self._count(at, path)
            self.positions[path] = at
            value: Any = None
            if isinstance(event, yaml.AliasEvent):
                self._fail(at, path, "YAML anchors and aliases are not supported; repeat the value")
            elif isinstance(event, yaml.ScalarEvent):
                tag = _resolved_tag(loader, event)
                if tag in (_STR, _INT, _FLOAT, _BOOL, _NULL):
                    value = self._scalar(event, at, path, tag)
                else:
                    self._refuse_tag(at, path, tag)
            elif isinstance(event, yaml.CollectionStartEvent):
                tag = _resolved_tag(loader, event)
                if tag not in (_SEQ, _MAP):
                    self._refuse_tag(at, path, tag)
                    skip = 1
                else:
                    if len(stack) >= MAX_YAML_DEPTH:
                        self._stop(
                            at,
                            path[: MAX_YAML_DEPTH // 4],
                            f"lists and mappings are nested more than {MAX_YAML_DEPTH} levels "
                            "deep (the limit MAX_YAML_DEPTH); a scenario needs fewer than 10",
                        )
                    stack.append(_Frame([] if tag == _SEQ else {}, path))
                    continue
            if parent is None:
                root = value
            else:
                self._deliver(parent, value)
        if documents == 0:
            raise ScenarioError([Problem(self.file, 1, 1, "", "the file is empty")])
        return root

    def _count(self, at: At, path: Path_) -> None:
        self._values += 1
        if self._values > MAX_YAML_VALUES:
            self._stop(
                at,
                path,
                f"the file holds more than {MAX_YAML_VALUES} values (the limit "
                "MAX_YAML_VALUES); split it, or write less",
            )

    def _key(self, frame: _Frame, event: yaml.Event) -> int:
        """Take a mapping key; return how many collections to skip (a refused key and value)."""
        assert isinstance(frame.value, dict)
        at = _at(event)
        if len(frame.value) >= MAX_YAML_ITEMS:
            self._stop(
                at,
                frame.path,
                f"a mapping has more than {MAX_YAML_ITEMS} keys (the limit MAX_YAML_ITEMS)",
            )
        self._count(at, frame.path)
        frame.key, frame.key_at = _SKIP, at
        if not isinstance(event, yaml.ScalarEvent):
            self._fail(at, frame.path, "keys must be plain strings (no merge keys)")
            return 1 if isinstance(event, yaml.CollectionStartEvent) else 0
        key = str(event.value)
        explicit = event.tag not in (None, "!")
        if not explicit and event.implicit[0] and key == "<<":
            self._fail(at, frame.path, "keys must be plain strings (no merge keys)")
        elif explicit and event.tag not in (_STR, _INT, _FLOAT, _BOOL, _NULL):
            self._refuse_tag(at, (*frame.path, _clip(key)), event.tag)
        elif len(key) > MAX_KEY_LENGTH:
            self._fail(
                at,
                frame.path,
                f"a key of {len(key)} characters: keys are field names and ids, at most "
                f"{MAX_KEY_LENGTH} characters (the limit MAX_KEY_LENGTH)",
            )
        elif key in frame.value:
            first = self.positions[(*frame.path, key)]
            self._fail(at, (*frame.path, key), f"duplicate key {key!r} (first at line {first[0]})")
        else:
            frame.key = key
        return 0

    def _deliver(self, frame: _Frame, value: Any) -> None:
        """Put a finished value into the collection being built."""
        if isinstance(frame.value, list):
            frame.value.append(value)
            return
        assert frame.key is not None and frame.key is not _SKIP
        frame.value[frame.key] = value
        # Point errors about a whole entry at its key, which is where a reader looks.
        self.positions[(*frame.path, frame.key)] = frame.key_at
        frame.key = None

    def _refuse_tag(self, at: At, path: Path_, tag: str | None) -> None:
        self._fail(at, path, f"YAML tag {tag!r} is not allowed: scenario files are data")

    def _scalar(self, event: yaml.ScalarEvent, at: At, path: Path_, tag: str) -> Any:
        value = str(event.value)
        if tag == _INT:
            # Compare lengths before converting: int() of a text over 4,300 digits (leading
            # zeros included) is refused by Python itself, its int/str conversion limit.
            digits = value.lstrip("+-").lstrip("0") or "0"
            if len(digits) > len(str(MAX_LITERAL)) or int(digits) > MAX_LITERAL:
                self._fail(
                    at,
                    path,
                    f"whole number {_clip(value)} is outside the limit of -{MAX_LITERAL} to "
                    f"{MAX_LITERAL} (MAX_LITERAL); use a smaller number",
                )
                return None
            return -int(digits) if value.startswith("-") else int(digits)
        if tag == _BOOL:
            return value == "true"
        if tag == _NULL:
            return None
        if tag == _FLOAT:
            # Kept as text when Python has no float for it (".nan", ".inf"): no field takes
            # a float, so the schema reports it either way.
            try:
                return float(value) if value.lower().lstrip("+-") not in (".nan", ".inf") else value
            except ValueError:
                return value
        return value


def _resolved_tag(
    loader: _Resolver, event: yaml.ScalarEvent | yaml.CollectionStartEvent
) -> str | None:
    """The event's tag: as written, or resolved from a plain value as YAML 1.2 does."""
    if event.tag not in (None, "!"):
        return event.tag
    if isinstance(event, yaml.ScalarEvent):
        kind: type[yaml.Node] = yaml.ScalarNode
    else:
        kind = yaml.SequenceNode if isinstance(event, yaml.SequenceStartEvent) else yaml.MappingNode
    value = event.value if isinstance(event, yaml.ScalarEvent) else None
    tag: str = loader.resolve(kind, value, event.implicit)  # type: ignore[no-untyped-call]
    return tag


_SKIP = "\x00skip"
"""Placeholder key of a refused mapping entry (its value is read but not kept)."""


def _child_path(frame: _Frame | None) -> Path_:
    """The path of the next value in ``frame``: the list's next index or the mapping's key."""
    if frame is None:
        return ()
    if isinstance(frame.value, list):
        return (*frame.path, len(frame.value))
    return (*frame.path, frame.key if frame.key is not None else "")


def _clip(text: str, limit: int = 40) -> str:
    """Long values in messages: the start, the end and how many characters in all."""
    if len(text) <= limit:
        return text
    return f"{text[:20]}...{text[-10:]} ({len(text)} characters)"
