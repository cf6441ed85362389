"""The extraction host: the run's own process that loads the model while the run goes on.

Importing spaCy and loading the model and the coders' lexicons take seconds of one core.
`wirehouse run` starts the host first thing (a flow run started otherwise: when ingest stages
its first document), so that the loading happens on another core while Prefect starts and
ingest reads. The host then forks the run's workers (wirehouse.extract.pool), which share what
it loaded, and extracts the staged batches as they stream in, several at a time, reporting
each document done (``progress``).

The host is a plain ``python -m wirehouse.extract.host_process`` subprocess talking over two
pipes, not a multiprocessing child: a spawned child would first import the parent's main
module (all of Prefect, in a served flow run), and a fork of the flow process would copy its
threads' locks. It runs in a process group of its own, so Ctrl-C in the terminal reaches the
run alone, which then stops the host; the workers end with the host. A host whose run goes
away sees end-of-file on its pipe and exits. No host outlives its run.
"""

from __future__ import annotations

import atexit
import itertools
import os
import subprocess
import sys
import threading
from concurrent.futures import Future
from multiprocessing.connection import Connection
from typing import IO

from wirehouse.core import progress
from wirehouse.core.settings import Settings


class HostFailed(RuntimeError):
    """The extraction host exited or could not load the model."""


class _Ended(Exception):
    """The host's end of the pipe closed while a batch was waiting for it."""


class ExtractionHost:
    """One model-loaded child process with the run's workers. ``extract_batch`` may be
    called from several threads at once; each waits for its own batch."""

    def __init__(self, settings: Settings) -> None:
        self.model, self.reference_dir = settings.model, settings.reference_dir
        to_host, from_run = os.pipe()
        from_host, to_run = os.pipe()
        # Its output goes through this process (_copy_output): written here, it appears above
        # a progress display instead of inside it.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "wirehouse.extract.host_process", str(to_host),
             str(to_run)],
            pass_fds=(to_host, to_run), process_group=0, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        os.close(to_host)
        os.close(to_run)
        self._send = Connection(from_run, readable=False)
        self._recv = Connection(from_host, writable=False)
        self._send.send((settings.model, settings.reference_dir, settings.n_process))
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._waiting: dict[int, Future[dict[str, str]]] = {}
        self._ended: BaseException | None = None
        self._threads = [
            threading.Thread(target=self._read_replies, name="wirehouse-host", daemon=True),
            threading.Thread(target=_copy_output, args=(self.proc.stdout,), daemon=True,
                             name="wirehouse-host-output")]
        for thread in self._threads:
            thread.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self._ended is None and self.proc.poll() is None

    def extract_batch(self, staged_path: str, run_id: str, settings: Settings,
                      part: str) -> dict[str, str]:
        """Extract one staged batch in the host; table name -> Parquet path."""
        future: Future[dict[str, str]] = Future()
        with self._lock:
            request_id = next(self._ids)
            self._waiting[request_id] = future
            try:
                if self._ended is not None:
                    raise self._ended
                self._send.send((request_id, staged_path, run_id, settings, part))
            except (EOFError, OSError) as exc:
                del self._waiting[request_id]
                raise self._failed(staged_path) from exc
        try:
            return future.result()
        except _Ended as ended:
            raise self._failed(staged_path) from ended.__cause__

    def _failed(self, staged_path: str) -> HostFailed:
        return HostFailed(f"the extraction process exited (pid {self.pid}, code "
                          f"{self.proc.poll()}) while extracting {staged_path}; its output "
                          "is above")

    def _read_replies(self) -> None:
        try:
            while True:
                kind, *reply = self._recv.recv()
                if kind == "progress":
                    progress.advance("extract", reply[0])
                    continue
                request_id, value, trace = reply
                with self._lock:
                    future = self._waiting.pop(request_id)
                if kind == "ok":
                    future.set_result(dict(value))
                elif isinstance(value, BaseException):
                    value.__cause__ = HostFailed(f"in the extraction process:\n{trace}")
                    future.set_exception(value)
                else:
                    future.set_exception(HostFailed(f"{value}\n{trace}"))
        except (EOFError, OSError) as exc:
            with self._lock:
                self._ended = exc
                waiting = list(self._waiting.values())
                self._waiting.clear()
            for future in waiting:
                ended = _Ended()
                ended.__cause__ = exc
                future.set_exception(ended)

    def close(self, kill: bool = False) -> None:
        """Let the host finish what it was sent and exit; ``kill``: now, whatever it is
        doing (while it loads the model it reads no pipe and would not see it close)."""
        if kill:
            self.proc.kill()
        self._send.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for thread in self._threads:
            thread.join(timeout=10)
        self._recv.close()


def _copy_output(stream: IO[bytes] | None) -> None:
    """The host's output, line by line, as this process's own: to sys.stderr as it is at
    each line (a progress display replaces it while it is shown)."""
    if stream is None:
        return
    with stream:
        for line in iter(stream.readline, b""):
            sys.stderr.write(line.decode(errors="replace"))
            sys.stderr.flush()


def wanted(settings: Settings) -> bool:
    """Whether extraction goes through a host: with the thread task runner (batches in the
    flow's own process tree) on more than one core. The process and Dask runners load the
    model in their own workers; on one core there is nothing to overlap."""
    return settings.task_runner == "thread" and settings.n_process > 1


_host: ExtractionHost | None = None
_host_lock = threading.Lock()


def start_host(settings: Settings) -> ExtractionHost:
    """This run's host for the model; started if there is none (or it died)."""
    global _host
    with _host_lock:
        if _host is not None and not (_host.alive() and _host.model == settings.model
                                      and _host.reference_dir == settings.reference_dir):
            _host.close(kill=True)
            _host = None
        if _host is None:
            _host = ExtractionHost(settings)
        return _host


def running_host() -> ExtractionHost | None:
    return _host


def stop_host(kill: bool = False) -> None:
    global _host
    with _host_lock:
        if _host is not None:
            _host.close(kill)
            _host = None


# At exit nothing waits for the host any more: a host still loading would hold the exit
# until it next reads its pipe.
atexit.register(stop_host, True)
