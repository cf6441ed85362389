"""The extraction host's own side (``python -m wirehouse.extract.host_process``): load the
model once, fork the run's workers, then extract the batches the run sends (see
wirehouse.extract.host for the run's side).

Requests, one per batch: ``(request_id, staged_path, run_id, settings, part)``. Several may
be in hand at once; their shares queue for the same workers, so none idles between batches.
Replies, as things happen:
  ("progress", documents)                documents done since the last one (~10 a second)
  ("ok", request_id, outputs, "")        a batch's Parquet files by table
  ("error", request_id, exc, traceback)  a batch that failed
The host exits when the run closes its end of the pipe or goes away; its workers go with it.

Connection.send/recv pickle, and that is safe here: the pipes are anonymous (os.pipe, passed by
file descriptor to this child of the run), so only the run that spawned the host and the host
itself can write to them; nothing pickled is ever stored or read from a file or socket.
"""

from __future__ import annotations

import os
import pickle
import sys
import traceback
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from wirehouse.core.settings import Settings
from wirehouse.extract.batch import Docs, Rows, read_batch, share_out, warm_up, write_batch
from wirehouse.extract.pool import WorkerPool

PROGRESS_EVERY_S = 0.1


@dataclass
class _Batch:
    """A batch whose shares are with the workers."""

    request_id: int
    run_id: str
    settings: Settings
    part: str
    docs: Docs
    shares: list[Future[Rows]]

    def failure(self) -> BaseException | None:
        return next((exc for f in self.shares if f.done() and (exc := f.exception())), None)

    def done(self) -> bool:
        return all(f.done() for f in self.shares)


def load(model: str, reference_dir: str) -> BaseException | None:
    """Load the model and everything the coders use; what failed, if anything, is reported
    with the first request, where someone is waiting."""
    try:
        warm_up(Settings(model=model, reference_dir=reference_dir))
    except Exception as exc:
        return exc
    return None


class _Replies:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def send(self, reply: tuple[Any, ...]) -> None:
        try:
            self.conn.send(reply)
        except (pickle.PicklingError, TypeError, AttributeError):  # an unpicklable error
            kind, request_id, exc, trace = reply
            self.conn.send((kind, request_id, f"{type(exc).__name__}: {exc}", trace))

    def error(self, request_id: int, exc: BaseException) -> None:
        self.send(("error", request_id, exc, "".join(traceback.format_exception(exc))))


def serve(requests: Connection, replies: _Replies, failed: BaseException | None,
          pool: WorkerPool | None) -> bool:
    """The run's requests, until it closes its end (or goes away); whether batches it sent
    were left unfinished then."""
    batches: list[_Batch] = []
    reported = 0
    while True:
        if wait([requests], timeout=PROGRESS_EVERY_S if batches else None):
            try:
                request_id, staged_path, run_id, settings, part = requests.recv()
            except (EOFError, OSError):
                return bool(batches)
            try:
                if failed is not None:
                    raise failed
                assert pool is not None
                docs = read_batch(staged_path)
                shares = share_out(docs, run_id, settings, pool)
                batches.append(_Batch(request_id, run_id, settings, part, docs, shares))
            except Exception as exc:
                replies.error(request_id, exc)
        finished = [b for b in batches if b.failure() or b.done()]
        # Read after the batches that are done: their documents are all counted by now, so
        # the run hears of every document before it hears its batch is done.
        if pool is not None and (done := pool.documents_done()) != reported:
            replies.send(("progress", done - reported))
            reported = done
        for batch in finished:
            batches.remove(batch)
            try:
                parts = [share.result() for share in batch.shares]  # raises a share's error
                replies.send(("ok", batch.request_id, write_batch(
                    batch.docs, parts, batch.run_id, batch.settings, batch.part), ""))
            except Exception as exc:
                replies.error(batch.request_id, exc)


def main(argv: list[str]) -> None:
    requests = Connection(int(argv[1]), writable=False)
    replies = Connection(int(argv[2]), readable=False)
    model, reference_dir, workers = requests.recv()
    failed = load(model, reference_dir)
    # Forked after the loading, so the workers share it, and before this process has a
    # thread of its own.
    pool = WorkerPool(workers) if failed is None else None
    abandoned = True
    try:
        abandoned = serve(requests, _Replies(replies), failed, pool)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the run went away while we replied
    finally:
        if pool is not None:
            # Idle workers are waited for; busy ones (the run went away) end with us.
            pool.close(wait=not abandoned)


if __name__ == "__main__":
    main(sys.argv)
    # Every batch is written and every reply sent; tearing down the interpreter with the
    # model in it only delays the run that waits for this process.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
