"""What the command-line entries (``python -m model.simulate`` and the others) share.

`command` (argument types, common options, exit statuses and signal handling) and
`interactive` (stepping through a run at the terminal).
"""
