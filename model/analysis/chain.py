"""The explored state graph as an absorbing Markov chain held in arrays (numpy, scipy.sparse).

`chain(graph)` reduces a complete `StateGraph` to what the exact solvers
(`model.analysis.exact`) need: per node its day, whether and how runs end there, the sum of
enabled weights and the share of it whose step breaks a rule; per edge its source, target and
weight; which nodes can reach an ending (``live``); and the strongly connected components
(`scipy.sparse.csgraph.connected_components`), in topological order. Everything is computed
on arrays, without a Python loop over nodes or edges, except for the few nodes where a step
breaks a rule or no event can happen (their snapshots are asked why).

`_graph_arrays` is the one function that reads the graph's edges and nodes: it takes the
explorer's own arrays (``edge_source``, ``edge_target``, ``edge_weight``, ``node_keys``)
without building an object per node or edge.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from model.analysis.explore import StateGraph
from model.base.errors import RunError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Ints = NDArray[np.int64]
    Weights = NDArray[Any]  # int64, or object (Python ints) for weights past int64

Kind = Literal["outcome", "no_outcome"]
TRANSIENT = -1
"""``Chain.ending`` of a node where runs do not end."""


@dataclass
class Chain:
    """The explored graph reduced to what the solvers need (node ids as in the graph)."""

    n: int
    day: Ints
    ending: Ints  # index into `keys` of how runs end at the node, or TRANSIENT
    keys: list[tuple[Kind, str]]  # outcomes in declaration order, then "stuck", "horizon"
    source: Ints  # edges a run can take (none out of an error-only node)
    target: Ints
    label: Ints  # per edge: its transition (`DAYS`: days pass)
    edge: Ints  # per edge: its id in the explored graph
    weight: Weights
    days: Ints  # per edge: the days the step takes
    total: Weights  # per node: sum of enabled weights, error steps included (0: terminal)
    error_weight: Weights  # per node: share of `total` whose step breaks a rule
    live: NDArray[np.bool_]  # an ending (terminal node or error) can be reached from here
    component: Ints  # strongly connected component of each node
    order: Ints  # component ids in topological order (a component before those it reaches)
    cyclic: NDArray[np.bool_]  # per component: it has a cycle (several nodes or a self-loop)

    @property
    def transient(self) -> Ints:
        """Live nodes where runs do not end, in topological order of their components."""
        import numpy as np

        rank = np.empty_like(self.order)
        rank[self.order] = np.arange(len(self.order))
        nodes = np.flatnonzero(self.live & (self.ending == TRANSIENT))
        return nodes[np.argsort(rank[self.component[nodes]], kind="stable")]


@dataclass
class _Arrays:
    n: int
    day: Ints
    outcome: Ints  # index into `labels`, or -1
    labels: list[str]
    source: Ints
    target: Ints
    label: Ints
    weight: Weights
    days: Ints


@dataclass(frozen=True)
class Restriction:
    """Part of a graph's steps: the chain of a strategy (`model.analysis.game`). ``keep``:
    per graph edge, whether runs may take it; ``dropped``: the (node, transition) steps that
    break a rule and are not taken either."""

    keep: NDArray[np.bool_]
    dropped: frozenset[tuple[int, int]] = frozenset()


def _graph_arrays(graph: StateGraph) -> _Arrays:
    """The graph's nodes and edges as arrays: the one place that reads `StateGraph`."""
    import numpy as np

    labels: dict[str, int] = {}
    code = [
        labels.setdefault(outcome, len(labels)) if outcome is not None else -1
        for outcome in graph.state_outcomes
    ]
    keys = graph.node_keys
    n = graph.node_count
    if isinstance(graph.edge_weight, array):  # int64 already: no copy through Python ints
        weight: Weights = _int64(graph.edge_weight)
    else:  # a weight past 2**63: exact integers as Python objects
        weight = np.array(list(graph.edge_weight), dtype=object)
    return _Arrays(
        n=n,
        day=np.fromiter((k[2] for k in keys), np.int64, n),
        outcome=np.fromiter((code[k[0]] for k in keys), np.int64, n),
        labels=list(labels),
        source=_int64(graph.edge_source),
        target=_int64(graph.edge_target),
        label=_int64(graph.edge_transition),
        weight=weight,
        days=_int64(graph.edge_days),
    )


def _int64(column: array[int]) -> Ints:
    """An ``array('q')`` column as a numpy int64 array of its own (the graph keeps its copy)."""
    import numpy as np

    return np.frombuffer(column, np.int64).copy()


def chain(graph: StateGraph, restriction: Restriction | None = None) -> Chain:
    """The absorbing chain of a complete explored graph (every node expanded); with a
    ``restriction``, of the steps it keeps only (each node's weights shared among those)."""
    import numpy as np

    a = _graph_arrays(graph)
    n = a.n
    source, target, weight, days, label = a.source, a.target, a.weight, a.days, a.label
    edge = np.arange(len(source), dtype=np.int64)
    if restriction is not None:
        k = restriction.keep
        source, target, weight, days, label, edge = (
            source[k],
            target[k],
            weight[k],
            days[k],
            label[k],
            edge[k],
        )
    failing, broken = error_steps(graph)
    dropped = frozenset() if restriction is None else restriction.dropped
    errors = {
        i: sum(w for t, w in weights.items() if (i, t) not in dropped)
        for i, weights in failing.items()
    }
    if weight.dtype != object:
        degree = int(np.bincount(source, minlength=n).max()) if len(source) else 0
        largest = int(weight.max()) if len(weight) else 0
        # A node's sum (its steps' weights and those of its steps that break a rule, which
        # are not edges) could overflow int64.
        if largest * degree + max(errors.values(), default=0) >= 2**63:
            weight = weight.astype(object)
    error_weight = np.zeros(n, dtype=weight.dtype)
    for i, w in errors.items():
        error_weight[i] = w
    if len(broken):  # a guard, weight or duration cannot be evaluated: runs stop there
        error_weight[broken] = 1
        keep = ~np.isin(source, broken)
        source, target, weight, days = source[keep], target[keep], weight[keep], days[keep]
        label, edge = label[keep], edge[keep]
    total = error_weight.copy()
    np.add.at(total, source, weight)
    ending = a.outcome.copy()
    keys: list[tuple[Kind, str]] = [("outcome", label) for label in a.labels]
    keys += [("no_outcome", "stuck"), ("no_outcome", "horizon")]
    stuck = len(a.labels)
    ending[ending < 0] = TRANSIENT
    table, keys_ = graph.table, graph.node_keys
    for i in np.flatnonzero((total == 0) & (ending == TRANSIENT)).tolist():
        ending[i] = stuck + table.blocked(keys_[i])
    live = _live(n, source, target, (ending != TRANSIENT) | (error_weight != 0))
    component, order, cyclic = components(n, source, target)
    return Chain(
        n, a.day, ending, keys, source, target, label, edge, weight, days, total, error_weight,
        live, component, order, cyclic,
    )  # fmt: skip


def absorbing(c: Chain, stop: NDArray[np.bool_]) -> Chain:
    """``c`` with runs stopped at the nodes in ``stop``: their steps (and the error share of
    them) removed, so the mass a solver leaves there is the probability of reaching them
    first (`model.analysis.queries`). Nodes of ``stop`` where runs do not end otherwise get
    the ending ``("no_outcome", "stopped")``."""

    keep = ~stop[c.source]
    source, target = c.source[keep], c.target[keep]
    ending = c.ending.copy()
    keys = [*c.keys, ("no_outcome", "stopped")]
    ending[stop & (ending == TRANSIENT)] = len(keys) - 1
    error_weight = c.error_weight.copy()
    error_weight[stop] = 0
    total = c.total.copy()
    total[stop] = 0
    live = _live(c.n, source, target, (ending != TRANSIENT) | (error_weight != 0))
    component, order, cyclic = components(c.n, source, target)
    return Chain(
        c.n, c.day, ending, keys, source, target, c.label[keep], c.edge[keep], c.weight[keep],
        c.days[keep], total,
        error_weight, live, component, order, cyclic,
    )  # fmt: skip


def error_steps(graph: StateGraph) -> tuple[dict[int, dict[int, int]], Ints]:
    """The steps that break a rule: per node, the weight of each failing transition; and the
    nodes where listing the enabled events itself fails (their whole weight is an error)."""
    import numpy as np

    errors: dict[int, set[int]] = {}
    for se in graph.step_errors:
        errors.setdefault(se.node, set()).add(se.transition)
    failing: dict[int, dict[int, int]] = {}
    broken = []
    for i, transitions in errors.items():
        try:
            enabled = graph.table.events(graph.node_keys[i])
        except RunError:
            broken.append(i)
        else:
            weights = failing[i] = {}
            for t, w, _ in enabled:
                if t in transitions:
                    weights[t] = weights.get(t, 0) + w
    return failing, np.asarray(broken, dtype=np.int64)


def _live(
    n: int, source: Ints, target: Ints, ends: NDArray[np.bool_]
) -> NDArray[np.bool_]:  # fmt: skip
    """Nodes from which a node in ``ends`` can be reached: one breadth-first search of the
    reversed graph from an extra node ``n`` with an edge to every node in ``ends``."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order

    extra = np.flatnonzero(ends)
    rows = np.concatenate([target, np.full(len(extra), n, dtype=np.int64)])
    cols = np.concatenate([source, extra])
    reverse = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n + 1, n + 1))
    reached = breadth_first_order(reverse, n, directed=True, return_predecessors=False)
    live = np.zeros(n + 1, dtype=bool)
    live[reached] = True
    return live[:n]


def components(
    n: int, source: Ints, target: Ints
) -> tuple[Ints, Ints, NDArray[np.bool_]]:  # fmt: skip
    """Strongly connected components, their topological order and which have a cycle."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    adjacency = csr_matrix((np.ones(len(source)), (source, target)), shape=(n, n))
    count, labels = connected_components(adjacency, directed=True, connection="strong")
    component: Ints = labels.astype(np.int64)
    a, b = component[source], component[target]
    across = a != b
    if bool(np.all(a[across] > b[across])):
        # scipy numbers components as Tarjan's algorithm completes them (a component after
        # every one it reaches); checked above, since scipy does not promise it.
        order = np.arange(count - 1, -1, -1, dtype=np.int64)
    else:  # pragma: no cover - only if scipy numbers components otherwise
        order = _topological(count, a[across], b[across])
    cyclic = np.bincount(component, minlength=count) > 1
    cyclic[component[source[source == target]]] = True
    return component, order, cyclic


def _topological(count: int, a: Ints, b: Ints) -> Ints:  # pragma: no cover - see above
    """Kahn's algorithm on the condensation (edges ``a[k] -> b[k]``)."""
    import numpy as np
    from scipy.sparse import csr_matrix

    dag = csr_matrix((np.ones(len(a)), (a, b)), shape=(count, count))
    indptr, indices = dag.indptr.tolist(), dag.indices.tolist()
    indegree = np.bincount(dag.indices, minlength=count).tolist()
    ready = [c for c in range(count) if indegree[c] == 0]
    out = []
    while ready:
        c = ready.pop()
        out.append(c)
        for d in indices[indptr[c] : indptr[c + 1]]:
            indegree[d] -= 1
            if indegree[d] == 0:
                ready.append(d)
    return np.asarray(out, dtype=np.int64)
