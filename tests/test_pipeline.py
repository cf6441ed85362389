"""extract_batch: the same rows whether one process, forked workers or the extraction host
(the flow's way, wirehouse.workers) extract the batch."""

from __future__ import annotations

import gzip
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from conftest import CORPORA, SEED, make_settings

from wirehouse.documents import Known
from wirehouse.ingest import ingest
from wirehouse.nlp import extraction_signature
from wirehouse.pipeline import extract_batch
from wirehouse.workers import ExtractionHost, HostFailed, start_host, stop_host


def test_workers_do_not_change_the_output(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    with gzip.open(CORPORA / "reuters21578" / "reuters21578.jsonl.gz", "rt") as src, \
            source.open("w") as dst:
        for _, line in zip(range(40), src, strict=False):
            dst.write(line)
        dst.write(json.dumps({"id": "seed", "text": SEED.read_text(encoding="utf-8")}) + "\n")
    tables = {}
    for way, n in (("one", 1), ("forked", 2), ("host", 2)):
        settings = make_settings(tmp_path / way, batch_size=100).with_(n_process=n)
        signature = extraction_signature(settings.model, settings.reference_dir)
        staged = ingest([str(source)], "run", settings, Known(), signature,
                        datetime(2026, 1, 1, tzinfo=UTC))
        assert len(staged.batches) == 1
        if way == "host":
            try:
                files = start_host(settings).extract_batch(staged.batches[0], "run", settings,
                                                           "00000")
            finally:
                stop_host()
        else:
            files = extract_batch(staged.batches[0], "run", settings, "00000")
        tables[way] = {name: pq.read_table(path).to_pylist() for name, path in files.items()}
    assert tables["one"]["event_mentions"] and tables["one"]["mentions"]
    assert tables["one"] == tables["forked"] == tables["host"]


def _reuters_lines(n: int) -> list[dict[str, object]]:
    with gzip.open(CORPORA / "reuters21578" / "reuters21578.jsonl.gz", "rt") as src:
        return [json.loads(line) for _, line in zip(range(n), src, strict=False)]


def _write_jsonl(path: Path, records: list[dict[str, object]]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def test_reading_ahead_does_not_change_the_output(tmp_path: Path) -> None:
    """The host starts on documents before their batch is staged (prefetch.Ahead). Here the
    sources change in between: documents read ahead that the batch lacks, documents of the
    batch never read ahead, and one whose date was added since. The batch's rows are still
    the ones extracting it from scratch gives."""
    from wirehouse.prefetch import Ahead

    records = _reuters_lines(46)
    dated = {**records[3], "published_at": "1987-02-26T10:00:00Z"}
    source = _write_jsonl(tmp_path / "in.jsonl", [*records[:3], dated, *records[4:40]])
    earlier = _write_jsonl(tmp_path / "earlier.jsonl", [*records[:35], *records[40:]])
    settings = make_settings(tmp_path / "one", batch_size=100)
    signature = extraction_signature(settings.model, settings.reference_dir)
    staged = ingest([source], "run", settings, Known(), signature,
                    datetime(2026, 1, 1, tzinfo=UTC)).batches[0]
    expected = {name: pq.read_table(path).to_pylist()
                for name, path in extract_batch(staged, "run", settings, "00000").items()}

    def key(row: dict[str, object]) -> tuple[object, ...]:
        return row["doc_id"], row["body"], row["published_at"]

    read_ahead = {key(r) for r in pq.read_table(ingest(
        [earlier], "ahead", make_settings(tmp_path / "earlier"), Known(), signature,
        datetime(2026, 1, 1, tzinfo=UTC)).batches[0]).to_pylist()}
    batch = pq.read_table(staged).to_pylist()
    both = sum(key(r) in read_ahead for r in batch)
    assert 0 < both < len(batch) - 5  # hits and misses both exercised

    for way in ("in-process", "host"):
        forked = make_settings(tmp_path / way, batch_size=100).with_(n_process=2)
        if way == "host":
            try:
                host = start_host(forked)
                host.extract_ahead([earlier], forked, Known(), signature, force=False)
                # As in a run, the batch comes after the host began: a host that finds the
                # batch already waiting stops reading ahead, and extracts it as it is.
                _reading_ahead(host)
                files = host.extract_batch(staged, "run", forked, "00000")
                assert host.read_ahead == both
            finally:
                stop_host()
        else:
            ahead = Ahead.start([earlier], forked, Known(), signature, False, lambda: False)
            assert ahead is not None
            try:
                files = extract_batch(staged, "run", forked, "00000", ahead)
            finally:
                ahead.close()
            assert ahead.hits == both
        got = {name: pq.read_table(path).to_pylist() for name, path in files.items()}
        assert got == expected, way


def test_nothing_is_read_ahead_of_unchanged_or_remote_sources(tmp_path: Path) -> None:
    from wirehouse.prefetch import Ahead

    source = _write_jsonl(tmp_path / "in.jsonl", _reuters_lines(30))
    settings = make_settings(tmp_path, batch_size=100).with_(n_process=2)
    signature = extraction_signature(settings.model, settings.reference_dir)
    batch = pq.read_table(ingest([source], "run", settings, Known(), signature,
                                 datetime(2026, 1, 1, tzinfo=UTC)).batches[0]).to_pylist()
    loaded = Known(documents={str(r["doc_id"]): signature for r in batch})
    assert Ahead.start([source], settings, loaded, signature, False, lambda: False) is None
    assert Ahead.start(["s3://bucket/in.jsonl"], settings, Known(), signature, False,
                       lambda: False) is None
    # Stale documents (another signature) are re-extracted, and --force re-extracts
    # unchanged ones: both are read ahead.
    stale = Known(documents=dict.fromkeys(loaded.documents, "older-extractor"))
    for known, force in ((stale, False), (loaded, True)):
        ahead = Ahead.start([source], settings, known, signature, force, lambda: False)
        assert ahead is not None
        ahead.close()


def test_host_reports_errors_and_is_replaced_when_it_dies(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    host = start_host(settings)
    try:
        # An error inside the host arrives as itself, with the host's traceback as cause.
        with pytest.raises(FileNotFoundError) as caught:
            host.extract_batch(str(tmp_path / "missing.parquet"), "run", settings, "00000")
        assert "in the extraction process" in str(caught.value.__cause__)
        assert start_host(settings) is host  # still alive: reused

        host.proc.kill()
        host.proc.wait()
        with pytest.raises(HostFailed, match="extraction process exited"):
            host.extract_batch(str(tmp_path / "missing.parquet"), "run", settings, "00000")
        assert start_host(settings) is not host  # a dead host is replaced
    finally:
        stop_host()


def _reading_ahead(host: ExtractionHost) -> list[Any]:
    """The host's two parse workers, once it has read ahead and started them."""
    import psutil

    proc = psutil.Process(host.proc.pid)
    for _ in range(600):  # the host loads the model first
        workers = proc.children()
        if len(workers) == 2:
            return workers
        time.sleep(0.1)
    raise AssertionError(f"the host started {len(workers)} workers in 60 s, not 2")


def test_a_killed_host_takes_its_workers_with_it(tmp_path: Path) -> None:
    """A run that fails before its first batch kills the host (stop_host(kill=True)) while
    its workers are extracting ahead: none of them may outlive it."""
    import psutil

    source = _write_jsonl(tmp_path / "in.jsonl", _reuters_lines(40))
    settings = make_settings(tmp_path, batch_size=100).with_(n_process=2)
    host = start_host(settings)
    try:
        host.extract_ahead([source], settings, Known(), "", force=False)
        workers = _reading_ahead(host)
    finally:
        stop_host(kill=True)
    _, alive = psutil.wait_procs(workers, timeout=10)
    for worker in alive:
        worker.kill()
    assert not alive
