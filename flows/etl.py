"""The ETL flow: ingest -> extract (one task per batch) -> load, passing only paths."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from prefect import flow, get_run_logger, task

from wirehouse.ingest import IngestResult, finish_ingest, ingest
from wirehouse.load import LoadResult, known_documents, publish
from wirehouse.pipeline import collect_files, extract_batch, model_signature
from wirehouse.report import RunSummary
from wirehouse.settings import Settings, get_settings


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


@task(retries=2, retry_delay_seconds=[2, 10])
def ingest_sources(sources: list[str], run_id: str, settings: Settings, started_at: datetime,
                   force: bool) -> IngestResult:
    known = known_documents(settings.warehouse)
    return ingest(sources, run_id, settings, known, model_signature(settings), started_at, force)


@task
def extract(staged_path: str, run_id: str, settings: Settings, part: str) -> dict[str, str]:
    return extract_batch(staged_path, run_id, settings, part)


@task(retries=2, retry_delay_seconds=[2, 10])
def load(run_id: str, ingested: IngestResult, outputs: list[dict[str, str]],
         settings: Settings) -> LoadResult:
    files = collect_files(ingested.sources_file, ingested.quarantine_file, outputs)
    result = publish(settings.warehouse, run_id, files, settings.sql_dir, settings.reference_dir)
    finish_ingest(ingested, settings)
    return result


@flow(name="etl", log_prints=True)
def etl(
    sources: list[str] | None = None,
    warehouse: str | None = None,
    lake: str | None = None,
    batch_size: int | None = None,
    force: bool = False,
) -> RunSummary:
    """Read sources, extract entities and events from new or changed documents, load DuckDB."""
    settings = get_settings().with_(warehouse=warehouse, lake=lake, batch_size=batch_size)
    logger = get_run_logger()
    started_at = datetime.now(UTC)
    run_id = new_run_id(started_at)
    summary = RunSummary(run_id, settings.warehouse)

    t0 = time.perf_counter()
    ingested = ingest_sources(sources or ["seeds/*.txt"], run_id, settings, started_at, force)
    summary.seconds["ingest"] = time.perf_counter() - t0
    summary.documents_read = ingested.read
    summary.documents_new, summary.documents_stale = ingested.new, ingested.stale
    summary.documents_skipped, summary.duplicates = ingested.skipped, ingested.duplicates
    summary.quarantined = ingested.quarantined
    logger.info("ingested %d documents: %d to extract in %d batches, %d unchanged",
                ingested.read, ingested.new + ingested.stale, len(ingested.batches),
                ingested.skipped)

    t0 = time.perf_counter()
    outputs = [extract(path, run_id, settings, f"{i:05d}")
               for i, path in enumerate(ingested.batches)]
    summary.seconds["extract"] = time.perf_counter() - t0

    if outputs or ingested.quarantine_file:
        t0 = time.perf_counter()
        loaded = load(run_id, ingested, outputs, settings)
        summary.seconds["load"] = time.perf_counter() - t0
        summary.rows_loaded, summary.rows_total = loaded.inserted, loaded.totals
    return summary
