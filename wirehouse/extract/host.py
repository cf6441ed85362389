"""The extraction host: the run's own process that loads the model while ingest is still reading.

Importing spaCy and the pipeline modules and loading the model and the coders' lexicons cost
seconds of one core. The flow starts the host when ingest stages its first document, so that
loading happens on the other core while ingest goes on; the host then extracts each staged
batch it is sent (``batch.extract_batch``, which forks its parse workers from the host after
the loading, so everything is loaded once and its pages are shared).

The host is a plain ``python -m wirehouse.extract.host_process`` subprocess talking over two pipes,
not a multiprocessing child: a spawned child would first import the parent's main module (all
of Prefect, in a served flow run), and a fork of the flow process would copy its threads'
locks. The host has no threads of its own, and a multiprocessing pool forks its workers
before it starts its threads, so forking the parse workers from the host is safe. A host
whose flow process goes away sees end-of-file on its pipe and exits, and one that sees it
while its workers extract a batch stops them. No host outlives its run.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
from multiprocessing.connection import Connection

from wirehouse.core.settings import Settings


class HostFailed(RuntimeError):
    """The extraction host exited or could not load the model."""


class ExtractionHost:
    """One model-loaded child process; ``extract_batch`` calls run there one at a time."""

    def __init__(self, model: str, reference_dir: str, send: Connection, recv: Connection,
                 proc: subprocess.Popen[bytes]) -> None:
        self.model, self.reference_dir = model, reference_dir
        self._send, self._recv = send, recv
        self.proc = proc
        self._lock = threading.Lock()

    @classmethod
    def spawn(cls, model: str, reference_dir: str) -> ExtractionHost:
        to_host, from_parent = os.pipe()
        from_host, to_parent = os.pipe()
        proc = subprocess.Popen(
            [sys.executable, "-m", "wirehouse.extract.host_process", str(to_host),
             str(to_parent)],
            pass_fds=(to_host, to_parent))
        os.close(to_host)
        os.close(to_parent)
        send = Connection(from_parent, readable=False)
        send.send((model, reference_dir))
        return cls(model, reference_dir, send, Connection(from_host, writable=False), proc)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def extract_batch(self, staged_path: str, run_id: str, settings: Settings,
                      part: str) -> dict[str, str]:
        with self._lock:
            try:
                self._send.send(("extract", staged_path, run_id, settings, part))
                status, value, trace = self._recv.recv()
            except (EOFError, OSError) as exc:
                raise HostFailed(
                    f"the extraction process exited (pid {self.pid}, code "
                    f"{self.proc.poll()}) while extracting {staged_path}; its output is above"
                ) from exc
        if status == "ok":
            return dict(value)
        if isinstance(value, BaseException):
            raise value from HostFailed(f"in the extraction process:\n{trace}")
        raise HostFailed(f"{value}\n{trace}")

    def close(self, kill: bool = False) -> None:
        """Let the host finish its request and exit; ``kill``: now, whatever it is doing
        (while it loads the model it reads no pipe and would not see it close)."""
        for conn in (self._send, self._recv):
            conn.close()
        if kill:
            self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


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
            _host.close()
            _host = None
        if _host is None:
            _host = ExtractionHost.spawn(settings.model, settings.reference_dir)
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
