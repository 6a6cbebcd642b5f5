"""Hypothesis strategies for hostile input to the loader (used by tests/test_fuzz_loader.py).

Every strategy starts from a shipped scenario or mechanism file and breaks it, the way an
attacker or a careless edit would:

- `mutated_data`: the file's data with keys and items deleted, duplicated, moved or renamed,
  values swapped for values of other types, huge or odd numbers, hostile strings, deep
  nesting, hostile expressions and paths, then written back as YAML;
- `mutated_text`: the file's text with characters flipped, lines cut, duplicated or swapped,
  the text truncated, and YAML syntax inserted (tags, anchors, aliases, merge keys, complex
  keys, documents, directives, deep brackets, odd number spellings);
- `hostile_expressions`: text for guards, effects, weights, days, invariants and initial
  values: deep nesting, huge literals, division by zero, unknown and unicode names, every
  Python operator, lambda / attribute / call / comprehension attempts, token soup.

Paths (includes, extends, sources) name things inside a temporary copy of the project that
are not what is wanted (missing files, directories, the file itself, a mechanism where a
scenario is expected and the other way round) and things a scenario may not name: absolute
paths, ``..`` escapes out of the project, devices, a NUL byte, and the special files the
`project` fixture of tests/test_fuzz_loader.py makes (`SPECIAL_FILES`: a FIFO, a symbolic
link loop, a link to a secret file outside the project).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from model.scenario.yamlsource import read_text

ROOT = Path(__file__).resolve().parent.parent
SCENARIO_FILES = tuple(sorted(f"scenarios/{p.name}" for p in (ROOT / "scenarios").glob("*.yaml")))
MECHANISM_FILES = tuple(
    sorted(f"scenarios/mechanisms/{p.name}" for p in (ROOT / "scenarios/mechanisms").glob("*.yaml"))
)
ALL_FILES = SCENARIO_FILES + MECHANISM_FILES

Data = Any
PathT = tuple[str | int, ...]


@functools.cache
def original_text(rel: str) -> str:
    return (ROOT / rel).read_text(encoding="utf-8")


@functools.cache
def _original_data(rel: str) -> Data:
    return read_text(original_text(rel), rel).data


def original_data(rel: str) -> Data:
    """A fresh copy of a shipped file's data (safe to mutate)."""
    return copy.deepcopy(_original_data(rel))


@functools.cache
def users(rel: str) -> tuple[str, ...]:
    """The shipped scenarios to load after breaking ``rel``: itself if it is a scenario, and
    the first scenario that includes or extends it."""
    name = rel.removeprefix("scenarios/")
    own = () if rel in MECHANISM_FILES else (rel,)
    for other in SCENARIO_FILES:
        text = original_text(other)
        if other != rel and (f"file: {name}" in text or f"extends: {name}" in text):
            return (*own, other)
    assert own, f"no shipped scenario includes {rel}"
    return own


# --- values ---------------------------------------------------------------------------------

ODD_NUMBERS = (
    "1.0_",
    "1:20.5",
    "1:20",
    "0x1F",
    "0o17",
    "0b101",
    "017",
    "+12",
    "-0",
    "1_000",
    "1e999",
    "-1e999",
    "1e-999",
    ".inf",
    "-.inf",
    ".NaN",
    "1.",
    ".5",
    "1e3",
    "١٢",
    "１２",
    "12 ",
    "1000000000000000",
    "1000000000000001",
    "-1000000000000001",
    "9223372036854775808",
    "2024-04-08",
    "2024-04-08 12:00:00",
)
YAML_WORDS = (
    "no",
    "yes",
    "on",
    "off",
    "y",
    "n",
    "~",
    "null",
    "Null",
    "NULL",
    "True",
    "FALSE",
    "<<",
    "=",
    "*a",
    "&a",
    "!!python/object:os.system",
    "'",
    '"',
    "---",
    "...",
    "#",
    "- ",
    ": ",
    "? ",
    "|",
    ">",
    "%YAML 1.1",
    "@",
    "`",
)
HOSTILE_STRINGS = (
    "",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\x00",
    "\x07\x1b[2J\x1b]0;title\x07",
    "\u202e",
    "\u2028",
    "\ufeff",
    "\ud7ff",
    "\U0001f600",
    "名前",
    "ｉｄ",
    "é",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "${HOME}",
    "%s%n",
    "../x",
    "id",
    "a" * 65,
    "x" * 2001,
)
SPECIAL_INTS = (
    0,
    -1,
    1,
    36500,
    36501,
    10**15,
    10**15 + 1,
    -(10**15) - 1,
    2**63,
    -(2**63),
    10**4000,
)
FIELD_NAMES = (
    "id",
    "file",
    "title",
    "summary",
    "sources",
    "parties",
    "stages",
    "variables",
    "parameters",
    "states",
    "initial",
    "transitions",
    "invariants",
    "horizon",
    "extends",
    "includes",
    "expected_findings",
    "mechanism",
    "slots",
    "events",
    "constraints",
    "defaults",
    "trigger",
    "source",
    "dest",
    "actor",
    "guard",
    "effects",
    "days",
    "weight",
    "requires",
    "holds",
    "by",
    "quote",
    "text",
    "said_by",
    "assumption",
    "type",
    "min",
    "max",
    "default",
    "variants",
    "value",
    "label",
    "values",
    "outcome",
    "stage",
    "role",
    "name",
    "kind",
    "target",
    "when",
    "on",
    "allow_backward",
    "description",
)


def _long_string() -> st.SearchStrategy[str]:
    return st.builds(
        lambda piece, n: piece * n,
        st.sampled_from(["a", "x ", "é", "\u202e", "名", "'", "[", "\\"]),
        st.integers(1_000, 60_000),
    )


def scalars() -> st.SearchStrategy[Any]:
    """Scalar values of every type and shape a scenario field might be given."""
    return st.one_of(
        st.sampled_from(SPECIAL_INTS),
        st.integers(),
        st.integers(-(10**3000), 10**3000),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
        st.none(),
        st.sampled_from(HOSTILE_STRINGS),
        st.sampled_from(ODD_NUMBERS),
        st.sampled_from(YAML_WORDS),
        st.sampled_from(FIELD_NAMES),
        st.text(max_size=30),
        _long_string(),
        hostile_expressions(),
    )


def values() -> st.SearchStrategy[Any]:
    """Any value: a scalar, or a small list or mapping of values."""
    return st.recursive(
        scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(
                st.sampled_from(FIELD_NAMES) | st.text(max_size=8), children, max_size=4
            ),
        ),
        max_leaves=8,
    )


# --- expressions ----------------------------------------------------------------------------

EXPR_NAMES = (
    "held_in_gaza",
    "batch_size",
    "exchange_floor",
    "released_from_prisons",
    "return_north",
    "day",
    "day_in_stage",
    "stage_days",
    "x",
    "true",
    "false",
    "True",
    "False",
    "None",
    "min",
    "max",
    "abs",
    "__import__",
    "__builtins__",
    "ｘ",
    "é",
    "名前",
    "_",
    "'monitored'",
    "'nope'",
    "''",
    "1",
    "0",
    "-1",
    "1000000000000000",
    "1000000000000001",
    "99999999999999999999",
    "1.5",
    "1j",
    "b'x'",
    "...",
)
BINARY_OPS = (
    "+",
    "-",
    "*",
    "//",
    "%",
    "/",
    "**",
    "@",
    "<<",
    ">>",
    "&",
    "|",
    "^",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "and",
    "or",
    "in",
    "not in",
    "is",
    "is not",
)
UNARY_OPS = ("-", "+", "not ", "~")
SPECIAL_EXPRESSIONS = (
    "1 // 0",
    "held_in_gaza // 0",
    "held_in_gaza % 0",
    "held_in_gaza // (batch_size - batch_size)",
    "(" * 100 + "1" + ")" * 100,
    "(" * 1000 + "1" + ")" * 1000,
    "-" * 1000 + "1",
    "not " * 500 + "true",
    "9" * 5000,
    "1" * 17,
    "-" + "1" * 16,
    " + ".join(["held_in_gaza"] * 300),
    " * ".join(["batch_size"] * 30),
    "min(" * 70 + "1" + ")" * 70,
    "1 if " * 100 + "true" + " else 1" * 100,
    " < ".join(["day"] * 500),
    " and ".join(["true"] * 900),
    "x" * 2001,
    "lambda: 1",
    "(lambda: 1)()",
    "held_in_gaza.real",
    "().__class__.__bases__[0].__subclasses__()",
    "__import__('os').system('true')",
    "open('/etc/passwd').read()",
    "min()",
    "max(*[1, 2])",
    "min(1, key=abs)",
    "max(1, 2, default=3)",
    "abs(-1)",
    "[1][0]",
    "{1: 2}",
    "{1, 2}",
    "(1, 2)",
    "[x for x in (1, 2)]",
    "f'{day}'",
    "'a' + 'b'",
    "'monitored' == 'monitored'",
    "return_north == 'nope'",
    "return_north",
    "x if y",
    "yield 1",
    "await x",
    "(x := 1)",
    "1; 2",
    "import os",
    "day\n+ 1",
    "# comment",
    "",
    " ",
    "\x00",
    "\u202e1",
    "名前 > 0",
    "1 < 2 < 3 < 4",
    "true + 1",
    "not 1",
    "-true",
    "min(true, 1)",
    "1 if 1 else 2",
    "day_in_stage >= stage_days",
    "10**15 * 10**15",
    "1000000000000000 * 1000000000000000",
)


@st.composite
def _structured(draw: st.DrawFn, depth: int = 4) -> str:
    if depth <= 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(EXPR_NAMES))
    kind = draw(st.sampled_from(["binary", "unary", "call", "if", "paren", "chain"]))
    a = draw(_structured(depth - 1))
    if kind == "unary":
        return f"{draw(st.sampled_from(UNARY_OPS))}{a}"
    if kind == "paren":
        return f"({a})"
    b = draw(_structured(depth - 1))
    if kind == "call":
        return f"{draw(st.sampled_from(['min', 'max', 'abs', 'f', 'x.y']))}({a}, {b})"
    if kind == "if":
        return f"{a} if {draw(_structured(depth - 1))} else {b}"
    if kind == "chain":
        return (
            f"{a} {draw(st.sampled_from(BINARY_OPS))} {b} {draw(st.sampled_from(BINARY_OPS))} {a}"
        )
    return f"{a} {draw(st.sampled_from(BINARY_OPS))} {b}"


def hostile_expressions() -> st.SearchStrategy[str]:
    """Expression text meant to break parsing, type checking or evaluation."""
    tokens = (*EXPR_NAMES, *BINARY_OPS, *UNARY_OPS, "(", ")", ",", "[", "]", ":", "=", ".", "if")
    return st.one_of(
        st.sampled_from(SPECIAL_EXPRESSIONS),
        _structured(),
        st.lists(st.sampled_from(tokens), max_size=30).map(" ".join),
        st.text(max_size=20),
    )


# --- walking and changing the data ----------------------------------------------------------


def all_paths(data: Data) -> list[PathT]:
    """The path of every value in ``data`` (the root is ``()``), found without recursion."""
    out: list[PathT] = []
    stack: list[tuple[PathT, Data]] = [((), data)]
    while stack:
        path, value = stack.pop()
        out.append(path)
        if isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in enumerate(value))
    out.sort(key=lambda p: [str(x) for x in p])
    return out


def get(data: Data, path: PathT) -> Data:
    for part in path:
        data = data[part]
    return data


def put(data: Data, path: PathT, value: Data) -> Data:
    """``data`` with the value at ``path`` replaced (the root is replaced when path is ())."""
    if not path:
        return value
    get(data, path[:-1])[path[-1]] = value
    return data


EXPRESSION_FIELDS = ("guard", "days", "weight", "holds", "initial")
PATH_FIELDS = ("file", "extends")


def _expression_paths(data: Data) -> list[PathT]:
    return [
        p
        for p in all_paths(data)
        if p
        and (
            p[-1] in EXPRESSION_FIELDS
            or (len(p) >= 2 and p[-2] == "effects")
            or (len(p) >= 1 and p[-1] == "effects")
        )
    ]


SECRET_FILE = "secret-outside.yaml"
"""Made beside (outside) the project copy; its text must never appear in a message."""
SECRET_TEXT = "not-for-the-user-0f3c"
SPECIAL_FILES = ("fifo.yaml", "loop.yaml", "escape.yaml")
"""Made in scenarios/ of the project copy: a FIFO, a link to itself, a link to the secret."""


def path_candidates(rel: str) -> list[str]:
    """Relative names, from the directory of ``rel``, of things that are not what is wanted."""
    here = Path(rel).name
    in_mechanisms = rel.startswith("scenarios/mechanisms/")
    names = [
        "missing.yaml",
        "missing/missing.yaml",
        "",
        ".",
        "./",
        here,
        f"./{here}",
        "nested/../" + here,
        "a" * 300,
        "名前.yaml",
        " ",
        "\t",
        "file with spaces.yaml",
        "*",
        "?",
        "~",
        "/etc/passwd",
        "/dev/zero",
        "/dev/stdin",
        "/proc/self/environ",
        "../" * 12 + "etc/passwd",
        "../../" + SECRET_FILE,
        "../../../" + SECRET_FILE,
        "a\0b.yaml",
        *SPECIAL_FILES,
        *("../" + name for name in SPECIAL_FILES),
    ]
    if in_mechanisms:
        names += [p.removeprefix("scenarios/mechanisms/") for p in MECHANISM_FILES]
    else:
        names += ["mechanisms", "mechanisms/", *(p.removeprefix("scenarios/") for p in ALL_FILES)]
    return names


Mutation = Callable[[st.DrawFn, Data, str], Data]


def _delete(draw: st.DrawFn, data: Data, rel: str) -> Data:
    paths = [p for p in all_paths(data) if p]
    if not paths:
        return data
    path = draw(st.sampled_from(paths))
    del get(data, path[:-1])[path[-1]]
    return data


def _duplicate(draw: st.DrawFn, data: Data, rel: str) -> Data:
    paths = [p for p in all_paths(data) if p]
    if not paths:
        return data
    path = draw(st.sampled_from(paths))
    parent = get(data, path[:-1])
    value = copy.deepcopy(parent[path[-1]])
    if isinstance(parent, list):
        parent.insert(draw(st.integers(0, len(parent))), value)
    else:
        parent[draw(st.sampled_from(FIELD_NAMES))] = value
    return data


def _move(draw: st.DrawFn, data: Data, rel: str) -> Data:
    paths = [p for p in all_paths(data) if p]
    if len(paths) < 2:
        return data
    source = draw(st.sampled_from(paths))
    value = get(data, source)
    targets = [p for p in all_paths(data) if p[: len(source)] != source]
    target = draw(st.sampled_from(targets))
    del get(data, source[:-1])[source[-1]]
    try:
        container = get(data, target)
    except (KeyError, IndexError, TypeError):
        return data  # the target moved with the deletion
    if isinstance(container, list):
        container.insert(draw(st.integers(0, len(container))), value)
    elif isinstance(container, dict):
        container[str(source[-1])] = value
    else:
        data = put(data, target, value)
    return data


def _replace(draw: st.DrawFn, data: Data, rel: str) -> Data:
    path = draw(st.sampled_from(all_paths(data)))
    return put(data, path, draw(values()))


def _copy_value(draw: st.DrawFn, data: Data, rel: str) -> Data:
    """Put one value of the file where another was: plausible values of the wrong kind."""
    paths = all_paths(data)
    value = copy.deepcopy(get(data, draw(st.sampled_from(paths))))
    return put(data, draw(st.sampled_from(paths)), value)


def _nest(draw: st.DrawFn, data: Data, rel: str) -> Data:
    path = draw(st.sampled_from(all_paths(data)))
    value = get(data, path)
    # PyYAML's emitter recurses too: deeper nesting is made by `mutated_text` instead.
    for _ in range(draw(st.integers(1, 60))):
        value = [value] if draw(st.booleans()) else {draw(st.sampled_from(FIELD_NAMES)): value}
    return put(data, path, value)


def _rename_key(draw: st.DrawFn, data: Data, rel: str) -> Data:
    paths = [p for p in all_paths(data) if p and isinstance(p[-1], str)]
    if not paths:
        return data
    path = draw(st.sampled_from(paths))
    parent = get(data, path[:-1])
    key = path[-1]
    new = draw(
        st.one_of(
            st.sampled_from(FIELD_NAMES),
            st.sampled_from(HOSTILE_STRINGS),
            st.sampled_from(YAML_WORDS),
            st.builds(
                lambda i, c: key[:i] + c + key[i + 1 :], st.integers(0, len(key)), st.characters()
            ),
        )
    )
    parent[new] = parent.pop(key)
    return data


def _expression(draw: st.DrawFn, data: Data, rel: str) -> Data:
    paths = _expression_paths(data)
    if not paths:
        return data
    path = draw(st.sampled_from(paths))
    if path[-1] == "effects" and isinstance(get(data, path), dict) and get(data, path):
        path = (*path, draw(st.sampled_from(sorted(get(data, path)))))
    return put(data, path, draw(hostile_expressions()))


def _path(draw: st.DrawFn, data: Data, rel: str) -> Data:
    paths = [p for p in all_paths(data) if p and p[-1] in PATH_FIELDS]
    candidates = path_candidates(rel)
    if isinstance(data, dict) and not rel.startswith("scenarios/mechanisms/"):
        if draw(st.booleans()):
            data["extends"] = draw(st.sampled_from(candidates))
            return data
        if draw(st.booleans()):
            data.setdefault("includes", [])
            if isinstance(data["includes"], list):
                data["includes"].append({"file": draw(st.sampled_from(candidates))})
            return data
    if not paths:
        return data
    return put(data, draw(st.sampled_from(paths)), draw(st.sampled_from(candidates)))


def _number(draw: st.DrawFn, data: Data, rel: str) -> Data:
    paths = [p for p in all_paths(data) if isinstance(get(data, p), int)]
    if not paths:
        return data
    number = draw(st.one_of(st.sampled_from(SPECIAL_INTS), st.integers(), st.floats()))
    return put(data, draw(st.sampled_from(paths)), number)


DATA_MUTATIONS: tuple[Mutation, ...] = (
    _delete,
    _duplicate,
    _move,
    _replace,
    _copy_value,
    _nest,
    _rename_key,
    _expression,
    _path,
    _number,
)


def dump(data: Data) -> str:
    """Data as YAML text, the way an editor would write it (unicode kept, order kept)."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


@st.composite
def mutated_data(draw: st.DrawFn, files: tuple[str, ...] = ALL_FILES) -> tuple[str, str]:
    """``(file, yaml text)``: a shipped file's data with 1 to 4 mutations, as YAML."""
    rel = draw(st.sampled_from(files))
    data = original_data(rel)
    for _ in range(draw(st.integers(1, 4))):
        data = draw(st.sampled_from(DATA_MUTATIONS))(draw, data, rel)
    return rel, dump(data)


@st.composite
def expression_data(draw: st.DrawFn) -> tuple[str, str]:
    """``(file, yaml text)``: a shipped scenario with hostile expressions in 1 to 3 places."""
    rel = draw(st.sampled_from([f for f in ALL_FILES if _expression_paths(_original_data(f))]))
    data = original_data(rel)
    for _ in range(draw(st.integers(1, 3))):
        data = _expression(draw, data, rel)
    return rel, dump(data)


@st.composite
def path_data(draw: st.DrawFn) -> tuple[str, str]:
    """``(file, yaml text)``: a shipped file whose includes, extends or sources name wrong files."""
    rel = draw(st.sampled_from(ALL_FILES))
    data = original_data(rel)
    for _ in range(draw(st.integers(1, 3))):
        data = _path(draw, data, rel)
    return rel, dump(data)


# --- raw text -------------------------------------------------------------------------------

SNIPPETS = (
    "!!python/object/apply:os.system ['true']",
    "!!python/name:os.system",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [a: 1]",
    "!!timestamp 2024-04-08",
    "!!int '12'",
    "!!str 12",
    "!!float 1",
    "!!null ''",
    "!!map {}",
    "!!seq []",
    "!custom x",
    "!<tag:example.com,2000:x> y",
    "&anchor value",
    "*anchor",
    "*undefined",
    "<<: {id: x}",
    "<<: *anchor",
    "? [a, b]\n: c",
    "? {a: b}\n: c",
    "[a, b]: c",
    "{a: 1, a: 2}",
    "---\nid: second",
    "...\n---",
    "%YAML 1.1\n---",
    "%TAG ! tag:example.com,2000:\n---",
    "|\n  text",
    ">-\n  text",
    '"\\x00\\u202e\\e[2J"',
    "'unterminated",
    '"unterminated',
    "[unclosed",
    "{unclosed",
    "\t- tab",
    "- ",
    ": ",
    "-",
    "?",
    "#",
    "@reserved",
    "`reserved",
    "\ufeff",
    "\x00",
    "\x1b[2J",
    "\x85",
    "\u2028",
)


@st.composite
def deep_nesting(draw: st.DrawFn) -> str:
    """Brackets, braces or block lists nested 30 to 5,000 levels deep."""
    n = draw(st.integers(30, 5_000))
    kind = draw(st.sampled_from(["[", "{", "block", "mixed"]))
    if kind == "[":
        return "[" * n + "]" * n
    if kind == "{":
        return "{a: " * n + "1" + "}" * n
    if kind == "block":
        return "\n".join("  " * i + "- " for i in range(min(n, 300))) + "x"
    return "".join(draw(st.sampled_from(["[", "{a: "])) for _ in range(min(n, 500)))


@st.composite
def _flip(draw: st.DrawFn, text: str) -> str:
    if not text:
        return text
    i = draw(st.integers(0, len(text) - 1))
    char = draw(
        st.one_of(st.characters(), st.sampled_from(list(":-[]{}\"'&*!|>%@`#\t\n\x00\ufeff")))
    )
    return text[:i] + char + text[i + 1 :]


@st.composite
def _truncate(draw: st.DrawFn, text: str) -> str:
    return text[: draw(st.integers(0, len(text)))]


@st.composite
def _lines(draw: st.DrawFn, text: str) -> str:
    lines = text.split("\n")
    i = draw(st.integers(0, len(lines) - 1))
    j = draw(st.integers(0, len(lines) - 1))
    kind = draw(st.sampled_from(["delete", "duplicate", "swap", "dedent", "indent"]))
    if kind == "delete":
        del lines[i : i + draw(st.integers(1, 10))]
    elif kind == "duplicate":
        lines.insert(j, lines[i])
    elif kind == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "dedent":
        lines[i] = lines[i].lstrip()
    else:
        lines[i] = "  " + lines[i]
    return "\n".join(lines)


@st.composite
def _insert(draw: st.DrawFn, text: str) -> str:
    """Replace a value after ``key: `` (or a line) with YAML syntax, a number or nesting."""
    lines = text.split("\n")
    candidates = [
        i for i, line in enumerate(lines) if ": " in line and not line.lstrip().startswith("#")
    ]
    snippet = draw(
        st.one_of(
            st.sampled_from(SNIPPETS),
            st.sampled_from(ODD_NUMBERS),
            st.builds(
                lambda d, n: d * n, st.sampled_from(["9", "1", "0"]), st.integers(16, 20_000)
            ),
            deep_nesting(),
        )
    )
    if candidates and draw(st.booleans()):
        i = draw(st.sampled_from(candidates))
        key, _, _ = lines[i].partition(": ")
        lines[i] = f"{key}: {snippet}"
    else:
        i = draw(st.integers(0, len(lines)))
        indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())] if i < len(lines) else ""
        lines.insert(i, indent + snippet)
    return "\n".join(lines)


@st.composite
def _whole(draw: st.DrawFn, text: str) -> str:
    kind = draw(st.sampled_from(["bom", "crlf", "cr", "tabs", "json", "flow", "empty", "comment"]))
    if kind == "bom":
        return "\ufeff" + text
    if kind == "crlf":
        return text.replace("\n", "\r\n")
    if kind == "cr":
        return text.replace("\n", "\r")
    if kind == "tabs":
        return text.replace("  ", "\t")
    if kind == "json":
        import json

        return json.dumps(read_text(text, "x").data) if _parses(text) else text
    if kind == "flow":
        return (
            yaml.safe_dump(read_text(text, "x").data, default_flow_style=True)
            if _parses(text)
            else text
        )
    if kind == "empty":
        return draw(
            st.sampled_from(
                ["", "\n", "# only a comment\n", "---\n", "...\n", "~\n", "[]\n", "{}\n"]
            )
        )
    return "\n".join("# " + line for line in text.split("\n"))


def _parses(text: str) -> bool:
    try:
        read_text(text, "x")
    except Exception:
        return False
    return True


TEXT_MUTATIONS = (_flip, _truncate, _lines, _insert, _whole)


@st.composite
def mutated_text(draw: st.DrawFn, files: tuple[str, ...] = ALL_FILES) -> tuple[str, bytes]:
    """``(file, bytes)``: a shipped file's text with 1 to 4 raw mutations; sometimes the
    bytes themselves are changed (so the file may not be UTF-8)."""
    rel = draw(st.sampled_from(files))
    text = original_text(rel)
    for _ in range(draw(st.integers(1, 4))):
        text = draw(draw(st.sampled_from(TEXT_MUTATIONS))(text))
    raw = text.encode("utf-8", errors="surrogatepass")
    if raw and draw(st.integers(0, 9)) == 0:
        i = draw(st.integers(0, len(raw) - 1))
        raw = raw[:i] + bytes([draw(st.integers(0, 255))]) + raw[i + 1 :]
    return rel, raw
