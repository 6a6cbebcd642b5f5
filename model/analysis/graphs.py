"""Graph algorithms on Python adjacency (the checker's counterexamples, the layer test).

The exact analysis works on arrays instead (`model.analysis.chain`, scipy.sparse.csgraph)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence


def strongly_connected_components(
    nodes: Sequence[int], successors: Callable[[int], Iterable[int]]
) -> list[list[int]]:
    """Strongly connected components of the subgraph on ``nodes``.

    Iterative Tarjan (no recursion limit on deep state graphs); components come in reverse
    topological order: a component is listed before every component that can reach it.
    Successors outside ``nodes`` are ignored.
    """
    member = set(nodes)
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work: list[tuple[int, Iterator[int]]] = [(root, iter(successors(root)))]
        while work:
            v, pending = work[-1]
            descended = False
            for w in pending:
                if w not in member:
                    continue
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(successors(w))))
                    descended = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if descended:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                out.append(component)
    return out
