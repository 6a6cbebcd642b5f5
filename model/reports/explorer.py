"""The browser explorer's data document (`model.reports.explorer_schema`) for one scenario.

Built from the explored graph the checker and the exact analysis use
(`model.analysis.explore`): each snapshot with the steps out of it, as the engine's
``Run.enabled()`` lists them; for each event of the current state that cannot happen now,
why not (`model.semantics.why.why_not`, what ``Run.fire`` says), with the checker's
explanation where no run ever takes it (`model.analysis.explain`); the exact odds of every
ending from every snapshot (`model.analysis.odds`). Sources are the reports' lines
(`model.scenario.provenance.provenance_texts`), names the scenario's labels.

The size budget: a scenario of more than `MAX_SNAPSHOTS` reachable snapshots gets a page
without stepping (the note says so, with Monte Carlo figures from the start); above
`MAX_ODDS_SNAPSHOTS` the steps are embedded but not the odds per snapshot (Monte Carlo
figures from the start instead, stated on the page). Within both limits the document stays
under `BUDGET_BYTES` (`bench/explorer.py` measures the largest shipped scenario).
"""

from __future__ import annotations

from collections.abc import Hashable
from fractions import Fraction
from typing import TypeVar

from model.analysis.chain import error_steps
from model.analysis.endings import NO_OUTCOME
from model.analysis.explain import Explainer, source_of
from model.analysis.explore import StateGraph, explore
from model.analysis.odds import Odds, odds_from_every_snapshot
from model.base.textfmt import format_percent
from model.reports.explorer_schema import (
    Disabled,
    Ending,
    EventInfo,
    ExplorerData,
    Limits,
    Named,
    Probability,
    SampledOdds,
    ScenarioInfo,
    Snapshots,
    StateInfo,
    StepError,
    Steps,
)
from model.scenario import expr
from model.scenario.compiled import DAYS, CompiledTransition, Scenario
from model.scenario.provenance import provenance_record, provenance_texts
from model.semantics.records import timing_label
from model.semantics.why import Conditions, why_not

MAX_SNAPSHOTS = 100_000
"""Above this many reachable snapshots, none are embedded (the page offers no stepping)."""
MAX_ODDS_SNAPSHOTS = 50_000
"""Above this many, the exact odds per snapshot are not computed (rational arithmetic over
every snapshot takes seconds per ten thousand); Monte Carlo figures from the start instead."""
BUDGET_BYTES = 6_000_000
"""The stated budget of one document (the three-stage truce, 35,000 snapshots: under 3 MB)."""
EXACT_CHARS = 40
"""An exact fraction longer than this is left out (they reach thousands of digits)."""
SAMPLE_RUNS = 10_000
SAMPLE_SEED = 0

NO_OUTCOME_LABELS = {
    "stuck": "no outcome: no event can happen",
    "horizon": "no outcome: the horizon is reached",
    "error": "no outcome: a step breaks a rule",
    "cycling": "no outcome: runs go round for ever",
}
DAYS_PASS_SOURCE = (
    "assumption: Days pass with no event: a chance of each risk, or the wait for a scheduled day."
)

K = TypeVar("K", bound=Hashable)


def explorer_data(
    scenario: Scenario,
    shown: str,
    *,
    max_snapshots: int = MAX_SNAPSHOTS,
    max_odds_snapshots: int = MAX_ODDS_SNAPSHOTS,
    sample_runs: int = SAMPLE_RUNS,
) -> ExplorerData:
    """The explorer's document for ``scenario`` under its default parameters (``shown``:
    the scenario file as the pages name it)."""
    spec = scenario.spec
    labels = scenario.labels
    graph = explore(scenario, max_states=max_snapshots)
    whole = graph.complete and graph.initial_error is None
    odds = (
        odds_from_every_snapshot(graph)
        if whole and graph.node_count <= max_odds_snapshots
        else None
    )
    outcomes = list(dict.fromkeys(s.outcome for s in spec.states if s.outcome))
    endings = [Ending(kind="outcome", id=o, label=labels.outcome(o)) for o in outcomes]
    endings += [Ending(kind="no_outcome", id=n, label=NO_OUTCOME_LABELS[n]) for n in NO_OUTCOME]
    ending_index = {(e.kind, e.id): k for k, e in enumerate(endings)}
    stages = [Named(id=g.id, label=labels.stage(g.id)) for g in spec.stages]
    stage_index = {g.id: k for k, g in enumerate(spec.stages)}
    note = None
    if graph.initial_error is not None:
        note = f"The start breaks a rule of the scenario: {graph.initial_error}"
    elif not graph.complete:
        note = (
            f"This scenario has more than {max_snapshots:,} reachable snapshots, too many to "
            "embed in a page: step through it with `python -m model.simulate "
            f"{shown} --interactive`. The odds below are Monte Carlo figures from the start."
        )
    elif odds is None:
        note = (
            f"This scenario has {graph.node_count:,} reachable snapshots, more than the "
            f"{max_odds_snapshots:,} for which the page embeds the exact odds from every "
            "snapshot: the odds shown are Monte Carlo figures from the start, whatever the "
            f"snapshot (`python -m model.check {shown} --exact` gives them exactly)."
        )
    data = ExplorerData(
        scenario=ScenarioInfo(
            id=spec.id, title=spec.title, summary=spec.summary, file=shown, horizon=spec.horizon
        ),
        parameters=dict(scenario.parameters()),
        stages=stages,
        states=[
            StateInfo(
                id=s.id,
                label=labels.state(s.id),
                stage=None if s.stage is None or s.outcome else stage_index[s.stage],
                ending=None if s.outcome is None else ending_index[("outcome", s.outcome)],
            )
            for s in spec.states
        ],
        variables=[Named(id=n, label=labels.variable(n)) for n in scenario.variable_names],
        events=_events(scenario, graph if whole else None),
        endings=endings,
        note=note,
        limits=Limits(
            max_snapshots=max_snapshots,
            max_odds_snapshots=max_odds_snapshots,
            budget_bytes=BUDGET_BYTES,
        ),
        snapshots=None,
        value_rows=[],
        steps=None,
        step_errors=[],
        odds_rows=[],
        disabled_sets=[],
        reasons=[],
        sampled=None if odds is not None else _sampled(scenario, endings, sample_runs),
    )
    if not whole:
        return data
    return data.model_copy(update=_graph_parts(graph, odds, endings))


def _events(scenario: Scenario, graph: StateGraph | None) -> list[EventInfo]:
    """Every transition, then the engine's own step in which only days pass."""
    labels = scenario.labels
    taken = set()
    explainer = None
    if graph is not None:
        taken = set(graph.edge_transition) | {se.transition for se in graph.step_errors}
        explainer = Explainer(graph)
    out = []
    for t in [*scenario.transitions, scenario.transition(DAYS)]:
        never: list[str] = []
        if explainer is not None and t.index != DAYS and t.index not in taken:
            never = explainer.transition(t.index).sentences()
        days = t.index == DAYS
        out.append(
            EventInfo(
                name=t.name,
                event=t.trigger,
                label=labels.event(t.trigger),
                actor=t.actor,
                actor_label=labels.party(t.actor),
                kind="days" if days else t.kind,
                timing=None if days else timing_label(t),
                sources=list(t.sources),
                dest=t.dest,
                guard=[] if days else _guard(t),
                source=[DAYS_PASS_SOURCE]
                if days
                else provenance_texts(provenance_record(t.spec, scenario.spec.sources)),
                never=never,
            )
        )
    return out


def _guard(t: CompiledTransition) -> list[str]:
    """The conditions of ``t`` in words: its guard, then each requirement with whose it is."""
    out = []
    guard = " ".join(expr.text_of(t.spec.guard).split())
    if guard != "true":
        out.append(f"when `{guard}`")
    for r in t.spec.requires:
        whose = f"{r.by}'s position" if r.by else "requires"
        out.append(f"{whose}: `{' '.join(expr.text_of(r.holds).split())}`")
    return out


def _sampled(scenario: Scenario, endings: list[Ending], runs: int) -> SampledOdds:
    """Monte Carlo shares of each ending from the start (runs stopped at the step limit are
    counted as going round for ever)."""
    from model.analysis.montecarlo import monte_carlo

    result = monte_carlo(scenario, runs=runs, seed=SAMPLE_SEED)
    share = {(e.kind, "cycling" if e.name == "max_steps" else e.name): e for e in result.endings}
    odds = []
    for e in endings:
        found = share.get((e.kind, e.id))
        p = found.share if found is not None else 0.0
        text = format_percent(p)
        if found is not None and found.count:
            text += f" ({format_percent(found.low)}–{format_percent(found.high)})"
        odds.append(Probability(p=p, t=text, x=None))
    return SampledOdds(runs=runs, seed=SAMPLE_SEED, odds=odds)


def _graph_parts(graph: StateGraph, odds: Odds | None, endings: list[Ending]) -> dict[str, object]:
    """The snapshots, steps, disabled events and odds of a complete graph, as fields."""
    scenario = graph.scenario
    transitions = scenario.transitions
    days_event = len(transitions)  # the days-pass entry of `events`
    table = graph.table
    conditions = Conditions(table)
    failing, broken = error_steps(graph)
    broken_nodes = set(broken.tolist())
    messages: dict[tuple[int, int], str] = {}
    for se in graph.step_errors:
        messages.setdefault((se.node, se.transition), str(se.error))
    leaving: list[list[CompiledTransition]] = [[] for _ in graph.states]
    for tr in transitions:
        for s in tr.sources:
            leaving[graph.states.index(s)].append(tr)
    value_rows: dict[tuple[object, ...], int] = {}
    reasons: dict[tuple[str, ...], int] = {}
    disabled_sets: dict[tuple[tuple[int, int], ...], int] = {}
    state: list[int] = []
    day: list[int] = []
    stage_day: list[int] = []
    values: list[int] = []
    disabled: list[int] = []
    first: list[int] = []
    s_event: list[int] = []
    s_target: list[int] = []
    s_weight: list[int] = []
    s_days: list[int] = []
    step_errors = []
    offsets = graph.edge_offsets
    for i, key in enumerate(graph.node_keys):
        state.append(key[0])
        day.append(key[2])
        stage_day.append(key[2] - key[3])
        values.append(_index(value_rows, key[1]))
        first.append(len(s_event))
        steps: list[tuple[int, int, int, int]] = []  # (transition, target, weight, days)
        if i not in broken_nodes:
            for e in range(offsets[i], offsets[i + 1]):
                t = graph.edge_transition[e]
                steps.append((t, graph.edge_target[e], graph.edge_weight[e], graph.edge_days[e]))
        for t, w in failing.get(i, {}).items():
            steps.append((t, -1, w, 0))
        if i in broken_nodes:
            for se in graph.step_errors:
                if se.node == i:
                    steps.append((se.transition, -1, 1, 0))
        if i in failing:  # in the order the engine lists them (`Run.enabled`)
            order = {t: n for n, (t, _, _) in enumerate(table.events(key))}
            steps.sort(key=lambda s: order[s[0]])
        can = {s[0] for s in steps}
        for t, target, w, d in steps:
            if target < 0:
                step_errors.append(StepError(step=len(s_event), message=messages[(i, t)]))
            s_event.append(days_event if t == DAYS else t)
            s_target.append(target)
            s_weight.append(w)
            s_days.append(d)
        blocked = []
        if graph.state_outcomes[key[0]] is None:
            for tr in leaving[key[0]]:
                if tr.index in can:
                    continue
                why = why_not(table, key, [tr], conditions)
                lines = [str(why)]
                for found in why.false.values():
                    lines += [line for c, _ in found if (line := source_of(c)) is not None]
                blocked.append((tr.index, _index(reasons, tuple(dict.fromkeys(lines)))))
        disabled.append(_index(disabled_sets, tuple(blocked)))
    first.append(len(s_event))
    parts: dict[str, object] = {
        "snapshots": Snapshots(
            count=graph.node_count,
            state=state,
            day=day,
            stage_day=stage_day,
            values=values,
            odds=None if odds is None else list(odds.row_of),
            disabled=disabled,
            first_step=first,
        ),
        "value_rows": [list(v) for v in value_rows],
        "steps": Steps(event=s_event, target=s_target, weight=s_weight, days=s_days),
        "step_errors": step_errors,
        "disabled_sets": [[Disabled(event=t, why=w) for t, w in d] for d in disabled_sets],
        "reasons": [list(r) for r in reasons],
    }
    if odds is not None:
        position = {key: k for k, key in enumerate(odds.endings)}
        columns = [position[(e.kind, e.id)] for e in endings]
        parts["odds_rows"] = [[_probability(row[k]) for k in columns] for row in odds.rows]
    return parts


def _probability(x: Fraction) -> Probability:
    exact, p = str(x), float(x)
    text = format_percent(p) if p > 0 or x == 0 else "under 1e-300%"  # never 0% unless 0
    return Probability(p=p, t=text, x=exact if len(exact) <= EXACT_CHARS else None)


def _index(table: dict[K, int], row: K) -> int:
    """The index of ``row`` in ``table``, added at the end when new."""
    return table.setdefault(row, len(table))
