"""Run progress as plain callbacks, so the flow can report it without knowing the terminal.

The flow calls ``stage`` and ``advance``; `wirehouse run` installs a reporter that draws a
progress bar; a scheduled or deployed run has none and the calls cost nothing. Progress is
counted in documents, reported as each batch finishes (a batch is the unit of work).
"""

from __future__ import annotations

from typing import Protocol


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
