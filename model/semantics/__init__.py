"""What one step of a scenario means, and the machines that take steps.

`step` (the `Semantics`: which events are enabled, what they change, the clock), `engine`
(`Run`, the scenario on a `transitions` state machine), `compiler` (expressions compiled into
closures over positional slots), `table` (the scenario compiled into a transition table: the
steps out of a snapshot, for the explorer, and a lazily built graph of snapshots), `fastpath`
(fast weighted random runs over that table), `summary` (`RunSummary`, how one run ended, and
the per-run functions that give it) and `records` (a step as plain data, for reports).
"""
