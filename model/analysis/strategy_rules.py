"""A coalition's strategy in the scenario's terms: rules, the first move, a sample run.

A strategy (`model.analysis.game.Policy`) fixes a choice at every snapshot where the coalition
has one; most of those snapshots are never reached under it. `rules` keeps the snapshots
reached with positive probability and groups them by control state and choice, with the
values every snapshot of the group shares (the conditions under which the rule applies) and
the days on which it applies.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from model.analysis.explore import StateGraph
from model.analysis.game import PASS, Game, Policy, taken
from model.scenario.expr import Value


@dataclass(frozen=True)
class Rule:
    """In ``state``, when the values in ``when`` hold, the coalition takes ``transition``
    (None: it leaves the step to the others)."""

    state: str
    transition: int | None
    when: Mapping[str, Value]
    """The values every snapshot of the rule shares (the other variables vary)."""
    varying: tuple[str, ...]
    first_day: int
    last_day: int
    snapshots: int
    first_node: int
    """The first snapshot (in breadth-first order) where the rule applies."""


def coalition_pick(game: Game, node: int, policy: Mapping[int, tuple[int, ...]]) -> int | None:
    """The transition the coalition takes at ``node`` (None: it lets the others act, or it
    has no choice there); -1 when it has no choice."""
    ch = game.choices.get(node)
    if ch is None or ch.layers[0][0] != "coalition":
        return -1
    pick = policy[node][0]
    return None if pick == PASS else ch.layers[0][1][pick][1]


def reached(game: Game, policy: Mapping[int, tuple[int, ...]]) -> list[int]:
    """Snapshots reached with positive probability under ``policy``, in breadth-first order."""
    c = game.chain
    targets = c.target.tolist()
    seen = {0}
    order = [0]
    for i in order:
        if c.ending[i] != -1:
            continue
        for k in taken(game, i, policy)[0]:
            j = targets[k]
            if j not in seen:
                seen.add(j)
                order.append(j)
    return order


def rules(game: Game, policy: Policy) -> list[Rule]:
    """The coalition's choices reached under ``policy``, grouped by state and choice, in the
    order they are first met."""
    graph = game.graph
    names = graph.scenario.variable_names
    groups: dict[tuple[int, int | None], list[int]] = {}
    for i in sorted(reached(game, policy)):
        pick = coalition_pick(game, i, policy)
        if pick != -1:
            groups.setdefault((graph.node_keys[i][0], pick), []).append(i)
    # The values that tell a state's rules apart: those shared within a rule but not by
    # every snapshot of the state where the coalition chooses.
    common: dict[int, set[int]] = {}
    for (state, _), nodes in groups.items():
        same = _shared(graph, nodes)
        common[state] = common[state] & same if state in common else same
    everywhere = {
        state: {
            k
            for k in ks
            if len(
                {
                    graph.node_keys[i][1][k]
                    for (s, _), ns in groups.items()
                    if s == state
                    for i in ns
                }
            )
            == 1
        }
        for state, ks in common.items()
    }
    out = []
    for (state, pick), nodes in groups.items():
        keys = [graph.node_keys[i] for i in nodes]
        shared = {
            names[k]: keys[0][1][k] for k in sorted(_shared(graph, nodes) - everywhere[state])
        }
        days = [key[2] for key in keys]
        out.append(
            Rule(
                graph.states[state],
                pick,
                shared,
                tuple(n for n in names if n not in shared),
                min(days),
                max(days),
                len(nodes),
                nodes[0],
            )
        )
    return out


def _shared(graph: StateGraph, nodes: list[int]) -> set[int]:
    """The variables (by position) with one value over ``nodes``."""
    keys = [graph.node_keys[i][1] for i in nodes]
    return {k for k in range(len(keys[0])) if all(v[k] == keys[0][k] for v in keys)}


def first_move(game: Game, policy: Policy) -> Rule | None:
    """The coalition's choice at the first snapshot, in breadth-first order, where it has
    one under ``policy`` (None: it never has a choice)."""
    found = rules(game, policy)
    return min(found, key=lambda r: r.first_node) if found else None


def sample_path(
    game: Game, policy: Mapping[int, tuple[int, ...]], seed: int | None, max_steps: int
) -> tuple[list[int], str | None]:
    """A random run under ``policy``: the chain edges it takes, and the failing transition's
    error (its label) if it ends with a step that breaks a rule, else None."""
    c = game.chain
    rng = random.Random(seed)
    targets, weights = c.target.tolist(), c.weight.tolist()
    node, path = 0, list[int]()
    while c.ending[node] == -1 and len(path) < max_steps:
        edges, errors = taken(game, node, policy)
        failing = game.failing.get(node, {})
        error_weight = sum(failing.get(t, 0) for t in errors) if node in game.choices else 0
        if node not in game.choices:
            error_weight = int(c.error_weight[node])
        options: Sequence[int] = edges
        total = sum(weights[k] for k in options) + error_weight
        if total == 0:
            break
        r = rng.randrange(total)
        if r >= total - error_weight:
            return path, "error"
        for k in options:
            r -= weights[k]
            if r < 0:
                path.append(k)
                node = targets[k]
                break
    return path, None


__all__ = ["Rule", "coalition_pick", "first_move", "reached", "rules", "sample_path"]
