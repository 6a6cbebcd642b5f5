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

MAX_EXPANDED_SIZE = 5_000
"""Nodes of one expression once the derived quantities it reads are written out in it (the
table inlines them). Derived quantities that read each other twice over double at each level;
this stops that growth long before compiling costs noticeable time or memory."""

MAX_EXPANDED_DEPTH = 200
"""Nesting depth of one expression once its derived quantities are written out in it (a
chain of derived quantities nests their expressions; compiling recurses once per level)."""

MAX_TABLE_ROWS = 1_000
"""Rows of one schedule table (``tables:``): a row a day for almost three years. A read of a
table is a dictionary look-up and a running total a binary search, so the size costs only
loading time; the cap keeps a generated table from holding the whole file."""

MAX_TABLE_COLUMNS = 20
"""Columns of one schedule table (categories such as civilians, soldiers, bodies)."""

# --- quotes (paths and quote checks) ---------------------------------------------------------

MAX_QUOTE_LENGTH = 1000
"""Characters in one quote's text.

A quote cites the sentence or two that support one element; the longest in the shipped
scenarios is 197 characters, so 1,000 (about five long sentences) leaves ample room while
keeping the check and the closest-passage search of a misquote cheap.
"""

MAX_PASSAGE_SEARCHES = 20
"""Misquotes per scenario for which the error shows the closest passage of the source.

Each search costs time in proportion to the source's length; past this many the error still
says the quote was not found, without a passage. Twenty covers any real editing session.
"""

# --- loader: size and structure of files, composition, hints, numbers (issue 10) ----------
# The shipped scenarios and mechanisms nest at most 7 levels deep, hold at most 13 entries in
# one list and about 330 values per file; every limit below is far above that, so it stops
# only hostile or generated input, and bounds the time and memory one file can cost.

MAX_YAML_DEPTH = 32
"""Nesting of lists and mappings in one file (4x the deepest shipped file). Reading is
iterative, but later steps (validation, copying included entries) recurse once per level."""

MAX_YAML_ITEMS = 10_000
"""Items in one YAML list or keys in one mapping (states, transitions, ...). Above the
largest generated test scenarios (6,000 transitions), far above the shipped ones (13)."""

MAX_YAML_VALUES = 100_000
"""Values (scalars, lists, mappings) in one file: bounds the memory of the data and of the
position of every value (about 400 bytes each, 40 MB in all) whatever the shape of a 1 MB
file. A scenario with 6,000 transitions holds about 70,000."""

MAX_KEY_LENGTH = 200
"""Characters in a mapping key. Keys are field names and ids (ids have at most 64); the cap
keeps a long key out of error messages and out of "did you mean" searches."""

MAX_HINTS = 20
"""'Did you mean' hints computed for one file (further problems come without a hint)."""

MAX_HINT_CANDIDATES = 1_000
"""Declared names a hint compares a misspelled name with; above this, no hint is given."""

MAX_HINT_NAME = 100
"""Characters of a name worth a hint; longer ones are not misspellings of an id (max 64)."""

MAX_INCLUDES = 20
"""Mechanisms one scenario includes (the shipped ones include at most 3)."""

MAX_EXTENDS_DEPTH = 8
"""Scenarios in one chain of `extends:` (the shipped ones use 1); composition recurses once
per link."""

MAX_COMPOSED_ENTRIES = 20_000
"""Entries composition copies into one scenario from its base and its mechanisms. A slot
bound to N states copies each of its transitions N times, and a constraint adds a
requirement to every transition with its trigger, so without a cap a 1 MB file could
compose into millions of entries."""

MAX_VALUE_DIGITS = 200
"""Digits of the largest number an expression can compute, counting each name as a value
of up to `MAX_LITERAL` (16 digits): a product of up to 12 names. Keeps every intermediate
value cheap to compute and far below Python's limit on printing integers (4,300 digits)."""

MAX_COMPOSED_VALUES = 300_000
"""Values in all the files one scenario is composed of (itself, its bases, its mechanisms;
a file included twice counts once): bounds the reading work of composition to about three
files at `MAX_YAML_VALUES`. The shipped compositions hold about 1,000."""

MAX_VARIANT_COMBINATIONS = 256
"""Combinations of parameter variants in one scenario (the shipped ones have at most 2):
`model.check` explores the scenario once for each, so 20 two-variant parameters would mean
a million explorations."""

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

DEFAULT_MAX_STEPS = 5000
"""Steps a run may take by default. Under the time rules a day on which a risk may happen is a
step of its own (docs/semantics.md), so a run over three stages of up to 180 days each takes
several hundred steps; 5,000 leaves room for years of daily risks and their events."""

MAX_STATES = 10**8
"""Largest ``--max-states``: each explored snapshot costs a few hundred bytes, so 10^8 is tens
of gigabytes, more than a machine running this has to give."""

MAX_CHUNKS = 10_000
"""Most chunks a Monte Carlo is cut into (`model.analysis.montecarlo.chunk_plan`): enough to
balance the work and show progress, few enough that building them costs nothing next to the
runs."""

MAX_JOBS_PER_CPU = 1
"""Worker processes per CPU this process may use: more workers than CPUs only share the same
cores and cost memory; a larger ``--jobs`` is lowered to it, with a note on stderr."""

MAX_SWEEP_POINTS = 10_000
"""Parameter combinations in one ``--sweep`` (each an exact analysis or 2,000 runs)."""

# --- exact analysis (model.analysis.exact) ---------------------------------------------------

FRACTION_MEMORY_BUDGET = 32 * 2**20
"""Estimated memory (bytes) up to which ``--exact`` (``method="auto"``) solves in rational
arithmetic; above it, in sparse floating point (the output names the method). The estimate is
`model.analysis.exact.FRACTION_BYTES_PER_STATE` per transient state plus a dense matrix of
fractions for the largest cycle of zero-duration steps. 32 MiB is about 55,000 transient
states: the rational solver's time grows faster than its memory (its fractions gain digits
as the graph grows: 0.8 s CPU at 6,000 transient states, 11 s at 71,000, measured), while the
sparse solver stays under a second there and its rounding (about 1e-12) never shows in a
report. Every shipped scenario fits far inside it, so their reports keep exact fractions."""

MAX_INTERVAL_ITERATIONS = 1_000_000
"""Steps of interval iteration (``--method interval``) before it stops with the bound it has
reached (the output says so): each step is one sparse product over every transition, so a
million steps is minutes even on a small graph; a chain that has not converged by then has a
cycle runs leave only very rarely, and a Monte Carlo answers that better."""
