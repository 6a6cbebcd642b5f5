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
