"""Citations of published documents that the project does not store (issue 14, item 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.base.errors import ScenarioError
from model.scenario.loader import load, load_text

FIXTURE = Path(__file__).parent / "fixtures" / "citations" / "cited_only.yaml"
TEXT = FIXTURE.read_text(encoding="utf-8")


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_text(text, "x.yaml", base_dir=FIXTURE.parent)
    return [str(p) for p in info.value.problems]


def test_a_scenario_citing_only_a_published_document_loads() -> None:
    sc = load(FIXTURE)
    (source,) = sc.spec.sources
    assert not source.stored and source.file is None
    assert sc.sources == {}  # nothing stored, nothing read
    stage = sc.spec.stages[0]
    assert stage.citation is not None and stage.citation.section == "point 2"


def test_a_section_the_document_does_not_list_is_refused_with_a_hint() -> None:
    found = problems(TEXT.replace("section: point 2\n", "section: point 22\n", 1))
    assert any(
        "stages[0].citation.section: 'accord' lists no section 'point 22'" in p
        and "did you mean 'point 2'" in p
        for p in found
    ), found


def test_a_cited_document_needs_title_issuer_and_date() -> None:
    found = problems(TEXT.replace("    issued_by: The test suite of this project\n", ""))
    assert any("sources[0]" in p and "'issued_by'" in p for p in found), found


def test_a_date_must_be_a_calendar_date() -> None:
    found = problems(TEXT.replace('date: "2000-01-02"', 'date: "2 January 2000"'))
    assert any("sources[0].date" in p for p in found), found


def test_quoting_a_cited_document_is_refused_it_has_no_text_to_check() -> None:
    text = TEXT.replace(
        "    citation:\n      section: point 1\n  - id: south",
        "    quote:\n      text: North and South agree to stop firing\n  - id: south",
    )
    found = problems(text)
    assert any("parties[0].quote.source: this scenario has 0 stored texts" in p for p in found), (
        found
    )
    named = text.replace(
        "text: North and South agree to stop firing\n",
        "text: North and South agree to stop firing\n      source: accord\n",
    )
    assert any(
        "parties[0].quote.source: 'accord' is a published document that is not stored" in p
        for p in problems(named)
    )


def test_citing_a_stored_text_is_refused_it_must_be_quoted() -> None:
    text = TEXT.replace(
        "sources:\n",
        "sources:\n  - id: seed\n    file: ../../../seeds/000_fe535af938dae792.txt\n",
    )
    text = text.replace("source: accord\n      section: point 1", "source: seed\n      section: x")
    found = problems(text)
    assert any(
        "parties[1].citation.source: 'seed' is a stored text: quote it word for word" in p
        for p in found
    ), found


def test_with_two_cited_documents_a_citation_must_name_one() -> None:
    second = (
        '  - id: other\n    title: Another fixture\n    issued_by: The tests\n    date: "2001"\n'
    )
    found = problems(TEXT.replace("\nparties:", second + "\nparties:", 1))
    assert any(
        "parties[0].citation.source: this scenario has 2 cited documents; name one of: "
        "accord, other" in p
        for p in found
    ), found


def test_sections_belong_to_cited_documents_only() -> None:
    text = TEXT.replace(
        "sources:\n",
        "sources:\n  - id: seed\n    file: ../../../seeds/000_fe535af938dae792.txt\n"
        "    sections: [a]\n",
    )
    assert any("'sections' belong to a cited document" in p for p in problems(text))


def test_an_element_without_quote_citation_or_assumption_is_refused() -> None:
    text = TEXT.replace("    citation:\n      section: point 1\n  - id: south", "  - id: south", 1)
    assert any(
        "parties[0]" in p and "a 'citation' of a published document" in p for p in problems(text)
    )


# --- every output that shows provenance marks a citation as not verified ----------------------

CITED = (
    "cited: Example accord (a fictitious document for the tests) (2000-01-02), point 2: "
    "“Withdrawal of heavy weapons within 14 days of the ceasefire.” (cited, not verified "
    "against a stored text)"
)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_simulate_trace_shows_the_citation_as_not_verified(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from model.simulate import main

    assert main([str(FIXTURE), "--seed", "1"]) == 0
    out = flat(capsys.readouterr().out)
    assert "north: complete_withdrawal" in out
    assert CITED in out


def test_the_json_trace_of_a_run_carries_the_cited_document(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from model.simulate import main

    assert main([str(FIXTURE), "--seed", "1", "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    cited = steps[0]["citation"]
    assert cited["document"].startswith("Example accord")
    assert (cited["section"], cited["verified"], cited["date"]) == ("point 2", False, "2000-01-02")


def test_the_parameter_list_shows_the_citation(capsys: pytest.CaptureFixture[str]) -> None:
    from model.simulate import main

    assert main([str(FIXTURE), "--list-parameters"]) == 0
    out = flat(capsys.readouterr().out)
    assert "withdrawal_days = 14" in out and CITED in out


def test_the_interactive_list_of_events_shows_the_citation() -> None:
    import io

    from model.cli.interactive import Session

    out = io.StringIO()
    session = Session(load(FIXTURE), {}, seed=1, out=out)
    session.show()
    assert CITED in flat(out.getvalue())


def test_the_docs_page_lists_the_cited_document_and_its_citations() -> None:
    from model.render.site import scenario_page

    page, _ = scenario_page(FIXTURE)
    cited = page[page.index("## Cited documents") :]
    assert "not verified against a stored text" in cited
    assert "### Example accord (a fictitious document for the tests)" in cited
    assert "The test suite of this project, 2000-01-02. <https://example.org/accord>" in cited
    assert "- **parameter** `withdrawal_days`: point 2: “Withdrawal of heavy weapons" in cited
    assert "- **party** `north`: point 1" in cited


def test_model_trace_reports_coverage_of_a_cited_document_and_does_not_fail(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from model.trace import main

    assert main([str(FIXTURE), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    (doc,) = record["documents"]
    assert doc["verified"] is False
    assert [c["section"] for c in doc["cited"]] == ["point 1", "point 2"]
    assert doc["uncited_sections"] == ["point 3"]
    assert doc["coverage_percent"] == pytest.approx(66.7)
    point2 = {e["name"] for e in doc["cited"][1]["elements"]}
    assert point2 == {
        "cited_only: stages[0] (truce)",
        "cited_only: parameters[0] (withdrawal_days)",
        "cited_only: states[1] (withdrawn)",
        "cited_only: transitions[0] (complete_withdrawal)",
    }
    assert record["scenarios"][0]["citations"] == 7
    assert record["seeds"] == [] and record["exit_status"] == 0


def test_model_trace_text_names_the_document_and_the_uncited_section(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from model.trace import main

    assert main([str(FIXTURE)]) == 0
    out = flat(capsys.readouterr().out)
    assert "=== Cited document accord: Example accord" in out
    assert "Coverage: 2 of 3 listed sections cited (66.7%); informational, never a failure." in out
    assert "Not cited: point 3." in out


def test_a_scenario_with_stored_and_cited_sources_traces_both(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The stored seed's coverage still decides the exit status; the document adds none."""
    import json

    from model.trace import main

    alone = main(["cairo_three_stage_truce", "--json"])
    seeds_alone = json.loads(capsys.readouterr().out)["seeds"]
    assert main(["cairo_three_stage_truce", str(FIXTURE), "--json"]) == alone
    record = json.loads(capsys.readouterr().out)
    assert record["seeds"] == seeds_alone and len(record["documents"]) == 1


# --- stored sources: inside the project, or beside a scenario outside any project -------------

SEED_TEXT = "North and South agree to stop firing at dawn. A secret line follows here.\n"
BESIDE = """\
id: beside
title: Beside
summary: A scenario outside any project, with its source beside it.
sources:
  - id: text
    file: {file}
parties:
  - id: north
    name: North
    role: party
    quote:
      text: {quote}
stages:
  - id: truce
    name: Truce
    assumption: test
states:
  - id: ceasefire
    stage: truce
    assumption: test
initial: ceasefire
"""


def test_a_source_beside_a_scenario_outside_any_project_is_allowed(tmp_path: Path) -> None:
    folder = tmp_path / "paper"
    folder.mkdir()
    (folder / "text.txt").write_text(SEED_TEXT, encoding="utf-8")
    path = folder / "s.yaml"
    path.write_text(BESIDE.format(file="text.txt", quote="agree to stop firing"))
    assert load(path).sources["text"].path == (folder / "text.txt").resolve()


def test_a_source_above_a_scenario_outside_any_project_is_refused_showing_none_of_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from model.check import main

    (tmp_path / "text.txt").write_text(SEED_TEXT, encoding="utf-8")
    folder = tmp_path / "paper"
    folder.mkdir()
    path = folder / "s.yaml"
    path.write_text(BESIDE.format(file="../text.txt", quote="A secret line follows, typo"))
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert "sources[0].file: source file '../text.txt' is outside the project root" in err
    assert "secret line" not in err and "stop firing" not in err


def test_a_scenario_extending_one_that_cites_a_document_keeps_the_citation(
    tmp_path: Path,
) -> None:
    """compose once rewrote every inherited source's ``file`` and failed on a cited one."""
    import shutil

    shutil.copy(FIXTURE, tmp_path / "base.yaml")
    child = tmp_path / "child.yaml"
    child.write_text("id: child\ntitle: Child\nsummary: S\nextends: base.yaml\n")
    sc = load(child)
    assert [s.id for s in sc.spec.sources] == ["accord"] and not sc.spec.sources[0].stored
    assert sc.spec.parties[0].citation is not None


def test_an_inherited_source_with_a_file_that_is_not_text_is_a_schema_problem(
    tmp_path: Path,
) -> None:
    base = TEXT.replace("  - id: accord\n", "  - id: accord\n    file: 5\n")
    (tmp_path / "base.yaml").write_text(base)
    child = tmp_path / "child.yaml"
    child.write_text("id: child\ntitle: Child\nsummary: S\nextends: base.yaml\n")
    with pytest.raises(ScenarioError) as info:
        load(child)
    assert any("sources[0].file" in str(p) for p in info.value.problems)


def test_two_different_documents_under_one_id_are_refused_when_composed(tmp_path: Path) -> None:
    import shutil

    shutil.copy(FIXTURE, tmp_path / "base.yaml")
    child = tmp_path / "child.yaml"
    child.write_text(
        "id: child\ntitle: Child\nsummary: S\nextends: base.yaml\nsources:\n  - id: accord\n"
        "    title: Another document\n    issued_by: Someone else\n    date: '2001'\n"
    )
    with pytest.raises(ScenarioError) as info:
        load(child)
    assert any("accord" in str(p) for p in info.value.problems), info.value.problems
