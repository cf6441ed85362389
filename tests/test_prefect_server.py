"""The local Prefect server (flows.prefect_server): one per Prefect home, its UI, its
credentials, and what a run leaves behind; `wirehouse server start|status|stop`."""

from __future__ import annotations

import base64
import ctypes
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from conftest import PROJECT_ROOT, prefect_env, wirehouse

from flows import prefect_server
from flows.prefect_server import (
    STATE_FILE,
    Server,
    ServerRefused,
    ensure_server,
    pid_alive,
    stop_server,
    using,
)
from flows.secret import SECRET_FILE, InsecureSecret


def _state(home: Path) -> dict[str, Any]:
    state: dict[str, Any] = json.loads((home / STATE_FILE).read_text())
    return state


@pytest.fixture
def home(local_server_home: Path) -> Path:
    return local_server_home


def _call(url: str, method: str, path: str, auth: str | None, **kwargs: Any) -> int:
    headers = {"Authorization": "Basic " + base64.b64encode(auth.encode()).decode()} \
        if auth is not None else {}
    return httpx.request(method, f"{url}{path}", headers=headers, timeout=30, **kwargs
                         ).status_code


def test_the_api_refuses_requests_without_the_homes_secret(home: Path) -> None:
    """Without the secret nobody can list, read (parameters included) or create flow runs;
    with it, the project's clients can. The UI is served, and the link a run prints is a
    page of it."""
    url, secret = _state(home)["url"], (home / SECRET_FILE).read_text().strip()
    assert (home / SECRET_FILE).stat().st_mode & 0o777 == 0o600
    server = Server(url, _state(home)["pid"], False, secret)
    with using(server):  # as the project's clients talk to it
        from prefect.client.orchestration import get_client

        with get_client(sync_client=True) as client:
            flow_id = client.create_flow_from_name("secret-params")
    created = httpx.post(f"{url}/flow_runs/", timeout=30, headers={
        "Authorization": "Basic " + base64.b64encode(secret.encode()).decode()},
        json={"flow_id": str(flow_id), "parameters": {"dsn": "hidden"}, "name": "probe"})
    assert created.status_code == 201, created.text
    flow_run = created.json()
    for auth in (None, "wrong", secret + "x"):
        assert _call(url, "POST", "/flows/filter", auth, json={}) == 401
        assert _call(url, "GET", f"/flow_runs/{flow_run['id']}", auth) == 401
        assert _call(url, "POST", "/flow_runs/filter", auth, json={}) == 401
        assert _call(url, "POST", "/flow_runs/", auth,
                     json={"flow_id": str(flow_id), "parameters": {}}) == 401
        assert _call(url, "POST", "/deployments/filter", auth, json={}) == 401
    assert _call(url, "GET", f"/flow_runs/{flow_run['id']}", secret) == 200
    assert _call(url, "GET", "/health", None) == 200  # health needs no credentials
    ui = server.ui_url
    page = httpx.get(f"{ui}/runs/flow-run/{flow_run['id']}", timeout=30,
                     headers={"Accept": "text/html"})  # as a browser asks
    assert page.status_code == 200 and "<html" in page.text.lower()
    settings = httpx.get(f"{ui}/ui-settings", timeout=30).json()
    assert settings["auth"] == "BASIC"  # the UI asks for the secret


def _clone(path: Path) -> Path:
    """A copy of this checkout's code and data (what a clone has), without its state."""
    for name in ("wirehouse", "flows", "seeds", "sql"):
        shutil.copytree(PROJECT_ROOT / name, path / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("prefect.yaml", "pyproject.toml"):
        shutil.copy(PROJECT_ROOT / name, path / name)
    return path


def test_two_clones_each_stop_only_their_own_server(tmp_path: Path) -> None:
    """Two clones of the project on one machine, PREFECT_HOME unset: each starts its own
    server, with its state in its own .prefect-home, and `server stop` in one leaves the
    other running."""
    clones = [_clone(tmp_path / "a"), _clone(tmp_path / "b")]
    base = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}

    def in_clone(clone: Path, *args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "wirehouse.cli", *args], cwd=clone,
                             env={**base, "PYTHONPATH": str(clone)}, capture_output=True,
                             text=True, timeout=300)
        assert out.returncode == 0, out.stdout + out.stderr
        return out.stdout.strip()

    homes = [clone / ".prefect-home" for clone in clones]
    try:
        for clone in clones:
            assert in_clone(clone, "server", "start").startswith("started: ")
        a, b = _state(homes[0]), _state(homes[1])
        assert a["pid"] != b["pid"] and a["url"] != b["url"]
        assert (homes[0] / SECRET_FILE).read_text() != (homes[1] / SECRET_FILE).read_text()
        assert in_clone(clones[1], "server", "stop").startswith("stopped the server at")
        assert not pid_alive(b["pid"]) and pid_alive(a["pid"])
        assert in_clone(clones[1], "server", "status").startswith("not running")
        assert in_clone(clones[0], "server", "status").startswith(
            f"running: {a['url'].removesuffix('/api')} (pid {a['pid']}")
        assert in_clone(clones[0], "server", "start").startswith("already running")
    finally:
        for home in homes:
            if (home / STATE_FILE).exists() and pid_alive(pid := _state(home)["pid"]):
                os.killpg(pid, signal.SIGKILL)


def test_the_default_home_is_the_checkouts_own(monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.prefect_server import prefect_home

    monkeypatch.delenv("PREFECT_HOME", raising=False)
    assert prefect_home() == PROJECT_ROOT / ".prefect-home"


def test_a_state_file_of_a_server_that_is_gone_is_forgotten(tmp_path: Path) -> None:
    env = prefect_env(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / STATE_FILE).write_text(json.dumps({"pid": dead.pid, "url": "http://127.0.0.1:9/api"}))
    assert wirehouse(env, "server", "stop") == "not running"
    assert not (tmp_path / STATE_FILE).exists()


class _OpenApi(http.server.BaseHTTPRequestHandler):
    """A server that answers everything with 200, as one started without credentials."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(200)
        self.end_headers()

    do_POST = do_GET  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


def test_a_server_without_credentials_is_refused(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A recorded server that answers without credentials (one started before they were
    required) is not used; nor is a server started with a secret others can read."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    # The session's Prefect test harness sets an API URL in Prefect's settings context, which
    # ensure_server would use instead of this home's recorded server.
    monkeypatch.setattr(prefect_server, "configured_api_url", lambda: None)
    open_api = http.server.HTTPServer(("127.0.0.1", 0), _OpenApi)
    threading.Thread(target=open_api.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{open_api.server_address[1]}/api"
        (tmp_path / STATE_FILE).write_text(json.dumps({"pid": os.getpid(), "url": url}))
        with pytest.raises(ServerRefused, match="answers without credentials"):
            ensure_server(tmp_path, timeout=10)
    finally:
        open_api.shutdown()
    other = tmp_path / "shared"
    other.mkdir()
    (other / SECRET_FILE).write_text("readable by all\n")
    (other / SECRET_FILE).chmod(0o644)
    with pytest.raises(InsecureSecret):
        ensure_server(other, timeout=10)
    assert not (other / STATE_FILE).exists()  # nothing was started


def test_tls_verification_is_skipped_only_for_the_local_plain_http_server() -> None:
    """No SSL context for our server on the loopback; a configured server keeps its TLS."""
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_TLS_INSECURE_SKIP_VERIFY

    with using(Server("http://127.0.0.1:4200/api", 1, False, "s3cret")):
        assert PREFECT_API_TLS_INSECURE_SKIP_VERIFY.value() is True
        value = PREFECT_API_AUTH_STRING.value()
        assert getattr(value, "get_secret_value", lambda: value)() == "s3cret"
        assert os.environ["PREFECT_API_AUTH_STRING"] == "s3cret"
    assert "PREFECT_API_AUTH_STRING" not in os.environ
    with using(Server("https://prefect.example/api", None, False)):
        assert PREFECT_API_TLS_INSECURE_SKIP_VERIFY.value() is False


_PR_SET_CHILD_SUBREAPER = 36


def test_a_run_leaves_only_the_prefect_server_and_says_so(tmp_path: Path) -> None:
    """`wirehouse run` in a fresh checkout's state (no server yet) on two cores: after it, of
    every process it started (the server, the extraction host and its workers) only the
    Prefect server is left, and the output's last line says so."""
    home = tmp_path / "prefect-home"
    env = prefect_env(home, WIREHOUSE_N_PROCESS="2")
    # What the session's other fixtures run (the Prefect test harness' server, ...) is not
    # this run's.
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    # Orphans of the run (processes started in sessions of their own) become our children.
    assert ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1) == 0
    try:
        out = wirehouse(env, "run", str(PROJECT_ROOT / "seeds" / "*.txt"), "--warehouse",
                        str(tmp_path / "wh.duckdb"), "--lake", str(tmp_path / "lake"),
                        timeout=900)
        state = _state(home)
        assert out.splitlines()[-1] == (
            f"Prefect server running at {state['url'].removesuffix('/api')} - "
            "`wirehouse server stop` stops it")
        time.sleep(1)
        left = [p for p in psutil.Process().children(recursive=True)
                if p.pid not in before and p.is_running()
                and p.status() != psutil.STATUS_ZOMBIE]
        server = psutil.Process(state["pid"])
        assert left and all(os.getsid(p.pid) == os.getsid(server.pid) for p in left), \
            [p.cmdline() for p in left]
    finally:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 0)
        if (home / STATE_FILE).exists():
            # In this process: the server is our child now, for us to wait for.
            stop_server(Server(_state(home)["url"], _state(home)["pid"], False), home)


async def _page_text(chromium: str, origin: str, link: str, password: str) -> str:
    """What headless Chromium shows at ``link`` once the UI has the password, as a user
    pastes it (the UI keeps it in localStorage), driven over the DevTools protocol."""
    import asyncio
    import socket
    import tempfile
    import urllib.request

    import websockets

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    profile = tempfile.mkdtemp()
    browser = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                                f"--remote-debugging-port={port}", f"--user-data-dir={profile}",
                                "about:blank"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as r:
                    targets = json.load(r)
                break
            except OSError:
                await asyncio.sleep(0.5)
        page = next(t for t in targets if t["type"] == "page")
        async with websockets.connect(page["webSocketDebuggerUrl"], max_size=2**24) as ws:
            calls = 0

            async def call(method: str, **params: object) -> Any:
                nonlocal calls
                calls += 1
                await ws.send(json.dumps({"id": calls, "method": method, "params": params}))
                while (reply := json.loads(await ws.recv())).get("id") != calls:
                    pass
                return reply

            await call("Page.navigate", url=f"{origin}/robots.txt")  # the UI's origin
            await asyncio.sleep(2)
            token = base64.b64encode(password.encode()).decode()
            await call("Runtime.evaluate",
                       expression=f"localStorage.setItem('prefect-password', '{token}')")
            await call("Page.navigate", url=link)
            text = ""
            for _ in range(150):
                await asyncio.sleep(2)
                reply = await call("Runtime.evaluate", expression="document.body.innerText")
                text = str(reply["result"]["result"].get("value", ""))
                if "wirehouse-ui-probe" in text or "Authentication failed" in text:
                    break
            return text
    finally:
        browser.kill()
        browser.wait()
        shutil.rmtree(profile, ignore_errors=True)


def test_the_link_a_run_prints_opens_the_run_in_the_ui(home: Path) -> None:
    """The UI's page for a flow run (the "View at" link of every run) shows that run in a
    real browser given the home's secret, and nothing but a failed login without it."""
    import asyncio

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install chromium)")
    url, secret = _state(home)["url"], (home / SECRET_FILE).read_text().strip()
    auth = {"Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}
    flow = httpx.post(f"{url}/flows/", json={"name": "ui-probe"}, headers=auth, timeout=30)
    run = httpx.post(f"{url}/flow_runs/", headers=auth, timeout=30, json={
        "flow_id": flow.json()["id"], "name": "wirehouse-ui-probe"}).json()
    origin = url.removesuffix("/api")
    link = f"{origin}/runs/flow-run/{run['id']}"
    assert "wirehouse-ui-probe" in asyncio.run(_page_text(chromium, origin, link, secret))
    refused = asyncio.run(_page_text(chromium, origin, link, "not-the-secret"))
    assert "Authentication failed" in refused and "wirehouse-ui-probe" not in refused
