"""What differs between two scenarios, and what that changes (``python -m model.compare``).

Two kinds of difference are reported, in neutral words ("only in A", "only in B", "in both,
different"):

* **Structure**: the definitions after includes are merged: settings (horizon, initial
  state), parties, stages, parameters, variables, states, transitions and invariants. A
  transition is identified by its trigger, its source states and its destination; for
  transitions found in both, a changed actor, guard, effect, duration, weight or
  ``allow_backward`` is reported. Expressions are compared by meaning of their text as parsed
  (``(x > 0)`` and ``x > 0`` are the same). Quotes, assumptions, names of the scenario and
  descriptions are not compared: they document the model, they do not change it.
* **Behaviour**: both scenarios are explored completely (see `model.analysis.explore`) under their
  parameter values, and for every outcome label compared: reachable in one and not the
  other; for outcomes reachable in both, the fewest steps to it, the day on which that
  shortest path arrives, the earliest day on which any run arrives, and the events of the
  shortest path. The number of reachable states of each is reported too.

Several paths can be equally short. The one shown is chosen the same way in both scenarios:
among the paths with the fewest steps, those that arrive earliest; among those, the first
in alphabetical order of events. So a scenario compared with a copy whose transitions are
listed in another order shows the same paths.

When a search stops at ``max_states`` the step counts it found are still exact (breadth-first
order), but an outcome it did not find may still be reachable and an earlier day may exist;
the comparison then says which search was incomplete and marks the results as not conclusive.

The comparison as JSON-ready data and as text is `model.reports.compare`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from model.analysis.counterfactual import WhyDiff, why_differs
from model.analysis.explore import DEFAULT_MAX_STATES, StateGraph, explore
from model.base.paths import display_path
from model.scenario import expr
from model.scenario.compiled import ParamValue, Scenario
from model.scenario.labels import Labels
from model.scenario.loader import load
from model.scenario.schema import EnumVariable, IntVariable, ScenarioSpec, Transition
from model.semantics.records import step_record

Status = Literal["only_in_a", "only_in_b", "different", "same"]
"""How an item or outcome compares, in the order outcomes are listed."""

SECTIONS = (
    "settings",
    "parties",
    "stages",
    "parameters",
    "variables",
    "states",
    "transitions",
    "invariants",
)


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One field of an item found in both scenarios, with a different value in each."""

    item: str
    field: str
    a: Any
    b: Any


@dataclass(frozen=True)
class SectionDiff:
    """One part of the definition: items only in A, only in B, and in both but different."""

    section: str
    only_in_a: tuple[str, ...] = ()
    only_in_b: tuple[str, ...] = ()
    different: tuple[Change, ...] = ()

    @property
    def count(self) -> int:
        """Items that differ (an item with several changed fields counts once)."""
        return (
            len(self.only_in_a)
            + len(self.only_in_b)
            + len(dict.fromkeys(c.item for c in self.different))
        )

    def changes(self, item: str) -> dict[str, tuple[Any, Any]]:
        """``{field: (a, b)}`` for one item in both scenarios."""
        return {c.field: (c.a, c.b) for c in self.different if c.item == item}


@dataclass(frozen=True)
class ShortestPath:
    """How one outcome is reached soonest in steps (see the module docstring for ties)."""

    steps: int
    day: int  # the day on which this path reaches the outcome
    earliest_day: int  # the earliest day on which any explored run reaches it
    events: tuple[str, ...]
    trace: tuple[dict[str, Any], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Exploration:
    """What exploring one scenario found."""

    complete: bool
    max_states: int | None
    states: int
    edges: int
    refused_steps: int  # steps the scenario refuses (a bound, an invariant, an evaluation)
    start_error: str | None
    outcomes: Mapping[str, ShortestPath]

    @property
    def conclusive(self) -> bool:
        return self.complete and self.start_error is None


@dataclass(frozen=True)
class OutcomeDiff:
    outcome: str
    status: Status
    a: ShortestPath | None
    b: ShortestPath | None


@dataclass(frozen=True)
class Side:
    """One of the two scenarios and the parameter values it was explored with."""

    file: str
    id: str
    title: str
    parameters: Mapping[str, ParamValue]
    overrides: Mapping[str, ParamValue]  # values set for this comparison
    labels: Labels = field(compare=False, repr=False)


@dataclass(frozen=True)
class Comparison:
    a: Side
    b: Side
    structure: tuple[SectionDiff, ...]
    exploration_a: Exploration
    exploration_b: Exploration
    outcomes: tuple[OutcomeDiff, ...]
    # With why=True: which requirements and outcomes change, and why (None: not asked for,
    # or a search was incomplete).
    why: WhyDiff | None = None
    why_asked: bool = False

    def section(self, name: str) -> SectionDiff:
        return next(s for s in self.structure if s.section == name)

    def outcome(self, label: str) -> OutcomeDiff:
        return next(o for o in self.outcomes if o.outcome == label)

    @property
    def conclusive(self) -> bool:
        """Both explorations covered every reachable state."""
        return self.exploration_a.conclusive and self.exploration_b.conclusive

    @property
    def structural_differences(self) -> int:
        return sum(s.count for s in self.structure)

    @property
    def behavioural_differences(self) -> int:
        states = int(self.exploration_a.states != self.exploration_b.states)
        return states + sum(o.status != "same" for o in self.outcomes)

    @property
    def identical(self) -> bool:
        return self.structural_differences == 0 and self.behavioural_differences == 0


# --- the library entry ---------------------------------------------------------------------


def compare(
    a: Scenario | str | Path,
    b: Scenario | str | Path,
    params_a: Mapping[str, object] | None = None,
    params_b: Mapping[str, object] | None = None,
    *,
    max_states: int | None = DEFAULT_MAX_STATES,
    why: bool = False,
) -> Comparison:
    """Compare two scenarios (loaded, or paths to load) by structure and by behaviour.

    ``params_a`` / ``params_b`` override parameters of each (checked like ``--set``; an
    unknown name raises `ParameterError`). ``max_states`` limits each exploration. With
    ``why``, also which requirements and outcomes change and why
    (`model.analysis.counterfactual`).
    """
    sa, sb = _scenario(a), _scenario(b)
    values_a, values_b = sa.parameters(params_a), sb.parameters(params_b)
    ga = explore(sa, values_a, max_states=max_states)
    gb = explore(sb, values_b, max_states=max_states)
    ea, eb = exploration(ga), exploration(gb)
    return Comparison(
        a=_side(sa, values_a, params_a),
        b=_side(sb, values_b, params_b),
        structure=structure(sa.spec, sb.spec),
        exploration_a=ea,
        exploration_b=eb,
        outcomes=_outcome_diffs(ea, eb),
        why=why_differs(ga, gb) if why else None,
        why_asked=why,
    )


def _scenario(s: Scenario | str | Path) -> Scenario:
    if isinstance(s, Scenario):
        return s
    return load(s, display_path(Path(s)))


def _side(
    s: Scenario, values: Mapping[str, ParamValue], overrides: Mapping[str, object] | None
) -> Side:
    return Side(
        file=s.file,
        id=s.spec.id,
        title=s.spec.title,
        parameters=dict(values),
        overrides={k: values[k] for k in overrides or {}},
        labels=s.labels,
    )


# --- structure -----------------------------------------------------------------------------

# Each item is {field: (key, shown)}: fields are equal when their keys are; `shown` is what
# a reader sees (expressions as written, whitespace normalised).
_Fields = dict[str, tuple[object, Any]]


def structure(a: ScenarioSpec, b: ScenarioSpec) -> tuple[SectionDiff, ...]:
    """Differences in every section of two scenario definitions."""
    out = []
    for name in SECTIONS:
        items_a, items_b = _ITEMS[name](a), _ITEMS[name](b)
        out.append(_section_diff(name, items_a, items_b, a, b))
    return tuple(out)


def _section_diff(
    name: str,
    items_a: Mapping[str, _Fields],
    items_b: Mapping[str, _Fields],
    a: ScenarioSpec,
    b: ScenarioSpec,
) -> SectionDiff:
    changes: list[Change] = []
    for item, fa in items_a.items():
        fb = items_b.get(item)
        if fb is None:
            continue
        for f in dict.fromkeys([*fa, *fb]):
            ka, va = fa.get(f, (None, None))
            kb, vb = fb.get(f, (None, None))
            if ka != kb:
                changes.append(Change(item, f, va, vb))
    if name == "stages":
        common = [s.id for s in a.stages if s.id in items_b]
        order_b = [s.id for s in b.stages if s.id in items_a]
        if common != order_b:
            changes.append(Change("stage order", "order", common, order_b))
    return SectionDiff(
        section=name,
        only_in_a=tuple(k for k in items_a if k not in items_b),
        only_in_b=tuple(k for k in items_b if k not in items_a),
        different=tuple(changes),
    )


def _plain(value: Any) -> tuple[object, Any]:
    if isinstance(value, tuple):
        return value, list(value)
    return value, value


def _expression(value: str | bool | int | None) -> tuple[object, Any]:
    if value is None:
        return None, None
    text = " ".join(expr.text_of(value).split())
    try:
        key: object = expr.parse(text)
    except expr.ExprError:  # pragma: no cover - the loader has parsed it already
        key = text
    return key, text


def _settings(s: ScenarioSpec) -> dict[str, _Fields]:
    return {"scenario": {"horizon": _plain(s.horizon), "initial state": _plain(s.initial)}}


def _parties(s: ScenarioSpec) -> dict[str, _Fields]:
    return {p.id: {"name": _plain(p.name), "role": _plain(p.role)} for p in s.parties}


def _stages(s: ScenarioSpec) -> dict[str, _Fields]:
    return {st.id: {"name": _plain(st.name), "days": _expression(st.days)} for st in s.stages}


def _parameters(s: ScenarioSpec) -> dict[str, _Fields]:
    return {
        p.id: {
            "type": _plain(p.type),
            "default": _plain(p.default),
            "min": _plain(p.min),
            "max": _plain(p.max),
        }
        for p in s.parameters
    }


def _variables(s: ScenarioSpec) -> dict[str, _Fields]:
    out: dict[str, _Fields] = {}
    for v in s.variables:
        fields: _Fields = {"type": _plain(v.type)}
        if isinstance(v, IntVariable):
            fields |= {"min": _plain(v.min), "max": _plain(v.max)}
        if isinstance(v, EnumVariable):
            fields |= {"values": _plain(v.values), "initial": _plain(v.initial)}
        else:
            fields["initial"] = _expression(v.initial)
        out[v.id] = fields
    return out


def _states(s: ScenarioSpec) -> dict[str, _Fields]:
    return {st.id: {"stage": _plain(st.stage), "outcome": _plain(st.outcome)} for st in s.states}


def transition_label(t: Transition) -> str:
    """``trigger (source, source → dest)``: how a transition is named in a comparison."""
    return f"{t.trigger} ({', '.join(sorted(set(t.sources)))} → {t.dest})"


def _transitions(s: ScenarioSpec) -> dict[str, _Fields]:
    out: dict[str, _Fields] = {}
    for t in s.transitions:
        label = transition_label(t)
        n = 2
        while label in out:  # the same trigger, sources and destination twice: keep both
            label = f"{transition_label(t)} #{n}"
            n += 1
        fields: _Fields = {
            "actor": _plain(t.actor),
            "guard": _expression(t.guard),
            "days": _expression(t.days),
            "weight": _expression(t.weight),
            "allow_backward": _plain(t.allow_backward),
        }
        for var, value in t.effects.items():
            fields[f"effects.{var}"] = _expression(value)
        out[label] = fields
    return out


def _invariants(s: ScenarioSpec) -> dict[str, _Fields]:
    return {inv.id: {"holds": _expression(inv.holds)} for inv in s.invariants}


_ITEMS: dict[str, Callable[[ScenarioSpec], dict[str, _Fields]]] = {
    "settings": _settings,
    "parties": _parties,
    "stages": _stages,
    "parameters": _parameters,
    "variables": _variables,
    "states": _states,
    "transitions": _transitions,
    "invariants": _invariants,
}


# --- behaviour -----------------------------------------------------------------------------


def exploration(graph: StateGraph) -> Exploration:
    """Summary of an explored graph: its size and the shortest path to each outcome."""
    return Exploration(
        complete=graph.complete,
        max_states=graph.max_states,
        states=len(graph.nodes),
        edges=len(graph.edges),
        refused_steps=len(graph.step_errors),
        start_error=None if graph.initial_error is None else str(graph.initial_error),
        outcomes=shortest_paths(graph),
    )


def shortest_paths(graph: StateGraph) -> dict[str, ShortestPath]:
    """For every outcome label reached: fewest steps, days, and one canonical shortest path."""
    nodes, keys = graph.nodes, graph.node_keys
    parents, sources = graph.parent_edge, graph.edge_source
    depth = [0] * graph.node_count
    for j in range(1, graph.node_count):  # parents come first in breadth-first order
        depth[j] = depth[sources[parents[j]]] + 1
    by_label: dict[str, list[int]] = {}
    for node, label in graph.outcome_nodes.items():
        by_label.setdefault(label, []).append(node)
    out: dict[str, ShortestPath] = {}
    for label in sorted(by_label):
        found = by_label[label]
        fewest = min(depth[n] for n in found)
        soonest = min(keys[n][2] for n in found if depth[n] == fewest)  # [2]: the day
        targets = {n for n in found if depth[n] == fewest and keys[n][2] == soonest}
        path = _canonical_path(graph, depth, targets, fewest)
        scenario = graph.scenario
        trace = []
        for k, edge_id in enumerate(path, 1):
            e = graph.edges[edge_id]
            trace.append(
                step_record(
                    scenario,
                    k,
                    graph.transition(e),
                    nodes[e.source],
                    nodes[e.target],
                    sources=False,
                    params=graph.params,
                )
            )
        out[label] = ShortestPath(
            steps=fewest,
            day=soonest,
            earliest_day=min(keys[n][2] for n in found),
            events=tuple(graph.transition(graph.edges[e]).trigger for e in path),
            trace=tuple(trace),
        )
    return out


def _canonical_path(
    graph: StateGraph, depth: Sequence[int], targets: set[int], length: int
) -> list[int]:
    """Edge ids of the shortest path to ``targets`` that is first by (event, days, actor, to).

    Breadth-first order puts nodes in order of depth, so one backward pass marks the nodes
    from which a shortest path leads to a target; then one layer at a time the smallest step
    into a marked node is taken (all nodes it reaches form the next layer).
    """
    targets_of, offsets = graph.edge_target, graph.edge_offsets
    good = set(targets)
    for i in range(graph.node_count - 1, -1, -1):
        if depth[i] >= length:
            continue
        deeper = depth[i] + 1
        if any(j in good and depth[j] == deeper for j in targets_of[offsets[i] : offsets[i + 1]]):
            good.add(i)

    def key(edge_id: int) -> tuple[str, int, str, str]:
        t = graph.scenario.transition(graph.edge_transition[edge_id])
        target = graph.state_of(targets_of[edge_id])
        return (t.trigger, graph.edge_days[edge_id], t.actor, target)

    frontier = [0]
    via: dict[int, int] = {}
    for _ in range(length):
        best: tuple[str, int, str, str] | None = None
        reached: dict[int, int] = {}
        for i in frontier:
            for edge_id in range(offsets[i], offsets[i + 1]):
                target = targets_of[edge_id]
                if target not in good or depth[target] != depth[i] + 1:
                    continue
                k = key(edge_id)
                if best is None or k < best:
                    best, reached = k, {target: edge_id}
                elif k == best:
                    reached.setdefault(target, edge_id)
        frontier = sorted(reached)
        via.update(reached)
    path: list[int] = []
    node = frontier[0]
    while node != 0:
        edge_id = via[node]
        path.append(edge_id)
        node = graph.edge_source[edge_id]
    path.reverse()
    return path


def _outcome_diffs(a: Exploration, b: Exploration) -> tuple[OutcomeDiff, ...]:
    out = []
    for label in sorted({*a.outcomes, *b.outcomes}):
        pa, pb = a.outcomes.get(label), b.outcomes.get(label)
        status: Status
        if pb is None:
            status = "only_in_a"
        elif pa is None:
            status = "only_in_b"
        else:
            status = "same" if pa == pb else "different"
        out.append(OutcomeDiff(label, status, pa, pb))
    rank = get_args(Status)
    return tuple(sorted(out, key=lambda o: (rank.index(o.status), o.outcome)))
