"""Writing output files safely, the same way in every command-line entry.

- **Checked first**: `check_targets` runs before any long work (a sweep, a drawing) and says
  whether each file can be written: its folder exists or can be created, is a folder and is
  writable; the file itself is not a folder, and without ``force`` it does not exist yet.
- **Atomic**: the bytes go to a temporary file in the target's own folder, which is then
  renamed into place, so a reader never sees half a file.
- **No clobbering**: without ``force`` the rename is a hard link, which fails when the name
  exists, so even two commands racing for one name cannot replace each other's file: one of
  them gets an `OutputError`. With ``force`` the rename replaces what is there (a symbolic
  link is replaced itself, never followed).

Any `OSError` while writing becomes an `OutputError` naming the file, which the CLI reports
as ``error: ...`` with exit status 2.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

FORCE_HELP = "replace files that already exist (by default an existing file is never overwritten)"


class OutputError(Exception):
    """An output file cannot (or may not) be written; the message says which and why."""


def _exists(path: Path) -> bool:
    return os.path.lexists(path)  # a dangling symbolic link exists too


def _nearest_existing(folder: Path) -> Path:
    for candidate in (folder, *folder.parents):
        if _exists(candidate):
            return candidate
    return Path(".")


def check_target(path: Path, *, force: bool) -> None:
    """Raise `OutputError` unless ``path`` can be written now (see the module docstring)."""
    if str(path) in ("", "."):
        raise OutputError("the output file name is empty; name a file, e.g. -o out/result")
    if path.is_dir():
        raise OutputError(f"{path} is a folder; name a file inside it, e.g. {path / 'result'}")
    if _exists(path) and not force:
        raise OutputError(
            f"{path} already exists; choose another name or add --force to replace it"
        )
    folder = path.parent
    existing = _nearest_existing(folder)
    if not existing.is_dir():
        raise OutputError(f"cannot create {folder}: {existing} exists and is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        where = "" if existing == folder else f" (to create {folder})"
        raise OutputError(f"cannot write in {existing}{where}: permission denied")


def check_targets(paths: Iterable[Path], *, force: bool) -> None:
    """`check_target` for every path, and no name twice."""
    seen: set[Path] = set()
    for path in paths:
        if path in seen:
            raise OutputError(f"{path} is named twice as output")
        seen.add(path)
        check_target(path, force=force)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes(path: Path, data: bytes, *, force: bool) -> Path:
    """Write ``data`` to ``path`` atomically; an existing file is replaced only with ``force``."""
    check_target(path, force=force)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; an output file is a normal file
        if force:
            os.replace(tmp, path)
        else:
            _link_no_clobber(tmp, path, data)
    except FileExistsError:
        raise OutputError(
            f"{path} already exists (written by something else meanwhile); "
            "choose another name or add --force to replace it"
        ) from None
    except IsADirectoryError:
        raise OutputError(f"{path} is a folder; name a file inside it") from None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return path


def _link_no_clobber(tmp: Path, path: Path, data: bytes) -> None:
    """Give the finished temporary file its name unless the name exists (atomically)."""
    try:
        os.link(tmp, path)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        # A file system without hard links: exclusive creation keeps the no-clobber
        # promise, though a reader may then see the file while it is being written.
        with open(path, "xb") as f:
            f.write(data)


def write_text(path: Path, text: str, *, force: bool) -> Path:
    """`write_bytes` of ``text`` as UTF-8."""
    return write_bytes(path, text.encode("utf-8"), force=force)
