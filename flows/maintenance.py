"""The nightly maintenance flow: lake compaction, data-quality checks, warehouse rewrite."""

from __future__ import annotations

import time
from typing import Any

import duckdb
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.tasks import exponential_backoff

from wirehouse.core.settings import get_settings
from wirehouse.warehouse.maintenance import (
    CompactResult,
    compact_lake,
    lake_files,
    prune_results,
    remove_stale_staging,
    rewrite_warehouse,
)
from wirehouse.warehouse.models import run_checks
from wirehouse.warehouse.store import readable

_IO_RETRIES: dict[str, Any] = {
    "retries": 2, "retry_delay_seconds": exponential_backoff(backoff_factor=5),
    "retry_jitter_factor": 0.5,
}


@task(**_IO_RETRIES)
def compact(lake: str, small_mb: int) -> CompactResult:
    return compact_lake(lake, small_bytes=small_mb << 20)


@task
def check(warehouse: str, sql_dir: str, cache_dir: str) -> bool:
    """The load's data-quality checks, on the published file, read-only: a reader's view.
    False when there is no warehouse yet (looked up once: on object storage, a request)."""
    local = readable(warehouse, cache_dir)
    if local is None:
        return False
    con = duckdb.connect(local, read_only=True)
    try:
        run_checks(con, sql_dir)
    finally:
        con.close()
    return True


@task(**_IO_RETRIES)
def rewrite(warehouse: str, sql_dir: str, reference_dir: str, cache_dir: str,
            sql_variables: dict[str, bool]) -> tuple[int, int]:
    return rewrite_warehouse(warehouse, sql_dir, reference_dir, cache_dir, sql_variables)


@task
def prune(lake: str, days: float) -> int:
    return prune_results(lake, days)


@flow(name="maintenance", log_prints=True)
def maintenance(
    warehouse: str | None = None,
    lake: str | None = None,
    small_file_mb: int = 32,
    cache_days: float = 7.0,
) -> dict[str, Any]:
    """Compact small lake files, check the warehouse, rewrite it compactly (CHECKPOINT)."""
    settings = get_settings().with_(warehouse=warehouse, lake=lake)
    logger = get_run_logger()
    report: dict[str, Any] = {}
    t0 = time.perf_counter()
    files_before = lake_files(settings.lake)
    compacted = compact(settings.lake, small_file_mb)
    report["lake files before"] = files_before
    report["lake files after"] = lake_files(settings.lake)
    report["rows compacted"] = sum(compacted.rows.values())
    report["cached batch results pruned"] = prune(settings.lake, cache_days)
    report["stale staging folders removed"] = remove_stale_staging(settings.lake)
    report["seconds compaction"] = round(time.perf_counter() - t0, 2)
    logger.info("lake: %d -> %d files", report["lake files before"], report["lake files after"])
    t0 = time.perf_counter()
    if check(settings.warehouse, settings.sql_dir, settings.cache_dir):
        report["seconds checks"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        before, after = rewrite(settings.warehouse, settings.sql_dir, settings.reference_dir,
                                settings.cache_dir, settings.sql_variables())
        report["warehouse bytes before"], report["warehouse bytes after"] = before, after
        report["seconds rewrite"] = round(time.perf_counter() - t0, 2)
        logger.info("warehouse: %d -> %d bytes", before, after)
    else:
        logger.info("no warehouse at %s yet: checks and rewrite skipped", settings.warehouse)
    create_table_artifact(key="maintenance", table=[{"item": k, "value": v}
                                                    for k, v in report.items()],
                          description=f"Maintenance of {settings.warehouse} and {settings.lake}")
    return report


if __name__ == "__main__":  # python -m flows.maintenance: one run now, with the settings
    maintenance()
