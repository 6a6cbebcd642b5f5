"""What one step of a scenario means, and the machines that take steps.

`step` (a `Snapshot`, and the weighted choice of the next event), `compiler` (expressions
compiled into closures over positional slots), `table` (the scenario compiled into a
transition table: the one step semantics, which events are enabled and what firing one gives,
fast and careful), `errors` (the located errors of a step that breaks a rule), `engine` (`Run`,
the scenario on a `transitions` state machine that asks the table), `fastpath` (fast weighted
random runs over the table, with a lazily built graph of snapshots), `summary` (`RunSummary`,
how one run ended, and the per-run functions that give it), `records` (a step as plain
data, for reports) and `why` (a transition's conditions conjunct by conjunct: which are false
in a snapshot, and why an event cannot happen now).
"""
