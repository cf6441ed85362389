"""The extract stage of an ETL run: one task per staged batch, submitted as ingest stages it.

Ingest (flows.etl.ingest_sources) yields each batch as soon as it is written; the batch's
extract task starts on it at once on the task runner the settings name (extract_plan), while
ingest reads on. Finished batches are cached (flows.task_runners.BatchCache: signed JSON in
the lake), so a re-run redoes only those that failed.
"""

from __future__ import annotations

import contextvars
import threading
from typing import Any

from prefect import get_run_logger, task
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import TaskRunner
from prefect.tasks import exponential_backoff

from flows.task_runners import BatchCache, batch_cache_key, extract_plan
from wirehouse.core import progress
from wirehouse.core.settings import Settings
from wirehouse.extract.host import running_host, stop_host
from wirehouse.ingest.stage import StagedBatch


class BatchesFailed(RuntimeError):
    """Some batches failed: nothing was loaded; finished batches are cached for the re-run."""


class Interrupted(Exception):
    """The run was interrupted (Ctrl-C) while this batch was being extracted."""


# Set when the run stops early (Ctrl-C, a failure): extraction in this process stops at its
# next document, and no extract task is retried.
_interrupted = threading.Event()


def _not_interrupted(*_: object) -> bool:
    return not _interrupted.is_set()


def _document_done() -> None:
    if _interrupted.is_set():
        raise Interrupted("the run was interrupted")
    progress.advance("extract")


# One retry: extraction is deterministic, but the task also reads and writes the lake.
# Finished batches are cached by BatchCache (signed JSON in the lake), not by Prefect's
# result persistence, whose records can carry code (flows.task_runners).
@task(retries=1, retry_delay_seconds=exponential_backoff(backoff_factor=2),
      retry_jitter_factor=0.5, retry_condition_fn=_not_interrupted, persist_result=False,
      task_run_name="extract-{part}")
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
        # when the extraction host does the work.
        from wirehouse.extract.batch import extract_batch

        outputs = extract_batch(staged_path, run_id, settings, part,
                                on_document=_document_done)
    cache.put(key, outputs)
    return outputs


class ExtractStage:
    """The extract tasks of one run: ``submit`` each staged batch, then ``results``."""

    def __init__(self, run_id: str, settings: Settings, signature: str, force: bool) -> None:
        self.run_id, self.settings, self.signature = run_id, settings, signature
        self.force = force
        self.runner: TaskRunner[Any] | None = None
        self.task_settings = settings
        self.batches: dict[str, StagedBatch] = {}
        self.futures: dict[str, PrefectFuture[dict[str, str]]] = {}
        self.held: StagedBatch | None = None
        # Documents are counted as they are done where extraction reports them (the host,
        # or this process); elsewhere (process or Dask workers) per batch.
        self.counts_documents = settings.task_runner == "thread"
        # Ingest yields its batches from inside its own task run: the extract tasks are
        # submitted in the flow run's context, not as children of the ingest task.
        self.flow_context = contextvars.copy_context()

    def submit(self, batch: StagedBatch) -> None:
        if batch.part in self.batches:
            return  # staged again by a retried ingest: submitted already
        if not self.batches:
            progress.start("extract", 0)
        self.batches[batch.part] = batch
        progress.add("extract", batch.documents)
        if self.runner is None and self.settings.task_runner == "process" and not self.held:
            # One batch alone is extracted in this process (extract_plan): wait and see.
            self.held = batch
            return
        for staged in (self.held, batch):
            if staged is not None:
                self.flow_context.run(self._submit, staged)
        self.held = None

    def _submit(self, batch: StagedBatch) -> None:
        if self.runner is None:
            self.runner, self.task_settings = extract_plan(self.settings, len(self.batches))
            self.runner.__enter__()
            get_run_logger().info("extracting on %s", type(self.runner).__name__)
        self.futures[batch.part] = self.runner.submit(extract, {
            "staged_path": batch.path, "run_id": self.run_id, "settings": self.task_settings,
            "part": batch.part, "signature": self.signature, "refresh": self.force})

    def results(self) -> list[dict[str, str]]:
        """Every batch's Parquet files by table, in batch order; BatchesFailed if any
        batch failed (after its retry)."""
        if self.held is not None:
            self.flow_context.run(self._submit, self.held)
            self.held = None
        part_of = {id(future): part for part, future in self.futures.items()}
        outputs: dict[str, dict[str, str]] = {}
        failures: list[str] = []
        for future in as_completed(list(self.futures.values())):
            part = part_of[id(future)]
            future.wait()  # records the final state; .state alone may still read "Running"
            if not future.state.is_completed():
                exc = future.state.result(raise_on_failure=False)
                failures.append(f"  batch {part} ({self.batches[part].path}): "
                                f"{type(exc).__name__}: {exc}")
                continue
            outputs[part] = future.result()
            if not self.counts_documents:
                progress.advance("extract", self.batches[part].documents)
        if failures:
            raise BatchesFailed(
                f"{len(failures)} of {len(self.batches)} batches failed; nothing was loaded. "
                "Finished batches are cached: re-running the flow redoes only these:\n"
                + "\n".join(sorted(failures)))
        if outputs:
            progress.finish("extract")
        return [outputs[part] for part in sorted(outputs)]

    def close(self, stop: bool = False) -> None:
        """Wait for the tasks still running; ``stop``: stop them first (the run was
        interrupted or failed): the extraction host and its workers are killed in the middle
        of their batches, extraction in this process stops at its next document."""
        if stop:
            _interrupted.set()
            stop_host(kill=True)
        try:
            if self.runner is not None:
                self.runner.__exit__(None, None, None)
        finally:
            _interrupted.clear()

    def __enter__(self) -> ExtractStage:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.close(stop=kind is not None)

