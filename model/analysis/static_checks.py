"""Checks of a scenario's definition, before any run: transitions leaving an outcome or going
back a stage, unused states, variables, parameters and parties, and guards that are false for
every value the variables' bounds allow (``guard_never_true``, decided by enumerating the
guard's domain when it has at most ``GUARD_DOMAIN_LIMIT`` combinations).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from model.analysis.explore import StateGraph
from model.analysis.findings import Finding, ScenarioChecks
from model.base.limits import GUARD_DOMAIN_LIMIT
from model.scenario import expr, walk
from model.scenario.compiled import CompiledTransition, Scenario
from model.scenario.schema import EnumVariable, IntVariable


class StaticChecks(ScenarioChecks):
    """The definition-time findings; ``notes`` says which checks could not be decided."""

    def __init__(self, scenario: Scenario, graph: StateGraph) -> None:
        super().__init__(scenario, graph)
        self.notes: list[str] = []  # what the checks could not do, for the report

    def findings(self) -> list[Finding]:
        return [
            *self._outcome_and_stage_order(),
            *self._unused(),
            *self._guards_never_true(),
            *self._stage_lengths_unenforced(),
            *self._risk_chances(),
        ]

    def _stage_lengths_unenforced(self) -> Iterable[Finding]:
        """Stages with ``days`` that nothing ends: no scheduled event or deadline leaves their
        states, and no transition leaving them reads ``stage_days`` (a hand-made end such as a
        decision taking ``stage_days - day_in_stage`` days counts as enforcing it)."""
        sc = self.scenario
        for i, st in enumerate(self.spec.stages):
            if st.days is None:
                continue
            states = {s.id for s in self.spec.states if s.stage == st.id and not s.outcome}
            leaving = [t for t in sc.transitions if states & set(t.sources)]
            if any(t.kind in ("scheduled", "deadline") for t in leaving):
                continue
            if any("stage_days" in _reads(t) for t in leaving):
                continue
            yield Finding(
                "stage_length_unenforced",
                st.id,
                f"stage {st.id!r} declares a length ({expr.text_of(st.days)} days) that "
                "nothing enforces: no scheduled event or deadline leaves its states (add one "
                "with `schedule: {at: stage_days}` to end the stage when its days run out)",
                self.where(("stages", i)),
            )

    def _risk_chances(self) -> Iterable[Finding]:
        """Risks whose chance is a constant 0 (they never happen) or above their ``in``."""
        params = self.graph.params
        for t in self.scenario.transitions:
            risk = t.spec.risk
            if risk is None:
                continue
            try:
                chance = int(expr.compile_expr(expr.parse(expr.text_of(risk.chance)))(params))
                out_of = int(expr.compile_expr(expr.parse(expr.text_of(risk.in_)))(params))
            except (KeyError, ArithmeticError):
                continue  # reads variables or the clock: decided in each snapshot
            if chance == 0:
                why = "its chance is 0, so it never happens"
            elif out_of <= 0 or not 0 <= chance <= out_of:
                why = (
                    f"its chance ({chance} in {out_of}) is not between 0 and its 'in' (which "
                    "must be above 0): every run that enables it breaks"
                )
            else:
                continue
            yield Finding(
                "risk_chance_invalid",
                t.name,
                f"risk {t.name}: {why}",
                self.where(("transitions", t.index, "risk")),
            )

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

    def _unused(self) -> Iterable[Finding]:
        spec = self.spec
        read = walk.spec_reads(self.spec)
        written = {name for t in spec.transitions for name in t.effects}
        for i, v in enumerate(spec.variables):
            if v.id not in read and v.id not in written:
                yield Finding(
                    "unused_variable",
                    v.id,
                    f"variable {v.id!r} is never read or changed",
                    self.where(("variables", i)),
                )
        for i, p in enumerate(spec.parameters):
            if p.id not in read:
                yield Finding(
                    "unused_parameter",
                    p.id,
                    f"parameter {p.id!r} is never read",
                    self.where(("parameters", i)),
                )
        for i, table in enumerate(spec.tables):
            if table.id not in read:
                yield Finding(
                    "unused_table",
                    table.id,
                    f"table {table.id!r} is never read",
                    self.where(("tables", i)),
                )
        actors = {t.actor for t in spec.transitions}
        for i, party in enumerate(spec.parties):
            if party.id not in actors:
                yield Finding(
                    "unused_party",
                    party.id,
                    f"party {party.id!r} never acts in any transition",
                    self.where(("parties", i)),
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
        clock = range(0, _last_day(graph) + 1)
        domains["day"] = domains["day_in_stage"] = clock
        sizes["day"] = sizes["day_in_stage"] = len(clock)
        undecided: list[str] = []
        by_length = False
        for t in sc.transitions:
            # Derived quantities written out: the guard is a function of the names they read.
            trees = [sc.expand(expr.parse(g)) for g in _guard_texts(t)]
            guard = expr.compile_expr(expr.BoolOp("and", tuple(trees)), sc.tables)
            names = sorted(set().union(*(walk.names(tree) for tree in trees)))
            free = [n for n in names if n in domains]
            if _product(sizes[n] for n in free) > GUARD_DOMAIN_LIMIT:
                undecided.append(t.name)
                continue
            fixed: dict[str, Any] = dict(graph.params)
            stage_days = {
                graph.table.env_stage_days(s) for s in t.sources
            }  # one value per source stage
            if None in stage_days and "stage_days" in names:
                undecided.append(t.name)  # a length that reads variables is not enumerated
                by_length = True
                continue
            satisfiable = False
            for length in stage_days:
                env = dict(fixed)
                if length is not None:
                    env["stage_days"] = length
                for combo in itertools.product(*(domains[n] for n in free)):
                    env.update(zip(free, combo))
                    try:
                        if guard(env):
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
                "values (GUARD_DOMAIN_LIMIT in model/base/limits.py)"
                + (" or a stage length that reads variables" if by_length else "")
                + "; the exploration still "
                "reports transitions that never fire (never_enabled)"
            )


def _last_day(graph: StateGraph) -> int:
    """The last day a guard can tell apart: the horizon, or past the saturating clock's caps
    (every later day reads the same, docs/semantics.md)."""
    clock = graph.table.clock
    if clock is None:
        return graph.table.horizon
    return max(clock.day, clock.stage) + max(clock.stage_period, clock.state_period)


def _reads(t: CompiledTransition) -> set[str]:
    """The names a transition's guard, requirements, weight and days read."""
    texts = [t.spec.guard, t.spec.weight, t.spec.days, *(r.holds for r in t.spec.requires)]
    return set().union(*(walk.names(expr.parse(expr.text_of(x))) for x in texts))


def _guard_texts(t: CompiledTransition) -> list[str]:
    """The guard and every requirement of a transition, as expression texts."""
    texts = [expr.text_of(t.spec.guard), *(expr.text_of(r.holds) for r in t.spec.requires)]
    return [" ".join(text.split()) for text in texts]


def _product(sizes: Iterable[int]) -> int:
    total = 1
    for s in sizes:
        total *= s
    return total
