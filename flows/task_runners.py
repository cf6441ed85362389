"""Where the extract tasks run (task runner by setting) and how finished batches are cached."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from typing import Any

from prefect import get_run_logger
from prefect.exceptions import MissingContextError
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from flows.prefect_server import prefect_home
from flows.secret import SECRET_FILE, local_secret
from wirehouse.core.settings import Settings
from wirehouse.extract.host import wanted
from wirehouse.lake import storage
from wirehouse.lake.parquet import read_table

# What a staged batch's extraction depends on besides the text (covered by doc_id, a hash of
# the body): the metadata carried into the documents rows. run_id is left out on purpose: a
# later run over the same staged documents may reuse the batch.
_STAGED_KEY_COLUMNS = ("doc_id", "title", "author", "caption", "url", "source", "published_at",
                       "language", "source_uri", "cluster_id")


def batch_cache_key(staged_path: str, settings: Settings, signature: str) -> str:
    """Cache key of one extract task: the batch's documents, extractor version and model.

    ``signature`` is nlp.extraction_signature (extractor version with the reference-data hash,
    and the model's name-version), computed once per run by the flow.
    The lake is part of the key because the cached value is a set of paths into it.
    """
    staged = read_table(staged_path, columns=list(_STAGED_KEY_COLUMNS))
    rows = sorted(staged.to_pylist(), key=lambda r: str(r["doc_id"]))
    digest = hashlib.sha256()
    lake = settings.lake if storage.is_remote(settings.lake) else os.path.abspath(settings.lake)
    digest.update(f"{signature}\n{lake}\n".encode())
    digest.update(json.dumps(rows, default=str, sort_keys=True).encode())
    return f"extract-{digest.hexdigest()[:32]}"


# A record is a MAC line and a JSON object of a few paths; anything longer is not ours.
MAX_RECORD_BYTES = 64 * 1024


class BatchCache:
    """Finished batches, kept in the lake beside the files they name, so a re-run (a retry,
    a run after a failed one) does not extract them again.

    Not Prefect's result persistence: a Prefect result record names the serializer that
    reads it back, so a record planted in a lake (a pickle, or "json" with an importable
    object hook) runs code in the process that reads it. Here a record is plain JSON, a
    table -> Parquet path map, and is read only when its HMAC-SHA256, keyed with this Prefect
    home's secret (flows.secret) over the record's name and content, verifies: a record
    someone else wrote, or one copied from another batch's name, is ignored and the batch
    extracted again. Workers on other machines need the same secret file to reuse records.
    """

    def __init__(self, lake: str, secret: bytes) -> None:
        self.folder = storage.join(lake, "_cache", "extract")
        self.lake = lake if storage.is_remote(lake) else os.path.abspath(lake)
        self.secret = secret

    @classmethod
    def of(cls, settings: Settings) -> BatchCache:
        return cls(settings.lake, local_secret(prefect_home()).encode())

    def _mac(self, key: str, payload: bytes) -> str:
        return hmac.new(self.secret, key.encode() + b"\n" + payload, hashlib.sha256).hexdigest()

    def get(self, key: str) -> dict[str, str] | None:
        """The outputs recorded under ``key``, if the record is ours and its files are there."""
        path = storage.join(self.folder, f"{key}.json")
        if not storage.exists(path):
            return None
        with storage.open_read(path) as fh:
            data = fh.read(MAX_RECORD_BYTES + 1)
        mac, _, payload = data.partition(b"\n")
        if len(data) > MAX_RECORD_BYTES or not hmac.compare_digest(
                mac, self._mac(key, payload).encode()):
            _logger().warning("ignoring cache record %s: not written with this Prefect "
                              "home's secret (%s)", path, SECRET_FILE)
            return None
        outputs = json.loads(payload)
        if not (isinstance(outputs, dict) and all(
                isinstance(k, str) and isinstance(v, str) and self._in_lake(v)
                for k, v in outputs.items())):
            return None
        # Compaction moves a batch's files; a record naming moved files is stale.
        return outputs if all(storage.exists(p) for p in outputs.values()) else None

    def put(self, key: str, outputs: dict[str, str]) -> None:
        payload = json.dumps(outputs, sort_keys=True).encode()
        storage.write_bytes(storage.join(self.folder, f"{key}.json"),
                            self._mac(key, payload).encode() + b"\n" + payload)

    def _in_lake(self, path: str) -> bool:
        where = path if storage.is_remote(path) else os.path.abspath(path)
        return where.startswith(self.lake.rstrip("/") + "/")


def _logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(__name__)


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
