"""Checks on the explored state graph: broken rules at the start or after a step, dead ends,
events that several transitions can take at once, cycles that never reach an outcome, and (when
the whole graph was explored) states, outcomes and transitions never reached. Each finding
carries the shortest trace from the start.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import replace
from itertools import pairwise
from typing import Any

from model.analysis.explore import Edge
from model.analysis.findings import Finding, ScenarioChecks
from model.analysis.graphs import strongly_connected_components
from model.base.errors import EvaluationError, InvariantViolated, OutOfBounds, Problem, RunError
from model.scenario import expr
from model.scenario.compiled import CompiledTransition
from model.scenario.expr import Compiled
from model.semantics.records import step_record


class GraphChecks(ScenarioChecks):
    """The findings in the explored graph, each with its shortest counterexample."""

    def trace(self, node: int) -> tuple[dict[str, Any], ...]:
        return tuple(self.edge_record(n, e) for n, e in enumerate(self.graph.path_to(node), 1))

    def findings(self) -> list[Finding]:
        graph = self.graph
        if graph.initial_error is not None:
            return [self._start_error()]
        findings = [*self._step_errors(), *self._dead_ends(), *self._nondeterminism()]
        findings += self._cycles()
        findings += [*self._deadlines_missed(), *self._stage_overruns()]
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
            t = sc.transition(se.transition)
            if isinstance(err, InvariantViolated):
                kind, target = "invariant_violated", err.invariant
                where = self.where(
                    ("invariants", [i.id for i in self.spec.invariants].index(target))
                )
                message = f"invariant {target!r} is false after {sc.labels.named(t.name)}"
            elif isinstance(err, OutOfBounds):
                kind, target, where = (
                    "out_of_bounds",
                    f"{t.name}: {err.variable}",
                    self.where_transition(t.index),
                )
                message = str(err)
            else:
                assert isinstance(err, EvaluationError)
                kind, target, where = "evaluation_error", t.name, self._at(err, t.index)
                message = str(err)
            key = (kind, target)
            if key in seen:
                seen[key] = replace(seen[key], count=seen[key].count + 1)
                continue
            number = len(graph.path_to(se.node)) + 1
            before = graph.nodes[se.node]
            last = step_record(sc, number, t, before, None, sources=False, params=graph.params)
            last["error"] = str(err)
            seen[key] = Finding(kind, target, message, where, (*self.trace(se.node), last))
        return seen.values()

    def _dead_ends(self) -> Iterable[Finding]:
        graph = self.graph
        with_errors = {se.node for se in graph.step_errors}
        offsets, flags, keys = graph.edge_offsets, graph.expanded_flags, graph.node_keys
        seen: dict[tuple[str, str], Finding] = {}
        # Out-edges of node i are offsets[i]:offsets[i + 1]: a dead end has none.
        for i, (first, end) in enumerate(pairwise(offsets)):
            if first != end or not flags[i] or i in with_errors or graph.is_outcome(i):
                continue
            state = graph.states[keys[i][0]]
            horizon = self._blocked(i)
            kind = "horizon_reached" if horizon else "deadlock"
            key = (kind, state)
            if key in seen:
                seen[key] = replace(seen[key], count=seen[key].count + 1)
                continue
            shown = self.scenario.labels.quoted("state", state)
            message = (
                f"in state {shown} the next event would pass the horizon "
                f"({self.spec.horizon} days): the run ends without an outcome"
                if horizon
                else f"no event can happen in state {shown}, which is not an outcome"
            )
            seen[key] = Finding(kind, state, message, self.where_state(state), self.trace(i))
        return seen.values()

    def _blocked(self, node: int) -> bool:
        """Whether only the horizon holds node ``node`` back."""
        return self.graph.table.blocked(self.graph.node_keys[node])

    def _nondeterminism(self) -> Iterable[Finding]:
        graph, sc = self.graph, self.scenario
        # Only a control state with two transitions on one trigger can have a node with two.
        shared: set[int] = set()
        for state, name in enumerate(graph.states):
            triggers = [t.trigger for t in sc.transitions if name in t.sources]
            if len(set(triggers)) < len(triggers):
                shared.add(state)
        if not shared:
            return []
        keys, offsets, transition = graph.node_keys, graph.edge_offsets, graph.edge_transition
        seen: dict[str, Finding] = {}
        for i in range(graph.node_count):
            if keys[i][0] not in shared:
                continue
            by_trigger: dict[str, set[int]] = {}
            for e in range(offsets[i], offsets[i + 1]):
                t = sc.transition(transition[e])
                by_trigger.setdefault(t.trigger, set()).add(t.index)
            for trigger, indices in by_trigger.items():
                if len(indices) < 2:
                    continue
                if trigger in seen:
                    seen[trigger] = replace(seen[trigger], count=seen[trigger].count + 1)
                    continue
                names = ", ".join(sc.transition(k).name for k in sorted(indices))
                labels = sc.labels
                seen[trigger] = Finding(
                    "nondeterminism",
                    trigger,
                    f"event {labels.quoted('event', trigger)} can be taken by {len(indices)} "
                    f"transitions at once ({names}) in state "
                    f"{labels.quoted('state', graph.state_of(i))}",
                    self.where_transition(min(indices)),
                    self.trace(i),
                )
        return seen.values()

    def _cycles(self) -> list[Finding]:
        """Cycles from which no outcome can be reached (runs that neither hold nor end)."""
        graph = self.graph
        n = graph.node_count
        offsets, targets, flags = graph.edge_offsets, graph.edge_target, graph.expanded_flags
        ending = [label is not None for label in graph.state_outcomes]
        # Nodes from which an outcome or a node not fully expanded can be reached. One pass
        # against breadth-first order settles most (most edges lead deeper); a backward
        # search over the edges out of the rest settles the others.
        reach = bytearray(not flags[i] or ending[key[0]] for i, key in enumerate(graph.node_keys))
        for i in range(n - 1, -1, -1):
            if not reach[i]:
                for j in targets[offsets[i] : offsets[i + 1]]:
                    if reach[j]:
                        reach[i] = 1
                        break
        rest = [i for i in range(n) if not reach[i]]
        reverse: dict[int, list[int]] = {}
        for i in rest:
            for j in targets[offsets[i] : offsets[i + 1]]:
                reverse.setdefault(j, []).append(i)
        queue = deque(j for j in reverse if reach[j])
        while queue:
            j = queue.popleft()
            for k in reverse.get(j, ()):
                if not reach[k]:
                    reach[k] = 1
                    queue.append(k)
        stuck = [i for i in rest if not reach[i]]
        findings: dict[str, Finding] = {}
        # Breadth-first order: the component with the smallest entry index is nearest the start.
        components = strongly_connected_components(
            stuck, lambda v: targets[offsets[v] : offsets[v + 1]]
        )
        for component in sorted((sorted(c) for c in components), key=min):
            members = set(component)
            cyclic = len(component) > 1 or any(
                e.target == component[0] for e in graph.successors(component[0])
            )
            if not cyclic:
                continue
            entry = min(component)  # breadth-first order: the earliest reached is nearest
            states = sorted({graph.state_of(i) for i in component})
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
                params=self.graph.params,
            )
            for k, e in enumerate(path, 1)
        )

    def _deadlines_missed(self) -> Iterable[Finding]:
        """Deadlines that fire somewhere: the obligation was still unmet on its day. Breadth-
        first order: the edge out of the earliest node is the end of a shortest run."""
        graph, sc = self.graph, self.scenario
        deadlines = {t.index for t in sc.transitions if t.kind == "deadline"}
        if not deadlines:
            return []
        first: dict[int, int] = {}  # transition -> edge id out of the earliest node
        count: dict[int, int] = {}
        labels = graph.edge_transition
        for e in range(graph.edge_count):
            label = labels[e]
            if label in deadlines:
                count[label] = count.get(label, 0) + 1
                first.setdefault(label, e)
        out = []
        for index in sorted(first):
            t, edge = sc.transitions[index], graph.edge(first[index])
            before = graph.nodes[edge.source]
            stage = sc.stage_of(before.state)
            last = step_record(
                sc,
                len(graph.path_to(edge.source)) + 1,
                t,
                before,
                graph.nodes[edge.target],
                sources=False,
                params=self.graph.params,
            )
            message = (
                f"deadline {sc.labels.named(t.name)} can be missed: when day "
                f"{before.day_in_stage} of stage {stage!r} (day {before.day} of the run) "
                f"begins, {t.spec.actor or 'no party'} has not met the obligation, so "
                f"{sc.labels.event(t.trigger)} happens before that day's events"
            )
            trace = (*self.trace(edge.source), last)
            where = self.where_transition(index)
            out.append(
                Finding("deadline_missed", t.name, message, where, trace, count=count[index])
            )
        return out

    def _stage_overruns(self) -> Iterable[Finding]:
        """Snapshots still in a stage after its declared length (day_in_stage > stage_days),
        the length evaluated in each snapshot (it may read variables); the earliest node of
        each stage is the end of a shortest run."""
        graph, sc, table = self.graph, self.scenario, self.graph.table
        # By state index: the stage's length under these parameters (an int), or its
        # expression when it reads variables (evaluated in each snapshot).
        lengths: dict[int, int | Compiled] = {}
        for i, state in enumerate(graph.states):
            f = sc.stage_days.get(sc.stage_of(state) or "")
            if graph.state_outcomes[i] is None and f is not None:
                fixed = table.env_stage_days(state)
                lengths[i] = f if fixed is None else fixed
        if not lengths:
            return []
        seen: dict[str, Finding] = {}
        for i, key in enumerate(graph.node_keys):
            length = lengths.get(key[0])
            if length is None:
                continue
            if not isinstance(length, int):
                try:
                    length = int(length(table.env(graph.nodes[i])))
                except ArithmeticError:
                    continue  # a length that cannot be evaluated is reported where it is read
            if key[2] - key[3] <= length:  # day - stage start: day_in_stage
                continue
            snap = graph.nodes[i]
            stage = sc.stage_of(snap.state) or ""
            if stage in seen:
                seen[stage] = replace(seen[stage], count=seen[stage].count + 1)
                continue
            seen[stage] = Finding(
                "stage_overrun",
                stage,
                f"stage {stage!r} lasts {length} days, but a run is still in it (state "
                f"{sc.labels.quoted('state', snap.state)}) on day {snap.day_in_stage} of the "
                "stage: the stage does not end "
                "when its days run out (a scheduled event `at: stage_days` leaving its states "
                "ends it on time)",
                self.where(("stages", [s.id for s in self.spec.stages].index(stage))),
                self.trace(i),
            )
        return seen.values()

    def _unreached(self) -> Iterable[Finding]:
        graph, sc = self.graph, self.scenario
        reached = {graph.states[k] for k in {key[0] for key in graph.node_keys}}
        unused = {s.id for s in self.spec.states if s.id != self.spec.initial} - {
            t.dest for t in self.spec.transitions
        }
        for s in self.spec.states:
            if s.id not in reached and s.id not in unused:
                yield Finding(
                    "unreachable_state",
                    s.id,
                    f"state {self.scenario.labels.quoted('state', s.id)} is never reached",
                    self.where_state(s.id),
                )
        labels = {s.outcome for s in self.spec.states if s.outcome}
        got = set(graph.outcome_nodes.values())
        for label in sorted(labels - got):
            state = next(s.id for s in self.spec.states if s.outcome == label)
            yield Finding(
                "unreachable_outcome",
                label,
                f"outcome {self.scenario.labels.quoted('outcome', label)} is never reached",
                self.where_state(state),
            )
        fired = set(graph.edge_transition) | {se.transition for se in graph.step_errors}
        for t in sc.transitions:
            if t.index not in fired:
                yield Finding(
                    "never_enabled",
                    t.name,
                    f"transition {sc.labels.named(t.name)} is never enabled{_requirements(t)}",
                    self.where_transition(t.index),
                )

    def _at(self, err: RunError, index: int) -> str:
        """Where an evaluation error is: the expression itself when known, else its transition."""
        return _position(err.problem) if err.problem is not None else self.where_transition(index)


def _position(problem: Problem) -> str:
    return f"{problem.file}:{problem.line}:{problem.col}"


def _requirements(t: CompiledTransition) -> str:
    """`` (requires, by hamas: war_ended and ...)`` for messages; empty without requirements."""
    parts = [
        (f"by {r.by}: " if r.by else "") + " ".join(expr.text_of(r.holds).split())
        for r in t.spec.requires
    ]
    return f" (it also requires {'; '.join(parts)})" if parts else ""
