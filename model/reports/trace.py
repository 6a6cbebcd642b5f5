"""A trace (`model.analysis.trace`) as JSON-ready data and as readable text.

The text is rendered from the record, so both always say the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from model.analysis.sentences import Sentence
from model.analysis.trace import (
    DocumentTrace,
    Element,
    LeftOut,
    ScenarioTrace,
    SeedTrace,
    Trace,
)
from model.reports.text import plural, wrap
from model.scenario.provenance import UNVERIFIED, normalise
from model.scenario.yamlsource import format_path

WIDTH = 100
"""The trace wraps wider than the other reports: it is mostly long quoted sentences."""


def _element_record(e: Element) -> dict[str, Any]:
    return {"name": e.name, "scenario": e.scenario, "path": format_path(e.path), "where": e.where}


def _entry_record(entry: LeftOut) -> dict[str, Any]:
    return {
        "seed": entry.seed,
        "excerpt": entry.excerpt,
        "reason": entry.reason,
        "where": entry.where,
    }


def _sentence_record(seed: SeedTrace, s: Sentence) -> dict[str, Any]:
    groups: dict[tuple[str, str | None], dict[str, Any]] = {}
    for c in seed.cited_by(s.number):
        quote = c.element.quote
        assert quote is not None
        key = (normalise(quote.text), quote.said_by)
        group = groups.setdefault(
            key,
            {
                "text": key[0],
                "said_by": quote.said_by,
                "places": [list(p) for p in c.places],
                "elements": [],
            },
        )
        group["elements"].append(_element_record(c.element))
    entry = seed.left_out.get(s.number)
    cited = bool(groups)
    status = "left_out" if entry else ("cited" if cited else "uncited")
    return {
        "number": s.number,
        "text": s.text,
        "status": status,
        "cited_by": list(dict.fromkeys(e["name"] for g in groups.values() for e in g["elements"])),
        "quotes": list(groups.values()),
        "left_out": _entry_record(entry) if entry else None,
    }


def _seed_record(seed: SeedTrace) -> dict[str, Any]:
    citable = seed.citable
    uncited = seed.uncited
    return {
        "file": seed.file,
        "sentences": [_sentence_record(seed, s) for s in seed.sentences],
        "sentence_count": len(seed.sentences),
        "citable": len(citable),
        "cited": len(citable) - len(uncited),
        "left_out": len(seed.left_out),
        "coverage_percent": round(seed.percent, 1),
        "uncited": [{"number": s.number, "text": s.text} for s in uncited],
        "left_out_but_cited": [n for n in sorted(seed.left_out) if seed.cited_by(n)],
    }


def _document_record(doc: DocumentTrace) -> dict[str, Any]:
    src = doc.source
    sections: dict[str, list[dict[str, Any]]] = {s: [] for s in doc.cited_sections}
    for e in doc.elements:
        assert e.citation is not None
        words = normalise(e.citation.words) if e.citation.words else None
        sections[e.citation.section].append({**_element_record(e), "words": words})
    percent = doc.percent
    return {
        "id": src.id,
        "title": src.title,
        "issued_by": src.issued_by,
        "date": src.date,
        "url": src.url,
        "published_in": src.published_in,
        "verified": False,
        "sections_listed": list(src.sections),
        "cited": [{"section": k, "elements": v} for k, v in sections.items()],
        "uncited_sections": list(doc.uncited_sections),
        "coverage_percent": None if percent is None else round(percent, 1),
    }


def _scenario_record(st: ScenarioTrace, seeds: Sequence[SeedTrace]) -> dict[str, Any]:
    quoted, cited, assumed = st.quoted, st.cited, st.assumed
    sourced = [e for e in st.elements if e.quote is not None or e.citation is not None]
    both = [e for e in sourced if e.assumption is not None]
    elements = set(st.elements)
    cites = [
        {
            "seed": seed.file,
            "sentences": sorted(
                {n for c in seed.citations if c.element in elements for n in c.sentences}
            ),
        }
        for seed in seeds
    ]
    return {
        "id": st.id,
        "title": st.title,
        "file": st.file,
        "cites": [c for c in cites if c["sentences"]],
        "elements": len(st.elements),
        "quotes": len(quoted),
        "citations": len(cited),
        "assumptions": len(assumed),
        "sourced": len(sourced),
        "both": len(both),
        "source_only": len(sourced) - len(both),
        "assumption_only": len(assumed) - len(both),
        "assumption_list": [
            {
                **_element_record(e),
                "text": e.assumption,
                "also_quoted": e.quote is not None,
                "also_cited": e.citation is not None,
            }
            for e in assumed
        ],
    }


def trace_record(result: Trace) -> dict[str, Any]:
    """The trace as JSON-ready data; the text report is rendered from it. (The command adds
    the exit status it returns, as ``exit_status``.)"""
    return {
        "scenarios": [_scenario_record(st, result.seeds) for st in result.scenarios],
        "seeds": [_seed_record(s) for s in result.seeds],
        "documents": [_document_record(d) for d in result.documents],
        "coverage_file": result.coverage_file,
        "coverage_problems": [
            {
                "kind": p.kind,
                **_entry_record(p.entry),
                "sentences": list(p.sentences),
                "message": p.message,
            }
            for p in result.problems
        ],
        "ok": result.ok,
    }


def _wrap(text: str, indent: str, hang: int = 0) -> list[str]:
    """`wrap` at the trace's width, never breaking a word (names, hyphenated terms)."""
    return wrap(text, indent, hang, width=WIDTH, break_long_words=False, break_on_hyphens=False)


def _numbers(places: list[list[int]]) -> str:
    return ", ".join(" and ".join(f"[{n}]" for n in p) for p in places)


def format_trace_text(record: dict[str, Any]) -> str:
    """The trace for a reader: each sentence with what cites it, then each scenario's
    assumptions, then coverage and problems."""
    lines: list[str] = ["Which sentence of the source each scenario element rests on", ""]
    lines += _wrap(
        "Each sentence of the source is shown with the quotes that cite it and, under each "
        "quote, the scenario elements that use it (scenario: field (name) at file:line). "
        "Then each published document cited (not stored, so not verified) with the elements "
        "citing each of its sections, and, for each scenario, every assumption the modellers "
        "made where the sources are silent.",
        "",
    )
    lines.append("")
    files = ", ".join(s["file"] for s in record["scenarios"]) or "none"
    lines += _wrap(f"Scenarios: {files}", "", 2)
    if record["coverage_file"] and record["seeds"]:
        lines.append(f"Sentences left out on purpose are listed in {record['coverage_file']}.")
    for seed in record["seeds"]:
        lines += ["", f"=== Source {seed['file']}: {plural(seed['sentence_count'], 'sentence')}"]
        lines += _coverage_lines(seed, "")
        for s in seed["sentences"]:
            lines.append("")
            lines += _wrap(f"[{s['number']}] {s['text']}", "", len(str(s["number"])) + 3)
            lines += _sentence_status_lines(s)
    for doc in record["documents"]:
        lines += ["", *_document_lines(doc)]
    for sc in record["scenarios"]:
        lines += ["", f"=== Scenario {sc['id']} ({sc['file']}): {sc['title']}"]
        lines += _wrap(
            f"{plural(sc['elements'], 'element')}: {sc['quotes']} quote a stored source, "
            f"{sc['citations']} cite a published document, {sc['assumptions']} state an "
            f"assumption ({sc['both']} rest on a source and an assumption, "
            f"{sc['source_only']} on a source only, {sc['assumption_only']} on an assumption "
            "only).",
            "",
            2,
        )
        for c in sc["cites"]:
            numbers = ", ".join(f"[{n}]" for n in c["sentences"])
            lines += _wrap(f"Cites sentences {numbers} of {c['seed']}.", "", 2)
        if sc["assumption_list"]:
            lines.append("Assumptions:")
        for a in sc["assumption_list"]:
            also = " (also quotes the source)" if a["also_quoted"] else ""
            also += " (also cites a document)" if a["also_cited"] else ""
            lines.append(f"  - {a['name']} at {a['where']}{also}")
            lines += _wrap(a["text"], "      ")
    lines += ["", "=== Summary"]
    for seed in record["seeds"]:
        lines.append(f"{seed['file']}:")
        lines += _coverage_lines(seed, "  ")
        if seed["uncited"]:
            where = record["coverage_file"] or "a coverage file"
            lines += _wrap(
                f"Citable sentences no element cites ({len(seed['uncited'])}); quote each in a "
                f"scenario, or list it with the reason it needs no citation in {where}:",
                "  ",
                2,
            )
            for s in seed["uncited"]:
                lines += _wrap(f"[{s['number']}] {s['text']}", "    ", len(str(s["number"])) + 3)
        if seed["left_out_but_cited"]:
            numbers = ", ".join(f"[{n}]" for n in seed["left_out_but_cited"])
            lines.append(f"  Note: left out on purpose but cited all the same: {numbers}.")
    for doc in record["documents"]:
        lines += _wrap(f"{doc['title']} ({doc['date']}), cited, not stored:", "", 2)
        lines += _document_coverage_lines(doc, "  ")
    if record["coverage_problems"]:
        lines.append(f"Problems in {record['coverage_file']}:")
        for p in record["coverage_problems"]:
            lines += _wrap(
                f"{p['where']}: {p['kind']}: excerpt {p['excerpt']!r} ({p['seed']}): "
                f"{p['message']}",
                "  ",
                2,
            )
    if not record["ok"]:
        lines.append("NOT COMPLETE: see the uncited sentences and problems above.")
    elif record["seeds"]:
        lines.append("Every citable sentence is cited and every left-out entry names one sentence.")
    else:
        lines.append("No stored text is quoted, so there are no sentences to cover.")
    return "\n".join(lines)


def _coverage_lines(seed: dict[str, Any], indent: str) -> list[str]:
    return _wrap(
        f"Coverage: {seed['cited']} of {seed['citable']} citable sentences cited "
        f"({seed['coverage_percent']:g}%); {plural(seed['left_out'], 'sentence')} left out "
        f"on purpose; {len(seed['uncited'])} not cited.",
        indent,
        2,
    )


def _sentence_status_lines(s: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if s["left_out"]:
        lo = s["left_out"]
        lines += _wrap(f"left out on purpose ({lo['where']}): {lo['reason']}", "    ", 2)
    elif s["status"] == "uncited":
        lines.append("    NOT CITED by any element")
    for q in s["quotes"]:
        said = f" ({q['said_by']})" if q["said_by"] else ""
        lines += _wrap(f"“{q['text']}”{said}", "    ", 1)
        if len(q["places"]) > 1 or len(q["places"][0]) > 1:
            lines.append(f"      found in sentence {_numbers(q['places'])}")
        for e in q["elements"]:
            lines.append(f"      - {e['name']} at {e['where']}")
    return lines


def _document_coverage_lines(doc: dict[str, Any], indent: str) -> list[str]:
    cited = len(doc["cited"])
    if doc["coverage_percent"] is None:
        text = (
            f"{plural(cited, 'section')} cited; the document lists no sections, so no "
            "coverage is measured."
        )
    else:
        listed = len(doc["sections_listed"])
        text = (
            f"Coverage: {listed - len(doc['uncited_sections'])} of {listed} listed sections "
            f"cited ({doc['coverage_percent']:g}%); informational, never a failure."
        )
        if doc["uncited_sections"]:
            text += " Not cited: " + ", ".join(doc["uncited_sections"]) + "."
    return _wrap(text, indent, 2)


def _document_lines(doc: dict[str, Any]) -> list[str]:
    """A cited document: what it is, then each section with the elements citing it."""
    head = f"=== Cited document {doc['id']}: {doc['title']} ({doc['issued_by']}, {doc['date']})"
    lines = _wrap(head, "", 4)
    if doc["published_in"]:
        lines += _wrap(f"Published in {doc['published_in']}.", "", 2)
    if doc["url"]:
        lines.append(doc["url"])
    lines += _wrap(f"Not stored in the project: each citation is {UNVERIFIED}.", "", 2)
    lines += _document_coverage_lines(doc, "")
    for c in doc["cited"]:
        lines.append("")
        lines.append(c["section"])
        for e in c["elements"]:
            lines.append(f"      - {e['name']} at {e['where']}")
            if e["words"]:
                lines += _wrap(f"“{e['words']}”", "        ", 1)
    return lines
