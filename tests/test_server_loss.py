"""A run whose local Prefect server goes away mid-run (flows.server_loss, #21): it goes on
without the server, loads its data, then ends at once with one line that says what it kept
(not after minutes of retries), and the next start of the server marks the flow run it
left behind crashed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from conftest import PROJECT_ROOT, prefect_env, wirehouse
from test_flow import reuters_sample

from flows.prefect_server import STATE_FILE, Server, stop_server, using
from flows.secret import SECRET_FILE

DOCUMENTS = 40


def _flow_run_states(server: Server) -> list[str]:
    from prefect.client.orchestration import get_client

    with using(server), get_client(sync_client=True) as client:
        return [str(run.state_type.value) for run in client.read_flow_runs()
                if run.state_type is not None]


def test_a_run_whose_server_is_killed_loads_its_data_and_says_so(tmp_path: Path) -> None:
    home = tmp_path / "prefect-home"
    lake, warehouse = tmp_path / "lake", tmp_path / "wh.duckdb"
    env = prefect_env(home, WIREHOUSE_BATCH_SIZE="5", WIREHOUSE_N_PROCESS="1")
    source = reuters_sample(tmp_path / "docs.jsonl", DOCUMENTS)
    assert wirehouse(env, "server", "start").startswith("started: ")
    first = json.loads((home / STATE_FILE).read_text())
    run = subprocess.Popen(
        [sys.executable, "-m", "wirehouse.cli", "run", source, "--warehouse", str(warehouse),
         "--lake", str(lake), "--no-progress"], env=env, cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # Killed while the run extracts: once its first batch is cached in the lake.
        cached = lake / "_cache" / "extract"
        deadline = time.monotonic() + 600
        while not (cached.is_dir() and any(cached.iterdir())):
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline, "the run cached no batch"
            time.sleep(0.2)
        os.killpg(first["pid"], signal.SIGKILL)
        killed = time.monotonic()
        # Before this change the command waited out Prefect's retries (~2.5 min) and failed
        # with a traceback; it now ends once it has loaded, whatever that takes here.
        out, err = run.communicate(timeout=600)
        after_kill = time.monotonic() - killed
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 1, out + err
    last = err.strip().splitlines()[-1]
    assert last.startswith("wirehouse: the Prefect server at "
                           f"{first['url'].removesuffix('/api')} stopped answering"), err
    assert f"its rows are loaded into {warehouse}" in last and "marks it crashed" in last
    assert "Traceback" not in err
    with duckdb.connect(str(warehouse), read_only=True) as con:
        count = con.execute("select count(*) from raw.documents").fetchone()
    assert count == (DOCUMENTS,)
    print(f"server killed; the run ended {after_kill:.1f} s later")

    # The next start marks the run crashed; a start after that finds nothing to mark.
    try:
        out = wirehouse(env, "server", "start")
        assert "marked 1 flow run(s) crashed" in out, out
        state = json.loads((home / STATE_FILE).read_text())
        server = Server(state["url"], state["pid"], False,
                        (home / SECRET_FILE).read_text().strip())
        assert _flow_run_states(server) == ["CRASHED"]
        # The data was safe: a run over the same sources finds nothing new.
        again = wirehouse(env, "run", source, "--warehouse", str(warehouse), "--lake",
                          str(lake), "--no-progress")
        assert again.startswith("nothing new or changed"), again
    finally:
        if (home / STATE_FILE).exists():
            state = json.loads((home / STATE_FILE).read_text())
            stop_server(Server(state["url"], state["pid"], False), home)
