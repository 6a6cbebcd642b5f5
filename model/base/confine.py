"""Reading the files a scenario names: regular files only, inside the project root, bounded.

Every file the loader reads (the scenario itself, the mechanisms it includes, the scenario it
extends, its source texts) goes through `read_text_file`: a FIFO, a device, a directory or a
socket is refused without blocking, and no more than `MAX_BYTES` + 1 bytes are ever read, so
``/dev/zero`` or a file that grows while it is read cannot exhaust memory.

Paths written inside a scenario go through `inside_root`: they are relative to the file that
names them and must stay inside the project root, also after symbolic links are resolved, so
a scenario cannot make the tool read (or quote in an error message) a file outside it. The
root is given explicitly (``--root``, ``root=``) or found by `find_root`.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from model.base.limits import MAX_BYTES

ROOT_MARKERS = ("pyproject.toml", ".git", "seeds")
"""A directory holding one of these is a project root (``seeds`` must be a folder)."""

_ROOT_HINT = "use --root to choose another root"


class FileRefused(Exception):
    """A file that cannot be used; `describe` says why, naming the file as the caller wants."""

    def __init__(self, template: str) -> None:
        super().__init__(template)
        self.template = template

    def describe(self, subject: str) -> str:
        """The reason with ``{file}`` replaced by ``subject`` (e.g. ``'the file'``)."""
        return self.template.replace("{file}", subject)


def find_root(start_dir: Path) -> Path:
    """The nearest of ``start_dir`` and its ancestors holding a root marker, else ``start_dir``.

    A ``seeds`` folder is a marker so that scenarios installed as package data (``scenarios/``
    next to ``seeds/``) have their parent as root, as in a checkout.
    """
    start = Path(os.path.realpath(start_dir))
    for folder in (start, *start.parents):
        if (
            os.path.exists(folder / "pyproject.toml")
            or os.path.exists(folder / ".git")
            or os.path.isdir(folder / "seeds")
        ):
            return folder
    return start


def choose_root(root: str | Path | None, start_dir: Path) -> Path:
    """The explicit ``root`` (symbolic links resolved), or the one `find_root` finds."""
    if root is None:
        return find_root(start_dir)
    return Path(os.path.realpath(root))


def inside_root(name: str, base_dir: Path, root: Path) -> Path:
    """Resolve ``name`` (written in a file in ``base_dir``); refuse it unless inside ``root``.

    ``root`` and ``base_dir`` are resolved directories. The check is made on the path as
    written (``..``) and again after resolving symbolic links, so a link inside the root that
    points out of it is refused too. Nothing is opened or read here.
    """
    if "\0" in name:
        raise FileRefused(
            "{file} contains a NUL character, which no file name can; write a relative path"
        )
    if not name.strip():
        raise FileRefused("the file name is empty; write a path relative to this file")
    if os.path.isabs(name):
        raise FileRefused(
            "{file} is an absolute path; write it relative to this file, inside the "
            f"project root {root} ({_ROOT_HINT})"
        )
    written = Path(os.path.normpath(base_dir / name))
    resolved = Path(os.path.realpath(base_dir / name))
    if not (written.is_relative_to(root) and resolved.is_relative_to(root)):
        raise FileRefused(
            f"{{file}} is outside the project root {root} (paths must stay inside it; {_ROOT_HINT})"
        )
    return resolved


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> FileRefused | None:
    if stat.S_ISREG(mode):
        return None
    kind = next((what for test, what in _KINDS if test(mode)), "not a regular file")
    return FileRefused(f"{{file}} is {kind}, not a regular file; only regular files are read")


def _os_error(exc: OSError) -> FileRefused:
    if exc.errno == errno.ELOOP:
        return FileRefused("{file} is a symbolic link that loops (or a chain of too many links)")
    return FileRefused(f"cannot read {{file}}: {exc.strerror or exc}")


def check_regular(path: Path) -> None:
    """Refuse (`FileRefused`) anything but an existing regular file, without opening it."""
    try:
        if "\0" in str(path):
            raise FileRefused("{file} has a NUL character in its name")
        refused = _not_regular(os.stat(path).st_mode)
    except OSError as exc:
        raise _os_error(exc) from None
    if refused:
        raise refused


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file of at most `MAX_BYTES`; `FileRefused` otherwise.

    ``stat`` first, so a FIFO is never opened; then open with ``O_NONBLOCK`` (an open of a
    FIFO swapped in meanwhile cannot block) and check the opened file again with ``fstat``.
    The size limit counts the bytes read, not ``st_size`` (which is 0 for ``/dev/zero``).
    """
    check_regular(path)
    try:
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        flags |= getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags)
        try:
            refused = _not_regular(os.fstat(fd).st_mode)
            if refused:
                raise refused
            chunks: list[bytes] = []
            left = MAX_BYTES + 1
            while left > 0:
                chunk = os.read(fd, min(left, 1 << 16))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _os_error(exc) from None
    data = b"".join(chunks)
    if len(data) > MAX_BYTES:
        raise FileRefused(
            f"{{file}} is larger than {MAX_BYTES:,} bytes, the limit for files read "
            "(MAX_BYTES); split it or shorten it"
        )
    return data


def read_text_file(path: Path) -> str:
    """`read_bytes` decoded as UTF-8; `FileRefused` when the bytes are not UTF-8."""
    data = read_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileRefused(f"{{file}} is not UTF-8 text: {exc.reason}") from None
