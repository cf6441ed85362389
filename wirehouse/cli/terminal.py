"""What `wirehouse run` shows while a flow runs: one progress bar per stage on stderr with
Prefect's console log above the bars, and a quiet stop on Ctrl-C."""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from rich.console import Console

from wirehouse.core.progress import TerminalProgress


def _prefect_console_handlers() -> list[logging.Handler]:
    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger(), *(logger for logger in
                                      logging.root.manager.loggerDict.values()
                                      if isinstance(logger, logging.Logger))]
    return [h for logger in loggers for h in logger.handlers
            if isinstance(h, PrefectConsoleHandler)]


@contextmanager
def run_display(show_progress: bool) -> Iterator[None]:
    """Progress bars (on a terminal, unless not wanted), with Prefect's console log lines
    printed through the bars' console so they appear above the bars instead of inside them.
    From Ctrl-C on, the console log is quiet: the command says in one line what happened
    (the lines of the tasks being stopped still reach the Prefect API)."""
    handlers = _prefect_console_handlers()
    consoles: dict[logging.Handler, Console] = {h: h.console for h in handlers}  # type: ignore[attr-defined]
    levels = {h: h.level for h in handlers}

    def interrupt(signum: int, frame: FrameType | None) -> None:
        for h in handlers:
            h.setLevel(logging.CRITICAL + 1)
        signal.default_int_handler(signum, frame)

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        with TerminalProgress(enabled=show_progress) as bars:
            if bars.enabled:
                for h in handlers:
                    h.console = bars.console  # type: ignore[attr-defined]
            yield
    finally:
        signal.signal(signal.SIGINT, previous)
        for h in handlers:
            h.console = consoles[h]  # type: ignore[attr-defined]
            h.setLevel(levels[h])
