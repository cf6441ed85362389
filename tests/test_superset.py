"""The README's Superset recipe, for real.

`wirehouse superset` installs Apache Superset in a virtualenv of its own (the first time: a few
minutes; later runs reuse it), registers a warehouse read-only and imports the starter
dashboard. Through Superset's REST API: the connection test passes, every chart of the
dashboard returns rows, and a chart shows the rows of a `wirehouse run` made while Superset is
up. Ctrl-C stops it and leaves no process behind.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psutil
import pytest
from conftest import CORPORA

from wirehouse.bi import dashboard
from wirehouse.bi.api import SupersetApi
from wirehouse.core.settings import PROJECT_ROOT

ARTICLES = CORPORA / "news-events-gold" / "dev_articles.jsonl"
# Installing Superset the first time is most of it (pip: minutes on 2 cores).
START_TIMEOUT_S = 1800


@dataclass
class Up:
    proc: subprocess.Popen[str]
    output: list[str]
    env: dict[str, str]
    warehouse: Path
    api: SupersetApi
    tmp: Path


def _article(url_part: str) -> str:
    for line in ARTICLES.read_text().splitlines():
        if url_part in json.loads(line)["url"]:
            return line
    raise AssertionError(url_part)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wirehouse(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wirehouse.cli", *args], env=env,
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    tmp = tmp_path_factory.mktemp("superset")
    warehouse = tmp / "wh.duckdb"
    env = {**os.environ, "PREFECT_HOME": str(tmp / "prefect"),
           "WIREHOUSE_WAREHOUSE": str(warehouse), "WIREHOUSE_LAKE": str(tmp / "lake")}
    (tmp / "first.jsonl").write_text(_article("malaysia-cancel-visa") + "\n")
    first = _wirehouse(env, "run", "seeds/*.txt", str(tmp / "first.jsonl"), "--no-progress")
    assert first.returncode == 0, first.stderr
    proc = subprocess.Popen([sys.executable, "-m", "wirehouse.cli", "superset",
                             "--port", str(_free_port())], env=env, cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    watchdog = threading.Timer(START_TIMEOUT_S, proc.kill)
    watchdog.start()
    output: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if line.startswith("ready: "):
                break
        watchdog.cancel()
        assert output and output[-1].startswith("ready: "), "".join(output)
        url = output[-1].split()[1].split("/superset/")[0]
        password = (tmp / "superset" / "admin-password").read_text().strip()
        yield Up(proc, output, env, warehouse, SupersetApi(url, "admin", password), tmp)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(120)
        _wirehouse(env, "server", "stop")


def test_connection_test_passes_and_lists_the_schemas(up: Up) -> None:
    up.api.test_connection(dashboard.warehouse_uri(up.warehouse))
    (db,) = up.api.call("GET", "/api/v1/database/")["result"]
    assert db["database_name"] == "wirehouse" and db["backend"] == "duckdb"
    schemas = up.api.call("GET", f"/api/v1/database/{db['id']}/schemas/")["result"]
    # DuckDB's catalog is the file's name: wirehouse.marts for wirehouse.duckdb, wh.marts here.
    catalog = up.warehouse.stem
    assert {f"{catalog}.marts", f"{catalog}.ref", f"{catalog}.raw"} <= set(schemas)
    engines = up.api.call("GET", "/api/v1/database/available/")["databases"]
    assert "DuckDB" in {e["name"] for e in engines}  # the engine the README names


def test_every_chart_of_the_dashboard_returns_rows(up: Up) -> None:
    charts = up.api.dashboard_charts(dashboard.SLUG)
    assert {c["slice_name"] for c in charts} == {
        "Events per day by quad class", "Top dyads (source -> target actor)",
        "Top actors (CAMEO actor codes)", "Recent events"}
    for chart in charts:
        assert up.api.chart_data(chart["id"])["rowcount"] > 0, chart["slice_name"]


def test_a_run_while_superset_is_up_shows_in_the_charts(up: Up) -> None:
    charts = {c["slice_name"]: c["id"] for c in up.api.dashboard_charts(dashboard.SLUG)}
    url = json.loads(_article("russian-airstrike-against-is-kills"))["url"]

    def recent_urls() -> set[str]:
        rows = up.api.chart_data(charts["Recent events"])["data"]
        return {r["source_url"] for r in rows}

    assert url not in recent_urls()
    (up.tmp / "second.jsonl").write_text(_article("russian-airstrike-against-is-kills") + "\n")
    second = _wirehouse(up.env, "run", str(up.tmp / "second.jsonl"), "--no-progress")
    assert second.returncode == 0, second.stderr
    assert url in recent_urls()
    con = duckdb.connect(str(up.warehouse), read_only=True)
    try:
        row = con.execute("SELECT count(*) FROM marts.events").fetchone()
    finally:
        con.close()
    assert row is not None
    per_day = up.api.chart_data(charts["Events per day by quad class"])["data"]
    assert sum(v or 0 for r in per_day for k, v in r.items() if k != "day") == row[0]


def test_ctrl_c_stops_superset_and_leaves_nothing_running(up: Up) -> None:
    children = psutil.Process(up.proc.pid).children(recursive=True)
    assert any("gunicorn" in " ".join(c.cmdline()) for c in children)
    up.proc.send_signal(signal.SIGINT)
    assert up.proc.wait(120) == 0
    assert up.proc.stdout is not None
    assert "superset: stopped" in up.proc.stdout.read()
    gone, alive = psutil.wait_procs(children, timeout=30)
    assert not alive


def test_a_second_start_keeps_the_dashboard_as_it_is(up: Up) -> None:
    assert up.proc.poll() is not None  # the test above stopped the first one
    proc = subprocess.Popen([sys.executable, "-m", "wirehouse.cli", "superset",
                             "--port", str(_free_port())], env=up.env, cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    watchdog = threading.Timer(600, proc.kill)
    watchdog.start()
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("ready: "):
                break
        assert any("kept as it is" in line for line in lines), "".join(lines)
        assert not any("installing" in line or "setting up" in line for line in lines)
    finally:
        watchdog.cancel()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(120) == 0
