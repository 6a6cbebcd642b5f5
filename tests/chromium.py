"""How the browser tests and bench/explorer.py start Debian's Chromium: by path (never a
browser download), with the flags that keep it off this machine's closed network (without the
background-networking ones its connections are refused, many at a time)."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
