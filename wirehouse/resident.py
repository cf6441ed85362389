"""The extraction host kept between runs, like the local Prefect server.

Each run's host imported spaCy, loaded the model, the language identifier and the lexicons:
~2.5 s of one core before the first document was parsed, most of what a 1,000-article run
adds to bare spaCy (bench/RESULTS.md, "Throughput"). So the host a run starts stays after it,
loaded, for WIREHOUSE_HOST_IDLE_S seconds (default 900; 0: a host per run, as before), and the
next run with the same model, reference data and code attaches to it over a Unix socket.

- One host per key: a hash of the interpreter, wirehouse's code, the model and the reference
  data (as the extraction signature hashes them). A change to any of them starts a new host;
  the old one idles out.
- One run at a time: a run holds ``<key>.lock`` while attached. A run that finds it taken
  (two runs at once) starts a host of its own for itself, as before.
- Each run sends its working directory and environment; the host takes them on for the
  run, so relative paths, credentials and WIREHOUSE_* settings are the run's own.
- The socket lives in a folder only this user can enter ($XDG_RUNTIME_DIR/wirehouse or
  /tmp/wirehouse-<uid>, mode 0700), and the host also checks the caller's uid: what crosses
  it is pickled, so only the user who could run the code anyway may talk to it.
- The host writes its output to ``<key>.log`` beside the socket: it outlives the terminal of
  the run that started it. Errors still reach the run, with the host's traceback.

`wirehouse server stop` stops resident hosts along with the server; `status` lists them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import select
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from wirehouse.settings import Settings

if TYPE_CHECKING:
    from wirehouse.workers import ExtractionHost

PACKAGE_DIR = Path(__file__).resolve().parent


def runtime_dir() -> Path | None:
    """The folder of the hosts' sockets, made private to this user; None if it cannot be."""
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    folder = Path(base, "wirehouse" if os.environ.get("XDG_RUNTIME_DIR")
                  else f"wirehouse-{os.getuid()}")
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    private = stat.S_ISDIR(info.st_mode) and not info.st_mode & 0o077
    return folder if private and info.st_uid == os.getuid() else None


def kept_folder(settings: Settings) -> Path | None:
    """The socket folder of the processes kept between runs (this host, and the kept run
    process of flows.forkserver); None when none are kept: host_idle_s 0, not Linux (the
    peer check, SO_PEERCRED, and the process checks, /proc, are Linux's), or no private
    folder."""
    if settings.host_idle_s <= 0 or sys.platform != "linux":
        return None
    return runtime_dir()


def code_parts() -> list[str]:
    """The interpreter and wirehouse's code: what every kept process's key starts with."""
    from wirehouse.cache import file_digests

    return [sys.prefix, sys.version, str(PACKAGE_DIR), *file_digests(PACKAGE_DIR.glob("*.py"))]


def connect(path: Path) -> socket.socket | None:
    """A connection to the kept process listening at ``path``; None if none listens there
    (none yet, or the stale socket of one that was killed)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except OSError:
        sock.close()
        return None
    return sock


def host_key(settings: Settings) -> str:
    """What a host's loaded state depends on: any change means another host."""
    from wirehouse.cache import package_versions
    from wirehouse.nlp import extraction_signature

    parts = [*code_parts(), settings.model, settings.reference_dir,
             extraction_signature(settings.model, settings.reference_dir),
             *package_versions("spacy")]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def attach(settings: Settings) -> ExtractionHost | None:
    """A resident host for this run: the one left by an earlier run, or a new one that will
    stay. None when hosts are not kept (host_idle_s 0, or not on Linux), another run is
    using this one, or there is no private folder for the socket: the caller then starts a
    host of its own."""
    from wirehouse.workers import ExtractionHost

    folder = kept_folder(settings)
    if folder is None:
        return None
    try:
        key = host_key(settings)
    except Exception:  # a model that is not installed: the run's own host reports it
        return None
    lock = try_lock(folder / f"{key}.lock")  # held while attached
    if lock is None:
        return None
    sock = connect(folder / f"{key}.sock")
    if sock is None:
        prune(folder, key)
        with open(folder / f"{key}.log", "wb") as log:
            return ExtractionHost.spawn(
                settings.model, settings.reference_dir, lock=lock, log=log,
                resident=[str(folder / key), str(settings.host_idle_s)])
    pid = peer(sock)[0]
    conn = Connection(sock.detach())
    try:
        conn.send(("session", os.getcwd(), dict(os.environ)))
    except OSError:
        conn.close()
        lock.close()
        return None
    return ExtractionHost(settings.model, settings.reference_dir, conn, conn, pid, lock=lock,
                          log=str(folder / f"{key}.log"))


def prune(folder: Path, keep: str) -> None:
    """Remove the files of hosts that are gone (another code version's, most often), each
    under its lock, so that none is in use."""
    for lock_path in folder.glob("*.lock"):
        key = lock_path.stem
        if key == keep:
            continue
        lock = try_lock(lock_path)
        if lock is None:
            continue
        with lock:
            try:
                pid = int(json.loads((folder / f"{key}.json").read_text())["pid"])
            except (OSError, ValueError, KeyError):
                pid = 0
            if pid and _is_host(pid):
                continue  # idle, kept for its runs
            for suffix in (".json", ".sock", ".log", ".lock"):
                (folder / f"{key}{suffix}").unlink(missing_ok=True)


def peer(sock: socket.socket) -> tuple[int, int]:
    """(pid, uid) of the process at the other end of a Unix socket."""
    pid, uid, _ = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                      struct.calcsize("3i")))
    return pid, uid


def running_hosts() -> list[dict[str, Any]]:
    """The resident hosts of this user that are alive: pid, model, reference_dir, key; and
    the kept run processes (flows.forkserver): pid, key, role "runs"."""
    folder = runtime_dir()
    hosts = []
    for path in sorted(folder.glob("*.json")) if folder else []:
        try:
            state = json.loads(path.read_text())
            alive = _is_host(int(state["pid"]))
        except (OSError, ValueError, KeyError):
            continue
        if alive:
            hosts.append(state)
    return hosts


def _is_host(pid: int) -> bool:
    """Whether ``pid`` is a live extraction host or kept run process (flows.forkserver), not
    a pid reused by another program."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            command = fh.read()
            return b"wirehouse.workers" in command or b"flows.forkserver" in command
    except OSError:
        return False


def stop_hosts(timeout: float = 10.0) -> list[dict[str, Any]]:
    """Stop every resident host of this user; returns those stopped. A run attached to one
    fails with HostFailed."""
    hosts = running_hosts()
    for state in hosts:
        with contextlib.suppress(OSError):
            os.kill(int(state["pid"]), signal.SIGTERM)
    deadline = time.monotonic() + timeout
    folder = runtime_dir()
    for state in hosts:
        pid = int(state["pid"])
        while not _exited(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not _exited(pid):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            killed = time.monotonic() + timeout
            while not _exited(pid) and time.monotonic() < killed:
                time.sleep(0.05)
        reap(pid)
        # SIGTERM's default action skips the host's own clean-up. Its socket is left: a new
        # host of the same key may have replaced it already; a stale one is replaced anyway.
        if folder is not None:
            forget(folder / f"{state['key']}.json", pid)
    return hosts


def _exited(pid: int) -> bool:
    """Whether ``pid`` has exited with its files closed: gone, or a zombie with no thread left
    (only the last one to exit closes the files, its socket among them; a host has numpy's
    threads, and its command line reads empty before any of that)."""
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as fh:
            fields = dict(line.split(":", 1) for line in fh if ":" in line)
    except OSError:
        return True
    return fields["State"].split()[0] in ("Z", "X") and int(fields["Threads"]) <= 1


def forget(state: Path, pid: int) -> None:
    """Remove a host's state file if it still names ``pid``."""
    with contextlib.suppress(OSError, ValueError):
        if json.loads(state.read_text()).get("pid") == pid:
            state.unlink()


def try_lock(path: Path) -> IO[str] | None:
    """``path`` opened and locked (exclusive, released when closed), or None if another
    process holds the lock."""
    lock = open(path, "a")  # noqa: SIM115 - the caller owns it
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        return None
    return lock


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def reap(pid: int) -> None:
    """A child of ours stays a zombie (and alive to ``kill -0``) until waited for."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def serve_resident(requests: Connection, replies: Connection, path: str, idle_s: float
                   ) -> None:
    """The resident host's life: serve the run that started it over the pipes, then later
    runs over the socket, until it has been idle for ``idle_s`` seconds."""
    from wirehouse.workers import load, serve

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # The run that started us holds the lock, so a socket file left here is a dead host's.
    Path(f"{path}.sock").unlink(missing_ok=True)
    listener.bind(f"{path}.sock")
    listener.listen(4)
    state = Path(f"{path}.json")
    model, reference_dir = requests.recv()
    state.write_text(json.dumps({"pid": os.getpid(), "model": model, "key": Path(path).name,
                                 "reference_dir": reference_dir, "started_at": time.time()}))
    try:
        failed = load(model, reference_dir)
        serve(requests, replies, failed)
        requests.close()
        replies.close()
        if failed is not None:
            return  # nothing loaded to keep
        print(f"resident: ready for runs at {path}.sock", flush=True)
        while True:
            ready, _, _ = select.select([listener], [], [], idle_s)
            if not ready:
                if idle_out(path):
                    return
                continue
            conn, _ = listener.accept()
            if peer(conn)[1] != os.getuid():
                conn.close()
                continue
            session = Connection(conn.detach())
            try:
                _, cwd, env = session.recv()
                take_on(cwd, env)
            except (EOFError, OSError, ValueError):
                session.close()
                continue
            serve(session, session, None)
            session.close()
    finally:
        forget(state, os.getpid())
        listener.close()


def idle_out(path: str) -> bool:
    """Whether to exit now: only if no run holds the lock (one may be connecting)."""
    lock = try_lock(Path(f"{path}.lock"))
    if lock is None:
        return False
    with lock:
        Path(f"{path}.sock").unlink(missing_ok=True)
        print("resident: idle, exiting", flush=True)
        return True


def take_on(cwd: str, env: dict[str, str]) -> None:
    """The run's working directory and environment, for this host and the workers it forks."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    from wirehouse.settings import get_settings

    get_settings.cache_clear()
    if "fsspec" in sys.modules:  # filesystems hold credentials read from the environment
        from fsspec.registry import registry

        for cls in registry.values():
            cls.clear_instance_cache()


def spawn_options(log: IO[bytes] | None) -> dict[str, Any]:
    """Popen options for a host that outlives its run: a session of its own (Ctrl-C in the
    run's terminal is for the run), output to its log, not to the run's pipes."""
    return {"start_new_session": True, "stdin": subprocess.DEVNULL, "stdout": log,
            "stderr": subprocess.STDOUT}
