"""Where the extract tasks run (task runner by setting) and how finished batches are cached."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from prefect.cache_policies import CachePolicy
from prefect.context import TaskRunContext
from prefect.filesystems import RemoteFileSystem
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from wirehouse.core.settings import Settings
from wirehouse.extract.host import wanted
from wirehouse.lake import storage
from wirehouse.lake.parquet import read_table

# What a staged batch's extraction depends on besides the text (covered by doc_id, a hash of
# the body): the metadata carried into the documents rows. run_id is left out on purpose: a
# later run over the same staged documents may reuse the batch.
_STAGED_KEY_COLUMNS = ("doc_id", "title", "author", "caption", "url", "source", "published_at",
                       "language", "source_uri", "cluster_id")


def batch_cache_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    """Cache key of one extract task: the batch's documents, extractor version and model.

    ``signature`` is nlp.extraction_signature (extractor version with the reference-data hash,
    and the model's name-version), computed once per run by the flow.
    The lake is part of the key because the cached value is a set of paths into it.
    """
    staged = read_table(parameters["staged_path"], columns=list(_STAGED_KEY_COLUMNS))
    rows = sorted(staged.to_pylist(), key=lambda r: str(r["doc_id"]))
    settings: Settings = parameters["settings"]
    digest = hashlib.sha256()
    lake = settings.lake if storage.is_remote(settings.lake) else os.path.abspath(settings.lake)
    digest.update(f"{parameters['signature']}\n{lake}\n".encode())
    digest.update(json.dumps(rows, default=str, sort_keys=True).encode())
    return f"extract-{digest.hexdigest()[:32]}"


BATCH_CACHE = CachePolicy.from_cache_key_fn(batch_cache_key)


def result_storage(settings: Settings) -> Path | RemoteFileSystem:
    """Task results and cache records live in the lake, beside the files they point to, so
    they survive the flow process and any Prefect server (and go when the lake goes), and
    every worker of a lake on object storage reaches them.

    A local lake gets a Path, not a LocalFileSystem block: an unsaved block is refused, and
    saving one would tie the flow to one server's block store. A lake on object storage needs
    a RemoteFileSystem block, so it is saved under a name derived from the URL, again on every
    run: any Prefect API the flow talks to gets it. It holds the path only; fsspec on each
    machine finds the credentials, as for the lake."""
    if not storage.is_remote(settings.lake):
        return Path(settings.lake, "_prefect").absolute()
    basepath = str(storage.join(settings.lake, "_prefect"))
    block = RemoteFileSystem(basepath=basepath)
    block.save(f"wirehouse-lake-{hashlib.sha256(basepath.encode()).hexdigest()[:16]}",
               overwrite=True)
    return block


def outputs_exist(outputs: dict[str, str]) -> bool:
    """A cached batch is only good while its Parquet files are there (compaction moves them)."""
    return all(storage.exists(p) for p in outputs.values())


def extract_plan(settings: Settings, batches: int) -> tuple[TaskRunner[Any], Settings]:
    """The task runner for the extract stage and the settings its tasks run with.

    - process: one worker process per core (Prefect's ProcessPoolTaskRunner, spawn), each
      loading the model once and running nlp.pipe with n_process=1 over whole batches.
    - thread: in the flow's own process tree. With more than one core, in the run's
      extraction host (wirehouse.extract.host), two batches at a time so that its workers
      never wait between batches; on one core, in the flow process, one at a time. Faster on
      2 cores than the process pool, whose workers each import spaCy and load the model
      (bench/RESULTS.md, "Task runners").
    - dask: the batches go to a `distributed` cluster (WIREHOUSE_DASK_ADDRESS), or to a local
      cluster of one single-threaded worker process per core when no address is set.
    With the process runner, a run of a single batch (``batches``: 1) takes the thread runner.
    """
    per_batch = settings.with_(n_process=1)
    if settings.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if settings.dask_address:
            return DaskTaskRunner(address=settings.dask_address), per_batch
        return DaskTaskRunner(cluster_kwargs={
            "n_workers": settings.n_process, "threads_per_worker": 1, "processes": True,
        }), per_batch
    if settings.task_runner == "thread" or batches <= 1:
        return ThreadPoolTaskRunner(max_workers=2 if wanted(settings) else 1), settings
    # Batches stream in: their number is not known yet. The pool starts workers as needed.
    return ProcessPoolTaskRunner(max_workers=settings.n_process), per_batch
