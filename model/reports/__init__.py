"""Results as plain records, text and CSV: what the command-line entries print.

`run` (one run), `check` (findings), `compare` (two scenarios), `trace` (sentences and the
elements citing them): each turns one analysis result into a JSON-ready record and formats that
record as text. `steps` writes a step record as one line; `text` holds the helpers every text
report shares (values, counts, wrapping). Nothing here computes a result or draws a picture.
"""
