"""The PostgreSQL password never leaves the process that exports (#21): not a flow parameter,
not in argv, logs, artifacts, task states or the command's output, also when the export
fails. A password is planted in WIREHOUSE_PG_DSN and searched for everywhere it could show."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT_ROOT, pg_required

from flows.connections import ConnectionNameError, postgres_dsn


def test_names_resolve_and_passwords_are_refused(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREHOUSE_PG_DSN", "host=db password=s3cret")
    assert postgres_dsn("env") == "host=db password=s3cret"
    monkeypatch.delenv("WIREHOUSE_PG_DSN")
    (tmp_path / "dsn").write_text("host=db2 password=x\n")
    monkeypatch.setenv("WIREHOUSE_PG_DSN_FILE", str(tmp_path / "dsn"))
    assert postgres_dsn("env") == "host=db2 password=x"
    assert postgres_dsn("host=db user=bi") == "host=db user=bi"  # libpq finds the password
    for with_password in ("host=db password=s3cret", "postgresql://bi:s3cret@db/news"):
        with pytest.raises(ConnectionNameError, match="carries a password") as info:
            postgres_dsn(with_password)
        assert "s3cret" not in str(info.value)


def _api_records() -> str:
    """Everything the API holds about runs, as one JSON text to search."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        found: list[Any] = [*client.read_flow_runs(limit=200), *client.read_task_runs(limit=200),
                            *client.read_artifacts(limit=200), *client.read_deployments()]
        logs: list[Any] = []
        while page := client.read_logs(limit=200, offset=len(logs)):  # every log line
            logs += page
    found += logs
    return json.dumps([item.model_dump(mode="json") for item in found])


def _watch_ps(stop: threading.Event, seen: list[str]) -> None:
    while not stop.is_set():
        seen.append(subprocess.run(["ps", "-eww", "-o", "args"], capture_output=True,
                                   text=True).stdout)
        time.sleep(0.2)


@pg_required
def test_planted_password_is_nowhere(prefect_harness: None, tmp_path: Path,
                                     pg_dsn: str) -> None:
    from prefect.settings import PREFECT_API_URL

    planted = "PLANTED-" + secrets.token_hex(8)
    home = tmp_path / "prefect-home"
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()),
           "PREFECT_HOME": str(home), "WIREHOUSE_HOST_IDLE_S": "0",
           "WIREHOUSE_PG_DSN": f"{pg_dsn} password={planted}"}
    cli = [sys.executable, "-m", "wirehouse.cli", "run", str(PROJECT_ROOT / "seeds" / "*.txt"),
           "--warehouse", str(tmp_path / "wh.duckdb"), "--lake", str(tmp_path / "lake"),
           "--export-postgres", "env", "--no-progress"]
    stop, ps_seen = threading.Event(), []
    watcher = threading.Thread(target=_watch_ps, args=(stop, ps_seen), daemon=True)
    watcher.start()
    try:
        ok = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=600)
        # The same run against a port nobody listens on: the export fails, and says why.
        env["WIREHOUSE_PG_DSN"] = f"host=127.0.0.1 port=1 user=wh password={planted}"
        failed = subprocess.run([*cli[:-3], "--export-postgres", "env", "--no-progress",
                                 "--force"], env=env, capture_output=True, text=True,
                                timeout=600)
    finally:
        stop.set()
        watcher.join()
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert failed.returncode != 0 and "copy to PostgreSQL (env) failed" in failed.stderr
    places = {"stdout/stderr": ok.stdout + ok.stderr + failed.stdout + failed.stderr,
              "ps": "".join(ps_seen), "API records": _api_records()}
    for path in [*home.rglob("*"), *(tmp_path / "lake").rglob("*")]:
        if path.is_file():
            places[str(path)] = path.read_bytes().decode("utf-8", "replace")
    assert len(ps_seen) > 3 and "wirehouse.cli run" in places["ps"]
    assert '"export_postgres": "env"' in places["API records"]
    assert json.loads(places["API records"])  # parsed: the search ran over real records
    leaks = [where for where, text in places.items() if planted in text]
    assert leaks == []
