"""Questions asked of a scenario's behaviour, answered from its semantics.

`explore` (every reachable snapshot), `graphs` (graph algorithms), `consistency` (findings
with shortest counterexamples), `exact` (exact outcome probabilities and days), `montecarlo`
(weighted random runs, summarised), `parallel` (workers in other processes: loading the
scenario there, a local pool with deferred interrupts), `sweep` (either over a grid of
parameters), `compare` (two scenarios' structure and behaviour) and `trace` (which source
sentence each element rests on).
"""
