"""The scenario and its parameters as the what-if reports show them.

`header` is the part of every analysis record (exact, Monte Carlo, sweep) that says what was
analysed, `header_lines` its text, and `format_parameters` the ``--list-parameters`` listing.
"""

from __future__ import annotations

from typing import Any

from model.reports.text import fmt_value
from model.scenario.compiled import ParamValue, Scenario
from model.scenario.labels import with_labels
from model.scenario.provenance import provenance_record, provenance_texts


def header(scenario: Scenario, params: dict[str, ParamValue]) -> dict[str, Any]:
    """The scenario, the parameter values, which differ from the defaults, and the variants."""
    defaults = {p.id: p.default for p in scenario.spec.parameters}
    record = {
        "scenario": {"id": scenario.id, "title": scenario.spec.title, "file": scenario.file},
        "parameters": dict(params),
        "changed_parameters": sorted(k for k, v in params.items() if defaults.get(k) != v),
        "variants": scenario.variant_labels(params),
        "other_variants": scenario.other_variants(params),
    }
    return with_labels(record, scenario.labels)


def header_lines(record: dict[str, Any], detail: str) -> list[str]:
    """The title, the file with ``detail`` (what the analysis did), the changed parameters,
    the variants, and an empty line."""
    sc = record["scenario"]
    changed = record["changed_parameters"]
    shown = ", ".join(f"{k}={fmt_value(record['parameters'][k])}" for k in changed)
    return [
        sc["title"],
        f"scenario {sc['file']} · {detail}",
        f"parameters: {shown or 'defaults'} (--list-parameters shows all)",
        *(f"variant: {label}" for label in record["variants"]),
        *(f"other account: {label}" for label in record["other_variants"]),
        "",
    ]


def format_parameters(scenario: Scenario, params: dict[str, ParamValue]) -> str:
    """The scenario's parameters with their values (no run: a start that breaks a rule does
    not keep them from being listed)."""
    lines = [f"parameters of {scenario.id} (override with --set NAME=VALUE):"]
    for p in scenario.spec.parameters:
        bounds = (
            ""
            if p.type == "bool"
            else f" [{p.min if p.min is not None else ''}..{p.max if p.max is not None else ''}]"
        )
        shown = fmt_value(params[p.id])
        about = p.description or ""
        if scenario.labels.has("parameter", p.id):  # the id stays first: it is what --set takes
            about = f"{scenario.labels.parameter(p.id)}: {about}".removesuffix(": ")
        lines.append(f"  {p.id} = {shown}{bounds}  {about}".rstrip())
        record = provenance_record(p, scenario.spec.sources)
        lines.extend(f"      {text}" for text in provenance_texts(record))
    return "\n".join(lines) + "\n"
