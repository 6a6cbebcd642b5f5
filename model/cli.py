"""What every command-line entry shares: scenario arguments, `--set`, and exit statuses.

Exit statuses: 0 success, 1 the command ran and found a problem in the model (a failed run,
a finding), 2 the input was invalid (a bad scenario file, an unknown parameter). Invalid
input never shows a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .confine import FileRefused, check_regular
from .errors import Problem, ScenarioError
from .output import FORCE_HELP, OutputError
from .scenario import ParameterError
from .textfmt import visible

EXIT_OK, EXIT_FINDINGS, EXIT_INVALID = 0, 1, 2


def parse_sets(items: Sequence[str]) -> dict[str, str]:
    """``["a=1", "b=true"]`` -> ``{"a": "1", "b": "true"}``; values are checked by the scenario."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ParameterError(f"--set {item!r}: write NAME=VALUE, e.g. --set batch_size=20")
        out[name.strip()] = value.strip()
    return out


def add_set_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="override a parameter (repeatable); --list-parameters shows them",
    )


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


def add_scenario_argument(parser: argparse.ArgumentParser, *, many: bool = False) -> None:
    """The positional scenario file(s), with the shipped default named in the help, and --root."""
    from .paths import DEFAULT_SCENARIO, SCENARIOS_DIR, SHIPPED_HELP, display_path

    add_root_option(parser)

    if many:
        parser.add_argument(
            "scenarios",
            nargs="*",
            help=f"scenario files (default: every file in {display_path(SCENARIOS_DIR)}/); "
            + SHIPPED_HELP,
        )
    else:
        parser.add_argument(
            "scenario",
            nargs="?",
            help=f"scenario file (default: {display_path(DEFAULT_SCENARIO)}); " + SHIPPED_HELP,
        )


def scenario_files(given: list[str]) -> list[Path]:
    """The files named on the command line, or every shipped scenario."""
    from .paths import SCENARIOS_DIR

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
    from .paths import find_scenario

    path = find_scenario(value)
    try:
        check_regular(path)
    except FileRefused as exc:
        raise ScenarioError([Problem(value, 0, 0, "", exc.describe("the file"))]) from None
    return path


def guarded(main: Callable[[list[str] | None], int]) -> Callable[[list[str] | None], int]:
    """Turn invalid-input exceptions into messages on stderr and exit status 2."""

    def wrapper(argv: list[str] | None = None) -> int:
        try:
            return main(argv)
        except ScenarioError as exc:
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            count = len(exc.problems)
            print(
                f"{count} problem{'s' if count != 1 else ''} found; nothing was run.",
                file=sys.stderr,
            )
            return EXIT_INVALID
        except (ParameterError, OutputError) as exc:
            print(f"error: {visible(str(exc), newlines=False)}", file=sys.stderr)
            return EXIT_INVALID
        except BrokenPipeError:  # e.g. piped into `head`
            return EXIT_OK

    return wrapper
