"""The warehouse models: marts on the seed and on hand-made rows, comments, checks, docs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from wirehouse.core.contract import TABLES, to_table
from wirehouse.core.settings import PROJECT_ROOT, Settings
from wirehouse.warehouse.comments import stale_entries, undocumented
from wirehouse.warehouse.docs import generate, readme_with_summary
from wirehouse.warehouse.load import publish
from wirehouse.warehouse.models import CheckFailed, run_checks

GDELT_COLUMNS = (
    PROJECT_ROOT.parent / "shared" / "corpora" / "gdelt-events-sample" / "export-columns.txt"
)


@pytest.fixture()
def con(seeded: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect(seeded.warehouse, read_only=True)
    yield c
    c.close()


def test_every_object_and_column_is_commented(con: duckdb.DuckDBPyConnection,
                                               seeded: Settings) -> None:
    assert undocumented(con) == []
    assert stale_entries(con, seeded.sql_dir) == []


def test_table_reference_is_generated_and_fresh() -> None:
    # sql/tables.md is generated from the same comments; regenerate with
    # `python -m wirehouse.warehouse.docs` when a model or the contract changes.
    text, summary = generate()
    assert (PROJECT_ROOT / "sql" / "tables.md").read_text(encoding="utf-8") == text
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_with_summary(readme, summary) == readme, "README table list is stale"


def test_gdelt_events_has_gdelt_columns_in_order(con: duckdb.DuckDBPyConnection) -> None:
    cols = [d[0] for d in con.execute("SELECT * FROM marts.gdelt_events LIMIT 0").description]
    if GDELT_COLUMNS.exists():
        assert cols == GDELT_COLUMNS.read_text().split()
    assert len(cols) == 61 and cols[0] == "GLOBALEVENTID" and cols[-1] == "SOURCEURL"


def test_events_aggregate_every_mention(con: duckdb.DuckDBPyConnection) -> None:
    one = con.execute("""
        SELECT (SELECT count(DISTINCT event_id) FROM raw.event_mentions),
               (SELECT count(*) FROM marts.events),
               (SELECT count(*) FROM raw.event_mentions),
               (SELECT sum(num_mentions) FROM marts.events)""").fetchone()
    assert one is not None and one[0] == one[1] > 0 and one[2] == one[3]


def test_seed_dyads_and_cooccurrence(con: duckdb.DuckDBPyConnection) -> None:
    dyads = {(r[0], r[1]): r[2:] for r in con.execute(
        "SELECT source_country, target_country, num_events, verbal_cooperation + "
        "material_cooperation, mean_goldstein FROM marts.dyad_cooperation").fetchall()}
    assert ("CHN", "VEN") in dyads and ("CHN", "CUB") in dyads
    assert dyads["CHN", "VEN"][0] == dyads["CHN", "VEN"][1]  # all cooperative in the seed
    pair = con.execute("""
        SELECT num_sentences FROM marts.entity_cooccurrence
        WHERE 'Nicolás Maduro' IN (name_1, name_2) AND 'Zhao Bentang' IN (name_1, name_2)
    """).fetchone()
    assert pair is not None and pair[0] >= 1
    bad = con.execute("SELECT count(*) FROM marts.entity_cooccurrence "
                      "WHERE entity_id_1 >= entity_id_2 OR num_sentences > num_documents * 1000"
                      ).fetchone()
    assert bad == (0,)
    top = con.execute("SELECT count(*) FROM marts.top_entities_monthly WHERE rank = 1").fetchone()
    assert top is not None and top[0] >= 1


# ------------------------------------------------------------------ hand-made rows

DOC = "China sent aid to Venezuela. Cuba met China."


def _mention(doc: str, eid: str, sent: int, src: str, tgt: str, code: str, quad: int,
             gold: float, day: date | None) -> dict[str, Any]:
    return {
        "event_mention_id": f"{doc}-{eid}-{sent}", "event_id": eid, "doc_id": doc,
        "sentence_index": sent, "source_code": src, "source_country": src[:3],
        "source_text": src, "target_code": tgt, "target_country": tgt[:3], "target_text": tgt,
        "event_code": code, "base_code": code[:3], "root_code": code[:2], "quad_class": quad,
        "goldstein": gold, "event_date": day, "confidence": 0.9, "run_id": "r",
    }


def _doc(doc_id: str, cluster: str, source: str) -> dict[str, Any]:
    return {"doc_id": doc_id, "body": DOC, "cluster_id": cluster, "source": source,
            "published_at": datetime(2024, 3, 5, tzinfo=UTC), "tone": 0.5, "run_id": "r"}


def _write(tmp: Path, rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    files = {}
    for name, table_rows in rows.items():
        path = tmp / f"{name}.parquet"
        pq.write_table(to_table(name, table_rows), path)
        files[name] = [str(path)]
    return files


@pytest.fixture()
def handmade(tmp_path: Path) -> str:
    """Three documents: a and b are syndicated copies (one cluster), c is another story."""
    d1, d2 = date(2024, 3, 4), date(2024, 3, 5)
    rows = {
        "documents": [_doc("a", "k1", "AP"), _doc("b", "k1", "Reuters"), _doc("c", "k2", "AP")],
        "event_mentions": [
            _mention("a", "e1", 0, "CHNGOV", "VEN", "073", 2, 7.4, d1),
            _mention("b", "e1", 0, "CHNGOV", "VEN", "073", 2, 7.4, d1),
            _mention("c", "e1", 3, "CHNGOV", "VEN", "073", 2, 7.4, d1),
            _mention("c", "e2", 1, "CUBGOV", "CHN", "040", 1, 1.0, d1),
            _mention("c", "e3", 1, "VENGOV", "USA", "112", 3, -2.0, d2),
        ],
    }
    wh = str(tmp_path / "wh.duckdb")
    publish(wh, "r", _write(tmp_path, rows), str(PROJECT_ROOT / "sql"),
            str(PROJECT_ROOT / "seeds" / "reference"))
    return wh


def test_events_count_documents_clusters_and_sources(handmade: str) -> None:
    con = duckdb.connect(handmade, read_only=True)
    e1 = con.execute("SELECT num_mentions, num_documents, num_articles, num_sources, "
                     "is_root_event FROM marts.events WHERE event_id = 'e1'").fetchone()
    assert e1 == (3, 3, 2, 2, True)  # copies a and b are one article; AP and Reuters
    g = con.execute("SELECT NumMentions, NumArticles, NumSources, SQLDATE, QuadClass "
                    "FROM marts.gdelt_events WHERE GLOBALEVENTID = 'e1'").fetchone()
    assert g == (3, 2, 2, 20240304, 2)
    daily = con.execute("SELECT event_date, root_code, source_country, target_country, "
                        "num_events, num_mentions, mean_goldstein FROM marts.daily_event_counts "
                        "ORDER BY ALL").fetchall()
    assert daily == [
        (date(2024, 3, 4), "04", "CUB", "CHN", 1, 1, 1.0),
        (date(2024, 3, 4), "07", "CHN", "VEN", 1, 3, 7.4),
        (date(2024, 3, 5), "11", "VEN", "USA", 1, 1, -2.0),
    ]
    dyad = con.execute("SELECT verbal_cooperation, material_cooperation, verbal_conflict, "
                       "material_conflict, cooperation_share FROM marts.dyad_cooperation "
                       "WHERE source_country = 'VEN' AND target_country = 'USA'").fetchone()
    assert dyad == (0, 0, 1, 0, 0.0)
    top = con.execute("SELECT month, actor_code, num_events, events_as_source, rank "
                      "FROM marts.top_actors_monthly ORDER BY actor_code").fetchall()
    # Six actors, one event each, all in March 2024: a six-way tie for first place.
    assert [r[1] for r in top] == ["CHN", "CHNGOV", "CUBGOV", "USA", "VEN", "VENGOV"]
    assert {(r[0], r[2], r[4]) for r in top} == {(date(2024, 3, 1), 1, 1)}
    assert sum(r[3] for r in top) == 3
    con.close()


@pytest.mark.parametrize("plant, check", [
    ("UPDATE raw.event_mentions SET event_code = '999' WHERE event_id = 'e2'", "codes_exist"),
    ("UPDATE raw.event_mentions SET trigger_start = 40, trigger_end = 400 "
     "WHERE event_id = 'e2'", "offsets_in_body"),
    ("UPDATE raw.event_mentions SET doc_id = 'nope' WHERE event_id = 'e3'", "point_at"),
    ("UPDATE raw.event_mentions SET source_entity_id = 'ghost' WHERE event_id = 'e3'",
     "point_at"),
    ("INSERT INTO raw.amounts VALUES ('x', 'a', 1, 'tons', 'aid', 'Chile', 0, 5, 0, 'r')",
     "offsets_in_body"),
    ("UPDATE raw.event_mentions SET source_country = 'XXX' WHERE event_id = 'e3'",
     "codes_exist"),
    ("INSERT INTO raw.quotations VALUES ('q', 'a', NULL, NULL, 'hi', 0, 2, 0, 'r'), "
     "('q', 'a', NULL, NULL, 'Ch', 0, 2, 0, 'r')", r"raw.quotations: key \(quotation_id\) unique"),
    ("UPDATE raw.event_mentions SET event_id = '' WHERE event_id = 'e3'",
     "raw.event_mentions: .*event_id.* not null or empty"),
    ("UPDATE raw.event_mentions SET event_code = '074' WHERE event_id = 'e1' AND doc_id = 'c'",
     "event_ids_consistent"),
])
def test_checks_catch_planted_faults(handmade: str, tmp_path: Path, plant: str,
                                     check: str) -> None:
    copy = str(tmp_path / "copy.duckdb")
    shutil.copyfile(handmade, copy)
    con = duckdb.connect(copy)
    run_checks(con, str(PROJECT_ROOT / "sql"))  # clean before
    con.execute(plant)
    with pytest.raises(CheckFailed, match=check):
        run_checks(con, str(PROJECT_ROOT / "sql"))
    con.close()


def test_raw_tables_cover_contract(handmade: str) -> None:
    con = duckdb.connect(handmade, read_only=True)
    have = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw'").fetchall()}
    con.close()
    assert set(TABLES) <= have
