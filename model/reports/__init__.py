"""Results as plain records, text and CSV: what the command-line entries print.

Each module turns one analysis result into a JSON-ready record and formats that record as
text; nothing here computes a result or draws a picture.
"""
