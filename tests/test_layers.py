"""The package's architecture, read from its imports: layers import only downwards, no cycles.

`LAYERS` is the one place the layer order is written (lowest first). A module belongs to the
layer of the longest prefix it matches; ``model`` itself catches the command entries
(``model.simulate`` and the others), ``model.testing`` and the package's ``__init__``. Every
import counts, also one inside a function or under ``TYPE_CHECKING``: an import moved into a
function to dodge a cycle is still a dependency. The README's picture of the layers is
generated from `LAYERS` and checked here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from conftest import ROOT

from model.analysis.graphs import strongly_connected_components

LAYERS: tuple[tuple[str, str], ...] = (
    ("model.base", "errors, limits, safe file access, text"),
    ("model.scenario", "the format: reading, composition, schema, expressions, loader"),
    ("model.semantics", "one step, the engine on transitions, the compiled fast path"),
    ("model.analysis", "exploration, checks, exact odds, Monte Carlo, sweeps, comparison, trace"),
    ("model.reports", "results as records, text and CSV"),
    ("model.render", "diagrams, timelines, Mermaid, the docs pages"),
    ("model.cli", "what the command entries share"),
    ("model", "the commands (simulate, check, ...), model.testing, the public API"),
)


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer}:{self.line} imports {self.imported}"


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` (a folder under ``root``), by dotted name."""
    return {module_name(root, p): p for p in sorted((root / package).rglob("*.py"))}


def imports(root: Path, package: str) -> list[Import]:
    """Every import of one module of ``package`` by another, wherever it is written."""
    known = modules(root, package)
    found: list[Import] = []
    for name, path in known.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for target in _targets(node, name, is_package, known):
                if target.split(".")[0] == package and target != name:
                    found.append(Import(name, target, node.lineno))
    return found


def _targets(
    node: ast.AST, importer: str, is_package: bool, known: dict[str, Path]
) -> Iterator[str]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:  # relative: resolved against the importing module's package
            here = importer.split(".") if is_package else importer.split(".")[:-1]
            here = here[: len(here) - node.level + 1]
            base = ".".join([*here, base] if base else here)
        for alias in node.names:  # `from pkg import module` imports the module itself
            sub = f"{base}.{alias.name}"
            yield sub if sub in known else base


def layer_of(module: str, layers: Sequence[str]) -> int:
    matches = [i for i, p in enumerate(layers) if module == p or module.startswith(p + ".")]
    if not matches:
        raise AssertionError(f"{module} is in no layer: add its package to LAYERS")
    return max(matches, key=lambda i: len(layers[i]))


def upward_imports(found: Sequence[Import], layers: Sequence[str]) -> list[str]:
    return [
        f"{i} (layer {layers[layer_of(i.importer, layers)]} may not import from the higher "
        f"layer {layers[layer_of(i.imported, layers)]})"
        for i in found
        if layer_of(i.imported, layers) > layer_of(i.importer, layers)
    ]


def cycles(found: Sequence[Import]) -> list[list[str]]:
    """The strongly connected components with more than one module."""
    names = sorted({i.importer for i in found} | {i.imported for i in found})
    number = {name: n for n, name in enumerate(names)}
    graph: dict[int, set[int]] = {n: set() for n in number.values()}
    for i in found:
        graph[number[i.importer]].add(number[i.imported])
    components = strongly_connected_components(list(graph), lambda n: sorted(graph[n]))
    return sorted(sorted(names[n] for n in c) for c in components if len(c) > 1)


def _within(found: Sequence[Import], component: Sequence[str]) -> list[str]:
    """The imports that make a cycle, to show where to cut it."""
    return [str(i) for i in found if i.importer in component and i.imported in component]


NAMES = [name for name, _ in LAYERS]


# --- the package itself ---------------------------------------------------------------------


def test_every_module_imports_only_from_its_own_layer_or_lower() -> None:
    assert upward_imports(imports(ROOT, "model"), NAMES) == []


def test_no_import_cycles() -> None:
    found = imports(ROOT, "model")
    assert [_within(found, c) for c in cycles(found)] == []


def test_every_subpackage_is_a_layer() -> None:
    subpackages = {f"model.{p.parent.name}" for p in (ROOT / "model").glob("*/__init__.py")}
    assert subpackages == set(NAMES) - {"model"}


def test_readme_shows_the_layers() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert mermaid_picture() in readme, "README's layer picture is stale:\n" + mermaid_picture()


def mermaid_picture() -> str:
    """The layers as a Mermaid flowchart, highest first (each arrow: "imports from")."""
    lines = ["```mermaid", "flowchart TB"]
    for n, (name, what) in enumerate(reversed(LAYERS)):
        folder = "model/*.py" if name == "model" else name.replace(".", "/") + "/"
        lines.append(f'  L{n}["<b>{folder}</b><br/>{what}"]')
    lines.append("  " + " --> ".join(f"L{n}" for n in range(len(LAYERS))))
    lines.append("```")
    return "\n".join(lines) + "\n"


# --- the checks on a synthetic package ------------------------------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in {"pkg/__init__.py": "", "pkg/low/__init__.py": "", **files}.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


SYNTHETIC_LAYERS = ["pkg.low", "pkg.high", "pkg"]


def test_a_synthetic_package_that_respects_its_layers_passes(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "pkg/low/a.py": "import os\n",
            "pkg/low/b.py": "from pkg.low import a\nfrom . import a as again\n",
            "pkg/high/__init__.py": "",
            "pkg/high/c.py": "from ..low.b import x\n",
            "pkg/entry.py": "from pkg.high import c\n",
        },
    )
    found = imports(root, "pkg")
    assert {(i.importer, i.imported) for i in found} == {
        ("pkg.low.b", "pkg.low.a"),
        ("pkg.high.c", "pkg.low.b"),
        ("pkg.entry", "pkg.high.c"),
    }
    assert upward_imports(found, SYNTHETIC_LAYERS) == []
    assert cycles(found) == []


def test_an_upward_import_inside_a_function_fails(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "pkg/low/a.py": "def f():\n    from pkg.high.c import g\n    return g\n",
            "pkg/high/__init__.py": "",
            "pkg/high/c.py": "def g():\n    return 1\n",
        },
    )
    found = imports(root, "pkg")
    assert upward_imports(found, SYNTHETIC_LAYERS) == [
        "pkg.low.a:2 imports pkg.high.c (layer pkg.low may not import from the higher layer "
        "pkg.high)"
    ]


def test_an_upward_relative_import_under_type_checking_fails(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "pkg/low/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from ..high import c\n",
            "pkg/high/__init__.py": "",
            "pkg/high/c.py": "",
        },
    )
    assert len(upward_imports(imports(root, "pkg"), SYNTHETIC_LAYERS)) == 1


def test_a_cycle_within_one_layer_fails(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "pkg/low/a.py": "from pkg.low.b import x\n",
            "pkg/low/b.py": "def f():\n    from pkg.low import c\n",
            "pkg/low/c.py": "import pkg.low.a\n",
            "pkg/low/d.py": "import pkg.low.a\n",  # imports into the cycle, not part of it
        },
    )
    found = imports(root, "pkg")
    assert upward_imports(found, SYNTHETIC_LAYERS) == []
    assert cycles(found) == [["pkg.low.a", "pkg.low.b", "pkg.low.c"]]


def test_a_module_outside_every_layer_is_reported(tmp_path: Path) -> None:
    root = _package(tmp_path, {"pkg/low/a.py": "", "pkg/new/__init__.py": "import pkg.low.a\n"})
    try:
        upward_imports(imports(root, "pkg"), ["pkg.low", "pkg.high"])
    except AssertionError as exc:
        assert "pkg.new is in no layer" in str(exc)
    else:
        raise AssertionError("a module in no layer was accepted")
