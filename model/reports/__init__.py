"""Results as plain records, text and CSV: what the command-line entries print.

Each module turns one analysis result into a JSON-ready record and formats that record as
text (and CSV); nothing here computes a result or draws a picture. `run` (one run), `check`
(findings), `exact` (exact probabilities), `montecarlo` (Monte Carlo odds, with exact values
beside them), `sweep` (a parameter sweep), `compare` (two scenarios), `trace` (sentences and
the elements citing them), `strategy` (what a party can force: bounds, strategies, the
guarantee table), `explorer` (the browser explorer's data document, its model and JSON
Schema in `explorer_schema`). Shared by these: `header` (the scenario and parameters a report
starts with, and the parameter listing), `tables` (plain-text tables, CSV and their cells),
`steps` (a step record as one line) and `text` (values, counts, wrapping).
"""
