"""The loader's checks of provenance: stored sources read from inside the project, every quote
found word for word in its stored text, every citation naming a published document (and one
of its listed sections). Errors are reported through the loader's ``fail``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from model.base.confine import FileRefused, inside_root
from model.base.errors import clip
from model.base.hints import Hints
from model.base.limits import MAX_PASSAGE_SEARCHES, MAX_QUOTE_LENGTH
from model.scenario.provenance import SourceText, normalise
from model.scenario.schema import ScenarioSpec
from model.scenario.schema_base import Citation, Quote
from model.scenario.yamlsource import Path_


class SourceChecks:
    """Reads a scenario's stored sources and checks its quotes and citations."""

    def __init__(
        self,
        spec: ScenarioSpec,
        base_dir: Path,
        root: Path,
        fail: Callable[[Path_, str], None],
        hints: Hints,
    ) -> None:
        self.spec, self.base_dir, self.root, self.fail, self.hints = (
            spec,
            base_dir,
            root,
            fail,
            hints,
        )
        self.passage_searches = 0  # closest-passage hints given so far (MAX_PASSAGE_SEARCHES)

    def run(self) -> dict[str, SourceText]:
        """The stored texts by id, after checking every quote and citation against them."""
        sources = self._sources()
        self._provenance(sources)
        return sources

    def _sources(self) -> dict[str, SourceText]:
        """The stored texts, read; a cited document has no file to read."""
        out: dict[str, SourceText] = {}
        for i, src in enumerate(self.spec.sources):
            if src.file is None:
                continue
            try:
                path = inside_root(src.file, self.base_dir, self.root)
                out[src.id] = SourceText.read(src.id, path)
            except FileRefused as exc:
                self.fail(("sources", i, "file"), exc.describe(f"source file {src.file!r}"))
        return out

    def _provenance(self, sources: Mapping[str, SourceText]) -> None:
        for path, node in _provenance_nodes(self.spec, ()):
            if isinstance(node, Quote):
                self._check_quote(path, node, sources)
            else:
                self._check_citation(path, node)

    def _source_of(self, path: Path_, named: str | None, stored: bool) -> str | None:
        """The id of the source a quote (stored) or citation (not stored) refers to."""
        kind = "stored text" if stored else "cited document"
        declared = [s.id for s in self.spec.sources if s.stored == stored]
        if named is None:
            if len(declared) == 1:
                return declared[0]
            todo = f"name one of: {', '.join(declared)}" if declared else "declare it in 'sources'"
            self.fail((*path, "source"), f"this scenario has {len(declared)} {kind}s; {todo}")
            return None
        if named in declared:
            return named
        if any(s.id == named for s in self.spec.sources):
            self.fail(
                (*path, "source"),
                f"{named!r} is a stored text: quote it word for word with 'quote'"
                if not stored
                else f"{named!r} is a published document that is not stored: cite it with "
                "'citation' (section and, optionally, its words)",
            )
        else:
            self.fail((*path, "source"), self.hints.unknown(kind, named, declared))
        return None

    def _check_citation(self, path: Path_, citation: Citation) -> None:
        source_id = self._source_of(path, citation.source, stored=False)
        if source_id is None:
            return
        source = next(s for s in self.spec.sources if s.id == source_id)
        if source.sections and citation.section not in source.sections:
            self.fail(
                (*path, "section"),
                f"{source_id!r} lists no section {citation.section!r}"
                f"{self.hints(citation.section, source.sections)}",
            )

    def _check_quote(self, path: Path_, quote: Quote, sources: Mapping[str, SourceText]) -> None:
        source_id = self._source_of(path, quote.source, stored=True)
        if source_id is None:
            return
        text = sources.get(source_id)
        if text is None:
            return  # already reported: the file could not be read
        if len(quote.text) > MAX_QUOTE_LENGTH:
            self.fail(
                (*path, "text"),
                f"the quote is {len(quote.text):,} characters long; the limit is "
                f"{MAX_QUOTE_LENGTH:,} (MAX_QUOTE_LENGTH): quote the sentence or two that "
                "support this element",
            )
        elif not text.contains(quote.text):
            self.passage_searches += 1
            explanation = (
                text.explain_missing(quote.text)
                if self.passage_searches <= MAX_PASSAGE_SEARCHES
                else f"no closest passage shown after the first {MAX_PASSAGE_SEARCHES} "
                "(MAX_PASSAGE_SEARCHES); fix those first"
            )
            self.fail(
                (*path, "text"),
                f"quote not found in {text.path.name}: {clip(normalise(quote.text), 80)}; "
                + explanation,
            )
        if quote.said_by is not None and not text.mentions(quote.said_by):
            self.fail(
                (*path, "said_by"),
                f"speaker {quote.said_by!r} is not named in {text.path.name}; "
                "use the source's own words",
            )


def _provenance_nodes(node: Any, path: Path_) -> Iterable[tuple[Path_, Quote | Citation]]:
    """Every quote and citation in the scenario with its path."""
    if isinstance(node, Quote | Citation):
        yield path, node
        return
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _provenance_nodes(getattr(node, name), (*path, name))
    elif isinstance(node, tuple):
        for i, item in enumerate(node):
            yield from _provenance_nodes(item, (*path, i))
