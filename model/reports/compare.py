"""A comparison (`model.analysis.compare`) as JSON-ready data and as readable text.

The text is rendered from the record, so both always say the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from model.analysis.compare import Comparison, Exploration, ShortestPath, Side
from model.analysis.counterfactual import NEVER, UNREACHED, WhyDiff
from model.analysis.explain import Link, render
from model.reports.check import why_record
from model.reports.text import fmt_value, plural, wrap, wrap_code
from model.scenario.labels import label_in, merged, subject_in, with_labels

STATUS_TEXT: dict[str, str] = {
    "only_in_a": "only in A",
    "only_in_b": "only in B",
    "different": "in both, different",
    "same": "in both, same",
}


def _path_record(p: ShortestPath | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "steps": p.steps,
        "day": p.day,
        "earliest_day": p.earliest_day,
        "events": list(p.events),
        "events_compact": compact_events(p.events),
        "trace": list(p.trace),
    }


def _exploration_record(e: Exploration) -> dict[str, Any]:
    return {
        "complete": e.complete,
        "max_states": e.max_states,
        "states": e.states,
        "edges": e.edges,
        "refused_steps": e.refused_steps,
        "start_error": e.start_error,
        "outcomes_reached": sorted(e.outcomes),
    }


def comparison_record(c: Comparison) -> dict[str, Any]:
    """The comparison as JSON-ready data; the text output is rendered from this."""

    def side(s: Side) -> dict[str, Any]:
        record = {
            "file": s.file,
            "id": s.id,
            "title": s.title,
            "parameters": dict(s.parameters),
            "set": dict(s.overrides),
        }
        return with_labels(record, s.labels)

    a, b = side(c.a), side(c.b)
    return {
        "a": a,
        "b": b,
        "structure": {
            s.section: {
                "only_in_a": list(s.only_in_a),
                "only_in_b": list(s.only_in_b),
                "different": [
                    {"item": ch.item, "field": ch.field, "a": ch.a, "b": ch.b} for ch in s.different
                ],
            }
            for s in c.structure
        },
        "behaviour": {
            "conclusive": c.conclusive,
            "a": _exploration_record(c.exploration_a),
            "b": _exploration_record(c.exploration_b),
            "outcomes": [
                {
                    "outcome": o.outcome,
                    "status": o.status,
                    "a": _path_record(o.a),
                    "b": _path_record(o.b),
                }
                for o in c.outcomes
            ],
        },
        "differences": {
            "structure": c.structural_differences,
            "behaviour": c.behavioural_differences,
        },
        "identical": c.identical,
        **({"why": _why_record(c.why, merged(a, b))} if c.why_asked else {}),
    }


def _why_record(w: WhyDiff | None, names: dict[str, Any]) -> dict[str, Any] | None:
    if w is None:
        return None
    return {
        "requirements": [
            {**asdict(r), "params_a": dict(r.params_a), "params_b": dict(r.params_b)}
            for r in w.requirements
        ],
        "outcomes": [
            {
                "outcome": o.outcome,
                "reachable_in": o.reachable_in,
                "because": [why_record(e, names) for e in o.because],
            }
            for o in w.outcomes
        ],
    }


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return fmt_value(value)


def format_comparison_text(record: dict[str, Any]) -> str:
    """Readable text of a comparison record."""
    lines = ["Comparing two scenarios"]
    for key in ("a", "b"):
        s = record[key]
        given = ", ".join(f"{k}={fmt_value(v)}" for k, v in s["set"].items())
        lines.append(f"  {key.upper()}: {s['file']} ({s['id']})")
        lines.append(f"     {s['title']}")
        lines.append(f"     parameters: {'defaults, except ' + given if given else 'defaults'}")
    lines.append("")
    lines += _structure_lines(record["structure"])
    lines.append("")
    names = merged(record["a"], record["b"])  # the labels of both (A's first)
    lines += _behaviour_lines(record["behaviour"], names)
    lines.append("")
    if "why" in record:
        lines += _why_lines(record["why"], names)
        lines.append("")
    diff = record["differences"]
    if record["identical"]:
        summary = "no differences found"
    else:
        summary = (
            f"{plural(diff['structure'], 'difference')} in structure, "
            f"{plural(diff['behaviour'], 'difference')} in behaviour"
        )
    if not record["behaviour"]["conclusive"]:
        summary += " (behaviour not conclusive: a search was incomplete or could not start)"
    lines.append(f"Summary: {summary}")
    return "\n".join(lines) + "\n"


def _structure_lines(structure: dict[str, Any]) -> list[str]:
    lines = ["Structure (definitions after includes are merged)"]
    same = []
    for name, s in structure.items():
        if not (s["only_in_a"] or s["only_in_b"] or s["different"]):
            same.append(name)
            continue
        lines.append(f"  {name}:")
        for key in ("only_in_a", "only_in_b"):
            for item in s[key]:
                lines.append(f"    {STATUS_TEXT[key]}: {item}")
        by_item: dict[str, list[dict[str, Any]]] = {}
        for ch in s["different"]:
            by_item.setdefault(ch["item"], []).append(ch)
        for item, changes in by_item.items():
            lines.append(f"    {STATUS_TEXT['different']}: {item}")
            for ch in changes:
                lines.append(f"        {ch['field']}: A {_show(ch['a'])}; B {_show(ch['b'])}")
    if same:
        lines.append(f"  no differences in: {', '.join(same)}")
    return lines


def _search_note(e: dict[str, Any]) -> str:
    """What the reader must know about one search beyond its size ("" when nothing)."""
    notes = []
    if e["start_error"]:
        notes.append(f"could not start: {e['start_error']}")
    if not e["complete"]:
        notes.append(
            f"the search stopped at its limit of {e['max_states']:,} states, so other "
            "states and outcomes may be reachable (raise --max-states)"
        )
    if e["refused_steps"]:
        notes.append(f"{plural(e['refused_steps'], 'step')} refused by the scenario's rules")
    return "; ".join(notes)


def _behaviour_lines(behaviour: dict[str, Any], names: dict[str, Any]) -> list[str]:
    a, b = behaviour["a"], behaviour["b"]
    scope = (
        "every reachable state of both explored"
        if behaviour["conclusive"]
        else "NOT CONCLUSIVE: a search was incomplete or could not start, see below"
    )
    lines = [f"Behaviour ({scope})"]
    tag = STATUS_TEXT["same" if a["states"] == b["states"] else "different"]
    label = "reachable states" if behaviour["conclusive"] else "states found"
    lines.append(f"  {label}: A {a['states']:,}; B {b['states']:,} ({tag})")
    for key, e in (("A", a), ("B", b)):
        note = _search_note(e)
        if note:
            lines += wrap(f"{key}: {note}", "    ", 3)
    if not behaviour["outcomes"]:
        lines.append("  outcomes: none reached in either")
        return lines
    lines.append(
        "  outcomes (shortest path: fewest steps; the day it arrives; "
        "the earliest day any run arrives):"
    )
    for o in behaviour["outcomes"]:
        status = o["status"]
        outcome = label_in(names, "outcome", o["outcome"])
        if status in ("only_in_a", "only_in_b"):
            other = b if status == "only_in_a" else a
            note = (
                ""
                if other["complete"] and not other["start_error"]
                else f" (not found, but {'B' if status == 'only_in_a' else 'A'}'s search "
                "was incomplete)"
            )
            lines.append(f"    {STATUS_TEXT[status]}: {outcome}{note}")
        else:
            lines.append(f"    {STATUS_TEXT[status]}: {outcome}")
        pa, pb = o["a"], o["b"]
        if status == "same":
            lines += _path_lines("A and B", pa, names)
            continue
        for key, p in (("A", pa), ("B", pb)):
            if p is not None:
                lines += _path_lines(key, p, names)
        if status == "different":
            steps, days = pb["steps"] - pa["steps"], pb["day"] - pa["day"]
            parts = [_steps_delta(steps), _days_delta(days)]
            earliest = pb["earliest_day"] - pa["earliest_day"]
            if earliest != days:
                parts.append(f"earliest arrival {_days_delta(earliest).removeprefix('arrives ')}")
            if steps == 0 and pa["events"] != pb["events"]:
                parts.append("by other events")
            lines += wrap("B compared with A: " + ", ".join(parts), " " * 8, 4)
    return lines


def _path_lines(who: str, p: dict[str, Any], names: dict[str, Any]) -> list[str]:
    earliest = f"; earliest day {p['earliest_day']}" if p["earliest_day"] != p["day"] else ""
    head = f"{who}: {plural(p['steps'], 'step')}, day {p['day']}{earliest}"
    shown = compact_events([label_in(names, "event", e) for e in p["events"]])
    events = shown or "(the start is this outcome)"
    return wrap(f"{head}: {events}", " " * 8, 4, break_on_hyphens=False)


def _steps_delta(n: int) -> str:
    if n == 0:
        return "the same number of steps"
    return plural(abs(n), f"{'more' if n > 0 else 'fewer'} step")


def _days_delta(n: int) -> str:
    if n == 0:
        return "arrives on the same day"
    return f"arrives {plural(abs(n), 'day')} {'later' if n > 0 else 'earlier'}"


def compact_events(events: Sequence[str], longest_block: int = 4) -> str:
    """``a, (b, c) ×3, d``: runs of a repeated event, or block of events, written once."""
    parts: list[str] = []
    i = 0
    while i < len(events):
        size, reps = 1, 1
        for n in range(1, longest_block + 1):
            block = list(events[i : i + n])
            if len(block) < n:
                break
            r = 1
            while list(events[i + r * n : i + (r + 1) * n]) == block:
                r += 1
            if r > 1 and r * n > size * reps:
                size, reps = n, r
        block = list(events[i : i + size])
        if reps == 1:
            parts.append(block[0])
        else:
            shown = block[0] if size == 1 else f"({', '.join(block)})"
            parts.append(f"{shown} ×{reps}")
        i += size * reps
    return ", ".join(parts)


def _why_lines(why: dict[str, Any] | None, names: dict[str, Any]) -> list[str]:
    """``--why``: the requirements whose status changes (those reading a parameter whose
    value changes first; those merely reached on one side only counted in one line), then why
    each outcome reachable on one side only cannot be reached on the other."""
    if why is None:
        return ["Why: not shown (a search was incomplete or could not start)"]
    lines = ["Why (requirements and outcomes that change):"]
    changed = [r for r in why["requirements"] if UNREACHED not in (r["a"], r["b"])]
    reached = dict.fromkeys(
        r["transition"] for r in why["requirements"] if UNREACHED in (r["a"], r["b"])
    )
    # a changed setting first, then what is never true on one side
    changed.sort(key=lambda r: (r["params_a"] == r["params_b"], NEVER not in (r["a"], r["b"])))
    if not changed and not reached and not why["outcomes"]:
        lines.append("  no requirement and no outcome changes")
    for r in changed:
        sides = []
        for key in ("a", "b"):
            params = r[f"params_{key}"]
            given = ", ".join(f"{k} = {fmt_value(v)}" for k, v in params.items())
            shown = given and (r["params_a"] != r["params_b"] or r[key] == NEVER)
            sides.append(f"{r[key]} in {key.upper()}" + (f" ({given})" if shown else ""))
        shown = label_in(names, "transition", r["transition"])
        lines += wrap_code(
            f"{shown}: {r['owner']} `{r['text']}`: {'; '.join(sides)}",
            "  ",
            4,
        )
    if reached:
        lines += wrap(
            f"and the conditions of {plural(len(reached), 'transition')} reached on one side "
            f"only ({', '.join(label_in(names, 'transition', t) for t in reached)})",
            "  ",
            4,
        )
    seen: set[str] = set()
    for o in why["outcomes"]:
        other = "A" if o["reachable_in"] == "B" else "B"
        outcome = label_in(names, "outcome", o["outcome"])
        lines.append(f"  {outcome}: reachable in {o['reachable_in']} only")
        for e in o["because"]:
            for n, links in enumerate(e["chains"]):
                chain = tuple(Link(**link) for link in links)
                lead = f"in {other}, {e['headline']} because" if n == 0 else "and because"
                said = render(chain, e["target"], seen, lambda s: subject_in(names, s))
                lines += wrap_code(f"{lead} {said}", "    ", 2)
    return lines
