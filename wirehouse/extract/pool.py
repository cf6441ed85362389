"""The worker pool: forked workers that parse and code shares of the staged batches.

Workers are forked from a process that has loaded the model and every lexicon (warm_up in
wirehouse.extract.batch), so each starts with them in shared pages instead of loading its
own. The extraction host forks one pool for the whole run: every batch is cut into shares
that go to the same queue, so while the last shares of one batch are being extracted an
idle worker starts on the next batch's.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.sharedctypes import Synchronized
from typing import Any, TypeVar

from wirehouse.core.settings import Settings

T = TypeVar("T")
Docs = list[dict[str, object]]

# Below this many documents per worker, a share costs more to hand out than it saves.
MIN_DOCS_PER_WORKER = 8


def worker_count(documents: int, settings: Settings) -> int:
    """Workers a batch of ``documents`` is worth (1: extract it in this process)."""
    return max(1, min(settings.n_process, documents // MIN_DOCS_PER_WORKER))


def make_shares(docs: Docs, workers: int) -> list[Docs]:
    """The documents cut into shares for ``workers`` workers, each taking the next share
    when it is done with one. Each share is 1/(2 * workers) of what is left, down to
    MIN_DOCS_PER_WORKER documents, and the longest go first, so the shares handed out last
    are short and the workers finish together (in input order, or in equal shares, one
    worker idled at a batch's end while the other parsed a share of long articles)."""
    shares = []
    start = 0
    while start < len(docs):
        size = max(MIN_DOCS_PER_WORKER, -(-(len(docs) - start) // (2 * workers)))
        shares.append(docs[start:start + size])
        start += size
    shares.sort(key=lambda share: sum(len(str(r["body"] or "")) for r in share), reverse=True)
    return shares


# In a worker: the pool's count of documents done, shared with the process that forked it.
_documents_done: Synchronized[int] | None = None

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _worker_init(counter: Synchronized[int], parent: int) -> None:
    global _documents_done
    _documents_done = counter
    # Ctrl-C is for the run, which then stops the process that forked us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform == "linux":
        # Killed when the process that forked us ends, however it ends (SIGKILL included),
        # also in the middle of a share: no worker outlives its run.
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # it ended before the line above
            os._exit(1)


def document_done() -> None:
    """Count one document as done (in a pool worker; elsewhere it does nothing)."""
    if _documents_done is not None:
        with _documents_done.get_lock():
            _documents_done.value += 1


class WorkerPool:
    """``workers`` processes forked from this one, and the count of the documents they
    have done (``documents_done``, for the run's progress). A worker that dies fails the
    shares in hand (BrokenProcessPool) instead of leaving them to wait forever; the next
    ``submit`` forks new workers."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._context = mp.get_context("fork")
        self._counter: Synchronized[int] = self._context.Value("q", 0)
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        executor = ProcessPoolExecutor(self.workers, mp_context=self._context,
                                       initializer=_worker_init,
                                       initargs=(self._counter, os.getpid()))
        # With fork, the first submit forks every worker from the calling thread before the
        # executor starts a thread of its own: now, while this process has no other thread
        # whose locks a fork could copy.
        executor.submit(int).result()
        return executor

    def submit(self, work: Callable[[Any], T], shares: list[Any]) -> list[Future[T]]:
        try:
            return [self._executor.submit(work, share) for share in shares]
        except BrokenProcessPool:  # a worker died and its shares failed: new workers
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._start()
            return [self._executor.submit(work, share) for share in shares]

    def documents_done(self) -> int:
        return int(self._counter.value)

    def close(self, wait: bool = True) -> None:
        """Let the workers go, once they are idle; ``wait``: for them to exit. Without
        waiting, one in the middle of a share ends with this process (on Linux; elsewhere
        once its share is done)."""
        self._executor.shutdown(wait=wait, cancel_futures=True)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.close(wait=kind is None)
