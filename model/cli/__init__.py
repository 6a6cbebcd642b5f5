"""What the command-line entries (``python -m model.simulate`` and the others) share.

`command` (argument types, common options, exit statuses and signal handling), `interactive`
(stepping through a run at the terminal) and `progress` (the progress bar of long what-if runs,
drawn by tqdm on a terminal stderr only).
"""
