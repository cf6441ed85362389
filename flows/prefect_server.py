"""A long-lived local Prefect API server that `wirehouse` starts on first use and reuses.

Prefect's local mode starts a temporary API server (and migrates its database) for every
process that runs a flow: 16-26 s measured here, for a run that may have nothing to do.
Schedules need a real API anyway (`serve` refuses the temporary server). So the CLI talks to
one server per PREFECT_HOME, bound to 127.0.0.1, and records it in a state file beside the
Prefect database; a run then costs the flow itself (about 3 s of client start-up).
When PREFECT_API_URL is set (a shared server, Prefect Cloud) nothing is started.
"""

from __future__ import annotations

import contextlib
import fcntl
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATE_FILE = "wirehouse-server.json"


@dataclass(frozen=True)
class Server:
    url: str  # the API URL, ending in /api
    pid: int | None  # None: not ours (PREFECT_API_URL was set)
    started: bool  # started by this call: the caller may stop it


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


def prefect_home() -> Path:
    from prefect.settings import get_current_settings

    return Path(get_current_settings().home).expanduser()


def configured_api_url() -> str | None:
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url) if url else None


def healthy(url: str, timeout: float = 1.0) -> bool:
    """Whether our local server (plain HTTP on the loopback) answers. Through http.client:
    urllib's default opener builds an SSL context first (30-50 ms of every run)."""
    parts = urllib.parse.urlsplit(f"{url}/health")
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port,
                                      timeout=timeout)
    try:
        conn.request("GET", parts.path)
        return conn.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _read_state(home: Path) -> dict[str, object] | None:
    try:
        state = json.loads((home / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def _recorded(home: Path) -> tuple[int, str] | None:
    """(pid, url) of the server the state file names while that process lives; a state file
    whose process is gone (a reboot, a kill) is stale and removed."""
    state = _read_state(home)
    if not state:
        return None
    pid, url = int(state["pid"]), str(state["url"])  # type: ignore[call-overload]
    if pid_alive(pid):
        return pid, url
    (home / STATE_FILE).unlink(missing_ok=True)
    return None


def ensure_server(home: Path | None = None, timeout: float = 180.0) -> Server:
    """The API to use: PREFECT_API_URL if set, else our local server (started if needed)."""
    url = configured_api_url()
    if url:
        return Server(url, None, False)
    home = home or prefect_home()
    home.mkdir(parents=True, exist_ok=True)
    # The lock makes two `wirehouse` commands started together share one server.
    with open(home / f"{STATE_FILE}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        recorded = _recorded(home)
        if recorded and _wait_healthy(recorded[1], recorded[0], timeout):
            return Server(recorded[1], recorded[0], False)
        port = _free_port()
        url = f"http://127.0.0.1:{port}/api"
        log = open(home / "wirehouse-server.log", "ab")  # noqa: SIM115 - the child owns it
        env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "0"}
        # A new session: Ctrl-C in the terminal that started it does not kill the server.
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(port), "--analytics-off", "--no-ui"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True,
        )
        log.close()
        (home / STATE_FILE).write_text(json.dumps({"pid": proc.pid, "url": url}))
        if not _wait_healthy(url, proc.pid, timeout):
            stop_server(Server(url, proc.pid, True), home)
            raise RuntimeError(f"Prefect server did not start within {timeout:.0f}s; "
                               f"see {home / 'wirehouse-server.log'}")
        return Server(url, proc.pid, True)


def running_server(home: Path | None = None) -> Server | None:
    """The local server a `wirehouse` command started and left running, if it still answers.

    A state file whose process is gone (a reboot, a kill) is stale: it is removed and None
    returned. One whose pid is alive but whose URL does not answer is an error: the pid may
    now belong to another program, which must not be signalled.
    """
    home = home or prefect_home()
    recorded = _recorded(home)
    if recorded is None:
        return None
    pid, url = recorded
    if not healthy(url):
        raise RuntimeError(
            f"{home / STATE_FILE} names process {pid}, but nothing answers at {url}: it may "
            f"be starting or another program now has that pid. Check it, then delete the file.")
    return Server(url, pid, False)


def _wait_healthy(url: str, pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthy(url):
            return True
        if not pid_alive(pid):
            return False
        time.sleep(0.5)
    return False


def stop_server(server: Server, home: Path | None = None) -> None:
    """Stop a server we started (its whole process group: it was started in a session of
    its own) and forget it."""
    if server.pid is None:
        return
    home = home or prefect_home()
    try:
        os.killpg(server.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while pid_alive(server.pid) and time.monotonic() < deadline:
            reap(server.pid)
            time.sleep(0.2)
        if pid_alive(server.pid):
            os.killpg(server.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    reap(server.pid)
    state = _read_state(home)
    if state and state.get("pid") == server.pid:
        (home / STATE_FILE).unlink(missing_ok=True)


@contextmanager
def using(server: Server) -> Iterator[None]:
    """Point this process and the subprocesses it starts (task workers) at the server.

    Prefect reads its settings when imported, so the environment alone is not enough here.
    """
    from prefect.settings import (
        PREFECT_API_TLS_INSECURE_SKIP_VERIFY,
        PREFECT_API_URL,
        temporary_settings,
    )

    previous = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = server.url
    try:
        updates: dict[Any, Any] = {PREFECT_API_URL: server.url}
        if server.url.startswith("http://127.0.0.1:"):
            # Plain HTTP on the loopback (our local server): there is no TLS to verify, and
            # Prefect's clients would each build an SSL context from the CA bundle that is
            # never used (30-50 ms each, four or more a run).
            updates[PREFECT_API_TLS_INSECURE_SKIP_VERIFY] = True
        with temporary_settings(updates=updates):
            yield
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous
