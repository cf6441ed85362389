"""Ingest: read the sources, skip what the warehouse already has, stage the rest in batches.

Unchanged documents cost a read and a hash: a document whose doc_id is in the warehouse with
the current extractor version and model is not staged for NLP again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING

from wirehouse.core import progress
from wirehouse.core.documents import KnownSource, RawDocument, Rejected, stable_id
from wirehouse.core.settings import Settings
from wirehouse.ingest.discover import InputLimits, read_inputs
from wirehouse.ingest.lake_state import (
    mark_finished,
    mark_running,
    remove_stale_staging,
    state_lock,
)
from wirehouse.lake import storage
from wirehouse.lake.parquet import staging_dir, write_rows

if TYPE_CHECKING:
    from wirehouse.ingest.dedup import NearDuplicateIndex


@dataclass
class IngestResult:
    run_id: str
    batches: list[str] = field(default_factory=list)
    sources_file: str | None = None
    quarantine_files: list[str] = field(default_factory=list)
    neardup_index: str | None = None
    # sha256 of the kept near-duplicate index this run started from ("" when there was none)
    neardup_base: str = ""
    rejected_inputs: str | None = None  # this run's inputs rejected whole, with their stat
    read: int = 0
    new: int = 0
    stale: int = 0
    skipped: int = 0
    duplicates: int = 0
    quarantined: int = 0
    # Declared languages the English pipeline does not process -> documents read.
    unsupported_languages: dict[str, int] = field(default_factory=dict)


# Quarantine rows held before they are written (~1 KB each).
QUARANTINE_PART_ROWS = 10_000


def rejected_inputs_path(settings: Settings) -> str:
    return str(storage.join(settings.lake, "_state", "rejected-inputs.json"))


def rejected_before(settings: Settings, known: KnownSource) -> dict[str, str]:
    """uri -> fingerprint of the inputs rejected whole by earlier runs whose rejection the
    warehouse holds (a rebuilt warehouse reads them again)."""
    path = rejected_inputs_path(settings)
    if not storage.exists(path):
        return {}
    try:
        recorded = json.loads(storage.read_bytes(path))
    except ValueError:
        return {}
    ids = {uri: _quarantine_id(Rejected(uri, str(entry.get("reason")), ""))
           for uri, entry in recorded.items() if isinstance(entry, dict)}
    held = known.restrict((), (), set(ids.values())).rejections if ids else frozenset()
    return {uri: str(recorded[uri]["fingerprint"]) for uri, qid in ids.items() if qid in held}


def neardup_index_path(settings: Settings) -> str:
    return str(storage.join(settings.lake, "_state", "neardup.idx"))


def _document_row(doc: RawDocument, cluster_id: str, run_id: str) -> dict[str, object]:
    return {
        "doc_id": doc.doc_id, "title": doc.title, "body": doc.body, "author": doc.author,
        "caption": doc.caption, "url": doc.url, "source": doc.source,
        "published_at": doc.published_at,
        # As the source declares it; extraction detects the rest, in parallel workers.
        "language": doc.language,
        "source_uri": doc.uri, "cluster_id": cluster_id, "run_id": run_id,
    }


def _quarantine_row(rej: Rejected, run_id: str, now: datetime) -> dict[str, object]:
    return {
        "quarantine_id": _quarantine_id(rej),
        "uri": rej.uri, "record": rej.record, "reason": rej.reason, "message": rej.message,
        "first_bytes": rej.first_bytes[:64], "seen_at": now, "run_id": run_id,
    }


def _quarantine_id(rej: Rejected) -> str:
    return stable_id(rej.uri, rej.record, rej.reason)


@dataclass
class _Seen:
    """What a pass over the sources found that the warehouse does not have."""

    new_locations: int = 0
    new_rejections: int = 0


# Inputs looked up in the warehouse at once (their bodies are held meanwhile).
CHUNK = 2_000


def classify(items: Iterable[RawDocument | Rejected], known: KnownSource, signature: str,
             force: bool, seen: _Seen | None = None
             ) -> Iterator[tuple[str, RawDocument | Rejected]]:
    """Each input with what it is to this run: rejected, duplicate (of an earlier input of
    the run), unchanged, new or stale. The one rule shared by ingest and pending_work. The
    warehouse is asked about a chunk of inputs at a time."""
    seen = seen if seen is not None else _Seen()
    ids: set[str] = set()
    stream = iter(items)
    while chunk := list(islice(stream, CHUNK)):
        docs = [i for i in chunk if not isinstance(i, Rejected)]
        part = known.restrict({d.doc_id for d in docs}, {(d.doc_id, d.uri) for d in docs},
                              {_quarantine_id(i) for i in chunk if isinstance(i, Rejected)})
        for item in chunk:
            if isinstance(item, Rejected):
                seen.new_rejections += _quarantine_id(item) not in part.rejections
                yield "rejected", item
                continue
            seen.new_locations += (item.doc_id, item.uri) not in part.locations
            if item.doc_id in ids:
                yield "duplicate", item
                continue
            ids.add(item.doc_id)
            previous = part.documents.get(item.doc_id)
            if previous == signature and not force:
                yield "unchanged", item
            else:
                yield ("new" if previous is None else "stale"), item


@dataclass
class PendingWork:
    reason: str | None  # None: a run would not change the warehouse
    inputs: int  # inputs read to find out (all of them when there is no reason)
    extracts: bool = False  # the reason is a document to extract


def pending_work(paths: Iterable[str], settings: Settings, known: KnownSource,
                 signature: str, allowed: tuple[str, ...] | None = None) -> PendingWork:
    """Whether a run over ``paths`` would change the warehouse, and the first reason found.

    It would not when every document is unchanged and every location and rejected input was
    seen before. Reads and hashes the sources, nothing more, and stops at the first reason.
    """
    seen = _Seen()
    inputs = 0
    items = read_inputs(paths, settings.max_doc_bytes, settings.jsonl_fields(),
                        InputLimits.of(settings, allowed, rejected_before(settings, known)))
    for kind, item in classify(items, known, signature, False, seen):
        inputs += 1
        if kind in ("new", "stale"):
            return PendingWork(f"{kind} document {item.uri}", inputs, extracts=True)
        if seen.new_rejections:
            return PendingWork(f"new unreadable input {item.uri}", inputs)
        if seen.new_locations:
            return PendingWork(f"new location {item.uri} of a loaded document", inputs)
    return PendingWork(None, inputs)


@dataclass(frozen=True)
class StagedBatch:
    """One batch of documents staged for extraction."""

    part: str  # its number in the run: 00000, 00001, ...
    path: str
    documents: int


def stage_batches(
    paths: Iterable[str],
    run_id: str,
    settings: Settings,
    known: KnownSource,
    signature: str,
    started_at: datetime,
    force: bool = False,
    on_stage: Callable[[], object] | None = None,
    allowed: tuple[str, ...] | None = None,
) -> Generator[StagedBatch, None, IngestResult]:
    """Stage new or stale documents as Parquet batches of ``settings.batch_size``, yielding
    each batch as soon as it is written, so that extraction starts on it while ingest reads
    on; returns (as the generator's value) the IngestResult. Reports each input read as
    progress of the "ingest" stage.

    ``known`` is what the warehouse holds (documents with the extraction signature they were
    loaded with); ``signature`` is the current one. ``on_stage`` is called once, before the
    first document is staged: the flow starts loading the model then, while ingest goes on.
    A run with work records every source location, skipped documents included, and every
    rejected input; a run without work (pending_work is None) writes nothing. ``allowed``
    confines what is read to those roots (a deployment's allow-list).
    """
    remove_stale_staging(settings)  # what killed or failed runs left
    mark_running(settings, run_id)
    result = IngestResult(run_id)
    staged: list[dict[str, object]] = []
    sources: dict[tuple[str, str], dict[str, object]] = {}
    quarantine: list[dict[str, object]] = []
    seen = _Seen()
    index: NearDuplicateIndex | None = None
    out = staging_dir(settings.lake, run_id)

    def flush() -> StagedBatch:
        part = f"{len(result.batches):05d}"
        path = write_rows(str(out), "documents", staged, run_id, part)
        result.batches.append(path)
        batch = StagedBatch(part, path, len(staged))
        staged.clear()
        return batch

    def flush_quarantine() -> None:
        # Written as found, in parts: a flood of bad lines costs a part's rows of memory.
        if quarantine:
            part = f"ingest-{len(result.quarantine_files):05d}"
            result.quarantine_files.append(
                write_rows(str(out), "quarantine", quarantine, run_id, part))
            result.quarantined += len(quarantine)
            quarantine.clear()

    progress.start("ingest")
    items = read_inputs(paths, settings.max_doc_bytes, settings.jsonl_fields(),
                        InputLimits.of(settings, allowed, rejected_before(settings, known)))
    rejected_inputs: dict[str, dict[str, str]] = {}
    for kind, item in classify(items, known, signature, force, seen):
        progress.advance("ingest")
        if isinstance(item, Rejected):
            if item.fingerprint:
                rejected_inputs[item.uri] = {"fingerprint": item.fingerprint,
                                             "reason": item.reason}
            quarantine.append(_quarantine_row(item, run_id, started_at))
            if len(quarantine) >= QUARANTINE_PART_ROWS:
                flush_quarantine()
            continue
        result.read += 1
        if item.language not in (None, "en"):
            langs = result.unsupported_languages
            langs[str(item.language)] = langs.get(str(item.language), 0) + 1
        sources[(item.doc_id, item.uri)] = {
            "doc_id": item.doc_id, "uri": item.uri, "first_seen": started_at,
            "last_seen": started_at, "run_id": run_id,
        }
        if kind == "duplicate":
            result.duplicates += 1
            continue
        if kind == "unchanged":
            result.skipped += 1
            continue
        if kind == "new":
            result.new += 1
        else:
            result.stale += 1
        if index is None:
            if on_stage is not None:
                on_stage()
            # Loaded on the first document to stage: a run with nothing new never pays for
            # the saved signatures.
            from wirehouse.ingest.dedup import NearDuplicateIndex

            result.neardup_base = _file_digest(neardup_index_path(settings))
            index = NearDuplicateIndex.load(neardup_index_path(settings))
        cluster_id = index.cluster_for(item.doc_id, item.body)
        staged.append(_document_row(item, cluster_id, run_id))
        if len(staged) >= settings.batch_size:
            yield flush()
    if staged:
        yield flush()
    progress.finish("ingest")

    flush_quarantine()
    if not (result.batches or seen.new_rejections or seen.new_locations):
        # Nothing to load: parts of a quarantine already known are not kept, and the stat
        # of inputs whose (known) rejection was read again is kept for the next run.
        if result.quarantine_files:
            storage.remove_tree(out)
            result.quarantine_files = []
        if rejected_inputs:
            with state_lock(settings):
                _merge_rejected_inputs(rejected_inputs, rejected_inputs_path(settings))
        mark_finished(settings, run_id)
        return result
    if sources:
        result.sources_file = write_rows(
            str(out), "document_sources", list(sources.values()), run_id, "ingest"
        )
    if index is not None:
        result.neardup_index = str(storage.join(out, "neardup.idx"))
        index.save(result.neardup_index)
    if rejected_inputs:
        result.rejected_inputs = str(storage.join(out, "rejected-inputs.json"))
        _merge_rejected_inputs(rejected_inputs, result.rejected_inputs)
    return result


def ingest(
    paths: Iterable[str],
    run_id: str,
    settings: Settings,
    known: KnownSource,
    signature: str,
    started_at: datetime,
    force: bool = False,
    on_stage: Callable[[], object] | None = None,
    allowed: tuple[str, ...] | None = None,
) -> IngestResult:
    """stage_batches to the end: every batch is staged when this returns."""
    staging = stage_batches(paths, run_id, settings, known, signature, started_at, force,
                            on_stage, allowed)
    while True:
        try:
            next(staging)
        except StopIteration as end:
            result: IngestResult = end.value
            return result


def finish_ingest(result: IngestResult, settings: Settings) -> None:
    """After a successful load: keep the near-duplicate index (merged with what runs that
    finished meanwhile kept), drop the staged batches."""
    with state_lock(settings):
        if result.neardup_index and storage.exists(result.neardup_index):
            _keep_index(result.neardup_index, neardup_index_path(settings), result.neardup_base)
        if result.rejected_inputs and storage.exists(result.rejected_inputs):
            _merge_rejected_inputs(json.loads(storage.read_bytes(result.rejected_inputs)),
                                   rejected_inputs_path(settings))
    storage.remove_tree(staging_dir(settings.lake, result.run_id))
    mark_finished(settings, result.run_id)


def _file_digest(path: str) -> str:
    return hashlib.sha256(storage.read_bytes(path)).hexdigest() if storage.exists(path) else ""


def _keep_index(staged: str, kept: str, base: str) -> None:
    """The run's index holds the kept one as the run found it (``base``, its digest) plus the
    run's documents: it replaces the kept one, unless a run that overlapped this one has kept
    its own since; then both are merged (loading both costs seconds per 100,000 documents)."""
    from wirehouse.ingest.dedup import NearDuplicateIndex  # numpy: only runs that staged pay

    if _file_digest(kept) in ("", base):
        storage.move(staged, kept)
        return
    index = NearDuplicateIndex.load(kept)
    if index.merge(NearDuplicateIndex.load(staged)):
        index.save(kept)
    storage.remove(staged)


def _merge_rejected_inputs(entries: dict[str, dict[str, str]], kept: str) -> None:
    """``entries`` added to the whole-input rejections kept at ``kept`` (a later entry for
    the same uri wins)."""
    merged: dict[str, object] = {}
    if storage.exists(kept):
        try:
            merged = json.loads(storage.read_bytes(kept))
        except ValueError:
            merged = {}
    merged.update(entries)
    storage.write_bytes(kept, json.dumps(merged, sort_keys=True).encode())
