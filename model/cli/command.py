"""What every command-line entry shares: scenario arguments, `--set`, and exit statuses.

Exit statuses: 0 success, 1 the command ran and found a problem in the model (a failed run,
a finding, an expression that cannot be evaluated at run time), 2 the input was invalid (a
bad scenario file, an unknown parameter, an option out of range), 130 interrupted (Ctrl-C)
and 143 terminated (SIGTERM). Nothing ever shows a traceback.
"""

from __future__ import annotations

import argparse
import math
import re
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from model.base.confine import FileRefused, check_regular
from model.base.errors import Problem, RunError, ScenarioError, clip
from model.base.output import FORCE_HELP, OutputError
from model.base.textfmt import json_text, visible
from model.reports.text import plural
from model.scenario.compiled import ParameterError

EXIT_OK, EXIT_FINDINGS, EXIT_INVALID = 0, 1, 2
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130, as shells report Ctrl-C


class Terminated(Exception):
    """SIGTERM arrived: unwind (ending worker processes, removing temporary files) and stop."""


def integer(
    low: int, high: int, *, zero: str | None = None, limit: str | None = None
) -> Callable[[str], int]:
    """An argparse ``type`` for a whole number in ``[low, high]``, with a message that says
    which values are allowed (``zero``: what 0 means; ``limit``: the name in model/base/limits.py
    of the constant ``high`` is)."""
    named = f" ({limit} in model/base/limits.py)" if limit else ""

    def parse(text: str) -> int:
        # No need to read 5,000 digits to refuse them: one more digit than `high` is enough.
        value = _whole(text, len(str(high)) + 1, f"out of range: at most {high:,}{named}")
        if not low <= value <= high:
            allowed = f"from {low:,} to {high:,}{named}" + (f"; 0: {zero}" if zero else "")
            raise argparse.ArgumentTypeError(f"expected a whole number {allowed}, found {value:,}")
        return value

    parse.__name__ = "whole number"  # argparse names the type in its own messages
    return parse


DEFAULT_SEED = 15
"""The seed of every command's single run (simulate, timeline, diagram --timeline), so that
they show the same run: chosen so that the default trace shows every stage of the default
scenario; with the default weights many runs end earlier (tests/test_simulate.py keeps this
true)."""
OTHER_SEED = 5
"""A seed whose run of the default scenario ends otherwise (the truce collapses on day 29),
named in --help (tests/test_simulate.py keeps this true)."""


def seed(text: str) -> int:
    """An argparse ``type`` for a random seed: any whole number of at most 100 digits."""
    return _whole(text, 100, "out of range: at most 100 digits")


def _whole(text: str, max_digits: int, too_long: str) -> int:
    """``text`` as a whole number (ASCII digits, an optional sign), or a message."""
    cleaned = text.strip()
    digits = cleaned[1:] if cleaned[:1] in ("+", "-") else cleaned
    if not _DIGITS.fullmatch(digits):
        raise argparse.ArgumentTypeError(f"expected a whole number, found {clip(text)}")
    if len(digits) > max_digits:
        raise argparse.ArgumentTypeError(f"{clip(text)} is {too_long}")
    return int(cleaned)


def tolerance(text: str) -> float:
    """An argparse ``type`` for an error bound: a decimal number strictly between 0 and 1."""
    cleaned = text.strip()
    try:
        value = float(cleaned) if len(cleaned) <= 40 else math.nan
    except ValueError:
        value = math.nan
    if not 0 < value < 1:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(
            f"expected a number between 0 and 1 (such as 1e-9), found {clip(text)}"
        )
    return value


tolerance.__name__ = "number"


def non_empty_path(text: str) -> str:
    """An argparse ``type`` refusing an empty path (which would silently mean the default)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the path is empty; name a file")
    return text


_DIGITS = re.compile(r"[0-9]+")  # ASCII digits only: "²".isdigit() is true, int("²") fails


def output_file(text: str) -> str:
    """An argparse ``type`` for ``-o``: a file name, not empty and not a folder (``.``, ``..``,
    ``/``, ``out/``), whose stem the entries give their own suffixes."""
    non_empty_path(text)
    if text.endswith(("/", "\\")) or Path(text).name in ("", ".", ".."):
        example = clip(text.rstrip("/") + "/out")
        raise argparse.ArgumentTypeError(
            f"{clip(text)} names a folder; name a file in it, e.g. {example}"
        )
    return text


def non_empty_dir(text: str) -> Path:
    """An argparse ``type`` for a folder: `non_empty_path`, as a `Path`."""
    return Path(non_empty_path(text))


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, refusing ``--`` where a single value belongs.

    Python 3.11's argparse gives an option or a positional argument an empty list instead of
    the text ``--`` (``--runs=--``, ``-o--``, ``A -- --``) and skips its ``type`` check, so
    the list would reach code that expects a number or a path.
    """

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        for action in self._actions:
            if action.nargs is not None:
                continue
            value = getattr(parsed, action.dest, None)
            if type(action) is argparse._StoreAction:
                values = [value]
            elif type(action) is argparse._AppendAction:  # --set=-- appends []
                values = list(value or [])
            else:
                continue
            if [] in values:
                name = "/".join(action.option_strings) or action.metavar or action.dest
                self.error(f"argument {name}: '--' is not a value; give a value")
        return parsed, extras


def parse_sets(items: Sequence[str]) -> dict[str, str]:
    """``["a=1", "b=true"]`` -> ``{"a": "1", "b": "true"}``; values are checked by the scenario."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ParameterError(f"--set {item!r}: write NAME=VALUE, e.g. --set batch_size=20")
        out[name.strip()] = value.strip()
    return out


def add_set_option(
    parser: argparse.ArgumentParser,
    listed_by: str = "python -m model.simulate SCENARIO --list-parameters",
) -> None:
    parser.add_argument(
        "--set",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help=f"override a parameter (repeatable); {listed_by} lists them",
    )


def add_jobs_option(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup, used_for: str
) -> None:
    """``--jobs J``: worker processes for ``used_for`` (read it with `jobs`)."""
    parser.add_argument(
        "--jobs",
        type=integer(0, 10_000, zero="one per CPU"),
        default=1,
        metavar="J",
        help=f"worker processes for {used_for} (default 1; 0: one per CPU; never more "
        "than the CPUs this process may use: a larger J is lowered, with a note); "
        "the figures do not depend on it",
    )


def jobs(value: int) -> int:
    """Worker processes for ``--jobs J``: 0 meaning one per CPU, lowered (with a note) to the
    CPUs this process may use."""
    from model.analysis.parallel import default_jobs, max_jobs

    if value == 0:
        return default_jobs()
    limit = max_jobs()
    if value > limit:
        print(
            f"note: --jobs {value} is more than the {limit} CPU(s) this process may use; "
            f"using {limit}",
            file=sys.stderr,
        )
        return limit
    return value


def root_directory(value: str) -> Path:
    """``--root DIR``: an existing directory, symbolic links resolved."""
    path = Path(value)
    if not value or not path.is_dir():
        raise argparse.ArgumentTypeError(f"{value!r} is not a directory")
    return path.resolve()


def add_root_option(parser: argparse.ArgumentParser) -> None:
    """``--root DIR``: the folder that files named inside scenarios must stay in."""
    parser.add_argument(
        "--root",
        metavar="DIR",
        type=root_directory,
        default=None,
        help=(
            "project root: the includes, extends and source files a scenario names must be "
            "inside it (default: the nearest folder above the scenario holding pyproject.toml, "
            ".git or seeds/, else the scenario's own folder)"
        ),
    )


def add_force_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """``--force``: the one switch that lets an entry replace existing output files."""
    parser.add_argument("--force", action="store_true", help=FORCE_HELP)


def output_files(
    target: Path,
    formats: Sequence[str] | None,
    *,
    known: Sequence[str],
    default: Sequence[str],
    extensions: dict[str, str] | None = None,
) -> list[tuple[str, Path]]:
    """The (format, file) pairs that ``-o target`` (and ``--format``) asks an entry to write.

    ``-o x.png`` writes that format only; ``-o x`` (no known extension) writes ``default``
    next to the stem; ``--format`` lists the formats written next to the stem, and must then
    include the one that ``target``'s extension names. ``known`` are the entry's formats;
    ``extensions`` maps a format to its file extension where they differ (mermaid: mmd).
    Another extension (``-o run.v2``) is part of the stem.
    """
    ext = extensions or {}
    by_suffix = {ext.get(f, f): f for f in known}
    named = by_suffix.get(target.suffix[1:].lower()) if target.suffix else None
    if named is None:
        base, wanted = target, list(formats or default)
    else:
        base, wanted = target.with_suffix(""), list(formats or [named])
        if named not in wanted:
            raise OutputError(
                f"{target} names a {named} file but --format asks for {', '.join(wanted)}; "
                "drop the extension or the --format"
            )
    return [(f, base.with_name(f"{base.name}.{ext.get(f, f)}")) for f in dict.fromkeys(wanted)]


def add_scenario_argument(parser: argparse.ArgumentParser, *, many: bool = False) -> None:
    """The positional scenario file(s), with the shipped default named in the help, and --root."""
    from model.base.paths import DEFAULT_SCENARIO, SCENARIOS_DIR, SHIPPED_HELP, display_path

    add_root_option(parser)

    if many:
        parser.add_argument(
            "scenarios",
            nargs="*",
            type=non_empty_path,
            help=f"scenario files (default: every file in {display_path(SCENARIOS_DIR)}/); "
            + SHIPPED_HELP,
        )
    else:
        parser.add_argument(
            "scenario",
            nargs="?",
            type=non_empty_path,
            help=f"scenario file (default: {display_path(DEFAULT_SCENARIO)}); " + SHIPPED_HELP,
        )


def scenario_files(given: list[str]) -> list[Path]:
    """The files named on the command line, or every shipped scenario."""
    from model.base.paths import SCENARIOS_DIR

    if given:
        return [checked_file(p) for p in given]
    return sorted(p for p in SCENARIOS_DIR.glob("*.yaml") if p.is_file())


def scenario_path(value: str | None, default: Path) -> Path:
    return checked_file(value) if value else default


def checked_file(value: str) -> Path:
    """A file named on the command line (or the shipped scenario it names), refused early
    (exit 2) unless it is a regular file.

    Early, so that nothing (e.g. resolving a symbolic link loop for display) trips on it first.
    """
    from model.base.paths import find_scenario

    path = find_scenario(value)
    try:
        check_regular(path)
    except FileRefused as exc:
        raise ScenarioError([Problem(value, 0, 0, "", exc.describe("the file"))]) from None
    return path


def guarded(main: Callable[[list[str] | None], int]) -> Callable[[list[str] | None], int]:
    """Turn invalid-input exceptions into messages on stderr and exit status 2, a run error
    into its place in the scenario file and status 1, Ctrl-C and SIGTERM into one line and
    status 130 or 143 (after unwinding: worker processes ended, temporary files removed)."""

    def wrapper(argv: list[str] | None = None) -> int:
        previous = _on_sigterm()
        try:
            return main(argv)
        except KeyboardInterrupt:
            print("\ninterrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Terminated:
            print("terminated", file=sys.stderr)
            return 128 + signal.SIGTERM
        except RunError as exc:  # the start, or an expression, breaks a rule of the scenario
            print(exc.problem if exc.problem is not None else f"error: {exc}", file=sys.stderr)
            return EXIT_FINDINGS
        except ScenarioError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            print(
                f"{plural(len(exc.problems), 'problem')} found; nothing was run.", file=sys.stderr
            )
            return EXIT_INVALID
        except (ParameterError, OutputError) as exc:
            print(f"error: {visible(str(exc), newlines=False)}", file=sys.stderr)
            return EXIT_INVALID
        except BrokenPipeError:  # e.g. piped into `head`
            return EXIT_OK
        except OSError as exc:  # a path the system refuses: a file where a folder should be...
            where = f": {exc.filename}" if exc.filename is not None else ""
            print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
            return EXIT_INVALID
        finally:
            if previous is not _NOT_INSTALLED:
                signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)

    return wrapper


_NOT_INSTALLED = object()


def _on_sigterm() -> Any:
    """Make SIGTERM raise `Terminated` while an entry runs; returns the handler to restore
    (`_NOT_INSTALLED` outside the main thread, where Python allows no handler)."""
    if threading.current_thread() is not threading.main_thread():
        return _NOT_INSTALLED

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Terminated

    return signal.signal(signal.SIGTERM, handler)


def emit(
    args: argparse.Namespace,
    record: dict[str, Any],
    text: Callable[[dict[str, Any]], str],
    table: Callable[[dict[str, Any]], str],
) -> None:
    """Print a record as JSON (``--json``), CSV (``--csv``, by ``table``) or text (``text``);
    scenario text in CSV and text is escaped (`visible`), JSON escapes it itself."""
    if getattr(args, "json", False):
        sys.stdout.write(json_text(record) + "\n")
    elif getattr(args, "csv", False):
        sys.stdout.write(visible(table(record)))
    else:
        sys.stdout.write(visible(text(record)))
