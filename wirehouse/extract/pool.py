"""The per-batch worker pool: a batch cut into shares that forked workers parse and code.

Workers are forked from a process that has loaded the model and every lexicon (warm_up in
wirehouse.extract.batch), so each starts with them in shared pages instead of loading its own.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from multiprocessing.pool import AsyncResult
from typing import TypeVar

from wirehouse.core.settings import Settings

T = TypeVar("T")


# Below this many documents per worker, forking costs more than it saves.
MIN_DOCS_PER_WORKER = 8


def worker_count(documents: int, settings: Settings) -> int:
    """Forked workers a batch of ``documents`` is worth (1: extract in this process)."""
    return max(1, min(settings.n_process, documents // MIN_DOCS_PER_WORKER))


def make_shares(docs: list[dict[str, object]], workers: int) -> list[list[dict[str, object]]]:
    """The documents cut into shares for ``workers`` forked workers, each taking the next
    share when it is done with one. Each share is 1/(2 * workers) of what is left, down to
    MIN_DOCS_PER_WORKER documents, and the longest go first, so the shares handed out last
    are short and the workers finish together. (In input order, one worker idled ~1 s at
    the end of a 1,000-article batch while the other parsed a share of long articles; with
    eight equal shares a worker, ~1 s: the last share alone was ~60 articles.)"""
    shares = []
    start = 0
    while start < len(docs):
        size = max(MIN_DOCS_PER_WORKER, -(-(len(docs) - start) // (2 * workers)))
        shares.append(docs[start:start + size])
        start += size
    shares.sort(key=lambda share: sum(len(str(r["body"] or "")) for r in share), reverse=True)
    return shares


class Abandoned(Exception):
    """The run that asked for the batch went away while it was being extracted."""


def wait_for(result: AsyncResult[T], interrupted: Callable[[], bool] | None) -> T:
    """A worker's result; Abandoned as soon as ``interrupted()`` says no one wants it."""
    while True:
        try:
            return result.get(timeout=0.2)
        except mp.TimeoutError:
            if interrupted is not None and interrupted():
                raise Abandoned from None
