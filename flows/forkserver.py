"""A process kept between runs with Prefect already imported, that forks each `wirehouse run`.

Importing Prefect and the flow is ~2.5 s of CPU in every run's own process (~3 s while the
parse workers share the cores; bench/RESULTS.md, "where the rest of a run goes"): the
largest share of what a run adds to bare spaCy once the extraction host is kept
(wirehouse.resident). So `wirehouse run` hands its command to this process, which forks a
child that already has everything imported. The child takes on the command's working
directory, environment, umask and stdin/stdout/stderr (passed over the socket), runs the
command as the run's own process would, and its exit status goes back to the command, which
forwards Ctrl-C and other signals to it. It is kept for WIREHOUSE_HOST_IDLE_S seconds after
its last run, like the extraction host (0: no kept processes, each run imports its own).

- Keyed like the extraction host: the interpreter, its installed packages (the folder's
  modification time), the code of wirehouse and flows, and the PREFECT_* environment (which
  Prefect reads as it is imported). A change to any starts another; the old one idles out.
- Runs at once are fine: each is a child of its own. The process itself never runs anything
  but imports, so what a child inherits is the same for every run.
- Started at the end of a run that imported Prefect itself (the first one after
  WIREHOUSE_HOST_IDLE_S without runs), so it imports while the cores are free; a command that
  comes meanwhile waits in the socket's backlog for the imports. (A first run that waited for
  it at its start began parsing ~1 s later: its own process overlaps the import with the
  check and the host's loading.)
- Same socket folder, peer check and files (``<key>.sock/.log/.json/.lock``) as the hosts;
  `wirehouse server status` lists it and `wirehouse server stop` stops it.

What a forked run does not take from its command: resource limits, cgroup, scheduling
priority and controlling terminal are the kept process's. WIREHOUSE_HOST_IDLE_S=0 turns
it off.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import gc
import hashlib
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from types import FrameType
from typing import IO, Any

from wirehouse.resident import (
    code_parts,
    connect,
    forget,
    idle_out,
    kept_folder,
    peer,
    prune,
    spawn_options,
    take_on,
)
from wirehouse.settings import Settings

FLOWS_DIR = Path(__file__).resolve().parent
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGTSTP)

# Set in a forked child: its command runs here rather than being handed on again.
FORKED = False


@functools.cache
def server_key() -> str:
    """What the kept process's imported state depends on."""
    from wirehouse.cache import file_digests

    purelib = sysconfig.get_paths()["purelib"]
    parts = [*code_parts(), purelib, str(os.stat(purelib).st_mtime_ns),
             str(FLOWS_DIR), *file_digests(FLOWS_DIR.glob("*.py")),
             *sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith("PREFECT_"))]
    return "run-" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def delegate(argv: list[str], settings: Settings) -> int | None:
    """Run the `wirehouse` command ``argv`` in a child of the kept process and return its
    exit status; None when there is none (or processes are not kept, or it could not fork):
    the caller then runs the command itself."""
    folder = None if FORKED else kept_folder(settings)
    if folder is None:
        return None
    key = server_key()
    with open(folder / f"{key}.lock", "a") as lock:
        # Held while connecting; the kept process takes it to idle out.
        fcntl.flock(lock, fcntl.LOCK_EX)
        sock = connect(folder / f"{key}.sock")
        if sock is None:
            return None
        try:
            _hand_over(sock, argv)
        except OSError:  # nothing forked: run here
            sock.close()
            return None
        return _wait(sock, lock)


def wait_until_ready(timeout: float = 60.0) -> None:
    """Return once no kept run process of this user is still importing (for benchmarks: one
    a run started as it ended would otherwise import beside whatever is timed next)."""
    from wirehouse.resident import running_hosts

    deadline = time.monotonic() + timeout
    while any(h.get("role") == "runs" and not h.get("ready") for h in running_hosts()):
        if time.monotonic() > deadline:
            raise TimeoutError("the kept run process did not finish importing")
        time.sleep(0.05)


def keep_for_next_runs(settings: Settings) -> None:
    """Start the kept run process for the runs after this one, unless it runs already: after
    a run that imported Prefect itself, which was as fast as waiting for it to do so would
    have been. It imports while nothing else needs the cores, and never in the way of a run."""
    folder = None if FORKED else kept_folder(settings)
    if folder is None:
        return
    key = server_key()
    with open(folder / f"{key}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (sock := connect(folder / f"{key}.sock")) is not None:
            sock.close()
            return
        prune(folder, key)
        with open(folder / f"{key}.log", "wb") as log:
            proc = subprocess.Popen([sys.executable, "-m", "flows.forkserver",
                                     str(folder / key), str(settings.host_idle_s)],
                                    **spawn_options(log))
        # Until it listens and has said so (~0.15 s, before its imports): the next command
        # then finds it, rather than starting another, and `wirehouse server` sees it.
        state = folder / f"{key}.json"
        deadline = time.monotonic() + 10
        while proc.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                if json.loads(state.read_text()).get("pid") == proc.pid:
                    return
            time.sleep(0.01)


def _hand_over(sock: socket.socket, argv: list[str]) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    body = json.dumps({"argv": argv, "argv0": sys.argv[0], "cwd": os.getcwd(),
                       "env": dict(os.environ), "umask": umask}).encode()
    message = struct.pack("!I", len(body)) + body
    fds = []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
            fds.append(fd)
        except OSError:  # closed: the child gets /dev/null there
            fds.append(os.open(os.devnull, os.O_RDWR))
    sent = socket.send_fds(sock, [message], fds)
    sock.sendall(message[sent:])


def _read_line(sock: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            raise EOFError("the kept run process closed the connection")
        data += chunk
    return data.decode().strip()


def _wait(sock: socket.socket, lock: IO[str]) -> int | None:
    """The child's exit status, as a shell reports it (128 + signal); meanwhile the signals a
    terminal or a supervisor sends to this command go to the child's process group. None if
    the kept process could not fork (the caller runs the command itself). ``lock`` is
    released once the child is forked."""
    pid = 0
    early: list[int] = []  # signals before the child's pid is known

    def forward(signum: int, frame: FrameType | None) -> None:
        if not pid:
            early.append(signum)
            return
        with contextlib.suppress(OSError):
            if signum == signal.SIGTSTP:
                # Ctrl-Z: the child's process group is orphaned (its parent is in another
                # session), where the kernel drops SIGTSTP; so stop it and then this command,
                # and go on together at `fg`/`bg`.
                os.killpg(pid, signal.SIGSTOP)
                os.kill(os.getpid(), signal.SIGSTOP)
                os.killpg(pid, signal.SIGCONT)
            else:
                os.killpg(pid, signum)

    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED}
    try:
        first = _read_line(sock)
        fcntl.flock(lock, fcntl.LOCK_UN)
        if not first.startswith("pid "):
            return None
        pid = int(first.removeprefix("pid "))
        for signum in early:
            forward(signum, None)
        status = _read_line(sock)
    except (OSError, EOFError, ValueError):
        # After the handover the run may be going: it is not started again here.
        print(f"wirehouse: lost the kept run process (run {pid or 'unknown'}); see its log "
              "(`wirehouse server status`)", file=sys.stderr)
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
    kind, value = status.split()
    return int(value) if kind == "exit" else 128 + int(value)


# The kept process.


def serve(path: str, idle_s: float) -> None:
    # Listening first: a command that comes while the imports go on waits for them in the
    # backlog rather than importing them itself too, and one started beside the command
    # that started this process sees that there is one.
    listener = _listen(Path(f"{path}.sock"))
    if listener is None:
        return  # another one started at the same time
    state = Path(f"{path}.json")
    info = {"pid": os.getpid(), "role": "runs", "key": Path(path).name,
            "started_at": time.time(), "ready": False}
    state.write_text(json.dumps(info))
    _boot()
    state.write_text(json.dumps({**info, "ready": True}))
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    # child pid -> its command's connection (None once the command is gone)
    runs: dict[int, socket.socket | None] = {}
    last = time.monotonic()
    print(f"forkserver: ready for runs at {path}.sock", flush=True)
    try:
        while True:
            timeout = None if runs else max(0.0, last + idle_s - time.monotonic())
            watched: list[Any] = [listener, wake_r, *(c for c in runs.values() if c)]
            ready, _, _ = select.select(watched, [], [], timeout)
            if not ready and not runs:
                if idle_out(path):  # the lock is free: no command is connecting
                    return
                time.sleep(0.05)  # a command is connecting
            if wake_r in ready:
                os.read(wake_r, 4096)
            if runs:
                last = time.monotonic()  # idle from the end of the last run
            _report_exits(runs)
            for pid, conn in list(runs.items()):
                if conn is not None and conn in ready and not conn.recv(1):
                    # The command is gone without forwarding a signal (killed): so is its run.
                    with contextlib.suppress(OSError):
                        os.killpg(pid, signal.SIGTERM)
                    conn.close()
                    runs[pid] = None
            if listener in ready:
                conn, _ = listener.accept()
                open_fds = [c.fileno() for c in runs.values() if c is not None]
                pid = _fork_run(conn, [listener.fileno(), wake_r, wake_w, *open_fds])
                if pid:
                    runs[pid] = conn
                    last = time.monotonic()
                else:
                    conn.close()
    finally:
        forget(state, os.getpid())
        listener.close()


def _listen(path: Path) -> socket.socket | None:
    """The listening socket at ``path``, replacing the file of one that is gone; None if a
    live one listens there."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(path))
    except OSError:
        if (other := connect(path)) is not None:
            other.close()
            listener.close()
            return None
        path.unlink(missing_ok=True)  # a killed one's
        listener.bind(str(path))
    listener.listen(16)
    return listener


def _boot() -> None:
    """Import what a run imports."""
    import fastapi.encoders  # noqa: F401 - Prefect's parameter serialisation
    import pyarrow.dataset  # noqa: F401

    import flows.etl  # noqa: F401
    import flows.server  # noqa: F401
    import wirehouse.cli  # noqa: F401
    import wirehouse.ingest  # noqa: F401
    import wirehouse.load  # noqa: F401
    import wirehouse.progress  # noqa: F401
    import wirehouse.report  # noqa: F401

    # What is imported now is shared by every run: out of the collector's reach, it is
    # neither walked by each run's collections nor copied into it by them.
    gc.collect()
    gc.freeze()


def _report_exits(runs: dict[int, socket.socket | None]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid not in runs:
            continue
        conn = runs.pop(pid)
        if conn is None:
            continue
        line = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
                else f"exit {os.waitstatus_to_exitcode(status)}")
        with contextlib.suppress(OSError):
            conn.sendall(f"{line}\n".encode())
        conn.close()


def _fork_run(conn: socket.socket, inherited: list[int]) -> int:
    """Fork the child for one command; its pid (0 if the handover failed)."""
    try:
        if peer(conn)[1] != os.getuid():
            return 0
        conn.settimeout(10)
        message, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
        if len(fds) != 3 or len(message) < 4:
            return 0
        size = struct.unpack("!I", message[:4])[0]
        body = message[4:]
        while len(body) < size:
            chunk = conn.recv(size - len(body))
            if not chunk:
                return 0
            body += chunk
        command = json.loads(body)
        conn.settimeout(None)
    except (OSError, ValueError):
        return 0
    try:
        pid = os.fork()
    except OSError as exc:  # out of processes or memory: the command runs itself
        for fd in fds:
            os.close(fd)
        with contextlib.suppress(OSError):
            conn.sendall(f"refused {exc}\n".encode())
        return 0
    if pid == 0:
        _child(conn, fds, command, inherited)
    print(f"forkserver: run {pid}: wirehouse {' '.join(command['argv'])} in {command['cwd']}",
          flush=True)
    for fd in fds:
        os.close(fd)
    with contextlib.suppress(OSError):
        os.setpgid(pid, pid)  # before the command hears the pid (it signals the group)
    try:
        conn.sendall(f"pid {pid}\n".encode())
    except OSError:
        os.killpg(pid, signal.SIGTERM)
    return pid


def _child(conn: socket.socket, fds: list[int], command: dict[str, Any],
           inherited: list[int]) -> None:
    """The run, in the forked child; never returns."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.setpgid(0, 0)
        conn.close()  # the kept process reports the exit status
        for fd in inherited:
            with contextlib.suppress(OSError):
                os.close(fd)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        code = _run(command)
    except BaseException:  # noqa: BLE001 - nothing may unwind into the kept process's loop
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _run(command: dict[str, Any]) -> int:
    global FORKED
    FORKED = True
    os.umask(int(command["umask"]))
    take_on(str(command["cwd"]), dict(command["env"]))
    argv = [str(a) for a in command["argv"]]
    sys.argv = [str(command["argv0"]), *argv]
    # The kept process's stdout went to its log: buffered by the block. This one's is the
    # command's (a terminal, most often).
    sys.stdout.reconfigure(line_buffering=sys.stdout.isatty())  # type: ignore[union-attr]
    import prefect.context
    from prefect.logging import configuration

    # Prefect settings come from the environment and the working folder's prefect.toml/.env;
    # its console handler decides on colour from the terminal it writes to.
    prefect.context.refresh_global_settings_context()
    configuration.PROCESS_LOGGING_CONFIG.clear()
    configuration.setup_logging()
    import atexit

    from wirehouse.cli import app

    try:
        app(args=argv, prog_name="wirehouse")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception as exc:  # noqa: BLE001 - reported as at the top level of a process
        sys.excepthook(type(exc), exc, exc.__traceback__)  # typer's, which it installed
        code = 1
    atexit._run_exitfuncs()  # Prefect's and wirehouse's, as at a normal exit
    return code


if __name__ == "__main__":
    # Through the imported module, not this __main__ copy of it: the child's FORKED must be
    # the one wirehouse.cli reads.
    from flows import forkserver

    with contextlib.suppress(KeyboardInterrupt):
        forkserver.serve(sys.argv[1], float(sys.argv[2]))
    # Not interpreter teardown: it would walk the whole frozen heap for nothing.
    os._exit(0)

