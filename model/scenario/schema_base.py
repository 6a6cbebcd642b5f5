"""The pieces every part of the scenario format shares: names, texts and expressions, and
provenance: where each element comes from (a quote from a stored source, a citation of a
published document, an assumption) and the sources those name.

`model.scenario.schema` builds the format's elements from these; like it, this module only
describes shape (the loader checks quotes against the stored texts).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    model_validator,
)

Ident = Annotated[
    StrictStr,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64),
    Field(description="A name: lower case letters, digits and '_', starting with a letter."),
]
ExprText = Annotated[
    StrictStr | StrictBool | StrictInt,
    Field(description="An expression (see docs/format.md): e.g. 'held_in_gaza > 0', 3, true."),
]
Text = Annotated[StrictStr, StringConstraints(min_length=1, max_length=4000)]
Label = Annotated[
    StrictStr,
    StringConstraints(min_length=1, max_length=48, pattern=r"^[^\n\r\t]*\S[^\n\r\t]*$"),
    Field(
        description="A short display name for pictures, reports and pages (one line, at most "
        "48 characters); the id is shown when it is absent."
    ),
]


class FrozenModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Quote(FrozenModel):
    """Verbatim words from a source file, and who said them where the source says so."""

    text: Annotated[StrictStr, StringConstraints(min_length=8, max_length=2000)] = Field(
        description="Verbatim from the source, typographic quotes and apostrophes included."
    )
    said_by: Text | None = Field(
        None, description="Who the source says said it, in the source's words."
    )
    source: Ident | None = Field(
        None, description="Id of the source file; may be left out when there is only one."
    )


class Citation(FrozenModel):
    """A section of a published document that the project does not store: shown as cited,
    never as verified, because there is no text to check the words against."""

    source: Ident | None = Field(
        None,
        description="Id of a cited (not stored) source; may be left out when the scenario "
        "declares exactly one.",
    )
    section: Annotated[StrictStr, StringConstraints(min_length=1, max_length=200)] = Field(
        description="The section, article, point or paragraph cited, e.g. 'point 2'; one of "
        "the source's `sections` when it lists them."
    )
    words: Annotated[StrictStr, StringConstraints(min_length=1, max_length=2000)] | None = Field(
        None,
        description="The document's own words as published, where the modeller is sure of "
        "them (shown in quotes and marked as not verified).",
    )


class SourcedModel(FrozenModel):
    """Every modelled element says where it comes from: a quote from a stored source, a
    citation of a published document, an assumption, or several of these."""

    quote: Quote | None = None
    citation: Citation | None = None
    assumption: Text | None = Field(
        None, description="Why the modeller chose this, where the source does not say it."
    )

    @model_validator(mode="after")
    def _has_provenance(self) -> SourcedModel:
        if self.quote is None and self.citation is None and self.assumption is None:
            raise ValueError(
                "needs a 'quote' from a stored source, a 'citation' of a published document "
                "or an 'assumption'"
            )
        return self


DocumentDate = Annotated[
    StrictStr,
    StringConstraints(pattern=r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"),
    Field(description="YYYY, YYYY-MM or YYYY-MM-DD."),
]
Url = Annotated[
    StrictStr,
    StringConstraints(pattern=r"^https?://\S+$", max_length=2000),
    Field(description="An http(s) address."),
]
SectionLabel = Annotated[StrictStr, StringConstraints(min_length=1, max_length=200)]


class Source(FrozenModel):
    """A stored text (``file``: quotes are checked against it word for word) or a published
    document that is not stored (``title``, ``issued_by``, ``date``: it can only be cited)."""

    id: Ident
    file: Text | None = Field(
        None,
        description="Path of a stored text, relative to the scenario file, inside the project "
        "or beside the scenario. Without it the source is a published document, cited only.",
    )
    title: Text | None = None
    issued_by: Text | None = Field(
        None, description="The publisher or issuing body of a cited document."
    )
    date: DocumentDate | None = Field(None, description="The cited document's date.")
    url: Url | None = Field(None, description="Where the cited document is published.")
    published_in: Text | None = Field(
        None, description="Where the document appeared, e.g. an annex of a resolution."
    )
    sections: tuple[SectionLabel, ...] = Field(
        (),
        description="A cited document's sections (points, articles, paragraphs) by label: "
        "citations must name one, and `model.trace` reports those no element cites.",
    )

    @model_validator(mode="after")
    def _stored_or_cited(self) -> Source:
        if self.file is None:
            missing = [f for f in ("title", "issued_by", "date") if getattr(self, f) is None]
            if missing:
                raise ValueError(
                    "a source without 'file' is a published document and needs "
                    + ", ".join(repr(m) for m in missing)
                )
        elif self.sections:
            raise ValueError("'sections' belong to a cited document (a source without 'file')")
        if len(set(self.sections)) != len(self.sections):
            raise ValueError("'sections' lists a label twice")
        return self

    @property
    def stored(self) -> bool:
        """True for a stored text whose quotes are checked."""
        return self.file is not None
