"""Run progress as plain callbacks, so the stages can report it without knowing the terminal.

Stages report by name (``start``, ``add``, ``advance``, ``finish``); they may overlap, as
ingest and extract do while staged batches stream to the extraction. `wirehouse run`
installs a reporter that draws one bar per stage; a scheduled or deployed run has none, and
the calls cost nothing. Progress is counted in documents, as each one is done: extraction
workers report theirs through the extraction host.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID


class Reporter(Protocol):
    def start(self, stage: str, total: int | None) -> None:
        """``stage`` starts; ``total`` documents to go (None: not known yet)."""

    def add(self, stage: str, documents: int) -> None:
        """``documents`` more to go in ``stage`` (its total grows as earlier stages go on)."""

    def advance(self, stage: str, documents: int) -> None:
        """``documents`` more are done in ``stage``."""

    def finish(self, stage: str) -> None:
        """``stage`` is over."""


class _Silent:
    def start(self, stage: str, total: int | None) -> None:
        pass

    def add(self, stage: str, documents: int) -> None:
        pass

    def advance(self, stage: str, documents: int) -> None:
        pass

    def finish(self, stage: str) -> None:
        pass


_reporter: Reporter = _Silent()


def set_reporter(reporter: Reporter | None) -> None:
    global _reporter
    _reporter = reporter or _Silent()


def start(stage: str, total: int | None = None) -> None:
    _reporter.start(stage, total)


def add(stage: str, documents: int) -> None:
    _reporter.add(stage, documents)


def advance(stage: str, documents: int = 1) -> None:
    _reporter.advance(stage, documents)


def finish(stage: str) -> None:
    _reporter.finish(stage)


class TerminalProgress:
    """Rich progress bars on stderr, one per stage: documents done (of those known so far),
    documents per second and time. Used as a context manager by `wirehouse run`; draws
    nothing when stderr is not a terminal. What is printed on ``console`` meanwhile appears
    above the bars (the run prints Prefect's console log there)."""

    def __init__(self, enabled: bool = True) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console: Console = Console(stderr=True)
        self.enabled = enabled and self.console.is_terminal
        self._progress: Progress = Progress(
            SpinnerColumn(), TextColumn("{task.description:<8}"), BarColumn(),
            TextColumn("{task.fields[count]}"), TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(), console=self.console, transient=True,
        )
        self._tasks: dict[str, TaskID] = {}
        self._started: dict[str, float] = {}
        self._done: dict[str, int] = {}
        self._total: dict[str, int | None] = {}
        self._lock = threading.Lock()  # workers' progress arrives on another thread

    def __enter__(self) -> TerminalProgress:
        if self.enabled:
            self._progress.start()
            set_reporter(self)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            set_reporter(None)
            self._progress.stop()

    def start(self, stage: str, total: int | None) -> None:
        with self._lock:
            if stage in self._tasks:  # a stage started again (a retried task)
                self._progress.remove_task(self._tasks.pop(stage))
            self._started[stage] = time.perf_counter()
            self._done[stage], self._total[stage] = 0, total
            self._tasks[stage] = self._progress.add_task(stage, total=total, count="", rate="")
            self._show(stage)

    def add(self, stage: str, documents: int) -> None:
        with self._lock:
            if stage in self._tasks:
                self._total[stage] = (self._total[stage] or 0) + documents
                self._show(stage)

    def advance(self, stage: str, documents: int) -> None:
        with self._lock:
            if stage in self._tasks:
                self._done[stage] += documents
                self._show(stage)

    def finish(self, stage: str) -> None:
        """The stage's bar stays, full, until the display goes."""
        with self._lock:
            if stage in self._tasks:
                self._total[stage] = self._done[stage]
                self._show(stage)

    def _show(self, stage: str) -> None:
        done, total = self._done[stage], self._total[stage]
        count = f"{done}/{total} docs" if total is not None else f"{done} docs" if done else ""
        seconds = time.perf_counter() - self._started[stage]
        rate = f"{done / seconds:.1f} docs/s" if done and seconds > 0 else ""
        self._progress.update(self._tasks[stage], completed=done, total=total, count=count,
                              rate=rate)
