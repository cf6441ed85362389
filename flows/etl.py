"""The ETL flow: ingest -> extract (one task per batch) -> load, passing only paths.

Tasks are cut where a durable artifact appears: the staged batches (ingest), one set of lake
Parquet files per batch (extract), the published warehouse (load).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Generator
from datetime import UTC, datetime
from typing import Any, cast

from prefect import flow, get_run_logger, task
from prefect.context import FlowRunContext
from prefect.states import Cancelled, State
from prefect.tasks import exponential_backoff

from flows.artifacts import record_artifacts
from flows.connections import postgres_dsn, scrub
from flows.extract_stage import ExtractStage
from flows.parameters import check_paths, deployment_run
from flows.report import report_after_load
from flows.server_loss import end_if_server_gone
from wirehouse.core import progress
from wirehouse.core.settings import Settings, get_settings
from wirehouse.extract.host import start_host, stop_host, wanted
from wirehouse.extract.nlp import extraction_signature
from wirehouse.ingest.stage import IngestResult, StagedBatch, finish_ingest, stage_batches
from wirehouse.lake.storage import check_location
from wirehouse.warehouse.known import known_inputs
from wirehouse.warehouse.load import LoadResult, collect_files, publish
from wirehouse.warehouse.postgres import copy_to_postgres
from wirehouse.warehouse.run_summary import RunSummary
from wirehouse.warehouse.store import WriterLockTimeout

# What a run stopped by Ctrl-C leaves, by the step it was in.
INTERRUPTED = {
    "extract": "interrupted, nothing loaded; finished batches are kept for the next run",
    "load": "interrupted while loading: a load is all or nothing; the next run loads what "
            "this one did not",
    "loaded": "interrupted after loading this run's rows",
}


def _stopped(message: str) -> RunSummary:
    """The flow's value on Ctrl-C: a Cancelled state, which ends the flow run with it (the
    caller gets prefect.exceptions.CancelledRun with the message, not a RunSummary)."""
    return cast(RunSummary, Cancelled(message=message))


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def flow_run_id() -> tuple[str, datetime]:
    """The run id comes from the Prefect flow run when there is one, so a retry of the same
    flow run writes the same file names and its cached batches carry the same run_id."""
    ctx = FlowRunContext.get()
    now = datetime.now(UTC)
    if ctx is None or ctx.flow_run is None:
        return new_run_id(now), now
    started = ctx.flow_run.expected_start_time or now
    return f"{started.astimezone(UTC):%Y%m%dT%H%M%SZ}-{ctx.flow_run.id.hex[:8]}", now


@task(retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=2),
      retry_jitter_factor=0.5)
def ingest_sources(sources: list[str], run_id: str, settings: Settings, signature: str,
                   started_at: datetime, force: bool, allowed: tuple[str, ...] | None = None
                   ) -> Generator[StagedBatch, None, IngestResult]:
    """Read the sources and stage new or changed documents, yielding each batch as it is
    staged; unreadable ones are quarantined. A retry stages the same batches again.
    ``allowed``: the folders a deployment run may read under (flows.parameters)."""
    known = known_inputs(settings.warehouse, settings.cache_dir)
    # The host loads the model on another core while ingest reads on; a run with nothing
    # new never starts it (`wirehouse run` has started it already).
    on_stage = (lambda: start_host(settings)) if wanted(settings) else None
    return (yield from stage_batches(sources, run_id, settings, known, signature, started_at,
                                     force, on_stage, allowed))


def _not_a_lock_timeout(task: Any, task_run: Any, state: State[Any]) -> bool:
    """A load that gave up waiting for another load is not retried: it waited already."""
    return not isinstance(state.result(raise_on_failure=False), WriterLockTimeout)


@task(retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=2),
      retry_jitter_factor=0.5, retry_condition_fn=_not_a_lock_timeout)
def load(run_id: str, ingested: IngestResult, outputs: list[dict[str, str]],
         settings: Settings) -> LoadResult:
    """Publish the run's files; its rows carry this run's id, also those of batches a crashed
    run extracted. The lake's bookkeeping (near-duplicate index, staged batches) is done under
    the warehouse's writer lock, so two runs finish one after the other."""
    files = collect_files(ingested.sources_file, ingested.quarantine_files, outputs)
    logger = get_run_logger()
    return publish(settings.warehouse, run_id, files, settings.sql_dir, settings.reference_dir,
                   settings.cache_dir, settings.sql_variables(),
                   lock_timeout=settings.lock_timeout or None, notify=logger.warning,
                   on_published=lambda: finish_ingest(ingested, settings))


@task(retries=2, retry_delay_seconds=exponential_backoff(backoff_factor=2),
      retry_jitter_factor=0.5)
def copy_to_postgres_task(warehouse: str, connection: str) -> int:
    """Copy ref and marts into PostgreSQL for Postgres-only BI tools (swapped in atomically).
    ``connection`` names the database (flows.connections); the DSN is resolved here and never
    leaves this process, not even in an error message."""
    dsn = postgres_dsn(connection)
    try:
        return len(copy_to_postgres(warehouse, dsn).rows)
    except Exception as exc:
        raise RuntimeError(f"copy to PostgreSQL ({connection}) failed: "
                           f"{type(exc).__name__}: {scrub(str(exc), dsn)}") from None


def _ingest_and_extract(sources: list[str], run_id: str, settings: Settings,
                        started_at: datetime, force: bool, summary: RunSummary,
                        allowed: tuple[str, ...] | None
                        ) -> tuple[list[dict[str, str]], IngestResult]:
    """Ingest stages batches, and each one's extraction starts as soon as it is staged."""
    logger = get_run_logger()
    t0 = time.perf_counter()
    signature = extraction_signature(settings.model, settings.reference_dir)
    with ExtractStage(run_id, settings, signature, force) as extract_stage:
        staging = ingest_sources(sources, run_id, settings, signature, started_at, force,
                                 allowed)
        while True:
            try:
                batch = next(staging)
            except StopIteration as end:  # ingest's result is the generator's value
                ingested: IngestResult = end.value
                break
            extract_stage.submit(batch)
        summary.seconds["ingest"] = time.perf_counter() - t0
        logger.info("run %s: read %d documents, %d to extract in %d batches, %d unchanged, "
                    "%d quarantined", run_id, ingested.read, ingested.new + ingested.stale,
                    len(ingested.batches), ingested.skipped, ingested.quarantined)
        outputs = extract_stage.results()
    if ingested.batches:
        # From the start of ingest: extraction overlaps it.
        summary.seconds["extract"] = time.perf_counter() - t0
    summary.documents_read = ingested.read
    summary.documents_new, summary.documents_stale = ingested.new, ingested.stale
    summary.documents_skipped, summary.duplicates = ingested.skipped, ingested.duplicates
    summary.quarantined = ingested.quarantined
    summary.unsupported_languages = ingested.unsupported_languages
    return outputs, ingested


@flow(name="etl", log_prints=True)
def etl(
    sources: list[str] | None = None,
    warehouse: str | None = None,
    lake: str | None = None,
    batch_size: int | None = None,
    force: bool = False,
    export_postgres: str | None = None,
) -> RunSummary:
    """Read sources, extract entities and events from new or changed documents, load DuckDB;
    with ``export_postgres``, the name of a connection (flows.connections: "env", a Secret
    block, a DSN without password), then copy ref and marts into that PostgreSQL database."""
    # A deployment's run comes through the API: its paths are checked against the owner's
    # allow-list before anything is read or written (flows.parameters).
    allowed = (check_paths(sources, lake, warehouse, get_settings()) if deployment_run()
               else None)
    settings = get_settings().with_(warehouse=warehouse, lake=lake, batch_size=batch_size)
    check_location(settings.lake, "lake")
    check_location(settings.warehouse, "warehouse")
    logger = get_run_logger()
    run_id, started_at = flow_run_id()
    summary = RunSummary(run_id, settings.warehouse)

    step = "extract"  # what Ctrl-C would interrupt
    try:
        try:
            outputs, ingested = _ingest_and_extract(sources or ["seeds/*.txt"], run_id,
                                                    settings, started_at, force, summary,
                                                    allowed)
        finally:
            # Started by ingest (or by `wirehouse run`); loading needs no model.
            stop_host()
        if outputs or ingested.sources_file or ingested.quarantine_files:
            step = "load"
            t0 = time.perf_counter()
            progress.start("load")
            loaded = load(run_id, ingested, outputs, settings)
            step = "loaded"
            summary.seconds["load"] = time.perf_counter() - t0
            summary.rows_loaded, summary.rows_total = loaded.inserted, loaded.totals
            logger.info("loaded %s", ", ".join(f"{k} +{v}" for k, v in loaded.inserted.items()))
            # The data is safe: a run whose server went away ends here, saying so.
            end_if_server_gone(
                f"its rows are loaded into {settings.warehouse}"
                + (" (not exported to PostgreSQL: `wirehouse export postgres` does it)"
                   if export_postgres else ""))
            if export_postgres:
                t0 = time.perf_counter()
                progress.start("export")
                copied = copy_to_postgres_task(settings.warehouse, export_postgres)
                summary.seconds["export"] = time.perf_counter() - t0
                logger.info("copied %d tables to PostgreSQL", copied)
            summary.events_report = report_after_load(settings)
    except KeyboardInterrupt:
        return _stopped(INTERRUPTED[step])
    record_artifacts(summary)
    return summary
