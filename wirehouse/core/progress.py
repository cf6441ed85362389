"""Run progress as plain callbacks, so the flow can report it without knowing the terminal.

The flow calls ``stage`` and ``advance``; `wirehouse run` installs a reporter that draws a
progress bar; a scheduled or deployed run has none and the calls cost nothing. Progress is
counted in documents, reported as each batch finishes (a batch is the unit of work).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.progress import TaskID


class Reporter(Protocol):
    def stage(self, name: str, total: int | None) -> None:
        """A new stage starts; ``total`` documents to go (None: unknown)."""

    def advance(self, documents: int) -> None:
        """``documents`` more are done in the current stage."""


class _Silent:
    def stage(self, name: str, total: int | None) -> None:
        pass

    def advance(self, documents: int) -> None:
        pass


_reporter: Reporter = _Silent()


def set_reporter(reporter: Reporter | None) -> None:
    global _reporter
    _reporter = reporter or _Silent()


def stage(name: str, total: int | None = None) -> None:
    _reporter.stage(name, total)


def advance(documents: int) -> None:
    _reporter.advance(documents)


class TerminalProgress:
    """A rich progress bar on stderr: the stage, documents done and documents per second.

    Used as a context manager by `wirehouse run`; draws nothing when stderr is not a terminal.
    """

    def __init__(self, enabled: bool = True) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        console = Console(stderr=True)
        self._enabled = enabled and console.is_terminal
        self._progress = Progress(
            SpinnerColumn(), TextColumn("{task.description:<8}"), BarColumn(),
            MofNCompleteColumn(), TextColumn("docs"),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
            console=console, transient=True,
        )
        self._task: TaskID | None = None
        self._done = 0
        self._started = 0.0

    def __enter__(self) -> TerminalProgress:
        if self._enabled:
            self._progress.start()
            set_reporter(self)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._enabled:
            set_reporter(None)
            self._progress.stop()

    def stage(self, name: str, total: int | None) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
        self._done, self._started = 0, time.perf_counter()
        self._task = self._progress.add_task(name, total=total, rate="")

    def advance(self, documents: int) -> None:
        self._done += documents
        rate = self._done / max(time.perf_counter() - self._started, 1e-6)
        if self._task is not None:
            self._progress.update(self._task, advance=documents, rate=f"{rate:.1f} docs/s")
