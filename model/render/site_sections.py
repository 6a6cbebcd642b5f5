"""Sections of a scenario's docs page that list the scenario's parts: its parameters, stage
lengths, schedule tables, events in time, quoted and cited elements, and what each party can
force. `site` puts them together; every piece of user text is escaped by `markdown`.

Elements are named by their labels (`Scenario.labels`), with the id beside a label wherever a
reader may need to type it (``--set``, ``--query``, ``--outcome``); an element without a label
of its own is shown by its id alone, as before labels existed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from model.base.textfmt import format_percent
from model.render.markdown import code, md
from model.scenario.compiled import DerivedEnv, ParamValue, Scenario
from model.scenario.labels import Labels
from model.scenario.provenance import UNVERIFIED, cited_document
from model.scenario.schema import ScenarioSpec


def named(labels: Labels, kind: str, ident: str, *, with_id: bool = True) -> str:
    """``ident`` as a reader sees it: its label (with the id beside it unless ``with_id`` is
    false), or the id alone when it has no label of its own."""
    if not labels.has(kind, ident):
        return code(ident)
    label = md(labels.of(kind, ident))
    return f"{label} ({code(ident)})" if with_id else label


def value_text(value: object) -> str:
    """A parameter value as typed after ``--set NAME=`` (``true``, not ``True``)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def stage_length(scenario: Scenario, stage: str, params: Mapping[str, ParamValue]) -> str:
    """A stage's length under ``params``: ``42 days`` with the expression beside it when it
    is not a plain number (``stage1_days``); as written when it depends on the run (it reads a
    variable, or cannot be evaluated)."""
    written = next(s.days for s in scenario.spec.stages if s.id == stage)
    f = scenario.stage_days.get(stage)
    if written is None or f is None:
        return "—"
    text = " ".join(str(written).split())
    try:
        value = f(DerivedEnv(dict(params), scenario))
    except (KeyError, ArithmeticError, TypeError, ValueError):
        return f"{code(text)} (depends on the run)"
    return f"{value} days" if text == str(value) else f"{value} days ({code(text)})"


def parameters_section(scenario: Scenario, shown: str) -> list[str]:
    """The parameters with their default values, ranges and meaning (none: nothing)."""
    spec, labels = scenario.spec, scenario.labels
    if not spec.parameters:
        return []
    lines = [
        "## Parameters\n",
        "The values every picture, run and figure on this page uses; another with "
        f"`--set NAME=VALUE` (`python -m model.simulate {shown} --list-parameters` gives each "
        "one's source or assumption).\n",
        "| parameter | value | range | meaning |\n|---|---|---|---|",
    ]
    for p in spec.parameters:
        if p.type == "bool":
            bounds = "true or false"
        elif p.min is None and p.max is None:
            bounds = "—"
        else:
            low = "" if p.min is None else f"{p.min}"
            high = "" if p.max is None else f"{p.max}"
            bounds = f"{low}–{high}"
        meaning = md(p.description or "")
        if p.variants:
            accounts = "; ".join(f"{value_text(v.value)}: {md(v.label)}" for v in p.variants)
            meaning = f"{meaning} Accounts differ: {accounts}.".strip()
        lines.append(
            f"| {named(labels, 'parameter', p.id)} | {value_text(p.default)} | {bounds} | "
            f"{meaning or '—'} |"
        )
    lines.append("")
    return lines


def schedule_tables(spec: Any) -> list[str]:
    """A section listing each schedule table with its rows, as a Markdown table (none when
    the scenario has no tables, so that the pages of the others are unchanged)."""
    if not spec.tables:
        return []
    lines = ["## Schedule tables\n"]
    for table in spec.tables:
        head = code(table.id)
        if table.description:
            head += f": {md(table.description).rstrip('.')}."
        if table.default:
            head += f" A key not listed reads {table.default}."
        lines.append(head + "\n")
        columns = table.columns or ("value",)
        lines.append(f"| key | {' | '.join(md(c) for c in columns)} |")
        lines.append("|---" * (len(columns) + 1) + "|")
        for key, row in table.rows.items():
            cells = [row] if isinstance(row, int) else [row.get(c, table.default) for c in columns]
            lines.append(f"| {key} | {' | '.join(str(c) for c in cells)} |")
        lines.append("")
    return lines


def timed_events(scenario: Scenario) -> list[str]:
    """The scenario's transitions that are not plain decisions (scheduled events, deadlines,
    risks, and decisions that take days), with their kind and timing as written; nothing for
    a scenario without time kinds, whose page is as before."""
    from model.scenario.expr import text_of
    from model.semantics.records import timing_label

    if all(t.kind == "decision" for t in scenario.transitions):
        return []
    labels = scenario.labels
    lines = [
        "## Events in time\n",
        "Scheduled events and deadlines happen on their day, acted by the schedule (a "
        "deadline's party is the one that bears the obligation); a risk has a chance on each "
        "day it is enabled; a decision with days is an activity. Timings are written as in "
        "the scenario: the parameters above give their values. The rules: "
        "[the semantics of time](../semantics.md).\n",
        "| transition | kind | actor | timing | from → to |\n|---|---|---|---|---|",
    ]
    for t in scenario.transitions:
        written = " ".join(text_of(t.spec.days).split())
        days = "" if written == "0" else f"takes {written} day{'' if written == '1' else 's'}"
        if t.kind == "decision" and not days:
            continue
        timing = timing_label(t) or days
        actor = code(t.actor)
        if t.kind == "deadline" and t.spec.actor:
            actor += f" (obliged: {code(t.spec.actor)})"
        kind = "activity" if t.kind == "decision" else t.kind
        event = code(t.name)
        if labels.has("event", t.spec.trigger):
            event = f"{md(labels.event(t.spec.trigger))} ({event})"
        sources = ", ".join(named(labels, "state", s, with_id=False) for s in t.sources)
        route = f"{sources} → {named(labels, 'state', t.dest, with_id=False)}"
        lines.append(f"| {event} | {kind} | {actor} | {md(timing)} | {route} |")
    lines.append("")
    return lines


@dataclass(frozen=True)
class Element:
    kind: str
    name: str
    quote: Any
    citation: Any
    assumption: str | None
    ident: str = ""
    """The id its label is found by (a transition's trigger); empty for a part without one."""


_LABEL_KINDS = {
    "state": "state",
    "transition": "event",
    "variable": "variable",
    "derived quantity": "variable",
    "parameter": "parameter",
}
"""Element kinds shown by their label; parties and stages are named in their own tables."""


def element_name(e: Element, labels: Labels) -> str:
    """An element in the lists of quotes, citations and assumptions: its label, if it has one
    of its own, then its name as a code span."""
    kind = _LABEL_KINDS.get(e.kind)
    if kind is None or not e.ident or not labels.has(kind, e.ident):
        return code(e.name)
    return f"{md(labels.of(kind, e.ident))} ({code(e.name)})"


def elements(spec: Any) -> list[Element]:
    out: list[Element] = []
    groups: list[tuple[str, Iterable[Any]]] = [
        ("party", spec.parties),
        ("stage", spec.stages),
        ("parameter", spec.parameters),
        ("variable", spec.variables),
        ("derived quantity", spec.derived),
        ("table", spec.tables),
        ("state", spec.states),
        ("transition", spec.transitions),
        ("invariant", spec.invariants),
        ("property", spec.properties),
        ("expected finding", spec.expected_findings),
    ]
    for kind, items in groups:
        for item in items:
            name = getattr(item, "id", None) or getattr(item, "trigger", None)
            ident = str(name)
            if kind == "transition":
                name = f"{item.trigger} ({', '.join(item.sources)} → {item.dest})"
            if kind == "expected finding":
                name = f"{item.kind} {item.target or ''}".strip()
                ident = ""
            out.append(Element(kind, str(name), item.quote, item.citation, item.assumption, ident))
            if kind == "parameter":
                for v in item.variants:
                    out.append(
                        Element(
                            "variant",
                            f"{item.id} = {v.value}: {v.label}",
                            v.quote,
                            v.citation,
                            v.assumption,
                        )
                    )
            if kind == "transition":
                for req in item.requires:
                    who = f" by {req.by}" if req.by else ""
                    out.append(
                        Element(
                            "requirement",
                            f"{item.trigger}: {req.holds}{who}",
                            req.quote,
                            req.citation,
                            req.assumption,
                        )
                    )
    return out


def provenance_sections(spec: ScenarioSpec, labels: Labels) -> list[str]:
    """The quoted source sentences, the cited documents and the assumptions, element by
    element."""
    found = elements(spec)
    lines = ["## Quoted source sentences\n"]
    quoted = [e for e in found if e.quote is not None]
    for e in quoted:
        who = f" — {md(e.quote.said_by)}" if e.quote.said_by else ""
        lines.append(f"- **{e.kind}** {element_name(e, labels)}: “{md(e.quote.text)}”{who}")
    if not quoted:
        lines.append("None.")
    lines.append("")
    lines += _citations(spec, found, labels)
    lines.append("## Assumptions\n")
    assumed = [e for e in found if e.assumption]
    for e in assumed:
        lines.append(f"- **{e.kind}** {element_name(e, labels)}: {md(e.assumption or '')}")
    if not assumed:
        lines.append("None.")
    lines.append("")
    return lines


def _citations(spec: ScenarioSpec, found: list[Element], labels: Labels) -> list[str]:
    """The cited (not stored) documents and the elements citing each, marked unverified."""
    cited = [s for s in spec.sources if not s.stored]
    if not cited:
        return []
    lines = ["## Cited documents\n", f"Not stored in the project: each citation is {UNVERIFIED}.\n"]
    for doc in cited:
        where = f", published in {md(doc.published_in)}" if doc.published_in else ""
        link = f" <{doc.url}>" if doc.url else ""
        lines.append(
            f"### {md(doc.title or doc.id)}\n\n{md(doc.issued_by or '')}, {doc.date}{where}."
            f"{link}\n"
        )
        for e in found:
            if e.citation is None or cited_document(e.citation, spec.sources) is not doc:
                continue
            words = f": “{md(e.citation.words)}”" if e.citation.words else ""
            lines.append(
                f"- **{e.kind}** {element_name(e, labels)}: {md(e.citation.section)}{words}"
            )
        lines.append("")
    return lines


def guarantees_section(scenario: Scenario, shown: str, graph: Any, weights: Any) -> list[str]:
    """What each party can force: the guarantee table of `python -m model.strategy` and
    the paragraph that reads it (floating point, which keeps the docs fast). ``graph`` is the
    explored graph at the default parameters, ``weights`` its exact analysis (None when the
    graph is incomplete or the start breaks a rule)."""
    from model.analysis.game import parties
    from model.analysis.strategy import guarantee_table
    from model.reports.strategy import cell_text, guarantee_paragraph, table_record

    lines = ["## What each party can force\n"]
    if weights is None or not scenario.spec.parties:
        lines.append("Not computed (the start breaks a rule, or too many states).\n")
        return lines
    rows = guarantee_table(graph, [[p] for p in parties(scenario)], method="float")
    record = table_record(scenario, rows, weights)
    outcomes = record["table"]["outcomes"]
    lines.append(
        "Each party's decisions as its choices, everything else by its weights and chances: "
        "the least and the greatest probability of each outcome the party can ensure alone "
        f"(`python -m model.strategy {shown}`; `--for PARTY` gives its strategies).\n"
    )
    # Outcomes by label in the header (a label wraps, an id in a code span does not: eight
    # outcomes overflowed the page); the paragraph below names them by id.
    header = " | ".join(named(scenario.labels, "outcome", o, with_id=False) for o in outcomes)
    lines.append(f"| party | {header} |")
    lines.append("|---|" + "---|" * len(outcomes))
    by_weights = record["table"]["weights"]
    lines.append(
        "| (by the weights) | "
        + " | ".join(format_percent(by_weights[o]["probability"]) for o in outcomes)
        + " |"
    )
    for r in record["rows"]:
        cells = " | ".join(cell_text(r["cells"][o]) for o in outcomes)
        lines.append(f"| {code(r['coalition'][0])} | {cells} |")
    lines.append("")
    lines.append(guarantee_paragraph(record, code) + "\n")  # ids, figures and fixed words
    return lines
