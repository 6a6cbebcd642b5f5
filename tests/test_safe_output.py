"""Safe writes and neutralised output (issue 10, items 4 and 5).

Writes: every entry writes only the files the user named, atomically, never over an existing
file without --force (and --force does replace), with its output folder checked before the
work. ``model.render.site`` touches only files its manifest lists, follows no symbolic link out of
docs/ and does not depend on the working directory.

Output: one hostile scenario (tests/fixtures/hostile/output/hostile_text.yaml) whose titles,
names and assumptions carry escape sequences, bidi controls, line separators, HTML, Markdown
and Mermaid syntax; no text report, error, SVG, Mermaid text or docs page lets it act.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import ROOT

from model import docs
from model.base import output
from model.base.errors import Problem, ScenarioError
from model.base.output import OutputError, check_target, write_bytes
from model.base.paths import DOCS_DIR, SCENARIOS_DIR
from model.base.textfmt import drawable, json_text, visible
from model.render import site, site_files
from model.scenario.loader import load, load_text

HOSTILE = ROOT / "tests" / "fixtures" / "hostile" / "output" / "hostile_text.yaml"
TRUCE = ROOT / "scenarios" / "november_truce.yaml"
EXCHANGE = ROOT / "scenarios" / "hostage_prisoner_exchange.yaml"

# What must never reach a terminal raw: C0 controls but tab and newline, DEL, C1 controls,
# bidi controls, line and paragraph separators.
RAW = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# --- model.base.output: atomic, no clobbering -----------------------------------------------------


def test_write_never_replaces_without_force_and_replaces_with_it(tmp_path: Path) -> None:
    target = tmp_path / "out" / "a.txt"  # the missing folder is created
    write_bytes(target, b"first", force=False)
    with pytest.raises(OutputError, match=r"already exists.*--force"):
        write_bytes(target, b"second", force=False)
    assert target.read_bytes() == b"first"
    write_bytes(target, b"third", force=True)
    assert target.read_bytes() == b"third"
    assert _files(tmp_path) == {"out", "out/a.txt"}  # no temporary file left behind
    assert (target.stat().st_mode & 0o777) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_racing_writers_to_one_name_exactly_one_wins(tmp_path: Path) -> None:
    target = tmp_path / "same.png"
    results: list[str] = []
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        start.wait()
        try:
            write_bytes(target, f"writer {n}".encode(), force=False)
            results.append(f"ok {n}")
        except OutputError:
            results.append("refused")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [r for r in results if r.startswith("ok")]
    assert len(winners) == 1 and results.count("refused") == 7
    assert target.read_bytes() == f"writer {winners[0].split()[1]}".encode()
    assert _files(tmp_path) == {"same.png"}


def test_symlink_target_is_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    link = tmp_path / "out" / "link.png"
    link.parent.mkdir()
    link.symlink_to(outside)  # dangling: writing through it would create outside.txt
    with pytest.raises(OutputError, match="already exists"):
        write_bytes(link, b"x", force=False)
    write_bytes(link, b"x", force=True)  # replaces the link itself
    assert not outside.exists() and not link.is_symlink() and link.read_bytes() == b"x"


def test_output_folder_checked_before_work(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match="not a folder"):
        check_target(tmp_path / "file" / "sub" / "chart.png", force=False)
    with pytest.raises(OutputError, match="is a folder"):
        check_target(tmp_path, force=True)
    with pytest.raises(OutputError, match="empty"):
        check_target(Path(""), force=False)
    with pytest.raises(OutputError, match="named twice"):
        output.check_targets([tmp_path / "a", tmp_path / "a"], force=False)
    check_target(tmp_path / "new" / "deeper" / "chart.png", force=False)
    assert not (tmp_path / "new").exists()  # checking creates nothing


# --- every entry ----------------------------------------------------------------------------------


def test_diagram_writes_only_what_was_named_and_never_overwrites_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from model.diagram import main

    stem = tmp_path / "out" / "d"
    args = [str(TRUCE), "-o", str(stem), "--format", "svg", "--format", "mermaid"]
    assert main(args) == 0
    assert _files(tmp_path) == {"out", "out/d.svg", "out/d.mmd"}
    (stem.with_suffix(".svg")).write_text("mine")
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err
    assert stem.with_suffix(".svg").read_text() == "mine"
    assert main([*args, "--force"]) == 0
    assert stem.with_suffix(".svg").read_text().startswith("<?xml")
    assert _files(tmp_path) == {"out", "out/d.svg", "out/d.mmd"}


def test_two_diagram_commands_at_once_one_fails(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "model.diagram", str(TRUCE), "-o", "same", "--format", "svg"]
    procs = [
        subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    codes = sorted(p.wait(timeout=120) for p in procs)
    for p in procs:
        p.communicate()
    assert codes == [0, 2]  # never both 0 with one file silently replaced
    assert _files(tmp_path) == {"same.svg"}


def test_timeline_never_overwrites_png_and_svg_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from model.timeline import main

    (tmp_path / "existing.png").write_text("keep png")
    (tmp_path / "existing.svg").write_text("keep svg")
    assert main([str(TRUCE), "-o", str(tmp_path / "existing")]) == 2
    assert "--force" in capsys.readouterr().err
    assert (tmp_path / "existing.png").read_text() == "keep png"
    assert (tmp_path / "existing.svg").read_text() == "keep svg"
    assert main([str(TRUCE), "-o", str(tmp_path / "existing"), "--force"]) == 0
    assert (tmp_path / "existing.png").read_bytes().startswith(b"\x89PNG")
    assert _files(tmp_path) == {"existing.png", "existing.svg"}


def test_sweep_output_folder_checked_before_the_sweep_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import model.analysis.sweep
    from model.simulate import main

    def no_sweep(*args: object, **kwargs: object) -> None:
        raise AssertionError("the sweep ran before the output was checked")

    monkeypatch.setattr(model.analysis.sweep, "sweep", no_sweep)
    (tmp_path / "file").write_text("")
    sweep = [str(EXCHANGE), "--sweep", "batch_size=10:20:10"]
    with pytest.raises(SystemExit) as exc:
        main([*sweep, "-o", str(tmp_path / "file" / "chart.png")])
    assert exc.value.code == 2 and "not a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*sweep, "-o", str(tmp_path)])
    assert "is a folder" in capsys.readouterr().err
    assert _files(tmp_path) == {"file"}


def test_sweep_chart_into_a_missing_folder_writes_only_that_file(tmp_path: Path) -> None:
    from model.simulate import main

    target = tmp_path / "new" / "chart.png"
    assert main([str(EXCHANGE), "--sweep", "batch_size=10:20:10", "-o", str(target)]) == 0
    assert _files(tmp_path) == {"new", "new/chart.png"}


# --- model.render.site ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_docs() -> dict[str, bytes]:
    """What model.render.site generates for one scenario (without building every page)."""
    page, pictures = site.scenario_page(TRUCE)
    files = {"index.md": b"index\n", "scenarios/november_truce.md": page.encode()}
    files.update({f"scenarios/{name}": data for name, data in pictures.items()})
    return files


def test_docs_keeps_a_hand_written_page_that_mentions_the_generator(
    tmp_path: Path, small_docs: dict[str, bytes]
) -> None:
    notes = tmp_path / "scenarios" / "notes.md"
    notes.parent.mkdir()
    notes.write_text(f"<!-- about {site.MARK} -->\nhand-written notes\n")
    site_files.write(small_docs, tmp_path)
    site_files.write({"index.md": b"index\n"}, tmp_path)  # the scenario is gone: its files go
    assert notes.read_text().endswith("hand-written notes\n")
    assert _files(tmp_path) == {"scenarios", "scenarios/notes.md", "index.md", site_files.MANIFEST}
    manifest = json.loads((tmp_path / site_files.MANIFEST).read_text())
    assert list(manifest["files"]) == ["index.md"]


def test_docs_refuses_a_dangling_symlink_out_of_docs(
    tmp_path: Path,
    small_docs: dict[str, bytes],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(docs, "build", lambda: small_docs)
    docs_dir, outside = tmp_path / "docs", tmp_path / "outside" / "index.md"
    docs_dir.mkdir()
    outside.parent.mkdir()
    (docs_dir / "index.md").symlink_to(outside)
    assert docs.main(["--docs-dir", str(docs_dir)]) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert not outside.exists() and _files(tmp_path) == {"docs", "docs/index.md", "outside"}
    # Even a file the manifest lists is not written through a link.
    (docs_dir / "index.md").unlink()
    assert docs.main(["--docs-dir", str(docs_dir)]) == 0
    (docs_dir / "scenarios").rename(tmp_path / "outside" / "scenarios")
    (docs_dir / "scenarios").symlink_to(tmp_path / "outside" / "scenarios")
    before = {p: p.read_bytes() for p in (tmp_path / "outside").rglob("*") if p.is_file()}
    assert docs.main(["--docs-dir", str(docs_dir)]) == 2
    assert {p: p.read_bytes() for p in before} == before


def test_docs_does_not_depend_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert docs.build_parser().parse_args([]).docs_dir == ROOT / "docs" == DOCS_DIR
    page, _ = site.scenario_page(SCENARIOS_DIR / "november_truce.yaml")
    assert page == (ROOT / "docs" / "scenarios" / "november_truce.md").read_text()
    assert list(tmp_path.iterdir()) == []


def test_committed_manifest_lists_the_generated_files() -> None:
    manifest = json.loads((ROOT / "docs" / site_files.MANIFEST).read_text())
    listed = set(manifest["files"])
    assert "index.md" in listed and "scenarios/november_truce.md" in listed
    assert "format.md" not in listed and all((ROOT / "docs" / rel).is_file() for rel in listed)


# --- neutralised output ---------------------------------------------------------------------------


def test_visible_escapes_controls_bidi_and_separators() -> None:
    text = "a\x1b]0;title\x07b\r\u202ec\u2028d\u2029e\x9b\x7f\x00\ttab\nline"
    shown = visible(text)
    assert shown == "a\\x1b]0;title\\x07b\\x0d\\u202ec\\u2028d\\u2029e\\x9b\\x7f\\x00\ttab\nline"
    assert "\n" not in visible("a\nb", newlines=False)
    assert drawable("$x$ \x1b") == "\\$x\\$ \\x1b"
    record = {"t\u202e": "x\x1b\x85\u2028 ü"}
    assert json.loads(json_text(record)) == record and not RAW.search(json_text(record))


def _assert_neutral(text: str) -> None:
    assert not RAW.search(text), repr(RAW.search(text))
    assert "\\x1b" in text or "\\u202e" in text  # the hostile text is shown, escaped


@pytest.mark.parametrize(
    ("entry", "args"),
    [
        ("simulate", []),
        ("simulate", ["--json"]),
        ("simulate", ["--list-parameters"]),
        ("simulate", ["--exact"]),
        ("simulate", ["--runs", "20"]),
        ("simulate", ["--sweep", "talk_weight=1:2:1"]),
        ("check", []),
        ("check", ["--json"]),
        ("trace", []),
        ("trace", ["--json"]),
        ("compare", [str(HOSTILE)]),
        ("compare", [str(HOSTILE), "--json"]),
    ],
)
def test_terminal_output_of_hostile_scenario_is_escaped(
    entry: str, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib

    main = importlib.import_module(f"model.{entry}").main
    assert main([str(HOSTILE), *args]) in (0, 1)
    out, err = capsys.readouterr()
    assert not RAW.search(err)
    _assert_neutral(out)


def test_interactive_session_of_hostile_scenario_is_escaped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from model.simulate import main

    answers = iter(["1", "q"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert main([str(HOSTILE), "--interactive"]) == 0
    _assert_neutral(capsys.readouterr().out)


def test_error_messages_escape_user_text(capsys: pytest.CaptureFixture[str]) -> None:
    problem = Problem("f\x1b.yaml", 1, 2, "title", "found '\x1b]0;x\x07\u202e'")
    assert str(problem) == "f\\x1b.yaml:1:2: title: found '\\x1b]0;x\\x07\\u202e'"
    text = HOSTILE.read_text(encoding="utf-8").replace("horizon: 30", 'horizon: 30\n"\\e[2J": 1')
    with pytest.raises(ScenarioError) as exc:
        load_text(text, "hostile.yaml", HOSTILE.parent)
    assert "\\x1b[2J" in str(exc.value) and not RAW.search(str(exc.value))


def test_svg_of_hostile_scenario_is_valid_xml() -> None:
    from model.render.draw import diagram_svg
    from model.render.timeline import timeline_svg

    scenario = load(HOSTILE)
    for svg in (diagram_svg(scenario), timeline_svg(_played(scenario))):
        root = ET.fromstring(svg.encode())  # raises on invalid XML
        assert root.tag.endswith("svg")
        assert "<script" not in svg and not RAW.search(svg)


def _played(scenario: object) -> object:
    from model.render.timeline import play

    return play(scenario, 0, 50)  # type: ignore[arg-type]


def test_mermaid_of_hostile_scenario_escapes_its_syntax() -> None:
    from model.render.mermaid import to_mermaid

    text = to_mermaid(load(HOSTILE))
    assert not RAW.search(text) and "\r" not in text
    for bad in ("<", "`", "%%{", "]0;"):
        assert bad not in text
    lines = text.splitlines()
    # header, comment, classDef, 3 states (a label and a description each), 1 start, 2 arrows,
    # 2 ends, class
    assert len(lines) == 16
    labelled = [line for line in lines if line.startswith('    state "')]
    assert len(labelled) == 3
    for line in lines:  # a quote only delimits a state's label: the user's are #quot;
        assert line.count('"') == (2 if line in labelled else 0), line
        if line in labelled:
            assert re.fullmatch(r'    state "[^"]*" as [A-Za-z][A-Za-z0-9_]*', line), line
    assert lines[2].startswith("    %% Truce ")
    described = [line for line in lines if " : " in line and "-->" not in line]
    for line in described:  # one ':' separates a state from its description, no ';' ends it
        description = line.strip().partition(" : ")[2]
        plain = re.sub(r"#\w+;", "", description)  # entity codes are Mermaid's escapes
        assert ":" not in plain and ";" not in plain
    assert "#lt;script#gt;" in text and "#58;" in text
    assert text.count(">") == text.count("-->")


def test_docs_page_of_hostile_scenario_escapes_markdown_and_html() -> None:
    page, pictures = site.scenario_page(HOSTILE)
    assert not RAW.search(page)
    # Fenced blocks (Mermaid, the checker's text) are shown verbatim; outside them, user
    # text must not be HTML, a link, or a break out of a table or a code span.
    blocks = re.findall(r"^(`{3,})[a-z]*\n.*?^\1$", page, flags=re.MULTILINE | re.DOTALL)
    assert len(blocks) == 2
    prose = re.sub(r"^(`{3,})[a-z]*\n.*?^\1$", "", page, flags=re.MULTILINE | re.DOTALL)
    for bad in ("<script", "<img", "<b>", "<i>"):
        assert bad not in prose
    assert not re.search(r"(?<!\\)\]\(javascript", prose)  # no link, only its escaped text
    assert "&lt;script&gt;" in prose and "\\x1b" in prose
    rows = [line for line in page.splitlines() if line.startswith("|")]
    tables: dict[int, int] = {}
    for row in rows:  # every row of a table has as many cells as its header
        cells = len(re.findall(r"(?<!\\)\|", row))
        tables.setdefault(cells, 0)
        tables[cells] += 1
    assert set(tables) == {4, 5}  # parties (3 columns), stages (4 columns)
    fences = re.findall(r"^(`{3,})", page, flags=re.MULTILINE)
    assert len(fences) % 2 == 0
    for svg in pictures.values():
        ET.fromstring(svg)


def test_docs_folder_checked_before_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_build() -> dict[str, bytes]:
        raise AssertionError("the pages were built before the folder was checked")

    monkeypatch.setattr(docs, "build", no_build)
    (tmp_path / "file").write_text("")
    assert docs.main(["--docs-dir", str(tmp_path / "file" / "docs")]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert _files(tmp_path) == {"file"}
