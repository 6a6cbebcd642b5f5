"""The scenario format: from an untrusted file to a validated, compiled `Scenario`.

In the order a file passes through them: `yamlsource` (safe YAML with line and column),
`compose` (includes and ``extends``), `shape` (the document's shape, before the schema),
`schema` (the pydantic format), `expr` (the expression language, parsed, never evaluated as
Python; `walk`: the names it reads, its size), `schedules` (schedule tables: rows against
columns, their data), `provenance` (quotes checked against the stored sources), `derived`
(derived quantities: order, cycles, types, size written out), `compiled` (the `Scenario` the
rest of the package uses), `queries` (the syntax of probabilistic questions, parsed and
checked) and `loader` (`load`: all of the above, with meaning checks).
"""
