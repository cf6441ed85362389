"""Extraction ahead of the flow: the host starts on the first batch before it is staged.

`wirehouse run` starts the extraction host first thing, and its no-op check knows a moment
later that there is something to extract. From then on the flow process still imports
Prefect, creates its flow run and stages the batch (~2.5 s of one core), while the host,
once its model is loaded, would wait for that batch. Instead the host reads the same
sources itself, picks the documents ingest will stage first (new or stale, by the same rule:
``ingest.classify``) and hands them to its parse workers straight away.

When the staged batch arrives, a document whose text, declared language and date are the
ones extracted ahead takes those rows (with the run's id); any other is extracted then. So
the output is the same as without reading ahead, whatever changed in between. At most one
batch is read ahead, and reading stops as soon as the flow's request is waiting.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from multiprocessing.pool import AsyncResult, Pool

from wirehouse import storage
from wirehouse.contract import to_table
from wirehouse.documents import Known, RawDocument
from wirehouse.pipeline import (
    EXTRACTED_FIELDS,
    OUTPUT_TABLES,
    _extract_share,
    make_shares,
    wait_for,
    warm_up,
    worker_count,
)
from wirehouse.settings import Settings

Rows = dict[str, list[dict[str, object]]]
# What extraction reads from a staged documents row besides its doc_id.
_INPUTS = ("body", "language", "published_at")


def _key(row: dict[str, object]) -> tuple[object, ...]:
    return tuple(row[name] for name in _INPUTS)


class Ahead:
    """Documents being extracted before their batch is staged, in a pool of forked workers
    that then also extracts whatever else the batch holds."""

    def __init__(self, settings: Settings, workers: int) -> None:
        self.model, self.reference_dir = settings.model, settings.reference_dir
        self.workers = workers
        warm_up(settings)  # before the fork, so the workers inherit what it loads
        self._pool: Pool = mp.get_context("fork").Pool(workers)
        self._keys: dict[str, tuple[object, ...]] = {}
        self._share_of: dict[str, int] = {}
        self._results: list[AsyncResult[Rows]] = []
        self.hits = 0

    @classmethod
    def start(cls, sources: list[str], settings: Settings, known: Known, signature: str,
              force: bool, interrupted: Callable[[], bool]) -> Ahead | None:
        """Read up to one batch of documents to extract from ``sources`` and start on them.

        ``known``, ``signature`` and ``force`` as for ingest. None when there is nothing to
        start on, or the sources are not local files (reading object storage twice costs
        requests and transfer).
        """
        if settings.n_process < 2 or any(storage.is_remote(s) for s in sources):
            return None
        from wirehouse.ingest import classify
        from wirehouse.sources import read_inputs

        items = read_inputs(sources, settings.max_doc_bytes, settings.jsonl_fields())
        rows: list[dict[str, object]] = []
        for kind, item in classify(items, known, signature, force):
            if kind in ("new", "stale") and isinstance(item, RawDocument):
                rows.append({"doc_id": item.doc_id, "body": item.body,
                             "language": item.language, "published_at": item.published_at})
            if len(rows) >= settings.batch_size or interrupted():
                break
        if worker_count(len(rows), settings) < 2:  # extract_batch would not fork either
            return None
        # As the staged batch will read them back from Parquet (dates in the contract's type).
        docs = to_table("documents", rows).to_pylist()
        ahead = cls(settings, worker_count(len(docs), settings))
        for share in make_shares(docs, ahead.workers):
            for row in share:
                ahead._keys[str(row["doc_id"])] = _key(row)
                ahead._share_of[str(row["doc_id"])] = len(ahead._results)
            ahead._results.append(ahead._pool.apply_async(_extract_share,
                                                          ((share, "", settings),)))
        return ahead

    def serves(self, settings: Settings) -> bool:
        return (settings.model, settings.reference_dir) == (self.model, self.reference_dir)

    def extract(self, docs: list[dict[str, object]], run_id: str, settings: Settings,
                interrupted: Callable[[], bool] | None = None) -> list[Rows]:
        """Rows for the staged ``docs``: those extracted ahead, and the rest extracted now."""
        hits = {str(d["doc_id"]): d for d in docs if self._keys.get(str(d["doc_id"])) == _key(d)}
        misses = [d for d in docs if str(d["doc_id"]) not in hits]
        self.hits = len(hits)
        later = [self._pool.apply_async(_extract_share, ((share, run_id, settings),))
                 for share in (make_shares(misses, self.workers) if misses else [])]
        parts = [_adopt(wait_for(self._results[i], interrupted), hits, run_id)
                 for i in sorted({self._share_of[doc_id] for doc_id in hits})]
        return parts + [wait_for(result, interrupted) for result in later]

    def close(self) -> None:
        """Stop the workers, also any still on documents the batch did not hold."""
        self._pool.terminate()
        self._pool.join()


def _adopt(part: Rows, staged: dict[str, dict[str, object]], run_id: str) -> Rows:
    """Rows extracted ahead, for the staged documents among them, as this run's: the staged
    documents row (with what ingest added) plus what extraction found."""
    out: Rows = {name: [] for name in OUTPUT_TABLES}
    for name in OUTPUT_TABLES:
        for row in part[name]:
            doc_id = str(row["doc_id"])
            if doc_id not in staged:
                continue
            if name == "documents":
                row = {**staged[doc_id], **{k: row[k] for k in EXTRACTED_FIELDS}}
            out[name].append({**row, "run_id": run_id})
    return out
