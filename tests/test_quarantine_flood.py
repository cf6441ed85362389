"""A flood of bad lines is written in parts as found, so memory stays bounded (#21)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from conftest import make_settings, run_library

from wirehouse.ingest import stage


def test_flood_is_written_in_parts_and_loaded_whole(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stage, "QUARANTINE_PART_ROWS", 1_000)
    dump = tmp_path / "flood.jsonl"
    good = {"id": "ok", "text": "The minister of Portugal met the ambassador of Kenya in "
            "Lisbon on Monday to discuss trade, officials said."}
    dump.write_bytes(json.dumps(good).encode() + b"\n" + b"{not json\n" * 4_500)
    settings = make_settings(tmp_path)
    ingested = run_library(settings, [str(dump)])["ingested"]
    assert isinstance(ingested, stage.IngestResult)
    assert len(ingested.quarantine_files) == 5 and ingested.quarantined == 4_500
    con = duckdb.connect(settings.warehouse, read_only=True)
    try:
        assert con.execute("SELECT count(*), min(record), max(record) FROM raw.quarantine "
                           "WHERE reason = 'malformed_json'").fetchone() == (4_500, 2, 4_501)
        assert con.execute("SELECT count(*) FROM raw.documents").fetchone() == (1,)
    finally:
        con.close()
    # Unchanged, the same flood again: nothing new, and no parts are left behind.
    again = run_library(settings, [str(dump)])["ingested"]
    assert isinstance(again, stage.IngestResult) and again.quarantine_files == []
    assert not list((Path(settings.lake) / "_staging").glob("*"))


def test_an_input_rejected_whole_is_not_read_again_while_unchanged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip

    from wirehouse.ingest import discover

    blank = tmp_path / "blank.jsonl.gz"
    blank.write_bytes(gzip.compress(b"\n" * 1_000_000))
    good = tmp_path / "good.txt"
    good.write_text("Headline\n\nThe minister of Portugal met the ambassador of Kenya.\n")
    settings = make_settings(tmp_path)
    opened: list[str] = []
    real_open = discover._open_file

    def spy(inp: discover.Input, path: str) -> object:
        opened.append(Path(path).name)
        return real_open(inp, path)

    monkeypatch.setattr(discover, "_open_file", spy)
    run_library(settings, [str(blank), str(good)])
    assert opened == ["blank.jsonl.gz", "good.txt"]
    opened.clear()
    run_library(settings, [str(blank), str(good)])
    assert opened == ["good.txt"]  # a stat of blank.jsonl.gz told it is unchanged
    blank.write_bytes(gzip.compress(b"\n" * 999_999))
    opened.clear()
    run_library(settings, [str(blank), str(good)])
    assert opened == ["blank.jsonl.gz", "good.txt"]  # changed: read again
    opened.clear()
    run_library(settings, [str(blank), str(good)])
    assert opened == ["good.txt"]  # and its new stat kept, though nothing was loaded
    con = duckdb.connect(settings.warehouse, read_only=True)
    try:
        assert con.execute("SELECT reason FROM raw.quarantine").fetchall() == [("empty",)]
    finally:
        con.close()
