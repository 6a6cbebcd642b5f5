"""A party's (or coalition's) choices on the explored graph: a Markov decision process.

The exact analysis (`model.analysis.exact`) draws every decision by weight. Here the
decisions of a chosen **coalition** of parties become its choices, on the same explored graph
and the same chain (`model.analysis.chain`):

- at a snapshot where decisions are taken (rule 3 of docs/semantics.md) and the coalition has
  some enabled, it may take any one of them, or, when other decisions are enabled too, leave
  the step to them ("let the others act"): they then happen by their own weights, among
  themselves. Declining is possible only in favour of another enabled decision: a party
  cannot make days pass where the rules take a decision at once.
- everything else (scheduled events, deadlines, arrivals, daily risks, and the other parties'
  decisions) happens by its weights and chances, as in the exact analysis; with
  ``adversarial`` the other parties' decisions are chosen against the coalition instead. The
  coalition still chooses first: it takes one of its decisions or leaves the step to the
  others, who must then take one of theirs (or, where some enabled decisions have no actor,
  may leave it to those, by weight). So the others can never force the coalition to act by
  declining, and the coalition can always wait while anyone else can act.

The weights are one strategy among these (a choice drawn in proportion to the weights), so
the bounds always contain the probabilities of the exact analysis.

A strategy (`Policy`) is a choice per layer at each snapshot with options; `restriction`
turns it into the steps a run under it can take, whose chain the exact analysis solves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from model.analysis.chain import Chain, Restriction, chain, error_steps
from model.analysis.explore import StateGraph
from model.scenario.compiled import SCHEDULE, ParameterError, Scenario

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

Player = Literal["coalition", "others"]
PASS = -1
"""A layer's choice to leave the step to the next layer (the others' decisions)."""

Option = tuple[int, int]
"""One decision a player can take: (chain edge, transition); edge -1: the step breaks a rule
(the run ends in an error)."""


@dataclass(frozen=True)
class Choices:
    """The options at one snapshot: layers of players, outermost first, then the decisions
    that happen by weight when every layer leaves the step (``fallback``: chain edges, and
    the weight of the failing ones)."""

    layers: tuple[tuple[Player, tuple[Option, ...]], ...]
    fallback: tuple[int, ...]
    fallback_errors: int
    fallback_error_transitions: tuple[int, ...]

    @property
    def can_pass(self) -> bool:
        """Whether the innermost layer may leave the step to the weighted decisions."""
        return bool(self.fallback) or self.fallback_errors > 0


Policy = dict[int, tuple[int, ...]]
"""Per snapshot with choices: the option index taken at each layer (`PASS`: leave it on)."""


@dataclass
class Moves:
    """The coalition's decision process without the graph it was built on: all the solvers
    of `model.analysis.strategy` read, and what a worker process is sent (it pickles; the
    graph, whose scenario holds compiled expressions, does not)."""

    chain: Chain
    coalition: frozenset[str]
    adversarial: bool
    choices: dict[int, Choices]
    ptr: list[int]  # chain edges of node i: ptr[i] to ptr[i + 1] - 1
    failing: dict[int, dict[int, int]]  # per node, the weight of each step that breaks a rule


@dataclass
class Game(Moves):
    """The coalition's decision process on a complete explored graph."""

    graph: StateGraph

    @property
    def scenario(self) -> Scenario:
        return self.graph.scenario

    def moves(self) -> Moves:
        """The same process without the graph (to send to another process)."""
        return Moves(
            self.chain, self.coalition, self.adversarial, self.choices, self.ptr, self.failing
        )


def parties(scenario: Scenario) -> tuple[str, ...]:
    """The parties that can act (declaration order)."""
    return tuple(p.id for p in scenario.spec.parties)


def coalition_of(scenario: Scenario, names: Iterable[str]) -> frozenset[str]:
    """The named parties, checked against the scenario's (a `ParameterError` otherwise)."""
    known = parties(scenario)
    chosen = [n.strip() for n in names if n.strip()]
    if not chosen:
        raise ParameterError(f"name at least one party: {', '.join(known)}")
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise ParameterError(
            f"unknown part{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)}: "
            f"the parties of {scenario.id} are {', '.join(known)}"
        )
    return frozenset(chosen)


def build_game(
    graph: StateGraph,
    coalition: frozenset[str],
    adversarial: bool = False,
    c: Chain | None = None,
) -> Game:
    """The coalition's choices at every snapshot of ``graph`` where it has one (and, with
    ``adversarial``, the other parties'); ``c``: the graph's chain, if already built."""
    import numpy as np

    c = chain(graph) if c is None else c
    ptr = np.searchsorted(c.source, np.arange(c.n + 1)).tolist()
    transitions = graph.scenario.transitions
    decision = [t.kind == "decision" for t in transitions]
    actor = [t.actor for t in transitions]
    failing, _ = error_steps(graph)
    labels = c.label.tolist()
    keys = graph.node_keys
    out: dict[int, Choices] = {}
    candidates = set(np.flatnonzero(c.total > 0).tolist())
    for i in sorted(candidates):
        if keys[i][5] is not None:  # an activity under way: no decision is taken
            continue
        edges = range(ptr[i], ptr[i + 1])
        errors = failing.get(i, {})
        first = labels[edges[0]] if len(edges) else next(iter(errors), -1)
        if first < 0 or not decision[first]:
            continue  # rule 1, 2 or 4: a scheduled event, an arrival or a day passing
        mine: list[Option] = []
        theirs: list[Option] = []
        rest: list[int] = []
        for k in edges:
            who = actor[labels[k]]
            if who in coalition:
                mine.append((k, labels[k]))
            elif adversarial and who != SCHEDULE:
                theirs.append((k, labels[k]))
            else:
                rest.append(k)
        rest_errors = 0
        rest_failing = []
        for t, w in errors.items():
            if actor[t] in coalition:
                mine.append((-1, t))
            elif adversarial and actor[t] != SCHEDULE:
                theirs.append((-1, t))
            else:
                rest_errors += w
                rest_failing.append(t)
        if not mine and not theirs:
            continue
        layers: list[tuple[Player, tuple[Option, ...]]] = []
        if mine:
            layers.append(("coalition", tuple(mine)))
        if theirs:
            layers.append(("others", tuple(theirs)))
        out[i] = Choices(tuple(layers), tuple(rest), rest_errors, tuple(rest_failing))
    return Game(c, coalition, adversarial, out, ptr, failing, graph)


def taken(
    game: Moves, node: int, policy: Mapping[int, tuple[int, ...]]
) -> tuple[list[int], list[int]]:
    """The chain edges a run under ``policy`` may take out of ``node``, and the failing
    transitions it may take there (each by its weight among those)."""
    ch = game.choices.get(node)
    if ch is None:
        return list(range(game.ptr[node], game.ptr[node + 1])), []
    for (_, options), pick in zip(ch.layers, policy[node]):
        if pick != PASS:
            edge, t = options[pick]
            return ([edge], []) if edge >= 0 else ([], [t])
    return list(ch.fallback), list(ch.fallback_error_transitions)


def restriction(game: Game, policy: Mapping[int, tuple[int, ...]]) -> Restriction:
    """The steps a run under ``policy`` can take: a chain of its own (`chain(graph, r)`)."""
    import numpy as np

    c = game.chain
    keep: NDArray[np.bool_] = np.ones(game.graph.edge_count, dtype=bool)
    dropped: set[tuple[int, int]] = set()
    failing = game.failing
    for i in game.choices:
        edges, errors = taken(game, i, policy)
        allowed = set(edges)
        for k in range(game.ptr[i], game.ptr[i + 1]):
            if k not in allowed:
                keep[int(c.edge[k])] = False
        dropped.update((i, t) for t in failing.get(i, {}) if t not in errors)
    return Restriction(keep, frozenset(dropped))


__all__ = [
    "PASS",
    "Choices",
    "Game",
    "Moves",
    "Option",
    "Player",
    "Policy",
    "build_game",
    "coalition_of",
    "parties",
    "restriction",
    "taken",
]
