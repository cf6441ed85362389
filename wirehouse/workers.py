"""The extraction host: one process that loads the model while ingest is still reading.

Importing spaCy and the pipeline modules and loading the model cost ~3.5 s of one core, the
coders' lexicons ~0.8 s more, and before this they ran in the flow process after ingest, one
after the other. The flow now starts the host when ingest stages its first document: the
host loads all of it on the other core while ingest goes on, then extracts each staged batch
it is sent (``pipeline.extract_batch``, which forks its parse workers from the host after
the loading, so everything is loaded once and its pages are shared).

`wirehouse run` starts the host before its no-op check, and once the check has found work it
asks the host to read ahead (``extract_ahead``, wirehouse.prefetch): to start on the first
batch's documents as soon as its model is loaded, before the flow has staged them.

The host is a plain ``python -m wirehouse.workers`` subprocess talking over two pipes, not a
multiprocessing child: a spawned child would first import the parent's main module (all of
Prefect, in a served flow run), and a fork of the flow process would copy its threads' locks.
The host has no threads of its own, and a multiprocessing pool forks its workers before it
starts its threads, so forking the parse workers from the host is safe. A host
whose flow process dies sees end-of-file on its pipe and exits, and one that sees it while
its workers extract a batch stops them.

Unless WIREHOUSE_HOST_IDLE_S is 0, the host stays loaded after the run for the next one,
which attaches to it over a socket (wirehouse.resident).
"""

from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys
import threading
import traceback
from multiprocessing.connection import Connection
from typing import IO, TYPE_CHECKING, Any

from wirehouse.settings import Settings

if TYPE_CHECKING:
    from wirehouse.documents import Known
    from wirehouse.prefetch import Ahead


class HostFailed(RuntimeError):
    """The extraction host exited or could not load the model."""


class ExtractionHost:
    """One model-loaded process; ``extract_batch`` calls run there one at a time. Either a
    child of this process over two pipes (``spawn``), or a resident host (wirehouse.resident)
    over its socket, with ``lock`` held while this run is attached to it."""

    def __init__(self, model: str, reference_dir: str, send: Connection, recv: Connection,
                 pid: int, proc: subprocess.Popen[bytes] | None = None,
                 lock: IO[str] | None = None, log: str | None = None) -> None:
        self.model, self.reference_dir = model, reference_dir
        self._send, self._recv = send, recv
        self.pid, self.proc, self.lock, self.log = pid, proc, lock, log
        self._lock = threading.Lock()
        # Documents of the last batch whose rows were extracted ahead (prefetch.Ahead).
        self.read_ahead = 0

    @classmethod
    def spawn(cls, model: str, reference_dir: str, lock: IO[str] | None = None,
              log: IO[bytes] | None = None, resident: list[str] | None = None
              ) -> ExtractionHost:
        """A new host process; ``resident``: [socket path without suffix, idle seconds] for
        one that stays after this run (wirehouse.resident), writing to ``log``."""
        to_host, from_parent = os.pipe()
        from_host, to_parent = os.pipe()
        options: dict[str, Any] = {}
        if resident is not None:
            from wirehouse.resident import spawn_options

            options = spawn_options(log)
        proc = subprocess.Popen(
            [sys.executable, "-m", "wirehouse.workers", str(to_host), str(to_parent),
             *(resident or [])], pass_fds=(to_host, to_parent), **options)
        os.close(to_host)
        os.close(to_parent)
        send = Connection(from_parent, readable=False)
        send.send((model, reference_dir))
        return cls(model, reference_dir, send, Connection(from_host, writable=False), proc.pid,
                   proc, lock, str(log.name) if log is not None else None)

    def alive(self) -> bool:
        if self.proc is not None:
            return self.proc.poll() is None
        from wirehouse.resident import pid_alive

        return pid_alive(self.pid)

    def extract_batch(self, staged_path: str, run_id: str, settings: Settings,
                      part: str) -> dict[str, str]:
        with self._lock:
            try:
                self._send.send(("extract", staged_path, run_id, settings, part))
                status, value, trace, self.read_ahead = self._recv.recv()
            except (EOFError, OSError) as exc:
                code = f", code {self.proc.poll()}" if self.proc is not None else ""
                raise HostFailed(
                    f"the extraction process exited (pid {self.pid}{code}) while extracting "
                    f"{staged_path}; its output is {'in ' + self.log if self.log else 'above'}"
                ) from exc
        if status == "ok":
            return dict(value)
        if isinstance(value, BaseException):
            raise value from HostFailed(f"in the extraction process:\n{trace}")
        raise HostFailed(f"{value}\n{trace}")

    def extract_ahead(self, sources: list[str], settings: Settings, known: Known,
                      signature: str, force: bool) -> None:
        """Let the host start on the documents ingest will stage first (prefetch.Ahead), once
        its model is loaded; no reply. ``known`` and ``signature`` as for ingest."""
        request = ("ahead", sources, settings, known, signature, force)

        def send() -> None:
            try:
                self._send.send(request)
            except OSError:
                pass  # a host that died is reported by the extract request that follows
            finally:
                self._lock.release()

        # Sent from a thread: a large warehouse's ``known`` fills the pipe, and the host
        # reads it only once its model is loaded. The lock, taken here and released there,
        # keeps the extract requests behind it.
        self._lock.acquire()
        threading.Thread(target=send, name="wirehouse-ahead", daemon=True).start()

    def close(self, kill: bool = False) -> None:
        """Let the host finish its request and exit; ``kill``: now, whatever it is doing
        (while it loads the model it reads no pipe and would not see it close). A resident
        host this run attached to is never killed: it drops what this run asked of it (it
        watches the connection while it works) and waits for the next run. One this run
        started is left loaded for the next, unless killed (a run that found nothing to do
        does not leave a host it only started)."""
        for conn in (self._send, self._recv):
            conn.close()
        if self.proc is not None and (self.lock is None or kill):
            if kill:
                self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.lock is not None:  # after a kill: no run may attach to a dying host
            self.lock.close()


def wanted(settings: Settings) -> bool:
    """Whether extraction goes through a host: with the thread task runner (batches in the
    flow's own process tree) on more than one core. The process and Dask runners load the
    model in their own workers; on one core there is nothing to overlap."""
    return settings.task_runner == "thread" and settings.n_process > 1


_host: ExtractionHost | None = None
_host_lock = threading.Lock()


def start_host(settings: Settings) -> ExtractionHost:
    """The running host for this model: a resident one (wirehouse.resident) if hosts are
    kept and it is free, else one of this process's own; started if there is none (or it
    died)."""
    global _host
    with _host_lock:
        if _host is not None and not (_host.alive() and _host.model == settings.model
                                      and _host.reference_dir == settings.reference_dir):
            _host.close()
            _host = None
        if _host is None:
            from wirehouse.resident import attach

            _host = attach(settings) or ExtractionHost.spawn(settings.model,
                                                             settings.reference_dir)
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


def load(model: str, reference_dir: str) -> BaseException | None:
    """Load the model and everything the coders use; what failed, if anything, is reported
    with the first request, where someone is waiting."""
    try:
        from wirehouse import pipeline

        pipeline.warm_up(Settings(model=model, reference_dir=reference_dir))
    except Exception as exc:
        return exc
    return None


def serve(requests: Connection, replies: Connection, failed: BaseException | None) -> None:
    """One run's requests, until it closes its end (or goes away while a batch is extracted:
    the workers are stopped and the batch dropped)."""
    from wirehouse import pipeline

    ahead: Ahead | None = None
    try:
        while True:
            try:
                kind, *request = requests.recv()
            except (EOFError, OSError):
                return
            if kind == "ahead":
                if failed is None:
                    ahead = _start_ahead(request, requests)
                continue
            staged_path, run_id, settings, part = request
            try:
                if failed is not None:
                    raise failed
                serves = ahead is not None and ahead.serves(settings)
                # The run sends nothing while it waits for this batch: something to read
                # on its connection means it closed.
                reply: tuple[str, Any, str, int] = ("ok", pipeline.extract_batch(
                    staged_path, run_id, settings, part, ahead if serves else None,
                    interrupted=requests.poll), "",
                    ahead.hits if ahead is not None and serves else 0)
            except pipeline.Abandoned:
                return
            except Exception as exc:
                reply = ("error", exc, traceback.format_exc(), 0)
            try:
                replies.send(reply)
            except (pickle.PicklingError, TypeError, AttributeError):  # an unpicklable error
                replies.send(("error", f"{type(reply[1]).__name__}: {reply[1]}", reply[2], 0))
            except OSError:
                return
            if ahead is not None:  # only the first batch is read ahead
                ahead.close()
                ahead = None
    finally:
        if ahead is not None:
            ahead.close()


def _start_ahead(request: list[Any], requests: Connection) -> Ahead | None:
    """prefetch.Ahead for the request, or None. Reading ahead only saves time: a source it
    cannot read is for ingest to report (or quarantine), not for this."""
    from wirehouse.prefetch import Ahead

    sources, settings, known, signature, force = request
    try:
        return Ahead.start(sources, settings, known, signature, force, requests.poll)
    except Exception as exc:
        print(f"wirehouse: not reading ahead ({type(exc).__name__}: {exc})", file=sys.stderr)
        return None


def main(argv: list[str]) -> None:
    requests = Connection(int(argv[1]), writable=False)
    replies = Connection(int(argv[2]), readable=False)
    if len(argv) > 3:
        from wirehouse.resident import serve_resident

        serve_resident(requests, replies, argv[3], float(argv[4]))
    else:
        model, reference_dir = requests.recv()
        serve(requests, replies, load(model, reference_dir))


if __name__ == "__main__":
    main(sys.argv)
    # Every batch is written and every reply sent; tearing down the interpreter with the
    # model in it took ~0.5 s that the flow waited for before loading.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
