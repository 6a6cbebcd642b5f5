"""Hostile files and paths (issue 10): regular files only, read bounded, inside the project root;
quote checks in bounded time.

FIFOs, sockets, symbolic links and loops are made at test time in ``tmp_path``. Every message
is checked never to contain the text of a file outside the root (`SECRET`).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest
from conftest import ROOT
from hypothesis import assume, given
from hypothesis import strategies as st

from model import check, compare, diagram, simulate, strategy, timeline, trace
from model.analysis.parallel import ScenarioSource
from model.base import confine
from model.base.confine import FileRefused, find_root, read_bytes
from model.base.errors import ScenarioError
from model.base.limits import MAX_PASSAGE_SEARCHES, MAX_QUOTE_LENGTH
from model.base.paths import display_path
from model.scenario import provenance
from model.scenario.loader import load, load_text
from model.scenario.provenance import SourceText, _similarity, normalise

SEED = ROOT / "seeds" / "000_fe535af938dae792.txt"
SEED_TEXT = SourceText.read("seed", SEED)
SECRET = "SECRET-LINE do not print me 7f3a"
GOOD_QUOTE = "Israel and Hamas sent teams to Egypt yesterday"
ENTRIES: list[Callable[[list[str] | None], int]] = [
    simulate.main,
    check.main,
    diagram.main,
    trace.main,
    timeline.main,
    strategy.main,
]


def scenario_text(source: str = "../seeds/seed.txt", *quotes: str, head: str = "") -> str:
    """A small valid scenario (with its quotes on parties) whose source file is ``source``."""
    parties = "".join(
        f"  - id: p{i}\n    name: P{i}\n    role: party\n    quote:\n      text: {q!r}\n"
        for i, q in enumerate(quotes or (GOOD_QUOTE,))
    )
    return (
        "id: tiny\ntitle: Tiny\nsummary: A scenario for path tests.\nhorizon: 30\n"
        f"{head}sources:\n  - id: seed\n    file: {source!r}\nparties:\n{parties}"
        "stages:\n  - id: talks\n    name: Talks\n    assumption: test\n"
        "states:\n  - id: talking\n    stage: talks\n    assumption: test\ninitial: talking\n"
    )


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    """``tmp_path/proj`` (a project: pyproject.toml, seeds/, scenarios/) next to a secret."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text(f"{SECRET}\n{SECRET}\n")
    (tmp_path / "outside" / "secret.yaml").write_text(f"id: x\ntitle: {SECRET}\n")
    proj = tmp_path / "proj"
    (proj / "seeds").mkdir(parents=True)
    (proj / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    shutil.copy(SEED, proj / "seeds" / "seed.txt")
    shutil.copytree(ROOT / "scenarios", proj / "scenarios")
    return proj


def write(proj: Path, text: str, name: str = "x.yaml") -> Path:
    path = proj / "scenarios" / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def problems(path: Path, root: Path | None = None) -> list[str]:
    """The problems loading ``path`` reports (shown as scenarios/<name>); none shows SECRET."""
    with pytest.raises(ScenarioError) as info:
        load(path, display=f"scenarios/{path.name}", root=root)
    found = [str(p) for p in info.value.problems]
    assert not any(SECRET in p for p in found)
    return found


class Hung(Exception):
    """Raised by `deadline`; not an OSError, so no reading code can turn it into a refusal."""


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the block blocks for ``seconds``."""

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise Hung(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def run_quickly(
    entry: Callable[[list[str] | None], int], argv: list[str], capsys: pytest.CaptureFixture[str]
) -> str:
    """Run a CLI entry in-process: exit 2 within 2 s; returns its stderr (never SECRET)."""
    start = time.monotonic()
    with deadline(10):
        status = entry(argv)
    elapsed = time.monotonic() - start
    out, err = capsys.readouterr()
    assert status == 2, err
    assert elapsed < 2, f"took {elapsed:.1f} s"
    assert "Traceback" not in err
    assert SECRET not in out + err
    return err


# --- special files as the scenario on the command line ----------------------------------------


def test_fifo_as_scenario_exits_2_without_blocking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    for entry in ENTRIES:
        err = run_quickly(entry, [str(fifo)], capsys)
        assert f"{fifo}: the file is a named pipe (FIFO), not a regular file" in err
    err = run_quickly(compare.main, [str(fifo), str(fifo)], capsys)
    assert "named pipe (FIFO)" in err
    with deadline(10), pytest.raises(ScenarioError, match=r"named pipe \(FIFO\)"):
        load(fifo)


def test_fifo_swapped_in_after_the_stat_is_refused_by_fstat_without_blocking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race: the path passed the ``stat`` check, then became a FIFO before ``open``."""
    fifo = tmp_path / "source.txt"
    os.mkfifo(fifo)
    monkeypatch.setattr(confine, "check_regular", lambda path: None)
    with deadline(10), pytest.raises(FileRefused, match=r"named pipe \(FIFO\)"):
        read_bytes(fifo)


def test_fifo_as_scenario_in_a_subprocess_exits_2_quickly(tmp_path: Path) -> None:
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "model.check", str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 2, done.stderr
    assert time.monotonic() - start < 15  # the interpreter's start-up included
    assert "named pipe (FIFO)" in done.stderr and "Traceback" not in done.stderr


def test_dev_zero_as_scenario_exits_2_quickly(capsys: pytest.CaptureFixture[str]) -> None:
    for entry in ENTRIES:
        err = run_quickly(entry, ["/dev/zero"], capsys)
        assert "/dev/zero: the file is a character device, not a regular file" in err


def test_dev_zero_as_scenario_in_a_subprocess_exits_2_quickly() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "model.simulate", "/dev/zero"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 2 and "character device" in done.stderr


def test_directory_and_socket_as_scenario_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sock_path = tmp_path / "s.yaml"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        assert "is a socket, not a regular file" in run_quickly(
            check.main, [str(sock_path)], capsys
        )
    assert "is a directory, not a regular file" in run_quickly(
        simulate.main, [str(tmp_path)], capsys
    )


def test_symlink_loop_as_scenario_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    loop = str(tmp_path / "a.yaml")
    for entry in ENTRIES:
        assert "is a symbolic link that loops" in run_quickly(entry, [loop], capsys)
    assert "symbolic link that loops" in run_quickly(compare.main, [loop, loop], capsys)
    with pytest.raises(ScenarioError, match="symbolic link that loops"):
        load(loop)


# --- special files named inside a scenario --------------------------------------------------

SPECIALS = ["fifo", "directory", "socket", "loop"]
KIND_WORDS = {
    "fifo": "is a named pipe (FIFO), not a regular file",
    "directory": "is a directory, not a regular file",
    "socket": "is a socket, not a regular file",
    "loop": "is a symbolic link that loops",
}


def make_special(path: Path, kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sock.close()  # the socket file stays
    else:
        path.symlink_to(path.with_suffix(".other"))
        path.with_suffix(".other").symlink_to(path)


@pytest.mark.parametrize("kind", SPECIALS)
def test_special_file_as_include_names_the_include_line(proj: Path, kind: str) -> None:
    make_special(proj / "scenarios" / "special.yaml", kind)
    head = "includes:\n  - file: special.yaml\n    slots: {}\n"
    text = scenario_text(head=head)
    with deadline(10):
        found = problems(write(proj, text))
    line = line_of(text, "file: special.yaml")
    end = " (or a chain of too many links)" if kind == "loop" else "; only regular files are read"
    assert found == [
        f"scenarios/x.yaml:{line}:5: includes[0].file: 'special.yaml' {KIND_WORDS[kind]}{end}"
    ]


@pytest.mark.parametrize("kind", SPECIALS)
def test_special_file_as_extends_names_the_extends_line(proj: Path, kind: str) -> None:
    make_special(proj / "scenarios" / "special.yaml", kind)
    text = scenario_text(head="extends: special.yaml\n")
    with deadline(10):
        found = problems(write(proj, text))
    line = line_of(text, "extends:")
    assert len(found) == 1
    assert found[0].startswith(f"scenarios/x.yaml:{line}:1: extends: 'special.yaml' ")
    assert KIND_WORDS[kind] in found[0]


@pytest.mark.parametrize("kind", SPECIALS)
def test_special_file_as_source_names_the_source_line(proj: Path, kind: str) -> None:
    make_special(proj / "seeds" / "special.txt", kind)
    text = scenario_text("../seeds/special.txt")
    with deadline(10):
        found = problems(write(proj, text))
    line = line_of(text, "special.txt")
    assert len(found) == 1
    assert found[0].startswith(
        f"scenarios/x.yaml:{line}:5: sources[0].file: source file '../seeds/special.txt' "
    )
    assert KIND_WORDS[kind] in found[0]


def test_dev_zero_as_source_extends_and_include_is_refused_not_read(proj: Path) -> None:
    """With the root at ``/`` the path is inside it: the device check itself refuses it."""
    up = os.path.relpath("/dev/zero", proj / "scenarios")
    for text, field in (
        (scenario_text(up), "sources[0].file"),
        (scenario_text(head=f"extends: {up}\n"), "extends"),
        (scenario_text(head=f"includes:\n  - file: {up}\n"), "includes[0].file"),
    ):
        with deadline(10):
            (found,) = problems(write(proj, text), root=Path("/"))
        assert f"{field}: " in found and "is a character device, not a regular file" in found


def test_size_limit_counts_the_bytes_read_not_st_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``/proc`` files report size 0 but have content: the limit must still apply."""
    monkeypatch.setattr(confine, "MAX_BYTES", 16)
    status = Path("/proc/self/status")
    assert status.stat().st_size == 0
    with pytest.raises(FileRefused, match="larger than 16 bytes"):
        read_bytes(status)
    exact = tmp_path / "exact.txt"
    exact.write_bytes(b"x" * 16)
    assert read_bytes(exact) == b"x" * 16
    exact.write_bytes(b"x" * 17)
    with pytest.raises(FileRefused, match=r"\(MAX_BYTES\)"):
        read_bytes(exact)


@pytest.mark.parametrize("where", ["includes", "extends", "sources"])
def test_nul_byte_in_a_path_is_a_problem_not_a_crash(proj: Path, where: str) -> None:
    bad = '"mechanisms/exchange\\0.yaml"'
    if where == "sources":
        text = scenario_text().replace("file: '../seeds/seed.txt'", f"file: {bad}")
        field = "sources[0].file: source file "
    elif where == "extends":
        text = scenario_text(head=f"extends: {bad}\n")
        field = "extends: "
    else:
        text = scenario_text(head=f"includes:\n  - file: {bad}\n")
        field = "includes[0].file: "
    (found,) = problems(write(proj, text))
    assert f"{field}'mechanisms/exchange\\x00.yaml' contains a NUL character" in found


# --- confinement to the project root ----------------------------------------------------------


def test_include_of_etc_passwd_is_outside_the_root(proj: Path) -> None:
    text = scenario_text(head="includes:\n  - file: ../../etc/passwd\n")
    found = problems(write(proj, text))
    line = line_of(text, "etc/passwd")
    assert found == [
        f"scenarios/x.yaml:{line}:5: includes[0].file: '../../etc/passwd' is outside the "
        f"project root {proj.resolve()} (paths must stay inside it; use --root to choose "
        "another root)"
    ]
    assert "root:x:0:0" not in found[0]


def test_absolute_include_extends_and_source_are_refused(proj: Path) -> None:
    secret = proj.parent / "outside" / "secret.yaml"
    cases = [
        (scenario_text(head=f"includes:\n  - file: {secret}\n"), "includes[0].file"),
        (scenario_text(head="extends: /etc/passwd\n"), "extends"),
        (scenario_text(str(proj / "seeds" / "seed.txt")), "sources[0].file"),  # even inside
    ]
    for text, field in cases:
        (found,) = problems(write(proj, text))
        assert f"{field}: " in found and "is an absolute path" in found, found


def test_extends_of_etc_passwd_is_refused_without_a_crash(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(proj, scenario_text(head="extends: ../../../../../../../../etc/passwd\n"))
    (found,) = problems(path)
    assert "extends: '../../../../../../../../etc/passwd' is outside the project root" in found
    assert "outside the project root" in run_quickly(check.main, [str(path)], capsys)


def test_source_outside_the_root_with_a_wrong_quote_shows_no_line_of_it(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for source in ("/etc/shadow", "../../outside/secret.txt", "../../../../../../etc/shadow"):
        path = write(proj, scenario_text(source, "a quote that is nowhere"))
        (found,) = problems(path)
        assert "sources[0].file: source file" in found
        assert "closest passage" not in found and "quote not found" not in found
        err = run_quickly(simulate.main, [str(path)], capsys)
        assert "closest passage" not in err


def test_symlink_inside_the_root_pointing_outside_is_refused(proj: Path) -> None:
    outside = proj.parent / "outside"
    (proj / "seeds" / "link.txt").symlink_to(outside / "secret.txt")
    (proj / "scenarios" / "link.yaml").symlink_to(outside / "secret.yaml")
    (proj / "scenarios" / "linkdir").symlink_to(outside)
    cases = [
        (scenario_text("../seeds/link.txt", "a quote that is nowhere"), "sources[0].file"),
        (scenario_text("linkdir/secret.txt", "a quote that is nowhere"), "sources[0].file"),
        (scenario_text(head="includes:\n  - file: link.yaml\n"), "includes[0].file"),
        (scenario_text(head="extends: linkdir/secret.yaml\n"), "extends"),
    ]
    for text, field in cases:
        (found,) = problems(write(proj, text))
        assert f"{field}: " in found and "is outside the project root" in found, found


def test_dotdot_that_stays_inside_the_root_is_allowed(proj: Path) -> None:
    path = write(proj, scenario_text("../scenarios/../seeds/seed.txt"))
    assert load(path).sources["seed"].path == (proj / "seeds" / "seed.txt").resolve()


def test_a_mechanism_source_outside_the_root_points_at_the_mechanism(proj: Path) -> None:
    mech = proj / "scenarios" / "mechanisms" / "monitored_return.yaml"
    text = mech.read_text().replace(
        "file: ../../seeds/000_fe535af938dae792.txt", "file: ../../../outside/secret.txt"
    )
    mech.write_text(text)
    found = problems(proj / "scenarios" / "monitored_return.yaml")
    line = line_of(text, "secret.txt")
    assert found == [
        f"{display_path(mech.resolve())}:{line}:5: sources[0].file: '../../../outside/secret.txt' "
        f"is outside the project root {proj.resolve()} (paths must stay inside it; use --root "
        "to choose another root)"
    ]


def test_an_extended_scenarios_source_outside_the_root_points_at_that_scenario(
    proj: Path,
) -> None:
    text = scenario_text("../../outside/secret.txt", "a quote that is nowhere")
    base = write(proj, text, "base.yaml")
    child = write(proj, "id: child\ntitle: Child\nsummary: S\nextends: base.yaml\n")
    (found,) = problems(child)
    line = line_of(text, "secret.txt")
    assert found == (
        f"{display_path(base.resolve())}:{line}:5: sources[0].file: "
        f"'../../outside/secret.txt' is outside the project root {proj.resolve()} (paths must "
        "stay inside it; use --root to choose another root)"
    )


def test_no_message_contains_text_of_a_file_outside_the_root(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every way of naming the secret files, through the API and the command line."""
    outside = "../../outside"
    texts = [
        scenario_text(f"{outside}/secret.txt", SECRET[:20] + " typo"),
        scenario_text(f"{outside}/secret.yaml", "x"),
        scenario_text(head=f"includes:\n  - file: {outside}/secret.yaml\n"),
        scenario_text(head=f"includes:\n  - file: {outside}/secret.txt\n"),
        scenario_text(head=f"extends: {outside}/secret.yaml\n"),
        scenario_text(head=f"extends: {outside}/secret.txt\n"),
    ]
    for text in texts:
        path = write(proj, text)
        problems(path)  # asserts SECRET is absent
        for entry in ENTRIES:
            run_quickly(entry, [str(path)], capsys)
        run_quickly(compare.main, [str(path), str(path)], capsys)


def test_root_option_allows_files_above_the_found_root(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = proj.parent / "shared"
    shared.mkdir()
    shutil.copy(SEED, shared / "seed.txt")
    text = scenario_text("../../shared/seed.txt")
    path = write(proj, text)
    assert "is outside the project root" in problems(path)[0]
    assert load(path, root=proj.parent).sources["seed"].path == shared / "seed.txt"
    assert load_text(text, base_dir=path.parent, root=proj.parent).id == "tiny"
    source = ScenarioSource.from_file(path, root=proj.parent)
    assert source.load().id == "tiny"  # what a Monte Carlo worker does
    assert check.main([str(path), "--root", str(proj.parent)]) in (0, 1)
    assert simulate.main([str(path), "--root", str(proj.parent)]) in (0, 1)
    capsys.readouterr()
    assert simulate.main([str(path)]) == 2
    assert "use --root to choose another root" in capsys.readouterr().err


def test_root_option_must_be_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for entry in ENTRIES:
        with pytest.raises(SystemExit) as info:
            entry(["--root", str(tmp_path / "absent")])
        assert info.value.code == 2
        assert "is not a directory" in capsys.readouterr().err


def test_root_option_is_in_the_help_of_every_entry(capsys: pytest.CaptureFixture[str]) -> None:
    for entry in [*ENTRIES, compare.main]:
        with pytest.raises(SystemExit):
            entry(["--help"])
        out = " ".join(capsys.readouterr().out.split())
        assert "--root DIR" in out and "project root" in out


@pytest.mark.parametrize("marker", ["pyproject.toml", ".git", "seeds", None])
def test_root_is_the_nearest_folder_with_a_marker(tmp_path: Path, marker: str | None) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    if marker == "seeds":
        (tmp_path / "a" / "seeds").mkdir()
    elif marker is not None:
        (tmp_path / "a" / marker).write_text("")
    expected = deep if marker is None else tmp_path / "a"
    if marker is None:  # no marker up to / (tmp_path has none): the folder itself
        assert not any((p / m).exists() for p in deep.parents for m in confine.ROOT_MARKERS)
    assert find_root(deep) == expected.resolve()


def test_a_seeds_file_is_not_a_marker(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "seeds").write_text("not a folder")
    assert find_root(tmp_path / "a") == (tmp_path / "a").resolve()


def test_shipped_scenarios_have_the_repository_as_root() -> None:
    assert find_root(ROOT / "scenarios") == ROOT
    assert find_root(ROOT / "scenarios" / "mechanisms") == ROOT


def test_load_text_finds_the_root_from_base_dir(proj: Path) -> None:
    text = scenario_text("../seeds/seed.txt")
    assert load_text(text, base_dir=proj / "scenarios").id == "tiny"
    with pytest.raises(ScenarioError, match="outside the project root"):
        load_text(text, base_dir=proj / "scenarios", root=proj / "scenarios")


# --- quotes: bounded time, right passage --------------------------------------------------------


@pytest.mark.parametrize(
    ("typo", "passage"),
    [
        ("Israel and Hamas sent delegations to Egypt yesterday", GOOD_QUOTE),
        ("Israel and Hamas snet teams to Egpyt yesterday", GOOD_QUOTE),
        ("Israel and Hamas teams to Egypt yesterday after", GOOD_QUOTE),
        (
            "Foreign Minister Israel Katz described the Cairo talks as the closest the two sides "
            "have ever come to a deal",
            "Foreign Minister Israel Katz described the Cairo talks as the closest the sides have "
            "come to a deal since a",
        ),
        (
            "Two Egyptian security sources and state run Al-Qahera News said some progress",
            "Two Egyptian security sources and state-run Al-Qahera News said some progress had",
        ),
        (
            "Hamas' demand for the return of displaced residents",
            "Hamas’ demand for the return of displaced residents",
        ),
        ("There is no progres yet", "“There is no progress yet.”"),
    ],
)
@pytest.mark.parametrize("exhaustive_work", [0, provenance._EXHAUSTIVE_WORK])
def test_closest_passage_is_found_for_ordinary_typos(
    typo: str, passage: str, exhaustive_work: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same passage as comparing the quote with every window (the old, slow search),
    also when the search must pick candidate windows (``_EXHAUSTIVE_WORK`` 0)."""
    monkeypatch.setattr(provenance, "_EXHAUSTIVE_WORK", exhaustive_work)
    assert not SEED_TEXT.contains(typo)
    assert SEED_TEXT.closest_passage(typo) == passage
    words = SEED_TEXT.normalised.split(" ")
    n = len(typo.split(" "))
    windows = [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
    assert max(windows, key=lambda w: _similarity(typo, w)) == passage


SEED_WORDS = SEED_TEXT.normalised.split(" ")


@given(
    start=st.integers(0, len(SEED_WORDS) - 40),
    length=st.integers(8, 40),
    typo_at=st.integers(0, 39),
    cut=st.integers(0, 20),
)
def test_a_one_letter_typo_finds_a_passage_as_close_as_the_quoted_one(
    start: int, length: int, typo_at: int, cut: int
) -> None:
    """Through the candidate windows (never every window): a dropped letter in one word."""
    passage = SEED_WORDS[start : start + length]
    at = typo_at % length
    word = passage[at]
    assume(len(word) > 1)  # a word, shortened: the quote has as many words as the passage
    typo = " ".join(
        [*passage[:at], word[: cut % len(word)] + word[cut % len(word) + 1 :], *passage[at + 1 :]]
    )
    original = provenance._EXHAUSTIVE_WORK
    provenance._EXHAUSTIVE_WORK = 0
    try:
        found = SEED_TEXT.closest_passage(typo)
    finally:
        provenance._EXHAUSTIVE_WORK = original
    assert _similarity(typo, found) >= _similarity(typo, " ".join(passage))


def test_three_misquoted_long_quotes_are_checked_quickly(proj: Path) -> None:
    """Before: a 2,000-character misquote took 21 s; now the longest allowed ones take ms."""
    words = SEED_TEXT.normalised.split(" ")
    quotes = []
    for start in (0, 150, 300):
        quote = " ".join(words[start : start + 200])[: MAX_QUOTE_LENGTH - 1]
        quotes.append(quote.replace(" the ", " teh ", 3))
    assert all(len(q) > MAX_QUOTE_LENGTH - 40 and not SEED_TEXT.contains(q) for q in quotes)
    path = write(proj, scenario_text("../seeds/seed.txt", *quotes))
    start = time.monotonic()
    found = problems(path)
    assert time.monotonic() - start < 3
    assert len(found) == 3 and all("closest passage in the source" in p for p in found)


def test_quote_over_the_length_limit_is_refused_naming_the_limit(proj: Path) -> None:
    long_quote = " ".join([GOOD_QUOTE] * (MAX_QUOTE_LENGTH // len(GOOD_QUOTE) + 1))
    text = scenario_text("../seeds/seed.txt", long_quote)
    (found,) = problems(write(proj, text))
    assert found.startswith(f"scenarios/x.yaml:{line_of(text, 'text:')}:7: parties[0].quote.text:")
    assert (
        f"the quote is {len(long_quote):,} characters long; the limit is "
        f"{MAX_QUOTE_LENGTH:,} (MAX_QUOTE_LENGTH)" in found
    )


def test_closest_passages_stop_after_the_limit(proj: Path) -> None:
    quotes = [f"Israel and Hamas sent {i} teams" for i in range(MAX_PASSAGE_SEARCHES + 3)]
    found = problems(write(proj, scenario_text("../seeds/seed.txt", *quotes)))
    assert len(found) == len(quotes)
    hinted = [p for p in found if "closest passage in the source" in p]
    assert len(hinted) == MAX_PASSAGE_SEARCHES
    assert sum("(MAX_PASSAGE_SEARCHES)" in p for p in found) == 3


def test_longest_shipped_quote_is_far_below_the_limit() -> None:
    from model.scenario.schema_base import Quote
    from model.scenario.sourcecheck import _provenance_nodes

    longest = max(
        len(q.text)
        for path in sorted((ROOT / "scenarios").glob("*.yaml"))
        for _, q in _provenance_nodes(load(path).spec, ())
        if isinstance(q, Quote)
    )
    assert longest * 4 < MAX_QUOTE_LENGTH
    assert normalise(GOOD_QUOTE) == GOOD_QUOTE
