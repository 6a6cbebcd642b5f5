"""Questions asked of a scenario's behaviour, answered from its semantics.

`explore` (every reachable snapshot), `graphs` (graph algorithms), `consistency` (findings with
shortest counterexamples; it runs `static_checks` on the definition and `graph_checks` on the
explored graph, whose `Finding` records and severities are in `findings`, and `properties`:
the scenario's temporal properties, searched with monitors by `lassos`), `explain` (why
an outcome, state or transition never happens: the chain from it back to the requirement that
blocks it, read from the explored graph), `chain` (the
explored graph as an absorbing Markov chain in arrays), `exact` (exact outcome probabilities
and days, or bounds certified by interval iteration; `solvers`: its method names), `montecarlo`
(weighted random runs, summarised), `parallel` (workers in other processes: loading the
scenario there, a local pool with deferred interrupts), `whatif` (Monte Carlo with exact values
beside it, in one pool), `sweep` (either over a grid of parameters), `compare` (two scenarios'
structure and behaviour; `counterfactual`: which requirements and outcomes change between
them, and why), `trace` (which source sentence each element rests on) and `sentences`
(a seed split into numbered sentences, for `trace`), `game` (a coalition's decisions as
choices on the explored graph: a decision process), `strategy` (the least and greatest
probability of each outcome a coalition can ensure, with strategies) and `strategy_rules`
(a strategy as rules, its first move, a sample run); `linear` (systems ``v = Q v + b`` on
sparse rows, exact or floating point, for `exact` and `strategy`); `odds` (the exact odds of
every ending from every explored snapshot, for the browser explorer). Their results are plain data;
`model.reports` writes them as records and text.
"""
