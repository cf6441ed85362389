"""Shared fixtures: the real model, real files, one Prefect harness for the whole session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

# One process keeps the suite light on 2 cores; the multi-process path has its own test.
os.environ.setdefault("WIREHOUSE_N_PROCESS", "1")

from wirehouse.core.settings import PROJECT_ROOT, Settings

SEED = PROJECT_ROOT / "seeds" / "000_51781b56351c4b8e.txt"
CORPORA = PROJECT_ROOT.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    # Starting Prefect's temporary API server costs tens of seconds: once per session.
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


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


def mart_rows(warehouse: str, digits: int = 9) -> dict[str, list[tuple[Any, ...]]]:
    """Every mart table's rows, sorted, floats rounded (summation order may differ)."""
    import duckdb

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


def marts_equal_a_rebuild(warehouse: str) -> bool:
    """The marts a series of incremental loads left equal the marts rebuilt in full from the
    raw tables (in a copy)."""
    import shutil
    import tempfile

    import duckdb

    from wirehouse.warehouse.marts import refresh

    with tempfile.TemporaryDirectory() as tmp:
        copy = str(Path(tmp) / "rebuilt.duckdb")
        shutil.copyfile(warehouse, copy)
        con = duckdb.connect(copy)
        try:
            refresh(con, str(PROJECT_ROOT / "sql"), full=True)
        finally:
            con.close()
        incremental, rebuilt = mart_rows(warehouse), mart_rows(copy)
    for name in rebuilt:
        if incremental.get(name) != rebuilt[name]:
            print(f"marts.{name} differs from a rebuild: "
                  f"{len(incremental.get(name, []))} rows vs {len(rebuilt[name])}")
            return False
    return True
