"""The scenario format: from an untrusted file to a validated, compiled `Scenario`.

In the order a file passes through them: `yamlsource` (safe YAML with line and column),
`compose` (includes and ``extends``; `source_files`: the stored sources they name), `shape`
(the document's shape, before the schema), `schema` (the pydantic format; `schema_base`: the
names, texts and provenance every element shares), `expr` (the expression language, parsed,
never evaluated as Python; `walk`: the names it reads, its size), `schedules` (schedule tables:
rows against columns, their data), `provenance` (stored source texts; the one description of an
element's provenance), `sourcecheck` (the loader's checks of sources, quotes and citations),
`derived` (derived quantities: order, cycles, types, size written out), `properties` (the names
a property reads besides a step's: state, stage, outcome; a property's conditions), `queries`
(the syntax of probabilistic questions, parsed and checked), `compiled` (the `Scenario` the
rest of the package uses) and `loader` (`load`: all of the above, with meaning checks).
"""
