"""Read a scenario file into plain data plus the line and column of every value.

PyYAML's composer builds a node tree with marks and constructs no Python objects, so nothing
in the file can run. We convert nodes to data ourselves and refuse what a scenario never needs:
tags other than the plain scalar/collection ones (``!!python/...``), anchors and aliases, and
duplicate keys. Booleans follow YAML 1.2 (only ``true``/``false``), so ``no`` stays a string.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .confine import FileRefused, read_text_file
from .errors import Problem, ScenarioError

Path_ = tuple[str | int, ...]
Positions = dict[Path_, tuple[int, int]]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema booleans and integers."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _INT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|false)$"), list("tf"))
_Loader.add_implicit_resolver(_INT, re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))


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

    def locate(self, path: Path_) -> tuple[str, int, int, Path_]:
        """File, line, column and field path (in that file) where ``path`` is written."""
        line, col = self.position(path)
        return self.file, line, col, path

    def problem(self, path: Path_, message: str) -> Problem:
        file, line, col, local = self.locate(path)
        return Problem(file, line, col, format_path(local), message)

    def where(self, path: Path_) -> str:
        """``file:line:col`` of ``path``, for reports."""
        file, line, col, _ = self.locate(path)
        return f"{file}:{line}:{col}"


def read_text(text: str, file: str) -> Document:
    """Parse YAML (or JSON) text; raise `ScenarioError` naming each problem found."""
    try:
        node = yaml.compose(text, Loader=_Loader)  # compose builds no objects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = Problem(file, line, col, "", f"not valid YAML: {exc.problem}")
        raise ScenarioError([problem]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(file, 1, 1, "", f"not valid YAML: {exc}")]) from None
    if node is None:
        raise ScenarioError([Problem(file, 1, 1, "", "the file is empty")])
    builder = _Builder(file)
    data = builder.build(node, ())
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


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.positions: Positions = {}
        self.problems: list[Problem] = []
        self._seen: set[int] = set()

    def _fail(self, node: yaml.Node, path: Path_, message: str) -> None:
        self.problems.append(
            Problem(
                self.file,
                node.start_mark.line + 1,
                node.start_mark.column + 1,
                format_path(path),
                message,
            )
        )

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if id(node) in self._seen:
            self._fail(node, path, "YAML anchors and aliases are not supported; repeat the value")
            return None
        self._seen.add(id(node))
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode) and node.tag in (_STR, _INT, _FLOAT, _BOOL, _NULL):
            return _scalar(node)
        self._fail(node, path, f"YAML tag {node.tag!r} is not allowed: scenario files are data")
        return None

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if (
                not isinstance(key_node, yaml.ScalarNode)
                or key_node.tag == "tag:yaml.org,2002:merge"
            ):
                self._fail(key_node, path, "keys must be plain strings (no merge keys)")
                continue
            key = str(key_node.value)
            if key in out:
                first = self.positions[(*path, key)]
                self._fail(
                    key_node,
                    (*path, key),
                    f"duplicate key {key!r} (first at line {first[0]})",
                )
                continue
            out[key] = self.build(value_node, (*path, key))
            # Point errors about a whole entry at its key, which is where a reader looks.
            self.positions[(*path, key)] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
        return out


def _scalar(node: yaml.ScalarNode) -> Any:
    value = str(node.value)
    if node.tag == _INT:
        return int(value)
    if node.tag == _BOOL:
        return value == "true"
    if node.tag == _NULL:
        return None
    if node.tag == _FLOAT:
        return float(value) if value.lower() not in (".nan", ".inf", "-.inf", "+.inf") else value
    return value
