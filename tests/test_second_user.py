"""A second local user against the Prefect server and files the project starts (#21).

Root (CI, and this machine) creates an unprivileged user, runs `wirehouse run` as itself (which
starts the real local Prefect server of a fresh PREFECT_HOME), then, as the other user, with
the system's Python and no credentials, tries what the attack of #21 did: create flow runs,
read flow-run parameters, connect to the project's sockets, read or plant files. Every try
must fail. Skipped where the test cannot create a user (not root), never in CI.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT

USER = "wirehouse-other"
SYSTEM_PYTHON = "/usr/bin/python3"  # what any local user has; not the project's venv
pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 and not os.environ.get("CI"),
    reason="creating a second local user needs root (CI runs this test as root)")

# Run as the other user: every try, and how it ended.
PROBE = r"""
import base64, json, os, socket, sys, urllib.request, urllib.error
args = json.loads(sys.argv[1])
out = {}

def http(method, path, body=None, auth=None):
    req = urllib.request.Request(args["url"] + path, method=method,
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()[:2000].decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()[:300].decode("utf-8", "replace")
    except OSError as exc:
        return None, repr(exc)

out["health"] = http("GET", "/health")
out["read flow runs"] = http("POST", "/flow_runs/filter", {})
out["read deployments"] = http("POST", "/deployments/filter", {})
out["read logs"] = http("POST", "/logs/filter", {})
out["read variables"] = http("POST", "/variables/filter", {})
out["read blocks"] = http("POST", "/block_documents/filter", {})
out["create flow"] = http("POST", "/flows/", {"name": "attacker"})
NO_FLOW = {"flow_id": "00000000-0000-0000-0000-000000000000"}
out["create flow run"] = http("POST", "/flow_runs/", NO_FLOW)
out["create flow run, guessed credentials"] = http(
    "POST", "/flow_runs/", NO_FLOW,
    auth="admin:admin")
for dep in args["deployments"]:
    out["run deployment " + dep] = http("POST", f"/deployments/{dep}/create_flow_run",
                                        {"parameters": {"sources": ["/etc/shadow"]}})

def attempt(what, fn):
    try:
        fn()
        out[what] = "allowed"
    except OSError as exc:
        out[what] = type(exc).__name__

for path in args["files"]:
    attempt("read " + path, lambda p=path: open(p, "rb").read(1))
for path in args["private"]:
    attempt("list " + path, lambda p=path: os.listdir(p))
for path in args["folders"]:
    attempt("write in " + path, lambda p=path: open(os.path.join(p, "planted.json"), "x").close())
for path in args["sockets"]:
    def connect(p=path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(p)
        finally:
            s.close()
    attempt("connect " + path, connect)
print(json.dumps(out))
"""


def _ensure_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", USER], check=True)
        return pwd.getpwnam(USER)


def _unix_sockets(uid: int) -> list[str]:
    """Paths of the listening Unix sockets that processes of ``uid`` own (/proc/net/unix)."""
    inodes: set[str] = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}").st_uid != uid:
                continue
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    paths = []
    with open("/proc/net/unix") as fh:
        next(fh)
        for line in fh:
            fields = line.split()
            if len(fields) >= 8 and fields[6] in inodes and fields[7].startswith("/"):
                paths.append(fields[7])
    return sorted(set(paths))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """A `wirehouse run` of the seeds with its own, new PREFECT_HOME; its server left running
    (as after any run) until the tests are done."""
    base = Path(tempfile.mkdtemp(prefix="wh-second-user-"))
    base.chmod(0o755)  # others may walk to the files: their own modes must keep them out
    home, work = base / "prefect-home", base / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PREFECT_") or k == "PREFECT_LOGGING_LEVEL"}
    env.update(PREFECT_HOME=str(home), WIREHOUSE_HOST_IDLE_S="0",
               XDG_RUNTIME_DIR=str(base / "run"))
    run = subprocess.run([sys.executable, "-m", "wirehouse.cli", "run",
                          str(PROJECT_ROOT / "seeds" / "*.txt"), "--warehouse",
                          str(work / "wh.duckdb"), "--lake", str(work / "lake"), "--no-progress"],
                         env=env, capture_output=True, text=True, timeout=900, cwd=PROJECT_ROOT)
    try:
        assert run.returncode == 0, run.stderr[-3000:]
        state = json.loads((home / "wirehouse-server.json").read_text())
        yield {"home": home, "work": work, "url": state["url"], "env": env}
    finally:
        subprocess.run([sys.executable, "-m", "wirehouse.cli", "server", "stop"], env=env,
                       capture_output=True, timeout=120)
        shutil.rmtree(base, ignore_errors=True)


def test_second_user_gets_nothing(served: dict[str, object]) -> None:
    user = _ensure_user()
    home, work = Path(str(served["home"])), Path(str(served["work"]))
    files = [str(p) for p in home.rglob("*") if p.is_file() and not p.is_symlink()]
    # The lake's data files follow the user's umask (README, threat model): others may list
    # and read what it holds, never add to it (a planted cache record, a staged batch).
    folders = [str(home), str(work / "lake"), *(str(p) for p in (work / "lake").rglob("*")
                                                if p.is_dir())]
    args = {"url": served["url"], "files": files, "folders": folders, "private": [str(home)],
            "sockets": _unix_sockets(os.getuid()), "deployments": []}
    probe = subprocess.run([SYSTEM_PYTHON, "-c", PROBE, json.dumps(args)], user=user.pw_uid,
                           group=user.pw_gid, extra_groups=[], capture_output=True, text=True,
                           env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}, cwd="/",
                           timeout=120)
    assert probe.returncode == 0, probe.stderr
    out = json.loads(probe.stdout)
    assert out["health"][0] == 200  # the server is there and answers the probe
    assert any(p.endswith("prefect.db") for p in files)  # its records were among the targets
    let_through = {what: result for what, result in out.items() if what != "health" and (
        result == "allowed" or (isinstance(result, list) and result[0] != 401))}
    assert let_through == {}, "\n".join(f"{k}: {str(v)[:100]}" for k, v in let_through.items())
