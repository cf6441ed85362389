"""Loading over time: contract migrations and incremental, stale-aware re-extraction."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import SEED, make_settings, run_library

import wirehouse.extract.batch
import wirehouse.extract.nlp
import wirehouse.warehouse.load
import wirehouse.warehouse.raw
from wirehouse.core.contract import TABLES, Table, col
from wirehouse.core.settings import Settings
from wirehouse.warehouse.comments import undocumented
from wirehouse.warehouse.load import publish


def _rows(warehouse: str, query: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def test_added_contract_column_migrates_without_reload(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(tmp_path)
    run_library(settings, [str(SEED)])
    before = _rows(settings.warehouse, "SELECT doc_id, run_id, title FROM raw.documents")
    old = TABLES["documents"]
    new_field = col("summary", pa.string(), "One-sentence summary of the article.")
    monkeypatch.setitem(TABLES, "documents", Table(
        old.name, old.doc, old.schema.append(new_field), old.key, old.replace_by_doc))
    bumped = wirehouse.warehouse.raw.SCHEMA_VERSION + 1
    monkeypatch.setattr(wirehouse.warehouse.raw, "SCHEMA_VERSION", bumped)

    # A run with nothing new still migrates: no document is re-read or re-extracted.
    publish(settings.warehouse, "migrate", {}, settings.sql_dir, settings.reference_dir)
    assert _rows(settings.warehouse, "SELECT doc_id, run_id, title FROM raw.documents") == before
    assert _rows(settings.warehouse, "SELECT summary FROM raw.documents") == [(None,)]
    versions = _rows(settings.warehouse, "SELECT version FROM raw.schema_version ORDER BY 1")
    assert versions[-1] == (bumped,) and (bumped - 1,) in versions
    # The column flows through staging and is documented from the contract.
    assert _rows(settings.warehouse, "SELECT count(summary) FROM staging.documents") == [(0,)]
    con = duckdb.connect(settings.warehouse, read_only=True)
    assert undocumented(con) == []
    con.close()

    # New rows carrying the column load by name next to the old ones.
    row = {**{f.name: None for f in TABLES["documents"].schema}, "doc_id": "new-doc",
           "body": "Text.", "summary": "A summary.", "run_id": "r2"}
    path = tmp_path / "docs.parquet"
    pq.write_table(pa.Table.from_pylist([row], schema=TABLES["documents"].schema), path)
    publish(settings.warehouse, "r2", {"documents": [str(path)]}, settings.sql_dir,
            settings.reference_dir)
    assert _rows(settings.warehouse, "SELECT doc_id, summary FROM raw.documents ORDER BY 2"
                 ) == [("new-doc", "A summary."), (before[0][0], None)]


def test_unchanged_documents_skip_and_stale_ones_reextract(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(tmp_path)
    first = run_library(settings, [str(SEED)])["ingested"]
    assert (first.new, first.skipped, first.stale) == (1, 0, 0)
    snapshot = _rows(settings.warehouse, "SELECT run_id, extractor_version FROM raw.documents")

    # Unchanged: a hash, no NLP pass, nothing published.
    again = run_library(settings, [str(SEED)])["ingested"]
    assert (again.new, again.skipped, again.stale, again.batches) == (0, 1, 0, [])
    assert _rows(settings.warehouse,
                 "SELECT run_id, extractor_version FROM raw.documents") == snapshot

    # A new extractor version makes the document stale: re-extracted, rows replaced.
    monkeypatch.setattr(wirehouse.extract.nlp, "EXTRACTOR_VERSION", "test-bumped")
    wirehouse.extract.nlp.extractor_version.cache_clear()
    try:
        bumped = run_library(settings, [str(SEED)])
    finally:
        monkeypatch.undo()
        wirehouse.extract.nlp.extractor_version.cache_clear()
    assert (bumped["ingested"].stale, bumped["ingested"].skipped) == (1, 0)
    [(run_id, version)] = _rows(settings.warehouse,
                                "SELECT run_id, extractor_version FROM raw.documents")
    assert run_id == bumped["run_id"] and version.startswith("test-bumped+")
    assert _rows(settings.warehouse, "SELECT count(DISTINCT run_id) FROM raw.mentions") == [(1,)]
    assert run_library(settings, [str(SEED)])["ingested"].stale == 1  # back to the real version

    # Editing the reference data (a lexicon) changes extraction: stale too.
    ref = tmp_path / "reference"
    shutil.copytree(settings.reference_dir, ref)
    with open(ref / "actor_lexicon.csv", "a", encoding="utf-8") as fh:
        fh.write("Jane Placeholder,CAN,GOV,person\n")
    edited = settings.with_(reference_dir=str(ref))
    assert run_library(edited, [str(SEED)])["ingested"].stale == 1
    assert run_library(edited, [str(SEED)])["ingested"].skipped == 1

    # So does another model (name or version).
    batch, nlp = wirehouse.extract.batch, wirehouse.extract.nlp
    real_version, real_id = batch.model_version, nlp.model_id
    monkeypatch.setattr(batch, "model_version", lambda model: real_version(model) + "-x")
    monkeypatch.setattr(nlp, "model_id", lambda name: real_id(name) + "-x")
    other = run_library(edited, [str(SEED)])["ingested"]
    assert (other.stale, other.skipped) == (1, 0)
    assert _rows(settings.warehouse, "SELECT model FROM raw.documents")[0][0].endswith("-x")
    assert run_library(edited, [str(SEED)])["ingested"].skipped == 1


def test_signature_read_from_meta_matches_loaded_model() -> None:
    """The cheap signature (meta.json, no spaCy) names the model the pipeline loads."""
    s = Settings.from_env({})
    nlp = wirehouse.extract.nlp.load_pipeline(s.model, s.reference_dir)
    assert wirehouse.extract.nlp.model_id(s.model) == wirehouse.extract.batch.model_version(nlp)


def test_extraction_reads_the_lexicons_of_its_settings(tmp_path: Path) -> None:
    """The reference folder in the Settings extraction is given (hashed into the extraction
    signature) is the one the coders read, not WIREHOUSE_REFERENCE_DIR's."""
    import shutil

    from wirehouse.core import reference

    text = tmp_path / "docs" / "placeholder.txt"
    text.parent.mkdir()
    text.write_text("Steel talks\n\nJane Placeholder met trade officials in Beijing on Monday "
                    "to discuss tariffs on steel.\n", encoding="utf-8")
    default = make_settings(tmp_path / "default")
    ref = tmp_path / "reference"
    shutil.copytree(default.reference_dir, ref)
    with open(ref / "actor_lexicon.csv", "a", encoding="utf-8") as fh:
        fh.write("Jane Placeholder,CAN,GOV,person\n")
    edited = make_settings(tmp_path / "edited").with_(reference_dir=str(ref))

    def country(settings: Settings) -> list[tuple[object, ...]]:
        run_library(settings, [str(text)])
        return _rows(settings.warehouse, "SELECT country_iso3 FROM raw.entities "
                                         "WHERE name = 'Jane Placeholder'")

    try:
        assert country(edited) == [("CAN",)]
        assert country(default) == [(None,)]  # and back: nothing kept from the other folder
    finally:
        reference.use(default.reference_dir)
