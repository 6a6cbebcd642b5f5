"""Answers to probabilistic questions (`model.analysis.queries`) as a JSON-ready record and
as text: each question's exact answer beside its Monte Carlo estimate and interval, and each
likeliest run as a trace with the sources of its steps (as ``simulate`` prints a run).

The text is rendered from the record, so both hold the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from model.base.textfmt import format_percent, visible
from model.reports.header import header, header_lines
from model.reports.run import run_record, trace_lines
from model.reports.tables import days_cell
from model.reports.text import wrap
from model.scenario.compiled import ParamValue, Scenario
from model.scenario.provenance import provenance_record, provenance_texts

if TYPE_CHECKING:
    from model.analysis.queries import ExactAnswer, QueryResult, SampleAnswer
    from model.scenario.queries import Query
    from model.scenario.schema import QuerySpec

MAX_FRACTION = 60
"""Longest fraction printed in the text (longer ones are in the JSON record)."""


def query_record(
    scenario: Scenario,
    params: dict[str, ParamValue],
    result: QueryResult,
    specs: Sequence[QuerySpec | None] = (),
) -> dict[str, Any]:
    """The questions and their answers as JSON-ready data; ``specs``: for each question
    from the scenario file (by position), its entry there (id, provenance)."""
    from model.analysis.queries import replay

    method = None
    if result.exact is not None:
        method = f"rational arithmetic over {result.states:,} snapshots (no rounding)"
    answers = []
    for k, q in enumerate(result.queries):
        item: dict[str, Any] = {
            "question": q.label,
            "kind": q.kind,
            "target": q.target,
            "given": q.given,
            "last_day": q.last_day,
            "within": q.within,
        }
        spec = specs[k] if k < len(specs) else None
        if spec is not None:
            item["id"] = spec.id
            item.update(provenance_record(spec, scenario.spec.sources))
        exact = None if result.exact is None else result.exact[k]
        item["exact"] = _exact(exact, result.exact_note)
        if result.runs:
            item["monte_carlo"] = _sample(result.samples[k])
            item["inside_interval"] = _inside(q, item["exact"], item["monte_carlo"])
        if exact is not None and exact.path:
            run = replay(scenario, params, exact.path)
            item["run"] = run_record(run, seed=None, max_steps=len(exact.path), status=run.status)
        answers.append(item)
    return {
        **header(scenario, params),
        "method": method,
        "exact_note": result.exact_note,
        "clock_kept_exactly_to_day": result.clock_cap,
        "runs": result.runs,
        "seed": result.seed,
        "max_steps": result.max_steps,
        "seeds": "run i uses model.analysis.montecarlo.run_seed(seed, i)",
        "queries": answers,
    }


def _exact(answer: ExactAnswer | None, note: str | None) -> dict[str, Any]:
    if answer is None:
        return {"value": None, "note": note}
    value = answer.value
    out: dict[str, Any] = {"value": None if value is None else float(value), "note": answer.note}
    if isinstance(value, Fraction):
        out["fraction"] = str(value)
    if answer.given is not None:
        out["given_probability"] = float(answer.given)
        out["given_fraction"] = str(answer.given)
    return out


def _sample(s: SampleAnswer) -> dict[str, Any]:
    return {
        "value": s.value,
        "low": s.low,
        "high": s.high,
        "count": s.count,
        "counted_runs": s.n,
        "runs": s.runs,
    }


def _inside(q: Query, exact: dict[str, Any], mc: dict[str, Any]) -> bool | None:
    """Whether the exact value lies in the Monte Carlo interval (None: nothing to compare)."""
    value = exact["value"]
    if value is None or mc["low"] is None:
        return None
    return bool(mc["low"] - 1e-12 <= value <= mc["high"] + 1e-12)


def format_queries(record: dict[str, Any]) -> str:
    """The answers as text, one block per question."""
    detail = "questions"
    if record["runs"]:
        detail += f" · {record['runs']:,} runs · seed {record['seed']}"
    out = header_lines(record, detail)
    if record["method"]:
        out.append(f"exact answers: {record['method']}")
    else:
        out.append(f"exact: {record['exact_note']}")
    if record["clock_kept_exactly_to_day"] is not None:
        out.append(
            "clock abstracted (no horizon): days are kept exactly up to day "
            f"{record['clock_kept_exactly_to_day']:,}; a question about a later day is "
            "answered by Monte Carlo only"
        )
    for item in record["queries"]:
        out.append("")
        out += _block(item)
    return visible("\n".join(out)) + "\n"


def _block(item: dict[str, Any]) -> list[str]:
    days = item["kind"] == "days"
    show = days_cell if days else format_percent
    unit = " days" if days else ""
    out = [f"{item['id']}: {item['question']}" if "id" in item else item["question"]]
    out += [line for text in provenance_texts(item) for line in wrap(text, "  ", 2)]
    ex = item["exact"]
    if ex["value"] is not None:
        line = f"  exact        {show(ex['value'])}{unit}"
        fraction = ex.get("fraction")
        if fraction is not None and "/" in fraction and len(fraction) <= MAX_FRACTION:
            line += f"  (= {fraction})"
        out.append(line)
    else:
        out.append(f"  exact        — ({ex['note']})")
    if ex.get("given_probability") is not None:
        out.append(f"               {item['given']} is reached in {show_p(ex)} of runs")
    mc = item.get("monte_carlo")
    if mc is not None:
        if mc["value"] is None:
            out.append(f"  Monte Carlo  — (none of {mc['runs']:,} runs counts)")
        else:
            interval = f"[{show(mc['low'])}–{show(mc['high'])}]"
            mark = {True: " ✓", False: " ✗", None: ""}[item["inside_interval"]]
            out.append(
                f"  Monte Carlo  {show(mc['value'])}{unit}  {interval}{mark}  {_counted(item)}"
            )
    if "run" in item:
        out.append("  the run, step by step:")
        out += ["    " + line if line else "" for line in trace_lines(item["run"])]
    return out


def show_p(ex: dict[str, Any]) -> str:
    return format_percent(ex["given_probability"])


def _counted(item: dict[str, Any]) -> str:
    mc = item["monte_carlo"]
    if item["kind"] == "run":
        return f"({mc['count']:,} of {mc['runs']:,} runs took exactly these steps)"
    if item["kind"] == "days":
        return f"(mean of {mc['counted_runs']:,} runs; 95% interval)"
    of = f"{mc['counted_runs']:,} runs reaching {item['given']}" if item["given"] else "runs"
    if not item["given"]:
        of = f"{mc['runs']:,} runs"
    return f"({mc['count']:,} of {of})"


__all__ = ["format_queries", "query_record"]
