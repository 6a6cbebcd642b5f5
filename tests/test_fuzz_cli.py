"""Issue 10: command lines fuzzed for every entry.

Hypothesis builds command lines from each entry's own options with hostile values (empty,
negative, huge, non-numeric, unicode, control characters, unknown parameter names, odd
``--set`` forms), unknown and repeated options, and paths to missing files, directories and
shipped or hostile scenarios. Each runs in-process (``main(argv)``) in a temporary working
directory with stdout/stderr captured and stdin at end of file. The invariant:

- the exit status is 0, 1 or 2 (argparse's own ``SystemExit(2)`` counts as 2);
- no other exception, and no traceback text on stderr;
- no file created or changed in the project tree while it runs (only in the temporary
  directory);
- each input within ``BUDGET`` CPU seconds (and ``HANG`` seconds of wall time): by
  construction ``--runs`` stays small; the other numbers are bounded by model/base/limits.py.

NUL characters are left out: a real command line cannot carry them (``execve`` ends each
argument at the first NUL). The default profile runs in CI (about 15 s); HYPOTHESIS_PROFILE=
thorough runs each entry deeply. Inputs it found are kept at the end as regression cases.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from model import check, compare, diagram, docs, simulate, timeline, trace

Main = Callable[[list[str] | None], int]
BUDGET = 60.0
"""CPU seconds one command line may take in this process (a full `model.render.site` run, the
slowest valid input, takes about 5). CPU time, not wall time, so a machine busy with other
work does not fail the test; a hang is caught by ``HANG`` seconds of wall time."""
HANG = 300.0

EXAMPLES = settings.default.max_examples  # 60 in the default profile, 2000 when thorough
SLOW = max(4, EXAMPLES // 12)  # entries that draw pictures take a second or more a run

SCENARIO = str(ROOT / "scenarios" / "november_truce.yaml")
HOSTILE = ROOT / "tests" / "fixtures" / "hostile" / "runtime"
PATHS = [
    "",
    ".",
    "-",
    "missing.yaml",
    "missing/deeper/x.yaml",
    "/nonexistent/x.yaml",
    "notes.txt",  # created in the working directory: not YAML
    "folder",  # created in the working directory: a directory
    "notes.txt/x.yaml",  # under a file
    SCENARIO,
    str(ROOT / "scenarios" / "hostage_prisoner_exchange.yaml"),
    str(ROOT / "tests" / "fixtures" / "broken" / "deadlock.yaml"),
    *(str(p) for p in sorted(HOSTILE.glob("*.yaml"))),
]
PARAMETERS = ["batch_size", "truce_days", "exchange_weight", "held_at_start", "nope", "n", "q"]


def _no_nul(text: str) -> bool:
    return "\x00" not in text


HOSTILE_TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "-1",
            "0",
            "1",
            "2",
            "+3",
            "-0",
            "9" * 30,
            "9" * 5000,
            "1e3",
            "0x10",
            "1_000",
            "nan",
            "inf",
            "²",
            "٣",
            "é",
            "\x1b]0;pwned\x07",
            "\x1b[2J",
            "\r",
            "\u2028",
            "<script>",
            "a=b",
            "=",
            "x=",
            "--",
            "-h",
        ]
    ),
    st.text(max_size=12).filter(_no_nul),
)
SMALL = st.integers(min_value=-3, max_value=60).map(str)
NUMBER = st.one_of(SMALL, HOSTILE_TEXT)
PATH = st.one_of(st.sampled_from(PATHS), HOSTILE_TEXT)
# Where -o may write: relative paths (in the temporary directory). A path into the project
# given with -o is the user's choice, not a fault, so absolute paths are left out here.
OUT_PATH = st.one_of(
    st.sampled_from([p for p in PATHS if not p.startswith("/")] + ["..", "x/", "out/..", "/"]),
    HOSTILE_TEXT,
)
SET = st.one_of(
    st.builds(
        lambda name, value: f"{name}={value}",
        st.sampled_from(PARAMETERS),
        st.one_of(SMALL, st.sampled_from(["true", "false", "9" * 40]), HOSTILE_TEXT),
    ),
    HOSTILE_TEXT,
)
SWEEP = st.one_of(
    st.builds(
        lambda name, spec: f"{name}={spec}",
        st.sampled_from(PARAMETERS),
        st.sampled_from(
            ["1:3:1", "20:30:5", "true,false", "5:1:1", "1:2:0", "a:b:c", "0:1000000000:1", ""]
        ),
    ),
    HOSTILE_TEXT,
)


Option = tuple[st.SearchStrategy[str], st.SearchStrategy[str]] | None
"""A flag's values: (well-formed, hostile), or None for a flag without a value."""


def _option(flag: str, value: st.SearchStrategy[str] | None) -> st.SearchStrategy[list[str]]:
    if value is None:
        return st.just([flag])
    return value.map(lambda v: [flag, v]) | value.map(lambda v: [f"{flag}={v}"])


def command_lines(
    options: dict[str, Option],
    positional: tuple[st.SearchStrategy[list[str]], st.SearchStrategy[list[str]]],
    extra: st.SearchStrategy[list[str]] | None = None,
) -> st.SearchStrategy[list[str]]:
    """Half well-formed command lines (known options, sensible values: they run), half
    hostile ones (hostile values, unknown options, stray words, repeated options)."""
    flags = sorted(options)

    def known(good: bool) -> st.SearchStrategy[list[str]]:
        def pick(flag: str) -> st.SearchStrategy[list[str]]:
            spec = options[flag]
            return _option(flag, None if spec is None else spec[0] if good else spec[1])

        return st.sampled_from(flags).flatmap(pick)

    unknown = st.sampled_from(["--nope", "--", "-x", "--set-c", "--max", "--jobs2"]).map(
        lambda f: [f]
    )
    fine = st.lists(known(True), max_size=4)
    bad = st.lists(
        st.one_of(
            known(True), known(False), known(False), unknown, HOSTILE_TEXT.map(lambda t: [t])
        ),
        min_size=1,
        max_size=6,
    )
    tail = extra if extra is not None else st.just([])

    def join(pos: list[str], opts: list[list[str]], more: list[str]) -> list[str]:
        return pos + [a for o in opts for a in o] + more

    return st.one_of(
        st.builds(join, positional[0], fine, tail),
        st.builds(join, st.one_of(positional[0], positional[1]), bad, tail),
    )


GOOD_PATHS = [SCENARIO, str(ROOT / "scenarios" / "hostage_prisoner_exchange.yaml")]
GOOD_PATHS += [str(p) for p in sorted(HOSTILE.glob("*.yaml"))]
GOOD_PATH = st.sampled_from(GOOD_PATHS)
GOOD_SET = st.builds(
    lambda name, value: f"{name}={value}",
    st.sampled_from(["batch_size", "truce_days", "exchange_weight", "n", "q"]),
    st.integers(1, 12).map(str),
)
GOOD_NUMBER = st.integers(0, 300).map(str)
ONE_PATH = (st.lists(GOOD_PATH, max_size=1), st.lists(PATH, max_size=1))
SIMULATE = command_lines(
    {
        "--seed": (st.integers().map(str), NUMBER),
        "--max-steps": (GOOD_NUMBER, NUMBER),
        "--set": (GOOD_SET, SET),
        "--json": None,
        "--interactive": None,
        "--runs": (st.integers(1, 40).map(str), HOSTILE_TEXT),
        "--jobs": (st.sampled_from(["1", "2"]), st.sampled_from(["0", "200", "-1", "x"])),
        "--exact": None,
        "--method": (st.sampled_from(["auto", "fraction", "sparse", "interval"]), HOSTILE_TEXT),
        "--tolerance": (st.sampled_from(["1e-9", "1e-3", "0.5", "1e-300"]), NUMBER),
        "--sweep": (
            st.sampled_from(["batch_size=10:12:1", "truce_days=2,4", "n=1:3:1"]),
            SWEEP,
        ),
        "--max-states": (st.integers(0, 5000).map(str), NUMBER),
        "--csv": None,
        "-o": (st.sampled_from(["chart.png", "out/chart.png"]), OUT_PATH),
        "--force": None,
        "--list-parameters": None,
    },
    ONE_PATH,
)
CHECK = command_lines(
    {
        "--json": None,
        "--max-states": (st.integers(1, 3000).map(str), NUMBER),
        "--ignore": (
            st.sampled_from(["deadlock", "expected_finding_missing", "never_enabled"]),
            HOSTILE_TEXT,
        ),
        "--set": (GOOD_SET, SET),
    },
    # no path means every shipped scenario (tests/test_check.py runs that)
    (st.lists(GOOD_PATH, min_size=1, max_size=2), st.lists(PATH, min_size=1, max_size=2)),
)
PICTURE: dict[str, Option] = {
    "-o": (st.sampled_from(["pic", "out/pic.svg"]), OUT_PATH),
    "--format": (st.sampled_from(["svg", "mermaid"]), HOSTILE_TEXT),
    "--force": None,
    "--seed": (st.integers().map(str), NUMBER),
    "--max-steps": (GOOD_NUMBER, NUMBER),
    "--set": (GOOD_SET, SET),
}
DIAGRAM = command_lines({**PICTURE, "--timeline": None}, ONE_PATH)
TIMELINE = command_lines({k: v for k, v in PICTURE.items() if k != "--format"}, ONE_PATH)
TRACE = command_lines(
    {"--json": None, "--coverage": (st.just(str(ROOT / "seeds" / "coverage.yaml")), PATH)},
    (st.lists(GOOD_PATH, min_size=1, max_size=2), st.lists(PATH, min_size=1, max_size=2)),
)
COMPARE = command_lines(
    {
        "--json": None,
        "--max-states": (st.integers(1, 3000).map(str), NUMBER),
        "--set": (GOOD_SET, SET),
        "--set-a": (GOOD_SET, SET),
        "--set-b": (GOOD_SET, SET),
    },
    (st.lists(GOOD_PATH, min_size=2, max_size=2), st.lists(PATH, min_size=0, max_size=3)),
)
# A whole `model.render.site` run takes seconds: the fast profile always adds one fault so that
# the command is refused (the thorough profile also runs it whole).
DOCS_FAULT = st.sampled_from([["--nope"], ["--docs-dir", ""], ["-x"]])
DOCS_SLOW = st.sampled_from([["--docs-dir", "site"], ["--docs-dir", "notes.txt"]])
DOCS = command_lines(
    {"--check": None, "--docs-dir": (st.just("site"), PATH)},
    (st.just([]), st.just([])),
    DOCS_FAULT if EXAMPLES < 1000 else st.one_of(DOCS_FAULT, DOCS_SLOW),
)


# --- running one command line ---------------------------------------------------------------

SKIP = {".git", ".hypothesis", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def project_files() -> dict[str, int]:
    """Every file of the project tree with its modification time (caches left out)."""
    out: dict[str, int] = {}
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP and not d.endswith(".egg-info")]
        for name in files:
            path = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                out[path] = os.stat(path).st_mtime_ns
    return out


def no_input(prompt: object = "") -> str:
    raise EOFError  # stdin at end of file (--interactive)


def run(main: Main, argv: list[str]) -> tuple[int, str, str]:
    """Run ``main(argv)`` in a fresh temporary directory; check the invariant; return
    (status, stdout, stderr)."""
    before = project_files()
    out, err = io.StringIO(), io.StringIO()
    with (
        tempfile.TemporaryDirectory() as folder,
        pytest.MonkeyPatch.context() as mp,
    ):
        mp.chdir(folder)
        mp.setattr(builtins, "input", no_input)
        Path("notes.txt").write_text("not a scenario\n", encoding="utf-8")
        Path("folder").mkdir()
        started, cpu = time.monotonic(), time.process_time()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status: object = main(argv)
        except SystemExit as exc:  # argparse: 2 for a bad command line, 0 for --help
            status = 0 if exc.code is None else exc.code
        elapsed, used = time.monotonic() - started, time.process_time() - cpu
    stderr = err.getvalue()
    assert status in (0, 1, 2), (argv, status, stderr[-2000:])
    assert "Traceback" not in stderr, (argv, stderr[-2000:])
    assert used < BUDGET and elapsed < HANG, (argv, used, elapsed)
    assert isinstance(status, int)
    after = project_files()
    changed = sorted(p for p in after if before.get(p) != after[p])
    assert not changed, (argv, f"files created or changed in the project: {changed[:10]}")
    return status, out.getvalue(), stderr


# --- the fuzz tests, one per entry ---------------------------------------------------------------


@settings(max_examples=EXAMPLES)
@given(SIMULATE)
def test_fuzz_simulate(argv: list[str]) -> None:
    run(simulate.main, argv)


@settings(max_examples=EXAMPLES)
@given(CHECK)
def test_fuzz_check(argv: list[str]) -> None:
    run(check.main, argv)


@settings(max_examples=SLOW)
@given(DIAGRAM)
def test_fuzz_diagram(argv: list[str]) -> None:
    run(diagram.main, argv)


@settings(max_examples=SLOW)
@given(TIMELINE)
def test_fuzz_timeline(argv: list[str]) -> None:
    run(timeline.main, argv)


@settings(max_examples=EXAMPLES)
@given(TRACE)
def test_fuzz_trace(argv: list[str]) -> None:
    run(trace.main, argv)


@settings(max_examples=EXAMPLES)
@given(COMPARE)
def test_fuzz_compare(argv: list[str]) -> None:
    run(compare.main, argv)


@settings(max_examples=SLOW)
@given(DOCS)
def test_fuzz_docs(argv: list[str]) -> None:
    run(docs.main, argv)


# --- regression inputs (each once found a traceback, a hang or a silent default) ------------

REGRESSIONS: list[tuple[Main, list[str], int]] = [
    (simulate.main, [""], 2),  # fell back to the default scenario
    (simulate.main, ["--sweep", "batch_size=5:10:5", "-o", ""], 2),
    (simulate.main, ["--max-steps", "-1"], 2),
    (simulate.main, ["--max-steps", "9" * 5000], 2),  # int() of 5,000 digits
    (simulate.main, ["--seed", "9" * 5000], 2),
    (simulate.main, ["--runs", str(10**12), "--jobs", "2"], 2),
    (simulate.main, ["--jobs", "²"], 2),  # "²".isdigit() is true, int("²") fails
    (simulate.main, [SCENARIO, "--set", "batch_size=" + "9" * 5000], 2),
    # 13,300 points: refused before any is built
    (
        simulate.main,
        [SCENARIO, "--sweep", "batch_size=1:133:1", "--sweep", "exchange_weight=1:100:1"],
        2,
    ),
    (simulate.main, [SCENARIO, "--sweep", "batch_size=0:1000000000:1"], 2),
    (simulate.main, [str(HOSTILE / "guard_division_by_zero_at_default.yaml")], 1),
    (simulate.main, [str(HOSTILE / "invariant_false_at_start.yaml"), "--interactive"], 1),
    (simulate.main, [SCENARIO, "--interactive"], 0),  # end of input
    (diagram.main, ["--set", "nope=1"], 2),  # was ignored without --timeline
    (check.main, [SCENARIO, "--max-states", "0"], 2),
    (compare.main, [SCENARIO, SCENARIO, "--max-states", "-1"], 2),
    (trace.main, ["folder"], 2),
    (docs.main, ["--docs-dir", ""], 2),  # wrote the pages into the working directory
    (compare.main, [SCENARIO, SCENARIO, "--max-states=--"], 2),  # argparse gave it []
    (trace.main, [SCENARIO, "--coverage=--"], 2),
    (simulate.main, ["--runs=--"], 2),
    (simulate.main, ["-o--"], 2),  # ran the default scenario, ignoring -o
    (compare.main, [SCENARIO, "--", "--"], 2),  # B was [] (thorough run: TypeError)
    (simulate.main, ["--", "--"], 2),
    (compare.main, [".", "--set=--", "-1"], 2),  # appended [] to --set (thorough run)
    (simulate.main, ["--set=--"], 2),
    (timeline.main, ["-o", "."], 2),  # ValueError: PosixPath('.') has an empty name
    (diagram.main, ["-o", "/", "--format", "svg"], 2),
    (diagram.main, ["-o", "..", "--format", "svg"], 2),  # wrote '...svg'
    (simulate.main, [SCENARIO, "--sweep", "batch_size=1:2:1", "-o", "x/"], 2),
]


@pytest.mark.parametrize(("main", "argv", "status"), REGRESSIONS)
def test_fuzz_regression(main: Main, argv: list[str], status: int) -> None:
    assert run(main, argv)[0] == status
