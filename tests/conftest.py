"""Shared fixtures: the real model, real files, one Prefect harness for the whole session."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

# One process keeps the suite light on 2 cores; the multi-process path has its own test.
os.environ.setdefault("WIREHOUSE_N_PROCESS", "1")

from wirehouse.core.settings import PROJECT_ROOT, Settings
from wirehouse.warehouse.marts import refresh

SEED = PROJECT_ROOT / "seeds" / "000_51781b56351c4b8e.txt"
CORPORA = PROJECT_ROOT.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    # Starting Prefect's temporary API server costs tens of seconds: once per session.
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=600):
        yield


def prefect_env(home: Path, **more: str) -> dict[str, str]:
    """This environment for a command with its own Prefect home (no PREFECT_* of ours)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    return {**env, "PREFECT_HOME": str(home), **more}


def wirehouse(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """`wirehouse ARGS` in a process of its own; its standard output (it must succeed)."""
    out = subprocess.run([sys.executable, "-m", "wirehouse.cli", *args], env=env,
                         cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout.strip()


@pytest.fixture(scope="session")
def local_server_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A Prefect home whose local server `wirehouse server start` started (stopped after)."""
    home = tmp_path_factory.mktemp("prefect-home")
    out = wirehouse(prefect_env(home), "server", "start")
    assert out.startswith("started: http://127.0.0.1:"), out
    yield home
    wirehouse(prefect_env(home), "server", "stop")


def make_settings(tmp: Path, **changes: object) -> Settings:
    base = Settings.from_env({})
    return base.with_(**{"warehouse": str(tmp / "wh.duckdb"), "lake": str(tmp / "lake"),
                         "n_process": 1, **changes})


def record_host_starts(monkeypatch: pytest.MonkeyPatch, target: str) -> list[Any]:
    """Extraction hosts started through ``target`` (a dotted name bound to
    wirehouse.extract.host.start_host), started for real and listed in order."""
    from wirehouse.extract import host

    started: list[Any] = []
    start_host = host.start_host

    def record(settings: Settings) -> host.ExtractionHost:
        started.append(start_host(settings))
        return started[-1]

    monkeypatch.setattr(target, record)
    return started


def run_library(settings: Settings, sources: list[str], force: bool = False) -> dict[str, object]:
    """The flow's stages called directly (no Prefect): ingest, extract per batch, publish."""
    from flows.in_process import extract_sources
    from wirehouse.ingest.stage import finish_ingest
    from wirehouse.warehouse.known import known_inputs
    from wirehouse.warehouse.load import publish

    now = datetime.now(UTC)
    run_id = f"{now:%Y%m%dT%H%M%S%fZ}-test"
    ingested, files = extract_sources(sources, run_id, settings, now,
                                      known_inputs(settings.warehouse), force)
    if files:
        publish(settings.warehouse, run_id, files, settings.sql_dir, settings.reference_dir)
        finish_ingest(ingested, settings)
    return {"run_id": run_id, "ingested": ingested}


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A warehouse loaded from the seed documents, shared read-only by many tests."""
    settings = make_settings(tmp_path_factory.mktemp("seeded"))
    run_library(settings, [str(PROJECT_ROOT / "seeds" / "*.txt")])
    return settings


REPORT_INPUTS = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def report_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The seed, three short test articles and two unreadable inputs (quarantined): the
    report and review tests' warehouse, shared read-only (tests that change it copy it)."""
    settings = make_settings(tmp_path_factory.mktemp("report"))
    run_library(settings, [str(PROJECT_ROOT / "seeds" / "*.txt"),
                           str(REPORT_INPUTS / "report_articles.jsonl"),
                           str(REPORT_INPUTS / "report_bad.jsonl")])
    return settings


@pytest.fixture(scope="session")
def report_warehouse(report_settings: Settings) -> str:
    return report_settings.warehouse

# A throwaway PostgreSQL server (Debian's package; .ci/run installs it) for the export tests.
INITDB = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
# Skipped on a developer machine without the server; in CI (.ci/run installs it) a missing
# server fails the tests instead of hiding them.
pg_required = pytest.mark.skipif(not INITDB and not os.environ.get("CI"),
                                reason="PostgreSQL server binaries not installed")

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_pg_user(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="module")
def pg_dsn() -> Iterator[str]:
    bindir = Path(INITDB[-1]).parent
    tmp = tempfile.mkdtemp(prefix="wirehouse-pg-")
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    data, port = f"{tmp}/data", _free_port()
    subprocess.run(_as_pg_user([str(bindir / "initdb"), "-D", data, "-U", "wh", "-A", "trust",
                                "-E", "UTF8", "--no-sync"]), check=True, capture_output=True)
    subprocess.run(_as_pg_user([
        str(bindir / "pg_ctl"), "-D", data, "-w", "-l", f"{tmp}/log", "start", "-o",
        f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off"]),
        check=True, capture_output=True)
    try:
        yield f"host=127.0.0.1 port={port} user=wh dbname=postgres"
    finally:
        subprocess.run(_as_pg_user([str(bindir / "pg_ctl"), "-D", data, "-m", "immediate",
                                    "stop"]), capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def mart_rows(warehouse: str, digits: int = 9) -> dict[str, list[tuple[Any, ...]]]:
    """Every mart table's rows, sorted, floats rounded (summation order may differ)."""
    con = duckdb.connect(warehouse, read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
            "AND database_name = current_database() ORDER BY 1").fetchall()]
        return {name: sorted(tuple(round(v, digits) if isinstance(v, float) else v for v in row)
                             for row in con.execute(f"SELECT * FROM marts.{name}").fetchall())
                for name in names}
    finally:
        con.close()


def marts_equal_a_rebuild(warehouse: str,
                          sql_variables: dict[str, bool | int | str] | None = None) -> bool:
    """The marts a series of incremental loads left equal the marts rebuilt in full from the
    raw tables (in a copy), with the same settings (``sql_variables``)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = str(Path(tmp) / "rebuilt.duckdb")
        shutil.copyfile(warehouse, copy)
        con = duckdb.connect(copy)
        try:
            for name, value in (sql_variables or {}).items():
                con.execute(f"SET VARIABLE {name} = ?", [value])
            refresh(con, str(PROJECT_ROOT / "sql"), full=True)
        finally:
            con.close()
        incremental, rebuilt = mart_rows(warehouse), mart_rows(copy)
    same = True
    for name in rebuilt.keys() | incremental.keys():
        if incremental.get(name) != rebuilt.get(name):
            print(f"marts.{name} differs from a rebuild: "
                  f"{len(incremental.get(name, []))} rows vs {len(rebuilt.get(name, []))}")
            same = False
    return same
