"""`model.analysis.trace` (with `sentences`) and `model.reports.trace`: sentences of the seed
traced to the scenario elements that quote them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from model.analysis.sentences import split_sentences
from model.analysis.trace import COVERAGE_FILE, load_coverage, trace
from model.reports.trace import trace_record
from model.scenario.loader import load
from model.scenario.provenance import SourceText, normalise
from model.trace import main

SEED = ROOT / "seeds" / "000_fe535af938dae792.txt"
SEED_TEXT = SourceText.read("seed", SEED)
SENTENCES = split_sentences(SEED_TEXT.text)
DEFAULT = ROOT / "scenarios" / "cairo_three_stage_truce.yaml"


def number_of(excerpt: str) -> int:
    """The number of the one sentence of the seed that contains ``excerpt``."""
    found = [s.number for s in SENTENCES if excerpt in s.text]
    assert len(found) == 1, (excerpt, found)
    return found[0]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    return status, capsys.readouterr().out


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    status, out = run(capsys, *argv, "--json")
    record: dict[str, Any] = json.loads(out)
    return status, record


def scenario_text(*quotes: str) -> str:
    """A scenario on the seed whose only quotes are ``quotes`` (on its parties)."""
    parties = "\n".join(
        f"""\
  - id: party_{i}
    name: Party {i}
    role: party
    quote:
      text: {json.dumps(q, ensure_ascii=False)}"""
        for i, q in enumerate(quotes)
    )
    return f"""\
id: one_sentence
title: One sentence
summary: A scenario that cites one sentence of the seed.
horizon: 30
sources:
  - id: seed
    file: {SEED}
parties:
{parties}
stages:
  - id: talks
    name: Talks
    assumption: test
states:
  - id: talking
    stage: talks
    assumption: test
initial: talking
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    """Write a file; a scenario's seed path becomes relative (load it with root=ROOT)."""
    path = tmp_path / name
    text = text.replace(f"file: {SEED}", f"file: {os.path.relpath(SEED, tmp_path)}")
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # reported paths are relative to the working directory


# --- sentences -------------------------------------------------------------------------------


def test_sentences_join_to_the_normalised_seed_and_the_dateline_stands_alone() -> None:
    assert " ".join(s.text for s in SENTENCES) == SEED_TEXT.normalised
    for s in SENTENCES:
        assert SEED_TEXT.normalised[s.start : s.end] == s.text
    assert SENTENCES[0].text == "date 2024-04-08"
    assert SENTENCES[1].text.startswith("A Hamas official said today no progress was made")
    assert SENTENCES[-1].text == "READ: Nicaragua asks ICJ to halt German arms exports to Israel"
    # provenance's splitter runs the dateline into the first sentence; ours has one more
    assert len(SENTENCES) == len(SEED_TEXT.sentences) + 1


def test_splitter_keeps_abbreviations_initials_and_quotes_together() -> None:
    text = (
        "CIA Director William J. Burns met Mr. Katz and U.S. envoys in Cairo. “There is no "
        "progress yet,” the official said. Talks go on!\n\n“Next paragraph.” Last one?"
    )
    assert [s.text for s in split_sentences(text)] == [
        "CIA Director William J. Burns met Mr. Katz and U.S. envoys in Cairo.",
        "“There is no progress yet,” the official said.",
        "Talks go on!",
        "“Next paragraph.”",
        "Last one?",
    ]


# --- citations -------------------------------------------------------------------------------


def test_a_sentence_is_reported_with_the_element_that_quotes_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    scenario = load(DEFAULT, "scenarios/cairo_three_stage_truce.yaml")
    index = [t.trigger for t in scenario.spec.transitions].index("consultations_continue")
    # the element by its id and its display label
    name = (
        f"cairo_three_stage_truce: transitions[{index}] "
        "(consultations_continue: Consultations continue)"
    )
    lines = DEFAULT.read_text(encoding="utf-8").splitlines()
    line = lines.index("  - trigger: consultations_continue") + 1
    where = f"scenarios/cairo_three_stage_truce.yaml:{line}"
    quote = "Delegations left Cairo and consultations were expected to continue within 48 hours"
    number = number_of(quote)

    _, record = run_json(capsys, str(DEFAULT))
    (seed,) = record["seeds"]
    sentence = seed["sentences"][number - 1]
    assert sentence["number"] == number and sentence["status"] == "cited"
    assert name in sentence["cited_by"]
    (group,) = [q for q in sentence["quotes"] if q["text"] == quote]
    assert group["said_by"] == "the sources and Al-Qahera"
    assert group["places"] == [[number]]
    element = {
        "name": name,
        "scenario": "cairo_three_stage_truce",
        "path": f"transitions[{index}]",
        "where": where,
    }
    assert element in group["elements"]

    _, text = run(capsys, str(DEFAULT))
    block = text.split(f"\n[{number}] ", 1)[1].split("\n\n", 1)[0]
    assert f"- {name} at {where}" in block


def test_a_quote_across_two_sentences_cites_both(tmp_path: Path) -> None:
    quote = "told Reuters. “There is no progress yet.”"  # across a paragraph break
    path = write(tmp_path, "span.yaml", scenario_text(quote))
    result = trace([load(path, root=ROOT)], load_coverage())
    (seed,) = result.seeds
    first, second = number_of("who asked not to be named"), number_of("There is no progress yet")
    assert second == first + 1
    (citation,) = seed.citations
    assert citation.places == ((first, second),)
    assert seed.cited == (first, second)
    record = trace_record(result)
    for n in (first, second):
        assert record["seeds"][0]["sentences"][n - 1]["cited_by"] == [
            "one_sentence: parties[0] (party_0)"
        ]


def test_a_quote_found_twice_cites_each_sentence(tmp_path: Path) -> None:
    path = write(tmp_path, "twice.yaml", scenario_text("in the Cairo talks"))
    (seed,) = trace([load(path, root=ROOT)]).seeds
    expected = tuple(sorted(s.number for s in SENTENCES if "in the Cairo talks" in s.text))
    assert len(expected) > 1
    assert seed.citations[0].sentences == expected
    assert seed.citations[0].places == tuple((n,) for n in expected)


# --- text and JSON ---------------------------------------------------------------------------


def test_json_and_text_agree(capsys: pytest.CaptureFixture[str]) -> None:
    status_json, record = run_json(capsys)
    status_text, text = run(capsys)
    assert status_json == status_text == record["exit_status"]
    assert (status_json == 0) == record["ok"]
    flat = normalise(text)
    for sc in record["scenarios"]:
        assert f"=== Scenario {sc['id']} ({sc['file']}): {sc['title']}" in text
        assert (
            f"{sc['elements']} elements: {sc['quotes']} quote a stored source, "
            f"{sc['citations']} cite a published document, {sc['assumptions']} state an "
            f"assumption ({sc['both']} rest on a source and an assumption,"
        ) in flat
        assert sc["sourced"] + sc["assumption_only"] == sc["elements"]
        assert sc["sourced"] <= sc["quotes"] + sc["citations"]
        assert len(sc["assumption_list"]) == sc["assumptions"]
        for a in sc["assumption_list"]:
            assert f"- {a['name']} at {a['where']}" in text
            assert normalise(a["text"]) in flat
    for seed in record["seeds"]:
        assert f"=== Source {seed['file']}: {seed['sentence_count']} sentences" in text
        assert (
            f"Coverage: {seed['cited']} of {seed['citable']} citable sentences cited "
            f"({seed['coverage_percent']:g}%)"
        ) in flat
        assert seed["citable"] + seed["left_out"] == seed["sentence_count"]
        for s in seed["sentences"]:
            block = text.split(f"\n[{s['number']}] ", 1)[1].split("\n\n", 1)[0]
            assert normalise(block).startswith(s["text"])
            if s["status"] == "uncited":
                assert "NOT CITED" in block
            if s["left_out"]:
                assert normalise(s["left_out"]["reason"]) in normalise(block)
            for q in s["quotes"]:
                assert f"“{q['text']}”" in normalise(block)
                for e in q["elements"]:
                    assert f"- {e['name']} at {e['where']}" in block
        summary = text.split("=== Summary", 1)[1]
        for s in seed["uncited"]:
            assert f"[{s['number']}] {s['text']}" in normalise(summary)


# --- coverage --------------------------------------------------------------------------------


def test_each_entry_of_the_shipped_coverage_file_names_exactly_one_sentence() -> None:
    coverage = load_coverage(COVERAGE_FILE)
    assert coverage.entries
    for entry in coverage.entries:
        assert entry.reason.strip()
        sentences = split_sentences(entry.seed_path.read_text(encoding="utf-8"))
        assert len(entry.matches(sentences)) == 1, entry
    result = trace([load(DEFAULT)], coverage)
    assert result.problems == ()
    (seed,) = result.seeds
    assert len(seed.left_out) == len(coverage.entries)


def test_a_scenario_citing_one_sentence_leaves_the_others_uncited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quote = "Israel voiced cautious optimism about the latest negotiations."
    cited = number_of(quote)
    path = write(tmp_path, "one.yaml", scenario_text(quote))
    left_out = {
        n for e in load_coverage().entries for n in e.matches(SENTENCES) if e.seed_path == SEED
    }
    expected = [s for s in SENTENCES if s.number not in left_out | {cited}]
    assert len(expected) == len(SENTENCES) - len(left_out) - 1

    status, record = run_json(capsys, str(path), "--root", str(ROOT))
    assert status == 1 and record["exit_status"] == 1 and not record["ok"]
    (seed,) = record["seeds"]
    assert [s["number"] for s in seed["uncited"]] == [s.number for s in expected]
    assert seed["cited"] == 1 and seed["citable"] == len(expected) + 1
    assert seed["sentences"][cited - 1]["cited_by"] == ["one_sentence: parties[0] (party_0)"]

    status, text = run(capsys, str(path), "--root", str(ROOT))
    assert status == 1
    summary = normalise(text.split("=== Summary", 1)[1])
    assert f"Citable sentences no element cites ({len(expected)})" in summary
    for s in expected:
        assert f"[{s.number}] {s.text}" in summary
    assert f"[{cited}]" not in summary
    assert "NOT COMPLETE" in text


def test_every_sentence_cited_or_left_out_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quote = "Israel voiced cautious optimism about the latest negotiations."
    path = write(tmp_path, "one.yaml", scenario_text(quote))
    entries = "\n".join(
        f"    - excerpt: {json.dumps(s.text, ensure_ascii=False)}\n      reason: test"
        for s in SENTENCES
        if s.number != number_of(quote)
    )
    coverage = write(tmp_path, "coverage.yaml", f"seeds:\n  {SEED}:\n{entries}\n")
    status, record = run_json(capsys, str(path), "--root", str(ROOT), "--coverage", str(coverage))
    assert status == 0 and record["ok"]
    assert record["seeds"][0]["coverage_percent"] == 100.0


def test_stale_ambiguous_and_duplicate_coverage_entries_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = f"""\
seeds:
  {SEED}:
    - excerpt: date 2024-04-08
      reason: the dateline
    - excerpt: This sentence is not in the seed
      reason: stale
    - excerpt: in the Cairo talks
      reason: several sentences
    - excerpt: "2024-04-08"
      reason: the dateline again
  no_such_seed.txt:
    - excerpt: anything at all
      reason: the seed file is gone
"""
    coverage = write(tmp_path, "coverage.yaml", text)
    status, record = run_json(capsys, str(DEFAULT), "--coverage", str(coverage))
    assert status == 1 and not record["ok"]
    problems = {(p["kind"], p["excerpt"]) for p in record["coverage_problems"]}
    assert problems == {
        ("stale", "This sentence is not in the seed"),
        ("ambiguous", "in the Cairo talks"),
        ("duplicate", "2024-04-08"),
        ("stale", "anything at all"),
    }
    stale = next(p for p in record["coverage_problems"] if p["excerpt"].startswith("This"))
    assert stale["where"] == f"{coverage}:5"
    assert record["seeds"][0]["sentences"][0]["status"] == "left_out"

    status, out = run(capsys, str(DEFAULT), "--coverage", str(coverage))
    assert status == 1
    assert f"{coverage}:5: stale: excerpt 'This sentence is not in the seed'" in normalise(out)


def test_invalid_coverage_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    coverage = write(
        tmp_path,
        "coverage.yaml",
        f"seeds:\n  {SEED}:\n    - excerpt: date 2024-04-08\n      reasn: typo\n",
    )
    assert main([str(DEFAULT), "--coverage", str(coverage)]) == 2
    err = capsys.readouterr().err
    assert f"{coverage}:4:" in err and "unknown field 'reasn'" in err


def test_shipped_scenarios_cite_every_citable_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    """Every sentence stating a term, a position or a figure is modelled somewhere."""
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "0 not cited" in out and "(100%)" in out
