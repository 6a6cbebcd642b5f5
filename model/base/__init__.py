"""Foundations every layer uses: errors as values, input limits, safe file access, text.

`errors` (problems with a file and position), `limits` (every input limit, with its reason),
`hints` ("did you mean"), `textfmt` (visible, drawable and JSON text), `confine` (bounded
reads inside the project), `paths` (where the shipped scenarios and seeds are), `output`
(atomic writes that never replace a user's file). Imports nothing else from the package.
"""
