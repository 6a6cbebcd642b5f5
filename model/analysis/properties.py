"""The scenario's properties (``properties:``), proved or refuted on the explored graph.

Each property becomes a small deterministic monitor run alongside the graph
(`model.analysis.lassos`). In every run, a property fails when some run breaks it: a safety
break (always, never; until and leads-to within N days once their condition is broken or the
days run out) is shown by a shortest run; a liveness break (eventually, leads-to, until never
reached) by a lasso, a shortest prefix and a cycle repeated for ever. In some run, a property
holds when some run satisfies it: the witness is a shortest run (eventually, until) or a lasso
(always, never, leads-to). A run that ends stays in its last snapshot for ever; with ``fair``
only weakly fair runs count (see `model.analysis.lassos`). Fairness cannot change a safety
verdict: every finite run can be continued fairly.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from model.analysis.explore import StateGraph
from model.analysis.findings import Finding, ScenarioChecks
from model.analysis.lassos import STUTTER, Lasso, Product, first_node
from model.scenario import expr, walk
from model.scenario.properties import conditions
from model.scenario.schema import Property
from model.semantics.compiler import parse

Status = Literal["holds", "fails", "undecided"]
_CLOCK = frozenset({"day", "day_in_stage"})


@dataclass(frozen=True)
class PropertyResult:
    """A property's verdict, with the run that shows it (a counterexample when it fails in
    every run, a witness when it holds in some run)."""

    id: str
    kind: str
    statement: str  # the property in words, as written
    quantifier: str  # "every run" or "some run"
    fair: bool
    status: Status
    message: str
    where: str
    run: Lasso | None = None
    trace: tuple[dict[str, Any], ...] = ()
    cycle: tuple[dict[str, Any], ...] = ()

    def finding(self) -> Finding:
        """A failed property as a finding (kind ``property_violated``)."""
        return Finding(
            "property_violated", self.id, self.message, self.where, self.trace, self.cycle
        )


def statement(p: Property) -> str:
    """``leads_to: a -> b within 42 days`` and the like, from the property as written."""

    def t(value: str | bool | int) -> str:
        return " ".join(expr.text_of(value).split())

    if p.leads_to is not None:
        within = f" within {p.leads_to.within_days} days" if p.leads_to.within_days else ""
        if p.leads_to.within_days == 0:
            within = " on the same day"
        return f"leads_to: {t(p.leads_to.from_)} -> {t(p.leads_to.to)}{within}"
    if p.until is not None:
        return f"until: {t(p.until.holds)} until {t(p.until.until)}"
    text = getattr(p, p.kind)
    return f"{p.kind}: {t(text)}"


class PropertyChecks(ScenarioChecks):
    """Every property of the scenario on one explored graph."""

    def results(self) -> list[PropertyResult]:
        return [self.check(i, p) for i, p in enumerate(self.spec.properties)]

    def check(self, i: int, p: Property) -> PropertyResult:
        graph = self.graph
        found: Lasso | None = None
        status: Status = "undecided"
        undecided = f"{statement(p)}, in {p.in_}: not decided"
        if graph.initial is None:
            message = f"{undecided}: the start breaks a rule"
        elif graph.table.clock is not None and self._reads_clock(p):
            message = (
                f"{undecided}: it reads the clock, which the checker keeps exactly only up to "
                "the largest day a step compares it with (the scenario has no horizon)"
            )
        else:
            try:
                preds = [self._values(text) for _, text in conditions(p)]
            except ArithmeticError as exc:
                preds, message = [], f"{undecided}: a condition cannot be evaluated ({exc})"
            if preds:
                found = search(graph, p, preds)
                every = p.in_ == "every run"
                status = "holds" if (found is None) == every else "fails"
                if found is None and not graph.complete:
                    status = "undecided"  # a run found is a run; none found proves nothing
                message = self._message(p, status, found)
        trace, cycle = self._records(found) if found is not None else ((), ())
        return PropertyResult(
            id=p.id,
            kind=p.kind,
            statement=statement(p),
            quantifier=p.in_,
            fair=p.fair,
            status=status,
            message=message,
            where=self.where(("properties", i)),
            run=found,
            trace=trace,
            cycle=cycle,
        )

    def _reads_clock(self, p: Property) -> bool:
        if p.leads_to is not None and p.leads_to.within_days is not None:
            return True
        return any(
            walk.names(self.scenario.expand(parse(text))) & _CLOCK for _, text in conditions(p)
        )

    def _values(self, text: str | bool | int) -> bytearray:
        """The condition's truth in each explored snapshot."""
        graph = self.graph
        fns = graph.table.by_state(text)
        return bytearray(
            bool(fns[key[0]]((*key[1], key[2], key[2] - key[3]))) for key in graph.node_keys
        )

    def _message(self, p: Property, status: Status, found: Lasso | None) -> str:
        fairly = " (fair runs only: an event that stays possible happens)" if p.fair else ""
        what = f"{statement(p)}, in {p.in_}{fairly}"
        if status == "undecided":
            return f"{what}: not decided, the search stopped at {self.graph.max_states:,} states"
        if status == "holds":
            if p.in_ == "some run":
                return f"{what}: holds; the run below shows it"
            return f"{what}: holds"
        if found is None:
            return f"{what}: fails; no run satisfies it"
        start = "" if found.prefix else ", from the start"
        if not found.cycle:
            if not found.prefix:
                return f"{what}: fails already at the start"
            return f"{what}: fails; the run below breaks it at its last step"
        if found.cycle == (STUTTER,):
            return f"{what}: fails; the run below{start} ends and stays in its last snapshot"
        return f"{what}: fails; the run below{start} repeats its cycle for ever"

    def _records(self, run: Lasso) -> tuple[tuple[dict[str, Any], ...], tuple[dict[str, Any], ...]]:
        graph = self.graph

        def records(edges: Sequence[int], first: int) -> tuple[dict[str, Any], ...]:
            out = []
            for k, e in enumerate(edges, first):
                if e == STUTTER:
                    continue
                out.append(self.edge_record(k, graph.edge(e)))
            return tuple(out)

        return records(run.prefix, 1), records(run.cycle, 1)


def search(graph: StateGraph, p: Property, preds: list[bytearray]) -> Lasso | None:
    """The counterexample (in every run) or witness (in some run) of ``p``, given each
    condition's truth by node (``preds``, in the order of `conditions`)."""
    every = p.in_ == "every run"
    fair = p.fair
    day = [key[2] for key in graph.node_keys]
    if p.kind in ("always", "never"):
        good = preds[0] if p.kind == "always" else bytearray(1 - v for v in preds[0])
        if every:  # a snapshot where it is broken
            return first_node(graph, [not g for g in good])
        # some run: a (fair) lasso among the good snapshots
        product = Product(graph, lambda n: 0, lambda m, n: 0, keep=lambda n, m: bool(good[n]))
        return product.lasso(lambda n, m: True, fair)
    if p.kind == "eventually":
        target = preds[0]
        if every:  # a (fair) lasso that never meets it
            product = Product(graph, lambda n: 0, lambda m, n: 0, keep=lambda n, m: not target[n])
            return product.lasso(lambda n, m: True, fair)
        return first_node(graph, target)
    if p.kind == "until":
        hold, until = preds
        if every:
            product = Product(graph, *_until_monitor(until, hold))
            broken = product.first(lambda n, m: m == "broken")
            if broken is not None:
                return broken
            return product.lasso(lambda n, m: m == 0, fair)
        product = Product(graph, *_until_monitor(until, hold), keep=lambda n, m: m != "broken")
        return product.first(lambda n, m: m == 1)
    assert p.leads_to is not None
    start, to = preds
    within = p.leads_to.within_days
    monitor = _leads_to_monitor(start, to, within, day)
    if every:
        product = Product(graph, *monitor)
        late = product.first(lambda n, m: m == "late")
        if late is not None:
            return late
        return product.lasso(lambda n, m: m is not None and m != "late", fair)
    product = Product(graph, *monitor, keep=lambda n, m: m != "late")
    return product.lasso(lambda n, m: True, fair, accepting=lambda n, m: m is None)


Monitor = tuple[Callable[[int], Hashable], Callable[[Hashable, int], Hashable]]


def _until_monitor(until: bytearray, hold: bytearray) -> Monitor:
    """0: waiting for `until` while `hold` holds; 1: it came; "broken": `hold` failed first."""

    def on(m: Hashable, n: int) -> Hashable:
        if m != 0:
            return m
        if until[n]:
            return 1
        return 0 if hold[n] else "broken"

    return (lambda n: on(0, n)), on


def _leads_to_monitor(
    start: bytearray, to: bytearray, within: int | None, day: list[int]
) -> Monitor:
    """None: nothing owed; an int: the day since which `to` is owed (0 without a limit);
    "late": the days ran out."""

    def on(m: Hashable, n: int) -> Hashable:
        if m == "late":
            return m
        if m is not None and within is not None and day[n] - int(m) > within:  # type: ignore[call-overload]
            return "late"
        if to[n]:
            return None
        if m is None and start[n]:
            return day[n] if within is not None else 0
        return m

    return (lambda n: on(None, n)), on
