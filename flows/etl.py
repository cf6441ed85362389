"""The ETL flow: ingest -> extract (one task per batch) -> load, passing only paths.

Tasks are cut where a durable artifact appears: the staged batches (ingest), one set of lake
Parquet files per batch (extract), the published warehouse (load).
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.context import FlowRunContext
from prefect.futures import PrefectFuture, as_completed
from prefect.states import State
from prefect.tasks import exponential_backoff

from flows.artifacts import record_artifacts
from flows.connections import postgres_dsn, scrub
from flows.parameters import check_paths, deployment_run
from flows.report import report_after_load
from flows.task_runners import BatchCache, batch_cache_key, extract_plan
from wirehouse.core import progress
from wirehouse.core.settings import Settings, get_settings
from wirehouse.extract.host import running_host, start_host, stop_host, wanted
from wirehouse.extract.nlp import extraction_signature
from wirehouse.ingest.stage import IngestResult, finish_ingest, ingest
from wirehouse.lake.parquet import count_rows
from wirehouse.lake.storage import check_location
from wirehouse.warehouse.known import known_inputs
from wirehouse.warehouse.load import LoadResult, collect_files, publish
from wirehouse.warehouse.postgres import copy_to_postgres
from wirehouse.warehouse.run_summary import RunSummary
from wirehouse.warehouse.store import WriterLockTimeout


class BatchesFailed(RuntimeError):
    """Some batches failed: nothing was loaded; finished batches are cached for the re-run."""


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
                   started_at: datetime, force: bool,
                   allowed: tuple[str, ...] | None = None) -> IngestResult:
    """Read the sources and stage new or changed documents; unreadable ones are quarantined.
    ``allowed``: the folders a deployment run may read under (flows.parameters)."""
    known = known_inputs(settings.warehouse, settings.cache_dir)
    # The host loads the model on another core while ingest reads on; a run with nothing
    # new never starts it.
    on_stage = (lambda: start_host(settings)) if wanted(settings) else None
    return ingest(sources, run_id, settings, known, signature, started_at, force, on_stage,
                  allowed)


# One retry: extraction is deterministic, but the task also reads and writes the lake.
# Finished batches are cached by BatchCache (signed JSON in the lake), not by Prefect's
# result persistence, whose records can carry code (flows.task_runners).
@task(retries=1, retry_delay_seconds=exponential_backoff(backoff_factor=2),
      retry_jitter_factor=0.5, persist_result=False, task_run_name="extract-{part}")
def extract(staged_path: str, run_id: str, settings: Settings, part: str,
            signature: str, refresh: bool = False) -> dict[str, str]:
    """NLP, entities and events for one staged batch, or the batch's files from an earlier
    run over the same documents with the same ``signature`` (extractor version and model);
    ``refresh`` extracts again anyway."""
    cache = BatchCache.of(settings)
    key = batch_cache_key(staged_path, settings, signature)
    if not refresh and (cached := cache.get(key)) is not None:
        return cached
    host = running_host()
    if host is not None:
        outputs = host.extract_batch(staged_path, run_id, settings, part)
    else:
        # Imported here: spaCy's import costs seconds, and the flow process never needs it
        # when an extraction host does the work.
        from wirehouse.extract.batch import extract_batch

        outputs = extract_batch(staged_path, run_id, settings, part)
    cache.put(key, outputs)
    return outputs


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


def _batch_sizes(batches: list[str]) -> list[int]:
    return [count_rows(p) for p in batches]


def run_extract(ingested: IngestResult, run_id: str, settings: Settings, signature: str,
                force: bool) -> list[dict[str, str]]:
    """Every batch on the configured task runner; any failed batch fails the run."""
    logger = get_run_logger()
    sizes = _batch_sizes(ingested.batches)
    runner, task_settings = extract_plan(settings, len(sizes))
    progress.stage("extract", sum(sizes))
    logger.info("extracting %d documents in %d batches on %s", sum(sizes), len(sizes),
                type(runner).__name__)
    with runner:
        futures: dict[PrefectFuture[Any], int] = {
            runner.submit(extract, {"staged_path": path, "run_id": run_id,
                                    "settings": task_settings, "part": f"{i:05d}",
                                    "signature": signature, "refresh": force}): i
            for i, path in enumerate(ingested.batches)
        }
        outputs: dict[int, dict[str, str]] = {}
        failures: list[str] = []
        for fut in as_completed(list(futures)):
            i = futures[fut]
            fut.wait()  # records the final state; .state alone may still read "Running"
            state = fut.state
            if not state.is_completed():
                exc = state.result(raise_on_failure=False)
                failures.append(f"  batch {i:05d} ({ingested.batches[i]}): "
                                f"{type(exc).__name__}: {exc}")
                continue
            outputs[i] = fut.result()
            progress.advance(sizes[i])
    if failures:
        raise BatchesFailed(
            f"{len(failures)} of {len(sizes)} batches failed; nothing was loaded. Finished "
            f"batches are cached: re-running the flow redoes only these:\n" + "\n".join(failures))
    return [outputs[i] for i in sorted(outputs)]


def _ingest_and_extract(sources: list[str], run_id: str, settings: Settings,
                        started_at: datetime, force: bool, summary: RunSummary,
                        allowed: tuple[str, ...] | None
                        ) -> tuple[list[dict[str, str]], IngestResult]:
    logger = get_run_logger()
    t0 = time.perf_counter()
    progress.stage("ingest")
    signature = extraction_signature(settings.model, settings.reference_dir)
    ingested = ingest_sources(sources, run_id, settings, signature, started_at, force, allowed)
    summary.seconds["ingest"] = time.perf_counter() - t0
    summary.documents_read = ingested.read
    summary.documents_new, summary.documents_stale = ingested.new, ingested.stale
    summary.documents_skipped, summary.duplicates = ingested.skipped, ingested.duplicates
    summary.quarantined = ingested.quarantined
    summary.unsupported_languages = ingested.unsupported_languages
    logger.info("run %s: read %d documents, %d to extract in %d batches, %d unchanged, "
                "%d quarantined", run_id, ingested.read, ingested.new + ingested.stale,
                len(ingested.batches), ingested.skipped, ingested.quarantined)
    outputs: list[dict[str, str]] = []
    if ingested.batches:
        t0 = time.perf_counter()
        outputs = run_extract(ingested, run_id, settings, signature, force)
        summary.seconds["extract"] = time.perf_counter() - t0
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

    try:
        outputs, ingested = _ingest_and_extract(sources or ["seeds/*.txt"], run_id, settings,
                                                started_at, force, summary, allowed)
    finally:
        # Started by ingest (or by `wirehouse run`); loading needs no model.
        stop_host()

    if outputs or ingested.sources_file or ingested.quarantine_files:
        t0 = time.perf_counter()
        progress.stage("load")
        loaded = load(run_id, ingested, outputs, settings)
        summary.seconds["load"] = time.perf_counter() - t0
        summary.rows_loaded, summary.rows_total = loaded.inserted, loaded.totals
        logger.info("loaded %s", ", ".join(f"{k} +{v}" for k, v in loaded.inserted.items()))
        if export_postgres:
            t0 = time.perf_counter()
            progress.stage("export")
            copied = copy_to_postgres_task(settings.warehouse, export_postgres)
            summary.seconds["export"] = time.perf_counter() - t0
            logger.info("copied %d tables to PostgreSQL", copied)
        summary.events_report = report_after_load(settings)
    record_artifacts(summary)
    return summary
