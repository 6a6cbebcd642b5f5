"""Which sentence of the source each scenario element rests on (``python -m model.trace``).

For every sentence of every seed the scenarios use, the elements whose quote cites it; for
every scenario, its assumptions and how many elements quote the source or assume; and the
coverage of the seed: every sentence that states a proposal term, a party's position or a
figure should be cited by at least one element. Sentences left out on purpose are listed, each
with its reason, in ``seeds/coverage.yaml``.

A quote cites a sentence when its words (whitespace normalised) occur in the sentence, or run
across it: a quote that spans two sentences cites both. A quote found in several places cites
every sentence it is found in.

Sentences are split by `model.analysis.sentences`; the trace as JSON-ready data and as text is
`model.reports.trace`. Library use::

    from model.scenario.loader import load
    from model.analysis.trace import load_coverage, trace
    from model.reports.trace import format_trace_text, trace_record
    result = trace([load("scenarios/cairo_three_stage_truce.yaml")], load_coverage())
    result.seeds[0].uncited        # citable sentences that no element cites
    print(format_trace_text(trace_record(result)))
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictStr, StringConstraints, ValidationError

from model.analysis.sentences import Sentence, occurrences, split_sentences
from model.base.confine import FileRefused
from model.base.errors import ScenarioError
from model.base.paths import SEEDS_DIR, display_path
from model.scenario.compiled import Scenario
from model.scenario.provenance import SourceText, cited_document, normalise
from model.scenario.schema import (
    BoolVariable,
    EnumVariable,
    IntVariable,
    Parameter,
    State,
    Transition,
)
from model.scenario.schema_base import Citation as CitationSpec
from model.scenario.schema_base import Quote, Source
from model.scenario.shape import schema_problems
from model.scenario.yamlsource import Path_, format_path, read_file

COVERAGE_FILE = SEEDS_DIR / "coverage.yaml"
"""Sentences of the seeds deliberately left uncited, each with its reason."""

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
    citation: CitationSpec | None = None
    document: Source | None = None  # the published document the citation cites

    @property
    def name(self) -> str:
        """``cairo_three_stage_truce: transitions[3] (truce_begins)``."""
        label = f" ({self.label})" if self.label else ""
        return f"{self.scenario}: {format_path(self.path)}{label}"

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class QuoteUse:
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
    citations: tuple[QuoteUse, ...]
    left_out: Mapping[int, LeftOut]

    def cited_by(self, number: int) -> list[QuoteUse]:
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

    @property
    def cited(self) -> tuple[Element, ...]:
        """Elements citing a published document that is not stored."""
        return tuple(e for e in self.elements if e.citation is not None)


@dataclass(frozen=True)
class DocumentTrace:
    """A published document the scenarios cite without storing it, and who cites which
    section. Its coverage is informational: nothing can check the citations' words, and a
    document need not list its sections."""

    source: Source
    elements: tuple[Element, ...]

    @property
    def cited_sections(self) -> tuple[str, ...]:
        """The sections cited, in the document's order (then any it does not list)."""
        cited = {e.citation.section for e in self.elements if e.citation is not None}
        listed = [s for s in self.source.sections if s in cited]
        return (*listed, *sorted(cited - set(listed)))

    @property
    def uncited_sections(self) -> tuple[str, ...]:
        cited = set(self.cited_sections)
        return tuple(s for s in self.source.sections if s not in cited)

    @property
    def percent(self) -> float | None:
        """Share of the listed sections cited; None when the document lists none."""
        if not self.source.sections:
            return None
        listed = len(self.source.sections)
        return 100.0 * (listed - len(self.uncited_sections)) / listed


@dataclass(frozen=True)
class Trace:
    scenarios: tuple[ScenarioTrace, ...]
    seeds: tuple[SeedTrace, ...]
    coverage_file: str | None
    problems: tuple[CoverageProblem, ...]
    documents: tuple[DocumentTrace, ...] = ()

    @property
    def ok(self) -> bool:
        """Every citable sentence is cited and every coverage entry names one sentence.
        (Cited documents never make a trace fail: their coverage is informational.)"""
        return not self.problems and not any(s.uncited for s in self.seeds)


def scenario_elements(scenario: Scenario) -> tuple[Element, ...]:
    """Every element of the (composed) scenario that carries a quote or an assumption."""
    spec = scenario.spec
    declared = {s.id: scenario.sources[s.id].path for s in spec.sources if s.id in scenario.sources}
    out = []
    for path, node in _sourced(spec, ()):
        quote = getattr(node, "quote", None)
        citation = getattr(node, "citation", None)
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
                citation=citation if isinstance(citation, CitationSpec) else None,
                document=cited_document(citation, spec.sources)
                if isinstance(citation, CitationSpec)
                else None,
            )
        )
    return tuple(out)


def _sourced(node: BaseModel, path: Path_) -> Iterator[tuple[Path_, BaseModel]]:
    fields = type(node).model_fields
    if path and "quote" in fields and "assumption" in fields:
        yield path, node
    for name in fields:
        value = getattr(node, name)
        if isinstance(value, Quote | CitationSpec):
            continue
        if isinstance(value, BaseModel):
            yield from _sourced(value, (*path, name))
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel) and not isinstance(item, Quote | CitationSpec):
                    yield from _sourced(item, (*path, name, i))


_LABELLED = (State, Transition, IntVariable, BoolVariable, EnumVariable, Parameter)
"""The elements that may carry a display label (`model.scenario.labels`)."""


def _label(node: BaseModel) -> str | None:
    for name in ("id", "trigger"):
        value = getattr(node, name, None)
        if isinstance(value, str):
            shown = node.label if isinstance(node, _LABELLED) else None
            return value if shown is None else f"{value}: {shown}"
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
            QuoteUse(
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
        documents=_documents(scenarios, traces),
    )


def _documents(
    scenarios: Sequence[Scenario], traces: Sequence[ScenarioTrace]
) -> tuple[DocumentTrace, ...]:
    """The published documents the scenarios declare, each once (the same id, title and date
    is the same document), in the order declared, with the elements citing each."""
    found: dict[tuple[str, str | None, str | None], tuple[Source, list[Element]]] = {}
    for scenario in scenarios:
        for d in scenario.spec.sources:
            if not d.stored:
                found.setdefault((d.id, d.title, d.date), (d, []))
    for st in traces:
        for e in st.elements:
            if e.document is not None:
                d = e.document
                found.setdefault((d.id, d.title, d.date), (d, []))[1].append(e)
    return tuple(DocumentTrace(doc, tuple(elements)) for doc, elements in found.values())
