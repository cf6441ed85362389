"""extract_batch: the same rows whether one process, forked workers or the extraction host
(the flow's way, wirehouse.workers) extract the batch."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import CORPORA, SEED, make_settings

from wirehouse.documents import Known
from wirehouse.ingest import ingest
from wirehouse.nlp import extraction_signature
from wirehouse.pipeline import extract_batch
from wirehouse.workers import HostFailed, start_host, stop_host


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
