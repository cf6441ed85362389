"""Two runs of one lake that overlap keep both near-duplicate indexes (issue 21): each stages
from the index it found, and the second to finish merges instead of replacing the first's."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
from conftest import make_settings
from test_dedup import SYNDICATED, UNRELATED, WIRE

from wirehouse.core.documents import Known
from wirehouse.core.settings import Settings
from wirehouse.ingest import lake_state
from wirehouse.ingest.dedup import NearDuplicateIndex
from wirehouse.ingest.stage import IngestResult, finish_ingest, ingest, neardup_index_path


def _ingest(settings: Settings, folder: Path, run_id: str, bodies: dict[str, str]) -> IngestResult:
    folder.mkdir()
    for name, body in bodies.items():
        (folder / name).write_text(body, encoding="utf-8")
    return ingest([str(folder)], run_id, settings, Known(), "sig", datetime.now(UTC))


def _column(result: IngestResult, name: str) -> list[object]:
    return [v for batch in result.batches for v in pq.read_table(batch).column(name).to_pylist()]


def test_overlapping_runs_keep_both_indexes(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    # Both runs start before either finishes: each sees no kept index.
    first = _ingest(settings, tmp_path / "a", "run-a", {"wire.txt": WIRE})
    second = _ingest(settings, tmp_path / "b", "run-b", {"council.txt": UNRELATED})
    assert first.neardup_index and second.neardup_index
    [wire_id] = _column(first, "doc_id")
    finish_ingest(first, settings)
    finish_ingest(second, settings)
    kept = NearDuplicateIndex.load(neardup_index_path(settings))
    assert len(kept) == 2
    assert not (Path(settings.lake) / "_staging").exists() or \
        not list((Path(settings.lake) / "_staging").iterdir())
    # A later run finds the first run's story: the syndicated copy joins its cluster.
    third = _ingest(settings, tmp_path / "c", "run-c", {"copy.txt": SYNDICATED})
    assert _column(third, "cluster_id") == [wire_id]


def test_finishing_runs_update_the_state_one_at_a_time(tmp_path: Path) -> None:
    """While one run holds the lake's state lock, another run's finish waits for it."""
    settings = make_settings(tmp_path)
    first = _ingest(settings, tmp_path / "a", "run-a", {"wire.txt": WIRE})
    second = _ingest(settings, tmp_path / "b", "run-b", {"council.txt": UNRELATED})
    finish_ingest(first, settings)
    done = threading.Event()
    with lake_state.state_lock(settings):
        waiting = threading.Thread(target=lambda: (finish_ingest(second, settings), done.set()))
        waiting.start()
        assert not done.wait(1.0), "the second finish did not wait for the lock"
        assert len(NearDuplicateIndex.load(neardup_index_path(settings))) == 1
    waiting.join(30)
    assert done.is_set()
    assert len(NearDuplicateIndex.load(neardup_index_path(settings))) == 2
