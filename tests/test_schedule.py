"""Schedules really run (a served deployment on a short interval); nightly maintenance."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import yaml
from conftest import PROJECT_ROOT, make_settings, run_library
from test_flow import reuters_sample, table_rows

from flows.prefect_server import pid_alive


def test_served_deployment_executes_a_scheduled_run(tmp_path: Path) -> None:
    """`wirehouse schedule` on its own local server and PREFECT_HOME runs the ETL deployment."""
    warehouse, lake = tmp_path / "wh.duckdb", tmp_path / "lake"
    config = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text())
    spec = next(d for d in config["deployments"] if d["name"] == "incremental")
    spec["parameters"].update(sources=[str(PROJECT_ROOT / "seeds" / "*.txt")],
                              warehouse=str(warehouse), lake=str(lake))
    config["deployments"] = [spec]
    (tmp_path / "prefect.yaml").write_text(yaml.safe_dump(config))
    home = tmp_path / "prefect-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), WIREHOUSE_N_PROCESS="1",
               # The scheduler service looks for due runs every 60 s by default.
               PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2",
               PREFECT_RUNNER_POLL_FREQUENCY="2")
    # Output to a file, not a pipe: a flow-run subprocess that is being cancelled may keep the
    # pipe open after `schedule` itself has exited, and reading to EOF would wait for it.
    log = tmp_path / "schedule.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "wirehouse.cli", "schedule", "--config",
         str(tmp_path / "prefect.yaml"), "--interval", "5"],
        cwd=PROJECT_ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        loaded = False
        while time.monotonic() < deadline and proc.poll() is None and not loaded:
            time.sleep(2)
            loaded = warehouse.exists() and _documents(warehouse) == 1
        state = json.loads((home / "wirehouse-server.json").read_text())
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        out = log.read_text(errors="replace")
    assert loaded, out[-3000:]
    # It stopped the server it started.
    assert not (home / "wirehouse-server.json").exists()
    deadline = time.monotonic() + 20
    while pid_alive(int(state["pid"])) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not pid_alive(int(state["pid"]))


def _documents(warehouse: Path) -> int:
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return 0  # being swapped in
    try:
        row = con.execute("SELECT count(*) FROM raw.documents").fetchone()
        return int(row[0]) if row else 0
    finally:
        con.close()


def _lake_rows(lake: str, table: str) -> list[tuple[object, ...]]:
    files = sorted(str(p) for p in Path(lake, table).glob("*.parquet"))
    rows = ds.dataset(files, format="parquet").to_table().to_pylist()
    return sorted(tuple(sorted(r.items())) for r in rows)


def test_maintenance_compacts_checks_and_rewrites(prefect_harness: None, tmp_path: Path) -> None:
    from flows.maintenance import maintenance
    from wirehouse.lake.parquet import staging_dir

    settings = make_settings(tmp_path, batch_size=1)
    for i in range(2):
        run_library(settings, [reuters_sample(tmp_path / f"d{i}.jsonl", 2, skip=2 * i)])
    # A run that has not loaded yet: its files must survive compaction untouched.
    pending = Path(settings.lake, "mentions", "20990101T000000Z-deadbeef-00000.parquet")
    pending.write_bytes(next(Path(settings.lake, "mentions").glob("*.parquet")).read_bytes())
    staging_dir(settings.lake, "20990101T000000Z-deadbeef").mkdir(parents=True)
    before_rows = {t: _lake_rows(settings.lake, t) for t in ("documents", "mentions")}
    before_tables = table_rows(settings.warehouse)
    files_before = len(list(Path(settings.lake, "mentions").glob("*.parquet")))
    assert files_before == 5

    report = maintenance(warehouse=settings.warehouse, lake=settings.lake)

    mentions = sorted(p.name for p in Path(settings.lake, "mentions").glob("*.parquet"))
    assert len(mentions) == 2 and pending.name in mentions
    assert report["lake files after"] < report["lake files before"]
    for t, rows in before_rows.items():
        assert _lake_rows(settings.lake, t) == rows  # nothing lost, nothing doubled
    assert table_rows(settings.warehouse) == before_tables
    assert report["warehouse bytes after"] > 0 and "seconds checks" in report
    assert not list(Path(settings.lake, "_state", "compaction").glob("*.json"))

    # A lake whose warehouse does not exist yet: compacted; checks and rewrite skipped.
    missing = str(tmp_path / "none" / "wh.duckdb")
    report = maintenance(warehouse=missing, lake=settings.lake)
    assert "seconds checks" not in report and "warehouse bytes after" not in report
    assert not Path(missing).exists()
