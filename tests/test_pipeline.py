"""extract_batch: the same rows whether one process, forked workers or the extraction host
(the flow's way, wirehouse.extract.host) extract the batch."""

from __future__ import annotations

import gzip
import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from conftest import CORPORA, SEED, make_settings

from wirehouse.core.documents import Known
from wirehouse.extract.batch import extract_batch
from wirehouse.extract.host import ExtractionHost, HostFailed, start_host, stop_host
from wirehouse.extract.nlp import extraction_signature
from wirehouse.ingest.stage import ingest


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


def _parse_workers(host: ExtractionHost) -> list[Any]:
    """The host's two parse workers, once it has loaded the model and forked them."""
    import psutil

    proc = psutil.Process(host.proc.pid)
    for _ in range(600):  # the host loads the model first
        workers = proc.children()
        if len(workers) == 2:
            return workers
        time.sleep(0.1)
    raise AssertionError(f"the host started {len(workers)} workers in 60 s, not 2")


def test_a_killed_host_takes_its_workers_with_it(tmp_path: Path) -> None:
    """A run that stops mid-batch kills the host (stop_host(kill=True)) while its workers
    extract: none of them may outlive it, and the batch's caller gets HostFailed."""
    import psutil

    source = _write_jsonl(tmp_path / "in.jsonl", _reuters_lines(40))
    settings = make_settings(tmp_path, batch_size=100).with_(n_process=2)
    signature = extraction_signature(settings.model, settings.reference_dir)
    staged = ingest([source], "run", settings, Known(), signature,
                    datetime(2026, 1, 1, tzinfo=UTC)).batches[0]
    host = start_host(settings)
    failures: list[BaseException] = []

    def extract() -> None:
        try:
            host.extract_batch(staged, "run", settings, "00000")
        except BaseException as exc:  # noqa: BLE001 - what the caller saw
            failures.append(exc)

    caller = threading.Thread(target=extract)
    caller.start()
    try:
        workers = _parse_workers(host)
    finally:
        stop_host(kill=True)
    caller.join(30)
    _, alive = psutil.wait_procs(workers, timeout=10)
    for worker in alive:
        worker.kill()
    assert not alive
    assert failures and isinstance(failures[0], HostFailed | OSError | EOFError)


class _Recorder:
    """A progress reporter that keeps what it is told."""

    def __init__(self) -> None:
        self.advanced: list[tuple[str, int]] = []

    def start(self, stage: str, total: int | None) -> None:
        pass

    def add(self, stage: str, documents: int) -> None:
        pass

    def advance(self, stage: str, documents: int) -> None:
        self.advanced.append((stage, documents))

    def finish(self, stage: str) -> None:
        pass


def test_host_extracts_batches_at_once_and_reports_each_document(tmp_path: Path) -> None:
    """Two batches sent to the host together (the flow's thread runner sends two) come back
    with the rows one process gives each, while the workers' documents are reported done one
    by one as they go, not a batch at a time."""
    from wirehouse.core import progress

    source = _write_jsonl(tmp_path / "in.jsonl", _reuters_lines(41))
    settings = make_settings(tmp_path, batch_size=21)
    signature = extraction_signature(settings.model, settings.reference_dir)
    staged = ingest([source], "run", settings, Known(), signature,
                    datetime(2026, 1, 1, tzinfo=UTC)).batches
    assert len(staged) == 2
    expected = [{name: pq.read_table(path).to_pylist() for name, path in
                 extract_batch(batch, "run", settings, f"0000{i}").items()}
                for i, batch in enumerate(staged)]
    forked = settings.with_(n_process=2, lake=str(tmp_path / "host-lake"))
    recorder = _Recorder()
    progress.set_reporter(recorder)
    try:
        host = start_host(forked)
        results: dict[int, dict[str, str]] = {}
        callers = [threading.Thread(target=lambda i=i: results.__setitem__(
            i, host.extract_batch(staged[i], "run", forked, f"0000{i}"))) for i in (0, 1)]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(600)
    finally:
        stop_host()
        progress.set_reporter(None)
    got = [{name: pq.read_table(path).to_pylist() for name, path in results[i].items()}
           for i in (0, 1)]
    assert got == expected
    done = [n for stage, n in recorder.advanced if stage == "extract"]
    assert sum(done) == sum(len(tables["documents"]) for tables in expected) and len(done) > 2
