"""The local Prefect server: one per checkout, started on first use, kept until stopped.

Prefect's local mode starts a temporary API server (and migrates its database) for every
process that runs a flow, and schedules need a real API anyway (`serve` refuses the temporary
one). So `wirehouse` runs one server, bound to 127.0.0.1, with the UI, per Prefect home:
``PREFECT_HOME`` when set, else ``.prefect-home`` in this checkout, so that two checkouts on
one machine never share a server, its database or its secret. The server is recorded in a
state file in that home; `wirehouse server stop` stops that one only.

The API needs credentials: the server is started with the home's secret as its basic-auth
string (flows.secret, file mode 0600), and the clients the project starts get it through
``using``. A server that answers without them is refused. The UI asks for the same secret.

When PREFECT_API_URL is set (a shared server, Prefect Cloud) nothing is started: that
server's own credentials are the user's to configure.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
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

from flows.secret import SECRET_FILE, local_secret
from wirehouse.core.settings import PROJECT_ROOT

STATE_FILE = "wirehouse-server.json"
LOG_FILE = "wirehouse-server.log"


class ServerRefused(RuntimeError):
    """The local server cannot be used (or started) safely; the message says what to do."""


@dataclass(frozen=True)
class Server:
    url: str  # the API URL, ending in /api
    pid: int | None  # None: not ours (PREFECT_API_URL was set)
    started: bool  # started by this call: the caller may stop it
    auth: str | None = None  # what clients send as PREFECT_API_AUTH_STRING (ours: the secret)
    crashed: int = 0  # flow runs the last server left unfinished, marked crashed at this start

    @property
    def ui_url(self) -> str:
        return self.url.removesuffix("/api")

    def crashed_note(self) -> str | None:
        if not self.crashed:
            return None
        return (f"marked {self.crashed} flow run(s) crashed: they were unfinished when the "
                "last server of this Prefect home went away")

    def note(self) -> str:
        """The line `wirehouse` commands end with when they used (or started) it."""
        return f"Prefect server running at {self.ui_url} - `wirehouse server stop` stops it"


def prefect_home() -> Path:
    """PREFECT_HOME if set, else this checkout's own (.prefect-home beside prefect.yaml)."""
    home = os.environ.get("PREFECT_HOME")
    return Path(home).expanduser() if home else PROJECT_ROOT / ".prefect-home"


def configured_api_url() -> str | None:
    """PREFECT_API_URL from the environment or the active Prefect profile."""
    from prefect.settings import get_current_settings

    url = os.environ.get("PREFECT_API_URL") or get_current_settings().api.url
    return str(url) if url else None


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


def _request(url: str, method: str, path: str, auth: str | None = None,
             timeout: float = 2.0) -> int | None:
    """The HTTP status of a request to our local server (plain HTTP on the loopback), None if
    it does not answer. Through http.client: urllib's opener builds an SSL context first."""
    parts = urllib.parse.urlsplit(f"{url}{path}")
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port,
                                      timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if auth is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    try:
        conn.request(method, parts.path, body="{}" if method == "POST" else None,
                     headers=headers)
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def healthy(url: str, timeout: float = 1.0) -> bool:
    return _request(url, "GET", "/health", timeout=timeout) == 200


def requires_auth(url: str) -> bool:
    """Whether the server refuses a request without credentials (one that lists flows)."""
    return _request(url, "POST", "/flows/filter") == 401


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _recorded(home: Path) -> tuple[int, str] | None:
    """(pid, url) of the server the state file names while that process lives; a state file
    whose process is gone (a reboot, a kill) is stale and removed."""
    try:
        state = json.loads((home / STATE_FILE).read_text())
        pid, url = int(state["pid"]), str(state["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid_alive(pid):
        return pid, url
    (home / STATE_FILE).unlink(missing_ok=True)
    return None


def _checked(url: str, pid: int, home: Path) -> Server:
    if not requires_auth(url):
        raise ServerRefused(
            f"the Prefect server at {url} (pid {pid}, recorded in {home / STATE_FILE}) "
            "answers without credentials, so any local user could run flows through it: "
            "stop it (`wirehouse server stop`) and run again")
    return Server(url, pid, False, local_secret(home))


def ensure_server(home: Path | None = None, timeout: float = 180.0) -> Server:
    """The API to use: PREFECT_API_URL if set, else this home's server (started if needed)."""
    url = configured_api_url()
    if url:
        return Server(url, None, False)
    home = home or prefect_home()
    home.mkdir(parents=True, exist_ok=True)
    secret = local_secret(home)  # refuses an unsafe secret file: then no server starts
    # The lock makes two `wirehouse` commands started together share one server.
    with open(home / f"{STATE_FILE}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        recorded = _recorded(home)
        if recorded and _wait_healthy(recorded[1], recorded[0], timeout):
            return _checked(recorded[1], recorded[0], home)
        port = _free_port()
        url = f"http://127.0.0.1:{port}/api"
        env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "0",
               "PREFECT_SERVER_API_AUTH_STRING": secret,
               # Where the UI's pages send their API calls (Prefect's default port otherwise).
               "PREFECT_UI_API_URL": url}
        env.pop("PREFECT_API_URL", None)
        with open(home / LOG_FILE, "ab") as log:
            # A new session: Ctrl-C in the terminal that started it does not stop the server.
            proc = subprocess.Popen(
                [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                 "--port", str(port), "--analytics-off"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                start_new_session=True)
        (home / STATE_FILE).write_text(json.dumps({"pid": proc.pid, "url": url}))
        if not _wait_healthy(url, proc.pid, timeout):
            stop_server(Server(url, proc.pid, True), home)
            raise ServerRefused(f"the Prefect server did not start within {timeout:.0f} s; "
                                f"see {home / LOG_FILE}")
        checked = _checked(url, proc.pid, home)
        server = dataclasses.replace(checked, started=True)
        return dataclasses.replace(server, crashed=mark_unfinished_crashed(server))


# A flow run in one of these states when its server starts has no process left to end it.
UNFINISHED = ("RUNNING", "PENDING", "CANCELLING")


def mark_unfinished_crashed(server: Server) -> int:
    """Mark crashed the flow runs a server of this home left unfinished when it went away
    (a kill, a reboot; flows.server_loss): a new server listens on a new port, so no process
    of theirs can report to it. Returns how many."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Crashed

    unfinished = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
        any_=[StateType(name) for name in UNFINISHED])))
    marked: set[object] = set()
    with using(server), get_client(sync_client=True) as client:
        while runs := [run for run in client.read_flow_runs(flow_run_filter=unfinished,
                                                             limit=200)
                       if run.id not in marked]:
            for run in runs:
                client.set_flow_run_state(run.id, Crashed(
                    message="the Prefect server stopped while this flow run was in "
                            "progress; marked crashed when the next server started"),
                    force=True)
                marked.add(run.id)
    return len(marked)


def running_server(home: Path | None = None) -> Server | None:
    """The server this home's `wirehouse` commands started and left running, if any.

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
        raise ServerRefused(
            f"{home / STATE_FILE} names process {pid}, but nothing answers at {url}: it may "
            "be starting or another program now has that pid. Check it, then delete the file.")
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
    """Stop a server of this home (its whole process group: it was started in a session of
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
    if _recorded(home) == (server.pid, server.url):
        (home / STATE_FILE).unlink(missing_ok=True)


def secret_path(home: Path | None = None) -> Path:
    """Where the secret the UI asks for is kept."""
    return (home or prefect_home()) / SECRET_FILE


@contextmanager
def using(server: Server) -> Iterator[None]:
    """Point this process and the processes it starts (task workers, served flow runs) at
    the server, with its credentials.

    Prefect reads its settings when imported, so the environment alone is not enough here.
    """
    from prefect.settings import (
        PREFECT_API_AUTH_STRING,
        PREFECT_API_TLS_INSECURE_SKIP_VERIFY,
        PREFECT_API_URL,
        temporary_settings,
    )

    variables = {"PREFECT_API_URL": server.url}
    updates: dict[Any, Any] = {PREFECT_API_URL: server.url}
    if server.auth is not None:
        variables["PREFECT_API_AUTH_STRING"] = server.auth
        updates[PREFECT_API_AUTH_STRING] = server.auth
    if server.url.startswith("http://127.0.0.1:"):
        # Plain HTTP on the loopback (our local server): there is no TLS to verify, and
        # Prefect's clients would each build an SSL context from the CA bundle, unused.
        updates[PREFECT_API_TLS_INSECURE_SKIP_VERIFY] = True
    previous = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        with temporary_settings(updates=updates):
            yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
