"""Consistency checks: static checks of the definition, then findings in the explored graph.

`check(scenario)` returns every finding with the shortest counterexample trace from the
start, in the spirit of TLA+'s TLC but in words a policy student reads. Each kind can be
switched off; a scenario can declare findings that are the point of the model
(``expected_findings``), which are then reported as expected, and reported missing when absent.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from model.analysis.explore import DEFAULT_MAX_STATES, Edge, StateGraph, explore
from model.analysis.graphs import strongly_connected_components
from model.base.errors import EvaluationError, InvariantViolated, OutOfBounds, Problem, RunError
from model.base.limits import GUARD_DOMAIN_LIMIT
from model.scenario import expr
from model.scenario.compiled import CompiledTransition, ParamValue, Scenario
from model.scenario.schema import EnumVariable, ExpectedFinding, IntVariable
from model.scenario.yamlsource import Path_
from model.semantics.records import step_record

Severity = Literal["error", "warning", "note"]

SEVERITY: dict[str, Severity] = {
    "invariant_violated": "error",
    "out_of_bounds": "error",
    "evaluation_error": "error",
    "deadlock": "error",
    "no_outcome_cycle": "error",
    "transition_from_outcome": "error",
    "expected_finding_missing": "error",
    "unreachable_state": "warning",
    "unreachable_outcome": "warning",
    "never_enabled": "warning",
    "nondeterminism": "warning",
    "backward_stage": "warning",
    "guard_never_true": "warning",
    "unused_state": "warning",
    "unused_variable": "warning",
    "unused_parameter": "warning",
    "unused_party": "warning",
    "horizon_reached": "note",
}
"""Errors and warnings make a scenario unclean (exit status 1); notes are information."""

STATIC_KINDS = frozenset(
    {
        "transition_from_outcome",
        "backward_stage",
        "guard_never_true",
        "unused_state",
        "unused_variable",
        "unused_parameter",
        "unused_party",
    }
)


@dataclass(frozen=True)
class Finding:
    """One thing the checker found, with where it is declared and how to get there."""

    kind: str
    target: str
    message: str
    where: str = ""  # file:line:col of the element concerned
    trace: tuple[dict[str, Any], ...] = ()  # shortest sequence of steps from the start
    cycle: tuple[dict[str, Any], ...] = ()  # for no_outcome_cycle: the steps round the cycle
    count: int = 1  # snapshots sharing this finding (e.g. deadlocked snapshots in one state)
    expected: str | None = None  # the scenario's reason, when it declares this finding

    @property
    def severity(self) -> Severity:
        return SEVERITY[self.kind]

    @property
    def counts(self) -> bool:
        """True when it makes the scenario unclean: an unexpected error or warning."""
        return self.expected is None and self.severity != "note"


@dataclass
class CheckResult:
    scenario: Scenario
    params: dict[str, ParamValue]
    graph: StateGraph
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # checks skipped, and why

    @property
    def complete(self) -> bool:
        return self.graph.complete

    @property
    def outcomes_reached(self) -> list[str]:
        return sorted(set(self.graph.outcome_nodes.values()))

    @property
    def clean(self) -> bool:
        """No unexpected findings and the whole state space explored."""
        return self.complete and not any(f.counts for f in self.findings)


def check(
    scenario: Scenario,
    params: Mapping[str, object] | None = None,
    *,
    max_states: int | None = DEFAULT_MAX_STATES,
    ignore: Collection[str] = (),
) -> CheckResult:
    """Run every check on ``scenario`` (under ``params``) and return the findings."""
    graph = explore(scenario, params, max_states=max_states)
    checker = _Checks(scenario, graph)
    findings = checker.static() + checker.dynamic()
    findings = [f for f in findings if f.kind not in ignore]
    findings = _match_expected(scenario, findings, ignore, graph.complete, graph.params)
    # --ignore expected_finding_missing: _match_expected adds those, so filter again
    findings = [f for f in findings if f.kind not in ignore]
    order = list(SEVERITY)
    findings.sort(key=lambda f: (f.expected is not None, order.index(f.kind), f.target))
    return CheckResult(scenario, dict(graph.params), graph, findings, checker.notes)


def _match_expected(
    scenario: Scenario,
    findings: list[Finding],
    ignore: Collection[str],
    complete: bool,
    params: Mapping[str, ParamValue],
) -> list[Finding]:
    out: list[Finding] = []
    used: set[int] = set()
    # Expected findings that apply under these parameters, with their index in the file.
    declared = [
        (i, e)
        for i, e in enumerate(scenario.spec.expected_findings)
        if all(params.get(k) == v and type(params.get(k)) is type(v) for k, v in e.when.items())
    ]
    for f in findings:
        for i, e in declared:
            if e.kind == f.kind and (e.target is None or e.target == f.target):
                f = replace(f, expected=_reason(e))
                used.add(i)
                break
        out.append(f)
    for i, e in declared:
        # An incomplete search cannot show that a finding is absent (only static ones).
        if i not in used and e.kind not in ignore and (complete or e.kind in STATIC_KINDS):
            target = f" {e.target!r}" if e.target else ""
            out.append(
                Finding(
                    "expected_finding_missing",
                    f"{e.kind}{target}",
                    f"the scenario declares the finding {e.kind}{target} as expected, but the "
                    "checker did not find it",
                    _where(scenario, ("expected_findings", i)),
                )
            )
    return out


def _reason(e: ExpectedFinding) -> str:
    if e.assumption:
        return " ".join(e.assumption.split())
    assert e.quote is not None
    return "“" + " ".join(e.quote.text.split()) + "”"


def _position(problem: Problem) -> str:
    return f"{problem.file}:{problem.line}:{problem.col}"


def _at(err: RunError, index: int, checks: _Checks) -> str:
    """Where an evaluation error is: the expression itself when known, else its transition."""
    return _position(err.problem) if err.problem is not None else checks.where_transition(index)


def _where(scenario: Scenario, path: Path_) -> str:
    return scenario.document.where(path)


class _Checks:
    def __init__(self, scenario: Scenario, graph: StateGraph) -> None:
        self.scenario = scenario
        self.spec = scenario.spec
        self.graph = graph
        self.state_pos = {s.id: i for i, s in enumerate(self.spec.states)}
        self.notes: list[str] = []  # what the checks could not do, for the report

    def where_state(self, state: str) -> str:
        return _where(self.scenario, ("states", self.state_pos[state]))

    def where_transition(self, index: int) -> str:
        return _where(self.scenario, ("transitions", index))

    # --- static -----------------------------------------------------------------------------

    def static(self) -> list[Finding]:
        return [
            *self._outcome_and_stage_order(),
            *self._unused(),
            *self._guards_never_true(),
        ]

    def _outcome_and_stage_order(self) -> Iterable[Finding]:
        sc = self.scenario
        for t in sc.transitions:
            for s in t.sources:
                if sc.outcome_of(s) is not None:
                    yield Finding(
                        "transition_from_outcome",
                        t.name,
                        f"transition {t.name} leaves outcome state {s!r}; a run ends in an "
                        "outcome, so it can never fire",
                        self.where_transition(t.index),
                    )
                elif (
                    not t.spec.allow_backward
                    and sc.outcome_of(t.dest) is None
                    and sc.stage_index(sc.stage_of(t.dest)) < sc.stage_index(sc.stage_of(s))
                ):
                    yield Finding(
                        "backward_stage",
                        t.name,
                        f"transition {t.name} goes from stage {sc.stage_of(s)!r} back to the "
                        f"earlier stage {sc.stage_of(t.dest)!r} (set allow_backward: true if "
                        "intended)",
                        self.where_transition(t.index),
                    )

    def _reads(self) -> set[str]:
        """Every name read by some expression of the scenario."""
        texts: list[str | bool | int] = []
        for t in self.spec.transitions:
            texts += [t.guard, t.days, t.weight, *t.effects.values()]
            texts += [r.holds for r in t.requires]
        texts += [i.holds for i in self.spec.invariants]
        texts += [v.initial for v in self.spec.variables if not isinstance(v, EnumVariable)]
        texts += [s.days for s in self.spec.stages if s.days is not None]
        read: set[str] = set()
        for text in texts:
            read |= expr.names(expr.parse(expr.text_of(text)))
        return read

    def _unused(self) -> Iterable[Finding]:
        spec, sc = self.spec, self.scenario
        read = self._reads()
        written = {name for t in spec.transitions for name in t.effects}
        for i, v in enumerate(spec.variables):
            if v.id not in read and v.id not in written:
                yield Finding(
                    "unused_variable",
                    v.id,
                    f"variable {v.id!r} is never read or changed",
                    _where(sc, ("variables", i)),
                )
        for i, p in enumerate(spec.parameters):
            if p.id not in read:
                yield Finding(
                    "unused_parameter",
                    p.id,
                    f"parameter {p.id!r} is never read",
                    _where(sc, ("parameters", i)),
                )
        actors = {t.actor for t in spec.transitions}
        for i, party in enumerate(spec.parties):
            if party.id not in actors:
                yield Finding(
                    "unused_party",
                    party.id,
                    f"party {party.id!r} never acts in any transition",
                    _where(sc, ("parties", i)),
                )
        targets = {t.dest for t in spec.transitions}
        for s in spec.states:
            if s.id != spec.initial and s.id not in targets:
                yield Finding(
                    "unused_state",
                    s.id,
                    f"state {s.id!r} is not the initial state and no transition leads to it",
                    self.where_state(s.id),
                )

    def _guards_never_true(self) -> Iterable[Finding]:
        """Guards false for every value the variables' bounds allow (where enumerable)."""
        sc, graph = self.scenario, self.graph
        # Ranges, not lists: a domain is only walked when the combinations are few.
        domains: dict[str, Sequence[Any]] = {}
        sizes: dict[str, int] = {}
        for v in self.spec.variables:
            if isinstance(v, IntVariable):
                domains[v.id] = range(v.min, v.max + 1)
                sizes[v.id] = max(0, v.max - v.min + 1)  # len(range) overflows above 2^63
            elif isinstance(v, EnumVariable):
                domains[v.id] = v.values
                sizes[v.id] = len(v.values)
            else:
                domains[v.id] = (False, True)
                sizes[v.id] = 2
        clock = range(0, self.spec.horizon + 1)
        domains["day"] = domains["day_in_stage"] = clock
        sizes["day"] = sizes["day_in_stage"] = len(clock)
        undecided: list[str] = []
        for t in sc.transitions:
            names = sorted(set().union(*(expr.names(expr.parse(g)) for g in _guard_texts(t))))
            free = [n for n in names if n in domains]
            if _product(sizes[n] for n in free) > GUARD_DOMAIN_LIMIT:
                undecided.append(t.name)
                continue
            fixed: dict[str, Any] = dict(graph.params)
            stage_days = {
                graph.semantics.env_stage_days(s) for s in t.sources
            }  # one value per source stage
            satisfiable = False
            for length in stage_days:
                env = dict(fixed)
                if length is not None:
                    env["stage_days"] = length
                for combo in itertools.product(*(domains[n] for n in free)):
                    env.update(zip(free, combo))
                    try:
                        if t.guard(env):
                            satisfiable = True
                            break
                    except ZeroDivisionError:
                        satisfiable = True  # an evaluation error is reported elsewhere
                        break
                if satisfiable:
                    break
            if not satisfiable:
                yield Finding(
                    "guard_never_true",
                    t.name,
                    f"the guard of {t.name} is false for every value the variables' bounds "
                    f"allow: {' and '.join(_guard_texts(t))}",
                    self.where_transition(t.index),
                )
        if undecided:
            shown = ", ".join(undecided[:5]) + (", ..." if len(undecided) > 5 else "")
            self.notes.append(
                f"guard_never_true was not decided for {len(undecided):,} transition(s) "
                f"({shown}): their guards read more than {GUARD_DOMAIN_LIMIT:,} combinations of "
                "values (GUARD_DOMAIN_LIMIT in model/base/limits.py); the exploration still "
                "reports transitions that never fire (never_enabled)"
            )

    # --- dynamic ----------------------------------------------------------------------------

    def trace(self, node: int) -> tuple[dict[str, Any], ...]:
        graph, sc = self.graph, self.scenario
        out = []
        for n, edge in enumerate(graph.path_to(node), 1):
            out.append(
                step_record(
                    sc,
                    n,
                    graph.transition(edge),
                    graph.nodes[edge.source],
                    graph.nodes[edge.target],
                    sources=False,
                )
            )
        return tuple(out)

    def dynamic(self) -> list[Finding]:
        graph = self.graph
        if graph.initial_error is not None:
            return [self._start_error()]
        findings = [*self._step_errors(), *self._dead_ends(), *self._nondeterminism()]
        findings += self._cycles()
        if graph.complete:
            findings += self._unreached()
        return findings

    def _start_error(self) -> Finding:
        err = self.graph.initial_error
        kind = {InvariantViolated: "invariant_violated", OutOfBounds: "out_of_bounds"}.get(
            type(err), "evaluation_error"
        )
        target = getattr(err, "invariant", None) or getattr(err, "variable", None) or "start"
        where = "" if err is None or err.problem is None else _position(err.problem)
        return Finding(kind, target, f"the start already breaks a rule: {err}", where)

    def _step_errors(self) -> Iterable[Finding]:
        seen: dict[tuple[str, str], Finding] = {}
        graph, sc = self.graph, self.scenario
        for se in graph.step_errors:
            err = se.error
            t = sc.transitions[se.transition]
            if isinstance(err, InvariantViolated):
                kind, target = "invariant_violated", err.invariant
                where = _where(
                    sc, ("invariants", [i.id for i in self.spec.invariants].index(target))
                )
                message = f"invariant {target!r} is false after {t.name}"
            elif isinstance(err, OutOfBounds):
                kind, target, where = (
                    "out_of_bounds",
                    f"{t.name}: {err.variable}",
                    self.where_transition(t.index),
                )
                message = str(err)
            else:
                assert isinstance(err, EvaluationError)
                kind, target, where = "evaluation_error", t.name, _at(err, t.index, self)
                message = str(err)
            key = (kind, target)
            if key in seen:
                seen[key] = replace(seen[key], count=seen[key].count + 1)
                continue
            last = step_record(
                sc, len(graph.path_to(se.node)) + 1, t, graph.nodes[se.node], None, sources=False
            )
            last["error"] = str(err)
            seen[key] = Finding(kind, target, message, where, (*self.trace(se.node), last))
        return seen.values()

    def _dead_ends(self) -> Iterable[Finding]:
        graph = self.graph
        with_errors = {se.node for se in graph.step_errors}
        seen: dict[tuple[str, str], Finding] = {}
        for i, snap in enumerate(graph.nodes):
            if not graph.expanded[i] or graph.out_edges[i] or i in with_errors:
                continue
            if graph.is_outcome(i):
                continue
            horizon = graph.semantics.blocked_by_horizon(snap)
            kind = "horizon_reached" if horizon else "deadlock"
            key = (kind, snap.state)
            if key in seen:
                seen[key] = replace(seen[key], count=seen[key].count + 1)
                continue
            message = (
                f"in state {snap.state!r} the next event would pass the horizon "
                f"({self.spec.horizon} days): the run ends without an outcome"
                if horizon
                else f"no event can happen in state {snap.state!r}, which is not an outcome"
            )
            seen[key] = Finding(
                kind, snap.state, message, self.where_state(snap.state), self.trace(i)
            )
        return seen.values()

    def _nondeterminism(self) -> Iterable[Finding]:
        graph, sc = self.graph, self.scenario
        seen: dict[str, Finding] = {}
        for i in range(len(graph.nodes)):
            by_trigger: dict[str, set[int]] = {}
            for edge in graph.successors(i):
                by_trigger.setdefault(graph.transition(edge).trigger, set()).add(edge.transition)
            for trigger, indices in by_trigger.items():
                if len(indices) < 2:
                    continue
                if trigger in seen:
                    seen[trigger] = replace(seen[trigger], count=seen[trigger].count + 1)
                    continue
                names = ", ".join(sc.transitions[k].name for k in sorted(indices))
                seen[trigger] = Finding(
                    "nondeterminism",
                    trigger,
                    f"event {trigger!r} can be taken by {len(indices)} transitions at once "
                    f"({names}) in state {graph.nodes[i].state!r}",
                    self.where_transition(min(indices)),
                    self.trace(i),
                )
        return seen.values()

    def _cycles(self) -> list[Finding]:
        """Cycles from which no outcome can be reached (runs that neither hold nor end)."""
        graph = self.graph
        n = len(graph.nodes)
        reverse: list[list[int]] = [[] for _ in range(n)]
        for e in graph.edges:
            reverse[e.target].append(e.source)
        reach = [False] * n
        seeds = [i for i in range(n) if graph.is_outcome(i) or not graph.expanded[i]]
        queue = deque(seeds)
        for i in seeds:
            reach[i] = True
        while queue:
            j = queue.popleft()
            for k in reverse[j]:
                if not reach[k]:
                    reach[k] = True
                    queue.append(k)
        stuck = [i for i in range(n) if not reach[i]]
        findings: dict[str, Finding] = {}
        # Breadth-first order: the component with the smallest entry index is nearest the start.
        components = strongly_connected_components(
            stuck, lambda v: (e.target for e in graph.successors(v))
        )
        for component in sorted((sorted(c) for c in components), key=min):
            members = set(component)
            cyclic = len(component) > 1 or any(
                e.target == component[0] for e in graph.successors(component[0])
            )
            if not cyclic:
                continue
            entry = min(component)  # breadth-first order: the earliest reached is nearest
            states = sorted({graph.nodes[i].state for i in component})
            target = " + ".join(states)
            if target in findings:
                findings[target] = replace(findings[target], count=findings[target].count + 1)
                continue
            findings[target] = Finding(
                "no_outcome_cycle",
                target,
                f"a cycle of {len(component)} snapshots in {', '.join(map(repr, states))} from "
                "which no outcome can be reached: the run can go on for ever",
                self.where_state(states[0]),
                self.trace(entry),
                self._cycle_steps(entry, members),
            )
        return list(findings.values())

    def _cycle_steps(self, entry: int, members: set[int]) -> tuple[dict[str, Any], ...]:
        graph, sc = self.graph, self.scenario
        back: dict[int, Edge] = {}
        queue = deque([entry])
        found: Edge | None = None
        while queue and found is None:
            i = queue.popleft()
            for e in graph.successors(i):
                if e.target == entry:
                    found = e
                    break
                if e.target in members and e.target not in back:
                    back[e.target] = e
                    queue.append(e.target)
        assert found is not None
        path = [found]
        while path[-1].source != entry:
            path.append(back[path[-1].source])
        path.reverse()
        return tuple(
            step_record(
                sc,
                k,
                graph.transition(e),
                graph.nodes[e.source],
                graph.nodes[e.target],
                sources=False,
            )
            for k, e in enumerate(path, 1)
        )

    def _unreached(self) -> Iterable[Finding]:
        graph, sc = self.graph, self.scenario
        reached = {snap.state for snap in graph.nodes}
        unused = {s.id for s in self.spec.states if s.id != self.spec.initial} - {
            t.dest for t in self.spec.transitions
        }
        for s in self.spec.states:
            if s.id not in reached and s.id not in unused:
                yield Finding(
                    "unreachable_state",
                    s.id,
                    f"state {s.id!r} is never reached",
                    self.where_state(s.id),
                )
        labels = {s.outcome for s in self.spec.states if s.outcome}
        got = set(graph.outcome_nodes.values())
        for label in sorted(labels - got):
            state = next(s.id for s in self.spec.states if s.outcome == label)
            yield Finding(
                "unreachable_outcome",
                label,
                f"outcome {label!r} is never reached",
                self.where_state(state),
            )
        fired = {e.transition for e in graph.edges} | {se.transition for se in graph.step_errors}
        for t in sc.transitions:
            if t.index not in fired:
                yield Finding(
                    "never_enabled",
                    t.name,
                    f"transition {t.name} is never enabled{_requirements(t)}",
                    self.where_transition(t.index),
                )


def _guard_texts(t: CompiledTransition) -> list[str]:
    """The guard and every requirement of a transition, as expression texts."""
    texts = [expr.text_of(t.spec.guard), *(expr.text_of(r.holds) for r in t.spec.requires)]
    return [" ".join(text.split()) for text in texts]


def _requirements(t: CompiledTransition) -> str:
    """`` (requires, by hamas: war_ended and ...)`` for messages; empty without requirements."""
    parts = [
        (f"by {r.by}: " if r.by else "") + " ".join(expr.text_of(r.holds).split())
        for r in t.spec.requires
    ]
    return f" (it also requires {'; '.join(parts)})" if parts else ""


def _product(sizes: Iterable[int]) -> int:
    total = 1
    for s in sizes:
        total *= s
    return total
