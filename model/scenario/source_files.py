"""Stored sources named by files that are composed (``extends``, ``includes``): checked to be
inside the project root, rebased to the top-level file, and compared by the file they name.
A cited document has no file: it is compared as declared."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from model.base.confine import FileRefused, inside_root
from model.base.errors import Problem
from model.scenario.yamlsource import Document, Path_


def source_inside(
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


def rebase(entry: Any, folder: Path, base_dir: Path) -> None:
    """Make a stored source's ``file`` (written relative to ``folder``) relative to
    ``base_dir``; a cited document has no file, and a wrong one is the schema's to report."""
    if isinstance(entry, dict) and isinstance(entry.get("file"), str):
        entry["file"] = os.path.relpath(folder / entry["file"], base_dir)


def same_source(base_dir: Path, a: Any, b: Any) -> bool:
    """Whether two declarations of a source are the same: stored texts naming the same file,
    or cited documents described identically."""
    if isinstance(a, dict) and isinstance(b, dict) and "file" in a and "file" in b:
        return same_file(base_dir, a["file"], b["file"])
    return bool(a == b)


def same_file(base_dir: Path, a: Any, b: Any) -> bool:
    """Whether two source entries' ``file`` values name the same file (the loader checks each)."""
    if not isinstance(a, str) or not isinstance(b, str) or "\0" in a + b:
        return bool(a == b)
    return os.path.realpath(base_dir / a) == os.path.realpath(base_dir / b)
