"""The loaded warehouse: offsets, idempotent reruns, replace-not-duplicate, atomic publish."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import PROJECT_ROOT, SEED, make_settings, run_library

from wirehouse.core.contract import TABLES
from wirehouse.core.settings import Settings


def snapshot(warehouse: str, exclude: tuple[str, ...] = ()) -> dict[str, list[tuple[object, ...]]]:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        out = {}
        for name, table in TABLES.items():
            cols = [f.name for f in table.schema if f.name not in exclude]
            out[name] = con.execute(
                f"SELECT {', '.join(cols)} FROM raw.{name} ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def test_every_offset_slices_the_body(seeded: Settings) -> None:
    con = duckdb.connect(seeded.warehouse, read_only=True)
    rows = con.execute("""SELECT d.body, m.start_char, m.end_char, m.text
                          FROM raw.mentions m JOIN raw.documents d USING (doc_id)""").fetchall()
    con.close()
    assert len(rows) > 50
    for body, start, end, text in rows:
        assert body[start:end] == text


def test_tables_have_rows(seeded: Settings) -> None:
    snap = snapshot(seeded.warehouse)
    assert len(snap["documents"]) == 1
    assert len(snap["mentions"]) > 50 and len(snap["entities"]) > 10
    con = duckdb.connect(seeded.warehouse, read_only=True)
    counts = con.execute("SELECT entity_type, sum(mentions) FROM marts.entity_mention_counts "
                         "GROUP BY ALL ORDER BY 1").fetchall()
    con.close()
    assert {t for t, _ in counts} >= {"PERSON", "GPE", "ORG"}


def test_rerun_leaves_identical_rows(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    src = [str(PROJECT_ROOT / "seeds" / "*.txt")]
    run_library(settings, src)
    first = snapshot(settings.warehouse)
    second_run = run_library(settings, src)
    assert second_run["ingested"].skipped == 1  # type: ignore[attr-defined]
    assert snapshot(settings.warehouse) == first
    # Forcing a re-extraction replaces the rows: same content; only the run id and the time
    # the source was last seen differ.
    run_library(settings, src, force=True)
    volatile = ("run_id", "last_seen", "seen_at")
    assert snapshot(settings.warehouse, exclude=volatile) == snapshot_without(first, volatile)


def snapshot_without(snap: dict[str, list[tuple[object, ...]]],
                     columns: tuple[str, ...]) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    for name, rows in snap.items():
        keep = [i for i, f in enumerate(TABLES[name].schema) if f.name not in columns]
        out[name] = sorted(tuple(r[i] for i in keep) for r in rows)
    return out


def test_same_article_two_names_is_one_document(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(SEED, inbox / "one.txt")
    shutil.copy(SEED, inbox / "two.txt")
    result = run_library(settings, [str(inbox)])
    assert result["ingested"].duplicates == 1  # type: ignore[attr-defined]
    con = duckdb.connect(settings.warehouse, read_only=True)
    assert con.execute("SELECT count(*) FROM raw.documents").fetchone() == (1,)
    uris = con.execute("SELECT uri FROM raw.document_sources ORDER BY uri").fetchall()
    con.close()
    assert [Path(u).name for (u,) in uris] == ["one.txt", "two.txt"]


def test_failed_check_leaves_warehouse_unchanged(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    run_library(settings, [str(SEED)])
    before = snapshot(settings.warehouse)
    bad_sql = tmp_path / "sql"
    shutil.copytree(settings.sql_dir, bad_sql)
    (bad_sql / "checks" / "zz_always_fails.sql").write_text(
        "SELECT doc_id, 'planted failure' AS problem FROM raw.documents")
    from wirehouse.warehouse.models import CheckFailed

    with pytest.raises(CheckFailed, match="planted failure"):
        run_library(settings.with_(sql_dir=str(bad_sql)), [str(SEED)], force=True)
    assert snapshot(settings.warehouse) == before
    assert not list(tmp_path.glob("wh.duckdb.*.tmp*"))


def test_check_scope_limits_per_document_checks(seeded: Settings, tmp_path: Path) -> None:
    """A load checks the rows it brings (checked.<table>); a full check sees every row."""
    from wirehouse.warehouse.models import CheckFailed, run_checks

    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(seeded.warehouse, copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute("UPDATE raw.mentions SET end_char = end_char + 1 "
                    "WHERE mention_id = (SELECT min(mention_id) FROM raw.mentions)")
        con.execute("CREATE TEMP TABLE no_rows AS SELECT * FROM raw.mentions LIMIT 0")
        run_checks(con, seeded.sql_dir, rows={"mentions": "no_rows"})
        with pytest.raises(CheckFailed, match="mentions_offsets_in_body"):
            run_checks(con, seeded.sql_dir)
    finally:
        con.close()


def test_pending_work_tells_what_a_run_would_change(tmp_path: Path) -> None:
    """The no-op check `wirehouse run` makes before starting a flow, and ingest's own rule:
    a run changes the warehouse only for a new or stale document, a new location of a
    loaded one, or a new rejected input; otherwise it writes nothing."""
    from wirehouse.extract.nlp import extraction_signature
    from wirehouse.ingest.stage import pending_work
    from wirehouse.warehouse.known import known_inputs

    settings = make_settings(tmp_path)
    signature = extraction_signature(settings.model, settings.reference_dir)
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(SEED, inbox / "one.txt")
    (inbox / "empty.txt").write_bytes(b"")

    def pending() -> str | None:
        return pending_work([str(inbox)], settings, known_inputs(settings.warehouse),
                            signature).reason

    assert pending() == f"new unreadable input {inbox / 'empty.txt'}"  # sorted: empty first
    run_library(settings, [str(inbox)])
    assert pending() is None
    before = snapshot(settings.warehouse)
    assert run_library(settings, [str(inbox)])["ingested"].sources_file is None  # type: ignore[attr-defined]
    assert snapshot(settings.warehouse) == before  # the rejected input alone is no work

    shutil.copy(SEED, inbox / "two.txt")  # a loaded document at a new place
    assert pending() == f"new location {inbox / 'two.txt'} of a loaded document"
    again = run_library(settings, [str(inbox)])["ingested"]
    assert again.batches == [] and again.duplicates == 1  # type: ignore[attr-defined]
    con = duckdb.connect(settings.warehouse, read_only=True)
    uris = con.execute("SELECT uri FROM raw.document_sources ORDER BY uri").fetchall()
    con.close()
    assert [Path(u).name for (u,) in uris] == ["one.txt", "two.txt"]
    assert pending() is None

    edited = SEED.read_text(encoding="utf-8").replace("Venezuelan dictator", "Venezuela's")
    (inbox / "three.txt").write_text(edited, encoding="utf-8")
    assert pending() == f"new document {inbox / 'three.txt'}"
    assert pending_work([str(inbox)], settings, known_inputs(settings.warehouse),
                        "other-extractor|model").reason == f"stale document {inbox / 'one.txt'}"


def test_the_check_asks_the_warehouse_a_chunk_of_inputs_at_a_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The incremental check never reads what the warehouse holds as a whole: it asks about
    the inputs a chunk at a time (memory follows the chunk), and the answers are exact."""
    import wirehouse.ingest.stage as stage
    from wirehouse.extract.nlp import extraction_signature
    from wirehouse.warehouse.known import WarehouseIndex

    settings = make_settings(tmp_path)
    inbox = tmp_path / "in"
    inbox.mkdir()
    for i in range(5):
        (inbox / f"doc{i}.txt").write_text(f"Story {i}\n\nThe mayor of town {i} met the "
                                          f"council on Monday to discuss road {i}.\n",
                                          encoding="utf-8")
    run_library(settings, [str(inbox / "doc0.txt"), str(inbox / "doc1.txt")])
    asked: list[int] = []
    real = WarehouseIndex.restrict

    def counting(self: WarehouseIndex, doc_ids: Any, locations: Any, rejections: Any) -> Any:
        asked.append(len(doc_ids))
        return real(self, doc_ids, locations, rejections)

    monkeypatch.setattr(WarehouseIndex, "restrict", counting)
    monkeypatch.setattr(stage, "CHUNK", 2)
    signature = extraction_signature(settings.model, settings.reference_dir)
    kinds = [kind for kind, _ in stage.classify(
        stage.read_inputs([str(inbox)], settings.max_doc_bytes, settings.jsonl_fields()),
        WarehouseIndex(settings.warehouse), signature, False)]
    assert asked == [2, 2, 1]
    assert kinds == ["unchanged", "unchanged", "new", "new", "new"]
