"""extract_batch: the same rows whether one process or forked workers extract the batch."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
from conftest import CORPORA, SEED, make_settings

from wirehouse.ingest import ingest
from wirehouse.nlp import extraction_signature
from wirehouse.pipeline import extract_batch


def test_workers_do_not_change_the_output(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    with gzip.open(CORPORA / "reuters21578" / "reuters21578.jsonl.gz", "rt") as src, \
            source.open("w") as dst:
        for _, line in zip(range(40), src, strict=False):
            dst.write(line)
        dst.write(json.dumps({"id": "seed", "text": SEED.read_text(encoding="utf-8")}) + "\n")
    tables = {}
    for n in (1, 2):
        settings = make_settings(tmp_path / f"n{n}", batch_size=100).with_(n_process=n)
        signature = extraction_signature(settings.model, settings.reference_dir)
        staged = ingest([str(source)], "run", settings, {}, signature,
                        datetime(2026, 1, 1, tzinfo=UTC))
        assert len(staged.batches) == 1
        files = extract_batch(staged.batches[0], "run", settings, "00000")
        tables[n] = {name: pq.read_table(path).to_pylist() for name, path in files.items()}
    assert tables[1]["event_mentions"] and tables[1]["mentions"]
    assert tables[1] == tables[2]
