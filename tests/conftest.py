"""Shared fixtures: the real model, real files, one Prefect harness for the whole session."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

# One process keeps the suite light on 2 cores; the multi-process path has its own test.
os.environ.setdefault("WIREHOUSE_N_PROCESS", "1")
# Each run loads its own extraction host: one kept between runs would carry one test's
# state into the next (tests/test_resident.py covers the kept host).
os.environ.setdefault("WIREHOUSE_HOST_IDLE_S", "0")
# Sockets of hosts kept by tests (and `wirehouse server status`) apart from the user's.
# (mkdtemp: pytest's tmp paths are too long for a socket's 108 bytes.)
os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="wh-run-")

from wirehouse.settings import PROJECT_ROOT, Settings

atexit.register(shutil.rmtree, os.environ["XDG_RUNTIME_DIR"], ignore_errors=True)

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
                         "n_process": 1, "host_idle_s": 0, **changes})


def record_host_starts(monkeypatch: pytest.MonkeyPatch, target: str) -> list[Any]:
    """Extraction hosts started through ``target`` (a dotted name bound to
    wirehouse.workers.start_host), started for real and listed in order."""
    from wirehouse import workers

    started: list[Any] = []
    start_host = workers.start_host

    def record(settings: Settings) -> workers.ExtractionHost:
        started.append(start_host(settings))
        return started[-1]

    monkeypatch.setattr(target, record)
    return started


def run_library(settings: Settings, sources: list[str], force: bool = False) -> dict[str, object]:
    """The flow's stages called directly (no Prefect): ingest, extract per batch, publish."""
    from wirehouse.ingest import finish_ingest
    from wirehouse.load import known_inputs, publish
    from wirehouse.pipeline import extract_sources

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
