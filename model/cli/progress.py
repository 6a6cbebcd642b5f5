"""Progress of a long what-if analysis on the terminal, drawn by tqdm.

`TerminalProgress` is the ``(done, total)`` callback that `model.analysis.montecarlo.monte_carlo`
and `model.analysis.sweep.sweep` call as work finishes. It draws only when its stream (stderr
by default) is a terminal: piped or redirected output, and stdout always, stay exactly as they
were. tqdm is imported at the first call that draws, so a run that shows no progress never
imports it.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TYPE_CHECKING, Never, TextIO

if TYPE_CHECKING:
    from tqdm import tqdm


class TerminalProgress:
    """A progress bar labelled ``what``, counting ``unit``s, on a terminal stream; nothing
    on any other stream.

    Use it as a context manager (or call `close`) so that the bar's line is cleared when the
    work ends or fails, before the report or the error is printed.
    """

    def __init__(self, what: str, unit: str = "it", stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.what = what
        self.unit = unit
        self.active = self.stream.isatty()
        self._bar: tqdm[Never] | None = None  # a bar that only counts (no iterable)

    def __call__(self, done: int, total: int) -> None:
        if not self.active or total <= 0:
            return
        if self._bar is None:
            from tqdm import tqdm

            # Made at the first report, not before: a run that reports nothing (an exact
            # sweep) shows no bar. initial=done shows that first report at once (tqdm would
            # hold back an update that follows its first line within 0.1 s). leave=False
            # clears the line at the end, so only the report remains.
            self._bar = tqdm(
                total=total,
                initial=done,
                desc=self.what,
                unit=self.unit,
                file=self.stream,
                leave=False,
            )
            return
        bar = self._bar
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
