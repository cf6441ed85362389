"""The extraction host's own side (``python -m wirehouse.extract.host_process``): load the model
once, then extract each batch the run sends over the pipe (see wirehouse.extract.host).

Connection.send/recv pickle, and that is safe here: the pipes are anonymous (os.pipe, passed by
file descriptor to this child of the run), so only the run that spawned the host and the host
itself can write to them; nothing pickled is ever stored or read from a file or socket."""

from __future__ import annotations

import os
import pickle
import sys
import traceback
from multiprocessing.connection import Connection
from typing import Any

from wirehouse.core.settings import Settings
from wirehouse.extract import batch
from wirehouse.extract.pool import Abandoned


def load(model: str, reference_dir: str) -> BaseException | None:
    """Load the model and everything the coders use; what failed, if anything, is reported
    with the first request, where someone is waiting."""
    try:
        batch.warm_up(Settings(model=model, reference_dir=reference_dir))
    except Exception as exc:
        return exc
    return None


def serve(requests: Connection, replies: Connection, failed: BaseException | None) -> None:
    """The run's requests, until it closes its end (or goes away while a batch is extracted:
    the workers are stopped and the batch dropped)."""
    while True:
        try:
            _kind, staged_path, run_id, settings, part = requests.recv()
        except (EOFError, OSError):
            return
        try:
            if failed is not None:
                raise failed
            # The run sends nothing while it waits for this batch: something to read on its
            # connection means it closed.
            reply: tuple[str, Any, str] = ("ok", batch.extract_batch(
                staged_path, run_id, settings, part, interrupted=requests.poll), "")
        except Abandoned:
            return
        except Exception as exc:
            reply = ("error", exc, traceback.format_exc())
        try:
            replies.send(reply)
        except (pickle.PicklingError, TypeError, AttributeError):  # an unpicklable error
            replies.send(("error", f"{type(reply[1]).__name__}: {reply[1]}", reply[2]))
        except OSError:
            return


def main(argv: list[str]) -> None:
    requests = Connection(int(argv[1]), writable=False)
    replies = Connection(int(argv[2]), readable=False)
    model, reference_dir = requests.recv()
    serve(requests, replies, load(model, reference_dir))


if __name__ == "__main__":
    main(sys.argv)
    # Every batch is written and every reply sent; tearing down the interpreter with the
    # model in it only delays the flow that waits for this process.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
