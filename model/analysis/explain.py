"""Why an outcome, a state or a transition never happens, in the scenario's terms.

Read from the explored graph (`model.analysis.explore`), never from a second search. For a
transition that never fires, from a source state that is reached: its guard and requirements
are split into conjuncts (`model.semantics.why`), each evaluated in every reachable snapshot of
its source states; a conjunct false in all of them blocks it. What blocks the conjunct in turn:

- it reads no variable: the requirement itself, under the parameters' values (a party's
  position such as ``not israel_rules_out_ending_war``) — a cause, where the chain ends;
- it reads variables that only transitions which never fire would change: those transitions
  (``war_ended`` needs ``israel_agrees_to_end_war``), explained in turn;
- it reads variables that do change, but never to values that make it true: the values seen.

A state (or outcome) that is never reached is blocked by the first transitions on the way to
it that never fire from a reached state (its *gates*); each gate is explained as above. Every
explanation is a list of chains, each a list of `Link`s from the blocked element back to one
cause: "three_stages_completed is unreachable because truce_begins needs `war_ended`, which
needs israel_agrees_to_end_war, which is blocked by israel's position
`not israel_rules_out_ending_war`".

`EXPLAINERS` maps a finding kind to the function that explains it: the kinds the checker
explains today are there, and a new kind (a failed temporal property) adds its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from model.analysis.explore import StateGraph
from model.analysis.findings import Finding
from model.scenario import expr, walk
from model.scenario.compiled import CompiledTransition, ParamValue
from model.scenario.expr import Value
from model.semantics.compiler import parse
from model.semantics.rules import Key
from model.semantics.why import Conditions, Conjunct

MAX_BRANCHES = 8
"""At most this many chains per explanation (a conjunct read by many transitions could
otherwise multiply them)."""

MAX_VALUES = 6
"""At most this many values of a variable are listed where a conjunct is never true."""


@dataclass(frozen=True)
class Link:
    """One step of a chain: ``subject`` ``because`` ("truce_begins" "needs `war_ended`"),
    a note in brackets (whose condition it is, the parameters' values) and the source of the
    requirement it names (a quote or an assumption), if any."""

    subject: str
    because: str
    note: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Cause:
    """Where a chain ends: the condition that makes it so, whose it is, and the parameters
    it reads with their values."""

    kind: str  # position, requirement, guard, values, together, weight, timing, rule
    transition: str
    text: str
    owner: str
    source: str | None
    parameters: tuple[tuple[str, ParamValue], ...] = ()


Chain = tuple[Link, ...]


@dataclass(frozen=True)
class Explanation:
    """Why one finding holds: its chains back to their causes."""

    kind: str  # the finding kind it explains
    target: str  # the finding's target
    headline: str  # "outcome 'three_stages_completed' is never reached"
    chains: tuple[Chain, ...]
    causes: tuple[Cause, ...] = field(default=())

    def sentences(self, name: Callable[[str], str] = str) -> list[str]:
        """Each chain as one sentence, sources in full (subjects shown by ``name``)."""
        return [
            f"{self.headline} because {render(chain, self.target, name=name)}"
            for chain in self.chains
        ]


def render(
    chain: Chain,
    target: str = "",
    seen: set[str] | None = None,
    name: Callable[[str], str] = str,
) -> str:
    """The links joined by ", which": "truce_begins needs `war_ended` (…), which needs …".
    With ``seen``, a source already shown is left out (and recorded when shown); ``name``
    shows a link's subject (a transition or state: its label)."""
    parts = []
    for n, link in enumerate(chain):
        brackets = [link.note] if link.note else []
        if link.source and (seen is None or link.source not in seen):
            brackets.append(link.source)
            if seen is not None:
                seen.add(link.source)
        said = f" ({'; '.join(brackets)})" if brackets else ""
        subject = "it" if link.subject == target else name(link.subject)
        parts.append((f"{subject} " if n == 0 else "which ") + link.because + said)
    return ", ".join(parts)


def source_of(c: Conjunct) -> str | None:
    if c.quote:
        return f"“{c.quote}”"
    return f"assumption: {c.assumption}" if c.assumption else None


class Explainer:
    """Explanations over one complete explored graph (built lazily, each transition once)."""

    def __init__(self, graph: StateGraph) -> None:
        self.graph = graph
        self.scenario = graph.scenario
        self.conditions = Conditions(graph.table)
        self.reached = {graph.states[k[0]] for k in graph.node_keys}
        self.fired = set(graph.edge_transition) | {se.transition for se in graph.step_errors}
        self.moved = set(graph.edge_transition)  # fired without breaking a rule, somewhere
        self.by_name = {t.name: t for t in self.scenario.transitions}
        self.variables = set(self.scenario.variable_names)
        self.writers: dict[str, list[int]] = {}
        for t in self.scenario.transitions:
            for name in t.spec.effects:
                self.writers.setdefault(name, []).append(t.index)
        self._nodes: dict[int, list[int]] | None = None
        self._memo: dict[int, tuple[list[Chain], list[Cause]]] = {}
        self._verdicts: dict[int, Verdict] = {}

    # -- what blocks a transition ----------------------------------------------------------

    def transition(self, index: int, visiting: frozenset[int] = frozenset()) -> Explanation:
        t = self.scenario.transitions[index]
        chains, causes = self._transition(index, visiting)
        return Explanation(
            "never_enabled",
            t.name,
            f"{self.scenario.labels.transition(t.name)} is never enabled",
            (*chains,),
            (*causes,),
        )

    def _transition(self, index: int, visiting: frozenset[int]) -> tuple[list[Chain], list[Cause]]:
        if index in self._memo:
            return self._memo[index]
        t = self.scenario.transitions[index]
        if index in visiting:  # a cycle of transitions waiting for each other
            link = Link(t.name, "waits on a step that in turn waits on it")
            return [(link,)], [
                Cause("rule", t.name, "a cycle of requirements", "the scenario", None)
            ]
        visiting = visiting | {index}
        if not any(s in self.reached for s in t.sources):
            chains, causes = self._gated(t.name, t.sources, visiting, "comes after")
        elif index in self.moved:  # not blocked: asked of a transition that happens
            chains, causes = [], []
        elif index in self.fired:  # it fires, but every such step breaks a rule
            link = Link(t.name, "breaks a rule of the scenario wherever it fires (see its error)")
            chains, causes = (
                [(link,)],
                [Cause("rule", t.name, "a broken rule", "the scenario", None)],
            )
        else:
            chains, causes = self._blocked(t, visiting)
        self._memo[index] = (chains, causes)
        return chains, causes

    def _blocked(
        self, t: CompiledTransition, visiting: frozenset[int]
    ) -> tuple[list[Chain], list[Cause]]:
        """A transition that never fires from reached source states: its conjuncts."""
        verdict = self.verdict(t.index)
        conjuncts = self.conditions.of(t.index)
        states = verdict.states
        if not verdict.never:
            if not verdict.together:
                texts = " and ".join(f"`{c.text}`" for c in conjuncts)
                link = Link(t.name, f"needs {texts} at once, which never hold together in {states}")
                return [(link,)], [Cause("together", t.name, texts, "its conditions", None)]
            kind, why = {
                "scheduled": ("timing", "is never due while its conditions hold"),
                "deadline": ("timing", "is never due while its conditions hold"),
                "risk": ("weight", "has no chance wherever its conditions hold"),
            }.get(
                t.kind,
                (
                    "weight",
                    "never happens although its conditions hold: its weight is 0 or its days "
                    "pass the horizon there",
                ),
            )
            return [(Link(t.name, why),)], [Cause(kind, t.name, why, "its timing", None)]
        chains: list[Chain] = []
        causes: list[Cause] = []
        for c in verdict.never:
            sub_chains, sub_causes = self._conjunct(t, c, verdict, visiting)
            chains += sub_chains
            causes += sub_causes
        return chains[:MAX_BRANCHES], _unique(causes)

    def _conjunct(
        self, t: CompiledTransition, c: Conjunct, verdict: Verdict, visiting: frozenset[int]
    ) -> tuple[list[Chain], list[Cause]]:
        params = self.graph.params
        read = tuple((n, params[n]) for n in c.depends if n in params)
        values = ", ".join(f"{n} = {_show(v)}" for n, v in read)
        variables = [n for n in c.depends if n in self.variables]
        source = source_of(c)
        kind = "guard" if c.requirement is None else ("position" if c.by else "requirement")
        if not variables:
            link = Link(t.name, f"is blocked by {c.owner} `{c.text}`", values or None, source)
            return [(link,)], [Cause(kind, t.name, c.text, c.owner, source, read)]
        # A transition cannot make its own condition true before it fires: not a writer here.
        writers = sorted({w for n in variables for w in self.writers.get(n, [])} - {t.index})
        if writers and not any(w in self.moved for w in writers):
            head = Link(t.name, f"needs `{c.text}`", c.owner, source)
            labels = self.scenario.labels
            names = {w: labels.transition(self.scenario.transitions[w].name) for w in writers}
            chains: list[Chain] = []
            causes: list[Cause] = []
            for w, name in names.items():
                others = [n for k, n in names.items() if k != w]
                via = Link(
                    c.text, f"needs {name}" + (f" (or {', '.join(others)})" if others else "")
                )
                sub, sub_causes = self._transition(w, visiting)
                chains += [(head, via, *chain) for chain in sub]
                causes += sub_causes
            return chains, causes
        seen = "; ".join(
            f"{n} is only {', '.join(_show(v) for v in vs)}" + self._initially(n, vs)
            for n, vs in verdict.values(variables)
        )
        link = Link(
            t.name, f"needs `{c.text}`, never true in {verdict.states} ({seen})", c.owner, source
        )
        return [(link,)], [Cause("values", t.name, c.text, c.owner, source, read)]

    def _initially(self, name: str, values: list[Value]) -> str:
        """`` (its initial value, from p = v)`` where a variable never leaves its start."""
        start = self.graph.table.start().values[self.scenario.variable_names.index(name)]
        if values != [start]:
            return ""
        spec = next(v for v in self.scenario.spec.variables if v.id == name)
        params = self.graph.params
        read = sorted(walk.names(parse(expr.text_of(spec.initial))) & set(params))
        given = ", ".join(f"{p} = {_show(params[p])}" for p in read)
        return ", its initial value" + (f", from {given}" if given else "")

    # -- what blocks a state ------------------------------------------------------------------

    def state(self, state: str, headline: str, kind: str, target: str) -> Explanation:
        chains, causes = self._gated(target, (state,), frozenset(), "needs")
        if chains and chains[0][0].subject == target:
            chains = [chain[1:] for chain in chains]  # "X because truce_begins needs ..."
        return Explanation(kind, target, headline, (*chains,), (*causes,))

    def gates(self, states: Iterable[str]) -> list[int]:
        """The transitions that never fire from a reached state, on every way into
        ``states`` (unreached), nearest the start first. A transition that does fire there
        without arriving (an activity that starts but is cut short) is not one: `_gated`
        names it instead."""
        todo = [s for s in states if s not in self.reached]
        seen = set(todo)
        gates: list[int] = []
        while todo:
            s = todo.pop(0)
            for t in self.scenario.transitions:
                if t.dest != s or (s in t.sources and len(t.sources) == 1):
                    continue
                if (
                    any(src in self.reached for src in t.sources)
                    and t.index not in gates
                    and t.index not in self.moved
                ):
                    gates.append(t.index)
                for src in t.sources:
                    if src not in self.reached and src not in seen:
                        seen.add(src)
                        todo.append(src)
        return gates

    def _gated(
        self, subject: str, states: Iterable[str], visiting: frozenset[int], verb: str
    ) -> tuple[list[Chain], list[Cause]]:
        states = set(states)
        chains: list[Chain] = []
        causes: list[Cause] = []
        for g in self.gates(states):
            name = self.scenario.labels.transition(self.scenario.transitions[g].name)
            sub, sub_causes = self._transition(g, visiting)
            chains += [(Link(subject, f"{verb} {name}"), *chain) for chain in sub]
            causes += sub_causes
        started = [
            t.name
            for t in self.scenario.transitions
            if t.dest in states and t.dest not in t.sources and t.index in self.moved
        ]
        if not chains and started:  # it starts, as an activity, but never arrives
            names = " or ".join(started)
            why = (
                "starts but never arrives: its days are cut short (by another step or the horizon)"
            )
            chain = (Link(subject, f"{verb} {names}"), Link(names, why))
            return [chain], [Cause("timing", names, why, "its timing", None)]
        if not chains:  # no way in at all (the unused_state check says so)
            link = Link(subject, "has no transition leading to it from a reached state")
            return [(link,)], [Cause("rule", subject, "no way in", "the scenario", None)]
        return chains[:MAX_BRANCHES], _unique(causes)

    # -- conjuncts over the reachable snapshots ----------------------------------------------

    def verdict(self, index: int) -> Verdict:
        """Which conjuncts of transition ``index`` are never true in the reachable
        snapshots of its source states (their distinct values and clock)."""
        if index in self._verdicts:
            return self._verdicts[index]
        t = self.scenario.transitions[index]
        graph = self.graph
        if self._nodes is None:
            self._nodes = {}
            for i, key in enumerate(graph.node_keys):
                self._nodes.setdefault(key[0], []).append(i)
        wanted = [graph.states.index(s) for s in t.sources if s in self.reached]
        keys: dict[tuple[int, tuple[Value, ...], int, int], Key] = {}
        for state in wanted:
            for i in self._nodes.get(state, []):
                key = graph.node_keys[i]
                keys.setdefault((key[0], key[1], key[2], key[2] - key[3]), key)
        conjuncts = self.conditions.of(index)
        ever = [False] * len(conjuncts)
        together = not conjuncts
        for key in keys.values():
            truth = [self.conditions.holds(key, index, p) is True for p in range(len(conjuncts))]
            ever = [a or b for a, b in zip(ever, truth)]
            together = together or all(truth)
        never = tuple(c for c, e in zip(conjuncts, ever) if not e)
        names = ", ".join(graph.states[s] for s in wanted)
        found = self._verdicts[index] = Verdict(never, together, names, [*keys.values()], self)
        return found


@dataclass
class Verdict:
    """The conjuncts never true (``never``), whether all hold together somewhere
    (``together``), in which states, over which snapshots (``keys``)."""

    never: tuple[Conjunct, ...]
    together: bool
    states: str
    keys: list[Key]
    explainer: Explainer

    def values(self, names: list[str]) -> list[tuple[str, list[Value]]]:
        positions = {n: i for i, n in enumerate(self.explainer.scenario.variable_names)}
        out = []
        for n in names:
            seen: list[Value] = []
            for key in self.keys:
                v = key[1][positions[n]]
                if v not in seen:
                    seen.append(v)
            out.append((n, sorted(seen, key=repr)[:MAX_VALUES]))
        return out


def _unique(causes: list[Cause]) -> list[Cause]:
    return list(dict.fromkeys(causes))


def _show(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return repr(v) if isinstance(v, str) else str(v)


# -- the findings explained ------------------------------------------------------------------


def _outcome(ex: Explainer, f: Finding) -> Explanation | None:
    state = next(s for s in ex.scenario.spec.states if s.outcome == f.target).id
    return ex.state(
        state, f"{ex.scenario.labels.outcome(f.target)} is unreachable", f.kind, f.target
    )


def _state(ex: Explainer, f: Finding) -> Explanation | None:
    shown = ex.scenario.labels.state(f.target)
    return ex.state(f.target, f"state {shown} is never reached", f.kind, f.target)


def _never_enabled(ex: Explainer, f: Finding) -> Explanation | None:
    t = ex.by_name.get(f.target)
    return None if t is None else ex.transition(t.index)


EXPLAINERS: dict[str, Callable[[Explainer, Finding], Explanation | None]] = {
    "unreachable_outcome": _outcome,
    "unreachable_state": _state,
    "never_enabled": _never_enabled,
}
"""How each kind of finding is explained (a kind not here is not)."""


def explain(graph: StateGraph, findings: Iterable[Finding]) -> list[Explanation]:
    """The explanation of each finding whose kind `EXPLAINERS` knows, in the order given
    (none unless the whole graph was explored: a partial graph cannot show "never")."""
    if not graph.complete or graph.initial_error is not None:
        return []
    ex = Explainer(graph)
    out = []
    for f in findings:
        how = EXPLAINERS.get(f.kind)
        found = None if how is None else how(ex, f)
        if found is not None and found.chains:
            out.append(found)
    return out
