"""What one step of a scenario means, and the machines that take steps.

`step` (the `Semantics`: which events are enabled, what they change, the clock), `engine`
(`Run`, the scenario on a `transitions` state machine), `fastpath` (the scenario compiled into
a transition table for fast runs) and `records` (a step as plain data, for reports).
"""
