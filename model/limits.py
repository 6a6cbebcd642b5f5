"""Every resource limit on untrusted input, in one place, each with the reason for its value.

Scenario files, mechanism files, source texts and command lines are untrusted data. Each limit
below bounds the time or memory one input can cost; going over a limit is a `ScenarioError`
(or, on the command line, an error with exit status 2) that names the limit and its value.
docs/format.md lists them for scenario writers.
"""

from __future__ import annotations

# --- reading files ---------------------------------------------------------------------------

MAX_BYTES = 1_000_000
"""Scenario, mechanism and source files above this size are refused (counted as read)."""

# --- expressions -----------------------------------------------------------------------------

MAX_EXPR_LENGTH = 2000
"""Characters in one expression."""

MAX_LITERAL = 10**15
"""Largest integer literal in an expression (and the largest parameter value)."""

MAX_EXPR_DEPTH = 60
"""Nesting depth of one expression."""

# --- run time and command lines (simulate, check, explore, Monte Carlo) ----------------------

MAX_RUN_VALUE = 10**30
"""Largest weight or stage length an expression may give at run time. The product of two
values at `MAX_LITERAL` still fits; larger numbers mean nothing as counts of people, days or
weights, and keeping every value this small keeps each printable (Python refuses to print
integers of more than 4,300 digits) and arithmetic on them cheap. Above it the expression is
reported as an evaluation error at its place in the file."""

GUARD_DOMAIN_LIMIT = 200_000
"""Combinations of values the checker tries, one by one, to decide whether a guard can ever be
true (``guard_never_true``). Guards reading more are not decided, and the check says so in a
note; variables' domains are never listed in memory (bounds 0..10^9 once cost gigabytes)."""

MAX_RUNS = 10**8
"""Largest ``--runs``: 10^8 runs of a small scenario already take hours on one core; more would
only look like a hang. The figures of 10^8 runs are as precise as a report can show."""

MAX_STEPS = 10**6
"""Largest ``--max-steps``: a run longer than a million steps is a cycle, not a negotiation."""

MAX_STATES = 10**8
"""Largest ``--max-states``: each explored snapshot costs a few hundred bytes, so 10^8 is tens
of gigabytes, more than a machine running this has to give."""

MAX_CHUNKS = 10_000
"""Most chunks a Monte Carlo is cut into for worker processes: enough to balance the work and
show progress, few enough that building them costs nothing next to the runs."""

MAX_JOBS_PER_CPU = 1
"""Worker processes per CPU this process may use: more workers than CPUs only share the same
cores and cost memory; a larger ``--jobs`` is lowered to it, with a note on stderr."""

MAX_SWEEP_POINTS = 10_000
"""Parameter combinations in one ``--sweep`` (each an exact analysis or 2,000 runs)."""
