"""What a party can force (`model.analysis.strategy`) as a record, as text and as CSV.

Two reports: the bounds of one coalition with its strategies in words and a sample run under
one of them (`strategy_record`), and the guarantee table of several coalitions
(`table_record`). The text and the CSV are rendered from the records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from model.base.textfmt import format_percent
from model.reports.header import header, header_lines
from model.reports.tables import csv_text, days_cell, table
from model.reports.text import fmt_value, wrap
from model.scenario.compiled import Scenario
from model.scenario.labels import label_in, shown
from model.scenario.provenance import provenance_record, provenance_texts

if TYPE_CHECKING:
    from model.analysis.exact import ExactResult
    from model.analysis.game import Game, Policy
    from model.analysis.strategy import Bound, Guarantees
    from model.analysis.strategy_rules import Rule

METHODS = {
    "fraction": "exact rational arithmetic",
    "float": "floating point, exact but for rounding",
    "float+value-iteration": "floating point; cyclic parts of the game by value iteration to 1e-12",
}

SAME_CLOCK_NOTE = (
    "clock abstracted (no horizon): expected days come from the steps' durations, as in "
    "--exact, and cover unlimited time"
)


def _number(x: Fraction | float) -> dict[str, Any]:
    out: dict[str, Any] = {"probability": float(x)}
    if isinstance(x, Fraction):
        out["fraction"] = str(x)
    return out


def who(coalition: Sequence[str]) -> str:
    return " + ".join(coalition)


def rule_record(scenario: Scenario, r: Rule) -> dict[str, Any]:
    """One rule of a strategy, with the source of the event it takes."""
    item: dict[str, Any] = {
        "state": r.state,
        **scenario.labels.fields(state=("state", r.state)),
        "when": dict(r.when),
        "varying": list(r.varying),
        "days": [r.first_day, r.last_day],
        "snapshots": r.snapshots,
    }
    if r.transition is None:
        item["choice"] = None
        item["choice_text"] = "let the others act"
    else:
        t = scenario.transition(r.transition)
        item["choice"] = t.name
        item["choice_text"] = f"{t.actor}: {scenario.labels.event(t.trigger)}"
        item.update(provenance_record(t.spec, scenario.spec.sources))
    return item


def policy_record(game: Game, policy: Policy) -> list[dict[str, Any]]:
    """The full strategy: the coalition's choice at every snapshot where it has one."""
    from model.analysis.strategy_rules import coalition_pick, reached

    graph = game.graph
    names = graph.scenario.variable_names
    seen = set(reached(game, policy))
    out = []
    for i in sorted(game.choices):
        pick = coalition_pick(game, i, policy)
        if pick == -1:
            continue
        key = graph.node_keys[i]
        out.append(
            {
                "snapshot": i,
                "state": graph.states[key[0]],
                "day": key[2],
                "values": dict(zip(names, key[1])),
                "choice": None if pick is None else graph.scenario.transition(pick).name,
                "reached": i in seen,
            }
        )
    return out


def bound_record(
    g: Guarantees, b: Bound, result: ExactResult | None, *, full_policy: bool
) -> dict[str, Any]:
    from model.analysis.strategy_rules import first_move, rules

    scenario = g.game.scenario
    found = rules(g.game, b.policy)
    first = first_move(g.game, b.policy)
    item: dict[str, Any] = _number(b.probability)
    if result is not None:
        ending = result.ending(b.outcome)
        item["under_strategy"] = _number(ending.probability)
        days = ending.expected_days
        item["expected_days"] = None if days is None else float(days)
    item["first_move"] = None if first is None else rule_record(scenario, first)
    item["rules"] = [rule_record(scenario, r) for r in found]
    if full_policy:
        item["policy"] = policy_record(g.game, b.policy)
    return item


def guarantees_summary(g: Guarantees) -> dict[str, Any]:
    out: dict[str, Any] = {
        "coalition": list(g.coalition),
        "adversarial": g.adversarial,
        "method": g.method,
        "states": g.states,
        "choice_points": g.choice_points,
    }
    if g.clock_cap is not None:
        out["clock_kept_exactly_to_day"] = g.clock_cap
    return out


def strategy_record(
    scenario: Scenario,
    g: Guarantees,
    weights: ExactResult,
    results: Mapping[tuple[str, Any], ExactResult],
    sample: dict[str, Any] | None,
    *,
    full_policy: bool = False,
) -> dict[str, Any]:
    """The bounds of one coalition: per outcome the least and greatest probability, the
    expected days under each strategy, the strategies as rules, and the qualitative
    answers; the probability under the weights beside them; a sample run."""
    outcomes = []
    for o in g.outcomes:
        outcomes.append(
            {
                "outcome": o.outcome,
                "weights": _number(weights.ending(o.outcome).probability),
                "least": bound_record(
                    g, o.least, results.get((o.outcome, "least")), full_policy=full_policy
                ),
                "greatest": bound_record(
                    g, o.greatest, results.get((o.outcome, "greatest")), full_policy=full_policy
                ),
                "surely": o.surely,
                "almost_surely": o.almost_surely,
                "unavoidable": o.unavoidable,
                "avoidable": o.avoidable,
            }
        )
    record = {
        **header(scenario, dict(g.params)),
        "strategy": guarantees_summary(g),
        "outcomes": outcomes,
    }
    if sample is not None:
        record["sample_run"] = sample
    return record


def _answer(o: Mapping[str, Any], adversarial: bool) -> str:
    if o["surely"]:
        return "surely"
    if o["almost_surely"]:
        return "almost surely"
    if o["unavoidable"]:
        return "cannot avoid"
    if o["avoidable"] and o["greatest"]["probability"] == 0 and not adversarial:
        return "never happens"
    return "—"


def _detail(record: Mapping[str, Any]) -> str:
    s = record["strategy"]
    who_ = who(s["coalition"])
    others = "the other parties against it" if s["adversarial"] else "the others by their weights"
    return (
        f"what {who_} can force ({others}): {s['states']:,} states, {s['choice_points']:,} "
        f"with a choice ({METHODS[s['method']]})"
    )


def _rule_lines(r: Mapping[str, Any], indent: str) -> list[str]:
    when = ", ".join(f"{k}={fmt_value(v)}" for k, v in r["when"].items())
    days = r["days"]
    span = f"day {days[0]}" if days[0] == days[1] else f"days {days[0]}–{days[1]}"
    head = (
        f"in {shown(r, 'state')} ({span}, {r['snapshots']:,} snapshot{'s' * (r['snapshots'] != 1)})"
    )
    lines = wrap(f"{head}{': when ' + when if when else ''} → {r['choice_text']}", indent, 4)
    lines += [line for text in provenance_texts(r) for line in wrap(text, indent + "    ", 2)]
    return lines


def format_strategy(record: dict[str, Any]) -> str:
    out = header_lines(record, _detail(record))
    adversarial = record["strategy"]["adversarial"]
    low, high = ("can hold it to", "can ensure") if adversarial else ("least", "greatest")
    rows = []
    for o in record["outcomes"]:
        rows.append(
            [
                label_in(record, "outcome", o["outcome"]),
                format_percent(o["least"]["probability"]),
                format_percent(o["greatest"]["probability"]),
                format_percent(o["weights"]["probability"]),
                days_cell(o["least"].get("expected_days")),
                days_cell(o["greatest"].get("expected_days")),
                _answer(o, adversarial),
            ]
        )
    head = ["outcome", low, high, "by weights", "days (least)", "days (greatest)", "forced"]
    out += table(head, rows)
    out.append("")
    out += wrap(
        "days: expected day of the outcome, given that it happens, under the strategy that "
        "achieves the bound; forced: surely (every run), almost surely (probability 1), "
        "cannot avoid (probability 1 whatever the party does)",
        "",
        2,
    )
    if "clock_kept_exactly_to_day" in record["strategy"]:
        out.append(SAME_CLOCK_NOTE)
    for o in record["outcomes"]:
        for sense in ("greatest", "least"):
            b = o[sense]
            out.append("")
            outcome = label_in(record, "outcome", o["outcome"])
            out.append(f"to make {outcome} {format_percent(b['probability'])} ({sense}):")
            if b["first_move"] is None:
                out.append("  no choice is ever reached")
                continue
            out.append("  first move:")
            out += _rule_lines(b["first_move"], "    ")
            out.append(f"  rules ({len(b['rules'])}):")
            for r in b["rules"]:
                out += _rule_lines(r, "    ")
    text = "\n".join(out) + "\n"
    if "sample_run" in record:
        from model.reports.run import format_text

        s = record["sample_run"]
        text += f"\nsample run under the strategy for the {s['bound']}:\n\n"
        text += format_text(s["run"])
    return text


def strategy_csv(record: dict[str, Any]) -> str:
    columns = ["coalition", "adversarial", "outcome", "least", "greatest", "weights"]
    columns += ["least_days", "greatest_days", "surely", "almost_surely", "unavoidable"]
    columns += ["least_fraction", "greatest_fraction"]
    s = record["strategy"]
    rows = [
        [
            who(s["coalition"]),
            s["adversarial"],
            o["outcome"],
            o["least"]["probability"],
            o["greatest"]["probability"],
            o["weights"]["probability"],
            o["least"].get("expected_days"),
            o["greatest"].get("expected_days"),
            o["surely"],
            o["almost_surely"],
            o["unavoidable"],
            o["least"].get("fraction"),
            o["greatest"].get("fraction"),
        ]
        for o in record["outcomes"]
    ]
    return csv_text(columns, rows)


# -- the guarantee table --------------------------------------------------------------------


def table_record(
    scenario: Scenario, rows: Sequence[Guarantees], weights: ExactResult
) -> dict[str, Any]:
    """Coalitions × outcomes: [least, greatest] in each cell."""
    if not rows:
        raise ValueError("a table needs at least one coalition")
    first = rows[0]
    return {
        **header(scenario, dict(first.params)),
        "table": {
            "adversarial": first.adversarial,
            "states": first.states,
            "methods": sorted({g.method for g in rows}),
            "outcomes": [o.outcome for o in first.outcomes],
            "weights": {
                o.outcome: _number(weights.ending(o.outcome).probability) for o in first.outcomes
            },
        },
        "rows": [
            {
                "coalition": list(g.coalition),
                "choice_points": g.choice_points,
                "cells": {
                    o.outcome: {
                        "least": _number(o.least.probability),
                        "greatest": _number(o.greatest.probability),
                        "surely": o.surely,
                        "almost_surely": o.almost_surely,
                        "unavoidable": o.unavoidable,
                    }
                    for o in g.outcomes
                },
            }
            for g in rows
        ],
    }


def cell_text(cell: Mapping[str, Any], adversarial: bool = False) -> str:
    """``least–greatest`` (one figure when they are equal); against the others, what the
    party can hold the outcome down to and push it up to: ``≤least ≥greatest``."""
    low, high = (
        format_percent(cell["least"]["probability"]),
        format_percent(cell["greatest"]["probability"]),
    )
    if low == high:
        return low
    return f"≤{low} ≥{high}" if adversarial else f"{low}–{high}"


def format_table(record: dict[str, Any]) -> str:
    t = record["table"]
    methods = ", ".join(METHODS[m] for m in t["methods"])
    against = "the others against it" if t["adversarial"] else "everyone else by their weights"
    out = header_lines(
        record, f"what each party can force ({against}): {t['states']:,} states ({methods})"
    )
    head = ["party", *(label_in(record, "outcome", o) for o in t["outcomes"])]
    rows = [
        [
            "(by the weights)",
            *(format_percent(t["weights"][o]["probability"]) for o in t["outcomes"]),
        ]
    ]
    for r in record["rows"]:
        cells = (cell_text(r["cells"][o], t["adversarial"]) for o in t["outcomes"])
        rows.append([who(r["coalition"]), *cells])
    out += table(head, rows)
    out.append("")
    out += wrap(
        "each cell: the least and the greatest probability of the outcome that the party "
        "(coalition) can ensure by choosing its own decisions"
        + (
            ", whatever the other parties choose: ≤ how low it can hold the outcome, ≥ how "
            "high it can push it"
            if t["adversarial"]
            else ", everything else happening by its weights and chances"
        ),
        "",
        2,
    )
    return "\n".join(out) + "\n"


def table_csv(record: dict[str, Any]) -> str:
    columns = ["coalition", "outcome", "least", "greatest", "surely", "almost_surely"]
    columns += ["unavoidable", "least_fraction", "greatest_fraction"]
    rows = [
        [
            who(r["coalition"]),
            o,
            c["least"]["probability"],
            c["greatest"]["probability"],
            c["surely"],
            c["almost_surely"],
            c["unavoidable"],
            c["least"].get("fraction"),
            c["greatest"].get("fraction"),
        ]
        for r in record["rows"]
        for o, c in r["cells"].items()
    ]
    return csv_text(columns, rows)


__all__ = [
    "format_strategy",
    "format_table",
    "strategy_csv",
    "strategy_record",
    "table_csv",
    "table_record",
]


def sample_run_record(g: Guarantees, b: Bound, seed: int | None, max_steps: int) -> dict[str, Any]:
    """A random run under the strategy of bound ``b``, as `model.reports.run.format_text`
    prints a run (the record of `model.reports.run.run_record`)."""
    from model.analysis.strategy_rules import sample_path
    from model.semantics.records import stage_name, step_record

    game = g.game
    graph, c = game.graph, game.chain
    scenario = graph.scenario
    path, error = sample_path(game, b.policy, seed, max_steps)
    first = graph.snapshot(0)
    steps = []
    node = 0
    for number, k in enumerate(path, 1):
        t = scenario.transition(int(c.label[k]))
        before, node = graph.snapshot(node), int(c.target[k])
        steps.append(
            step_record(scenario, number, t, before, graph.snapshot(node), params=graph.params)
        )
    last = graph.snapshot(node)
    outcome = scenario.outcome_of(last.state)
    if error is not None:
        status = "error"
    elif outcome is not None:
        status = "outcome"
    elif len(path) >= max_steps:
        status = "max_steps"
    else:
        status = "horizon" if int(c.ending[node]) == len(c.keys) - 1 else "stuck"
    run = {
        **header(scenario, dict(g.params)),
        "seed": seed,
        "max_steps": max_steps,
        "start": {
            "state": first.state,
            "stage": stage_name(scenario, first.state),
            "day": first.day,
            "values": dict(zip(scenario.variable_names, first.values)),
            **scenario.labels.fields(state=("state", first.state)),
        },
        "steps": steps,
        "end": {
            "status": status,
            "state": last.state,
            "outcome": outcome,
            "day": last.day,
            "steps": len(steps),
            "values": dict(zip(scenario.variable_names, last.values)),
            "error": "a step that breaks a rule of the scenario" if error else None,
            **scenario.labels.fields(state=("state", last.state), outcome=("outcome", outcome)),
        },
    }
    outcome_shown = scenario.labels.outcome(b.outcome)
    return {"bound": f"{b.sense} probability of {outcome_shown}", "run": run}


def _up(cell: Mapping[str, Any]) -> str:
    x = cell["greatest"]["probability"]
    if cell["almost_surely"]:
        return "make it certain"
    if x >= 0.9999:
        return f"make it all but certain ({format_percent(x)})"
    return f"push it up to {format_percent(x)}"


def _down(cell: Mapping[str, Any]) -> str:
    x = cell["least"]["probability"]
    if x == 0:
        return "rule it out"
    if x <= 0.0001:
        return f"all but rule it out ({format_percent(x)})"
    return f"hold it down to {format_percent(x)}"


def guarantee_paragraph(
    record: dict[str, Any], code: Callable[[str], str] = lambda name: f"`{name}`"
) -> str:
    """One paragraph that reads the guarantee table (`table_record`) aloud: for each outcome,
    how far each party alone can push it up and hold it down, beside its probability under
    the weights. ``code`` marks a party's or an outcome's id."""
    t = record["table"]
    alone = [r for r in record["rows"] if len(r["coalition"]) == 1]
    acting = [r for r in alone if any(_moves(c) for c in r["cells"].values())]
    idle = [r["coalition"][0] for r in alone if r not in acting]
    if not t["outcomes"] or not alone:
        return ""
    against = (
        "whatever the other parties choose"
        if t["adversarial"]
        else "everything else happening by its weights and chances"
    )
    text = f"When one party alone chooses its own decisions ({against}): "
    sentences = []
    for o in t["outcomes"]:
        weights = format_percent(t["weights"][o]["probability"])
        each = [
            f"{code(r['coalition'][0])} can {_up(r['cells'][o])} or {_down(r['cells'][o])}"
            for r in acting
        ]
        sentences.append(
            f"{code(o)} ({weights} by the weights): "
            + ("; ".join(each) if each else "no party chooses")
        )
    text += ". ".join(sentences) + "."
    if idle:
        text += f" {', '.join(code(p) for p in idle)} cannot change any outcome alone."
    return text


def _moves(cell: Mapping[str, Any]) -> bool:
    return bool(
        format_percent(cell["least"]["probability"])
        != format_percent(cell["greatest"]["probability"])
    )
