"""``python -m model.trace``: which sentence of the source each scenario element rests on.

For every sentence of every seed the scenarios use, the elements whose quote cites it; for
every scenario, its assumptions and how many elements quote the source or assume; and the
coverage of the seed: every sentence that states a proposal term, a party's position or a
figure should be cited by at least one element. Sentences left out on purpose are listed, each
with its reason, in ``seeds/coverage.yaml``.

A quote cites a sentence when its words (whitespace normalised) occur in the sentence, or run
across it: a quote that spans two sentences cites both. A quote found in several places cites
every sentence it is found in.

Library use::

    from model.scenario.loader import load
    from model.analysis.trace import load_coverage, trace, trace_record, format_trace_text
    result = trace([load("scenarios/cairo_three_stage_truce.yaml")], load_coverage())
    result.seeds[0].uncited        # citable sentences that no element cites
    print(format_trace_text(trace_record(result)))
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, StringConstraints, ValidationError

from model.base.confine import FileRefused
from model.base.errors import ScenarioError
from model.base.paths import SEEDS_DIR, display_path
from model.cli import command as cli
from model.scenario.compiled import Scenario
from model.scenario.provenance import SourceText, normalise
from model.scenario.schema import Quote
from model.scenario.shape import schema_problems
from model.scenario.yamlsource import Path_, format_path, read_file

COVERAGE_FILE = SEEDS_DIR / "coverage.yaml"
"""Sentences of the seeds deliberately left uncited, each with its reason."""

WIDTH = 100

# --- sentences -------------------------------------------------------------------------------

_DATELINE = re.compile(r"date \d{4}-\d{2}-\d{2}(?= )")
"""The collection dateline the seeds begin with (`` date 2024-04-08 A Hamas official ...``)."""

_END = re.compile(r"[.!?]+[”’\"')\]]* (?=[“‘\"(\[]*[^\W\d_])")
"""End of a sentence in normalised text: terminal punctuation, closing quotes, one space, and
(checked in code) an upper-case letter, possibly after opening quotes."""

_ABBREVIATION_WORDS = """
mr mrs ms dr st gen lt col maj sgt capt cmdr adm rep sen gov pres prof jr sr rev vol fig inc
ltd co corp dept est approx vs etc jan feb mar apr jun jul aug sep sept oct nov dec
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
"""Words a full stop follows without ending the sentence (compared in lower case)."""
_OPENERS = '“‘"(['


@dataclass(frozen=True)
class Sentence:
    """One sentence of a seed, whitespace normalised, with its place in the normalised text."""

    number: int  # from 1
    text: str
    start: int  # offsets into `SourceText.normalised`
    end: int


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Split a seed text into sentences.

    Paragraph breaks always end a sentence; the seed's leading ``date YYYY-MM-DD`` dateline is a
    sentence of its own (`SourceText.sentences` runs it into the first sentence); a full stop
    after an abbreviation or an initial (``Mr.``, ``U.S.``, ``William J. Burns``) does not end
    one. The sentences joined with single spaces are exactly `provenance.normalise(text)`, so
    offsets into that text map a quote to the sentences it touches.
    """
    pieces: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        para = normalise(paragraph)
        if not para:
            continue
        dateline = _DATELINE.match(para)
        if dateline:
            pieces.append(dateline.group())
            para = para[dateline.end() + 1 :]
        pieces.extend(_split_paragraph(para))
    out: list[Sentence] = []
    offset = 0
    for piece in pieces:
        out.append(Sentence(len(out) + 1, piece, offset, offset + len(piece)))
        offset += len(piece) + 1
    return tuple(out)


def _split_paragraph(para: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _END.finditer(para):
        after = para[m.end() :].lstrip(_OPENERS)
        if not after[:1].isupper():
            continue
        if para[m.start()] == "." and _is_abbreviation(para[start : m.start()]):
            continue
        out.append(para[start : m.end() - 1])
        start = m.end()
    out.append(para[start:])
    return [p for p in out if p]


def _is_abbreviation(before: str) -> bool:
    """Does the text before a full stop end in an abbreviation or an initial?"""
    word = before.rsplit(" ", 1)[-1].lstrip(_OPENERS)
    if re.fullmatch(r"[A-Z]|(?:[A-Za-z]\.)+[A-Za-z]", word):  # "J" in "J. Burns", "U.S"
        return True
    return word.casefold() in _ABBREVIATIONS


def occurrences(sentences: Sequence[Sentence], normalised: str, quote: str) -> list[list[int]]:
    """For each place ``quote`` occurs in ``normalised``, the numbers of the sentences it
    touches (one, or several when it spans a sentence break)."""
    q = normalise(quote)
    out: list[list[int]] = []
    if not q:
        return out
    at = normalised.find(q)
    while at >= 0:
        end = at + len(q)
        out.append([s.number for s in sentences if s.start < end and s.end > at])
        at = normalised.find(q, at + 1)
    return out


# --- the coverage file -----------------------------------------------------------------------


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _LeftOut(_Frozen):
    excerpt: Annotated[StrictStr, StringConstraints(min_length=4, max_length=500)] = Field(
        description="Verbatim words (whitespace aside) found in exactly one sentence."
    )
    reason: Annotated[StrictStr, StringConstraints(min_length=1, max_length=2000)] = Field(
        description="Why the sentence needs no citation."
    )


class CoverageSpec(_Frozen):
    """``seeds/coverage.yaml``: for each seed file, the sentences left out on purpose."""

    seeds: dict[StrictStr, tuple[_LeftOut, ...]] = Field(
        description="Seed file (relative to this file) -> sentences left out, with reasons."
    )


@dataclass(frozen=True)
class LeftOut:
    """An entry of the coverage file: a sentence, identified by an excerpt, and why."""

    seed: str  # as written in the file
    seed_path: Path
    excerpt: str
    reason: str
    where: str  # file:line

    def matches(self, sentences: Sequence[Sentence]) -> list[int]:
        e = normalise(self.excerpt)
        return [s.number for s in sentences if e in s.text]


@dataclass(frozen=True)
class Coverage:
    file: str
    entries: tuple[LeftOut, ...]


def load_coverage(path: str | Path = COVERAGE_FILE) -> Coverage:
    """Read a coverage file; raise `ScenarioError` (with file:line) when it is not valid."""
    p = Path(path)
    display = display_path(p)
    doc = read_file(p, display)
    try:
        spec = CoverageSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise ScenarioError(schema_problems(doc, exc, CoverageSpec)) from None
    entries = []
    for seed, items in spec.seeds.items():
        for i, item in enumerate(items):
            file, line, _, _ = doc.locate(("seeds", seed, i))
            entries.append(
                LeftOut(
                    seed=seed,
                    seed_path=(p.resolve().parent / seed).resolve(),
                    excerpt=item.excerpt,
                    reason=normalise(item.reason),
                    where=f"{file}:{line}",
                )
            )
    return Coverage(display, tuple(entries))


# --- the trace -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Element:
    """A sourced element of a scenario: party, stage, parameter, variable, state, transition,
    invariant, expected finding (or one nested in them, such as a transition's requirement)."""

    scenario: str
    path: Path_
    label: str | None
    file: str
    line: int
    quote: Quote | None
    assumption: str | None
    seed: Path | None  # the seed file the quote is from

    @property
    def name(self) -> str:
        """``cairo_three_stage_truce: transitions[3] (truce_begins)``."""
        label = f" ({self.label})" if self.label else ""
        return f"{self.scenario}: {format_path(self.path)}{label}"

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Citation:
    """An element's quote and the sentences it is found in (one list per occurrence)."""

    element: Element
    places: tuple[tuple[int, ...], ...]

    @property
    def sentences(self) -> tuple[int, ...]:
        return tuple(sorted({n for place in self.places for n in place}))


@dataclass(frozen=True)
class SeedTrace:
    path: Path
    file: str
    sentences: tuple[Sentence, ...]
    citations: tuple[Citation, ...]
    left_out: Mapping[int, LeftOut]

    def cited_by(self, number: int) -> list[Citation]:
        return [c for c in self.citations if number in c.sentences]

    @property
    def cited(self) -> tuple[int, ...]:
        return tuple(sorted({n for c in self.citations for n in c.sentences}))

    @property
    def citable(self) -> tuple[int, ...]:
        return tuple(s.number for s in self.sentences if s.number not in self.left_out)

    @property
    def uncited(self) -> tuple[Sentence, ...]:
        """Citable sentences that no element cites."""
        cited = set(self.cited)
        return tuple(s for s in self.sentences if s.number not in self.left_out.keys() | cited)

    @property
    def percent(self) -> float:
        citable = self.citable
        if not citable:
            return 100.0
        return 100.0 * (len(citable) - len(self.uncited)) / len(citable)


@dataclass(frozen=True)
class CoverageProblem:
    """A coverage-file entry that matches no sentence, several, or one already left out."""

    kind: str  # "stale", "ambiguous" or "duplicate"
    entry: LeftOut
    sentences: tuple[int, ...]
    message: str


@dataclass(frozen=True)
class ScenarioTrace:
    id: str
    title: str
    file: str
    elements: tuple[Element, ...]

    @property
    def quoted(self) -> tuple[Element, ...]:
        return tuple(e for e in self.elements if e.quote is not None)

    @property
    def assumed(self) -> tuple[Element, ...]:
        return tuple(e for e in self.elements if e.assumption is not None)


@dataclass(frozen=True)
class Trace:
    scenarios: tuple[ScenarioTrace, ...]
    seeds: tuple[SeedTrace, ...]
    coverage_file: str | None
    problems: tuple[CoverageProblem, ...]

    @property
    def ok(self) -> bool:
        """Every citable sentence is cited and every coverage entry names one sentence."""
        return not self.problems and not any(s.uncited for s in self.seeds)


def scenario_elements(scenario: Scenario) -> tuple[Element, ...]:
    """Every element of the (composed) scenario that carries a quote or an assumption."""
    spec = scenario.spec
    declared = {s.id: scenario.sources[s.id].path for s in spec.sources if s.id in scenario.sources}
    out = []
    for path, node in _sourced(spec, ()):
        quote = getattr(node, "quote", None)
        assumption = getattr(node, "assumption", None)
        seed = None
        if isinstance(quote, Quote):
            source_id = quote.source or (next(iter(declared)) if len(declared) == 1 else None)
            seed = declared.get(source_id) if source_id else None
        file, line, _, _ = scenario.document.locate(path)
        out.append(
            Element(
                scenario=spec.id,
                path=path,
                label=_label(node),
                file=file,
                line=line,
                quote=quote if isinstance(quote, Quote) else None,
                assumption=normalise(assumption) if isinstance(assumption, str) else None,
                seed=seed,
            )
        )
    return tuple(out)


def _sourced(node: BaseModel, path: Path_) -> Iterator[tuple[Path_, BaseModel]]:
    fields = type(node).model_fields
    if path and "quote" in fields and "assumption" in fields:
        yield path, node
    for name in fields:
        value = getattr(node, name)
        if isinstance(value, Quote):
            continue
        if isinstance(value, BaseModel):
            yield from _sourced(value, (*path, name))
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel) and not isinstance(item, Quote):
                    yield from _sourced(item, (*path, name, i))


def _label(node: BaseModel) -> str | None:
    for name in ("id", "trigger"):
        value = getattr(node, name, None)
        if isinstance(value, str):
            return value
    kind = getattr(node, "kind", None)
    if isinstance(kind, str):
        target = getattr(node, "target", None)
        return f"{kind}: {target}" if isinstance(target, str) else kind
    by = getattr(node, "by", None)
    return f"by {by}" if isinstance(by, str) else None


def trace(scenarios: Sequence[Scenario], coverage: Coverage | None = None) -> Trace:
    """Trace the scenarios' elements to the sentences of the seeds they use."""
    traces: list[ScenarioTrace] = []
    texts: dict[Path, SourceText] = {}
    for scenario in scenarios:
        for source in scenario.sources.values():
            texts.setdefault(source.path.resolve(), source)
        traces.append(
            ScenarioTrace(
                id=scenario.spec.id,
                title=scenario.spec.title,
                file=scenario.file,
                elements=scenario_elements(scenario),
            )
        )
    entries = coverage.entries if coverage else ()
    problems: list[CoverageProblem] = []
    left_out: dict[Path, dict[int, LeftOut]] = {}
    for entry in entries:
        text = texts.get(entry.seed_path)
        if text is None:
            try:
                text = SourceText.read(entry.seed, entry.seed_path)
            except FileRefused:
                problems.append(
                    CoverageProblem("stale", entry, (), f"seed file {entry.seed!r} cannot be read")
                )
                continue
        matches = entry.matches(split_sentences(text.text))
        taken = left_out.setdefault(entry.seed_path, {})
        if not matches:
            problems.append(
                CoverageProblem("stale", entry, (), "the excerpt matches no sentence of the seed")
            )
        elif len(matches) > 1:
            problems.append(
                CoverageProblem(
                    "ambiguous",
                    entry,
                    tuple(matches),
                    "the excerpt matches several sentences ("
                    + ", ".join(f"[{n}]" for n in matches)
                    + "); quote more words so that it names one",
                )
            )
        elif matches[0] in taken:
            problems.append(
                CoverageProblem(
                    "duplicate",
                    entry,
                    tuple(matches),
                    f"sentence [{matches[0]}] is already left out by the entry at "
                    f"{taken[matches[0]].where}",
                )
            )
        else:
            taken[matches[0]] = entry
    seeds = []
    for path, text in texts.items():
        sentences = split_sentences(text.text)
        citations = tuple(
            Citation(
                element,
                tuple(
                    tuple(place)
                    for place in occurrences(sentences, text.normalised, element.quote.text)
                ),
            )
            for st in traces
            for element in st.elements
            if element.quote is not None and element.seed is not None
            if element.seed.resolve() == path
        )
        seeds.append(
            SeedTrace(
                path=path,
                file=display_path(path),
                sentences=sentences,
                citations=citations,
                left_out=dict(left_out.get(path, {})),
            )
        )
    return Trace(
        scenarios=tuple(traces),
        seeds=tuple(seeds),
        coverage_file=coverage.file if coverage else None,
        problems=tuple(problems),
    )


# --- records and text ------------------------------------------------------------------------


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


def _scenario_record(st: ScenarioTrace, seeds: Sequence[SeedTrace]) -> dict[str, Any]:
    quoted, assumed = st.quoted, st.assumed
    both = [e for e in quoted if e.assumption is not None]
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
        "assumptions": len(assumed),
        "both": len(both),
        "quote_only": len(quoted) - len(both),
        "assumption_only": len(assumed) - len(both),
        "assumption_list": [
            {**_element_record(e), "text": e.assumption, "also_quoted": e.quote is not None}
            for e in assumed
        ],
    }


def trace_record(result: Trace) -> dict[str, Any]:
    """The trace as JSON-ready data; the text report is rendered from it."""
    status = cli.EXIT_OK if result.ok else cli.EXIT_FINDINGS
    return {
        "scenarios": [_scenario_record(st, result.seeds) for st in result.scenarios],
        "seeds": [_seed_record(s) for s in result.seeds],
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
        "exit_status": status,
    }


def _wrap(text: str, indent: str, hang: int = 0) -> list[str]:
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + " " * hang,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _numbers(places: list[list[int]]) -> str:
    return ", ".join(" and ".join(f"[{n}]" for n in p) for p in places)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def format_trace_text(record: dict[str, Any]) -> str:
    """The trace for a reader: each sentence with what cites it, then each scenario's
    assumptions, then coverage and problems."""
    lines: list[str] = ["Which sentence of the source each scenario element rests on", ""]
    lines += _wrap(
        "Each sentence of the source is shown with the quotes that cite it and, under each "
        "quote, the scenario elements that use it (scenario: field (name) at file:line). "
        "Then, for each scenario, every assumption the modellers made where the source is "
        "silent.",
        "",
    )
    lines.append("")
    files = ", ".join(s["file"] for s in record["scenarios"]) or "none"
    lines += _wrap(f"Scenarios: {files}", "", 2)
    if record["coverage_file"]:
        lines.append(f"Sentences left out on purpose are listed in {record['coverage_file']}.")
    for seed in record["seeds"]:
        lines += ["", f"=== Source {seed['file']}: {_plural(seed['sentence_count'], 'sentence')}"]
        lines += _coverage_lines(seed, "")
        for s in seed["sentences"]:
            lines.append("")
            lines += _wrap(f"[{s['number']}] {s['text']}", "", len(str(s["number"])) + 3)
            lines += _sentence_status_lines(s)
    for sc in record["scenarios"]:
        lines += ["", f"=== Scenario {sc['id']} ({sc['file']}): {sc['title']}"]
        lines += _wrap(
            f"{_plural(sc['elements'], 'element')}: {sc['quotes']} quote the source, "
            f"{sc['assumptions']} state an assumption ({sc['both']} do both; "
            f"{sc['quote_only']} quote only, {sc['assumption_only']} assumption only).",
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
    if record["coverage_problems"]:
        lines.append(f"Problems in {record['coverage_file']}:")
        for p in record["coverage_problems"]:
            lines += _wrap(
                f"{p['where']}: {p['kind']}: excerpt {p['excerpt']!r} ({p['seed']}): "
                f"{p['message']}",
                "  ",
                2,
            )
    lines.append(
        "Every citable sentence is cited and every left-out entry names one sentence."
        if record["ok"]
        else "NOT COMPLETE: see the uncited sentences and problems above."
    )
    return "\n".join(lines)


def _coverage_lines(seed: dict[str, Any], indent: str) -> list[str]:
    return _wrap(
        f"Coverage: {seed['cited']} of {seed['citable']} citable sentences cited "
        f"({seed['coverage_percent']:g}%); {_plural(seed['left_out'], 'sentence')} left out "
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
