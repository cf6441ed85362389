"""Incremental loads: marts rebuilt by key equal a full rebuild, what counts as one event, the
spare file, the writer lock, the loading run's id, migration of an older warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import marts_equal_a_rebuild

from wirehouse.core.contract import to_table
from wirehouse.core.settings import PROJECT_ROOT
from wirehouse.warehouse.load import LoadResult, publish
from wirehouse.warehouse.spare import spare_path
from wirehouse.warehouse.store import WriterLockTimeout, writer_lock

SQL = str(PROJECT_ROOT / "sql")
REF = str(PROJECT_ROOT / "seeds" / "reference")
BODY = "China sent aid to Venezuela. Cuba met China. Officials said talks went on."
D1, D2 = date(2024, 3, 4), date(2024, 3, 5)
PLOVER = {"04": "CONSULT", "05": "SUPPORT", "07": "AID", "11": "ACCUSE"}


def mention(doc: str, eid: str, sent: int, src: str | None, tgt: str | None, code: str,
            day: date | None, entity: str | None = None) -> dict[str, Any]:
    return {
        "event_mention_id": f"{doc}-{eid}-{sent}", "event_id": eid, "doc_id": doc,
        "sentence_index": sent, "source_code": src, "source_country": src[:3] if src else None,
        "source_text": src, "source_entity_id": entity, "target_code": tgt,
        "target_country": tgt[:3] if tgt else None, "target_text": tgt, "event_code": code,
        "base_code": code[:3], "root_code": code[:2], "quad_class": 1 if code < "06" else 3,
        "plover_type": PLOVER.get(code[:2]), "goldstein": 1.0, "event_date": day,
        "confidence": 0.9, "run_id": "extracted",
    }


def document(doc_id: str, cluster: str, month: int = 3) -> dict[str, Any]:
    return {"doc_id": doc_id, "body": BODY, "cluster_id": cluster, "source": f"src-{doc_id}",
            "published_at": datetime(2024, month, 5, tzinfo=UTC), "tone": 0.1,
            "run_id": "extracted"}


def entity(doc_id: str, entity_id: str, name: str, country: str,
           actor_code: str | None = None) -> dict[str, Any]:
    return {"doc_id": doc_id, "entity_id": entity_id, "entity_type": "GPE", "name": name,
            "country_iso3": country, "actor_code": actor_code, "num_mentions": 1,
            "first_start_char": 0, "run_id": "extracted"}


def mentions(doc: str, *where: tuple[str, int]) -> list[dict[str, Any]]:
    """Mentions of entities (id, sentence) in ``doc``."""
    return [{"mention_id": f"{doc}-{i}", "doc_id": doc, "entity_id": e, "label": "GPE",
             "text": "China", "start_char": 0, "end_char": 5, "sentence_index": sent,
             "run_id": "extracted"} for i, (e, sent) in enumerate(where)]


def batch(tmp: Path, tag: str, rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    files = {}
    for name, table_rows in rows.items():
        path = tmp / f"{name}-{tag}.parquet"
        pq.write_table(to_table(name, table_rows), path)
        files[name] = [str(path)]
    return files


def load(wh: str, tmp: Path, tag: str, rows: dict[str, list[dict[str, Any]]]) -> LoadResult:
    return publish(wh, f"run-{tag}", batch(tmp, tag, rows), SQL, REF)


def query(wh: str, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(wh, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_marts_built_load_by_load_equal_a_full_rebuild(tmp_path: Path) -> None:
    """New documents, a wire copy of an earlier event, a re-extracted document that loses an
    event, a new month: after every load the marts equal a rebuild from the raw tables."""
    wh = str(tmp_path / "wh.duckdb")
    china, ven, cuba = (entity("", "e-chn", "China", "CHN"), entity("", "e-ven", "Venezuela",
                                                                     "VEN", "VEN"),
                        entity("", "e-cub", "Cuba", "CUB"))
    # A later article codes Venezuela's government: marts.entities takes the latest code.
    ven_gov = {**ven, "name": "Venezuelan government", "actor_code": "VENGOV"}

    def ents(doc: str, *which: dict[str, Any]) -> list[dict[str, Any]]:
        return [{**e, "doc_id": doc} for e in which]

    first = load(wh, tmp_path, "1", {
        "documents": [document("a", "k1"), document("c", "k2")],
        "entities": ents("a", china, ven) + ents("c", china, cuba),
        "mentions": mentions("a", ("e-chn", 0), ("e-ven", 0)) + mentions("c", ("e-chn", 1),
                                                                       ("e-cub", 1)),
        "event_mentions": [mention("a", "x1", 0, "CHNGOV", "VEN", "073", D1, "e-chn"),
                           mention("c", "x2", 1, "CUBGOV", "CHN", "040", D1)]})
    assert first.built_from == "new" and first.marts["events"] == "full"
    assert marts_equal_a_rebuild(wh)
    second = load(wh, tmp_path, "2", {  # a wire copy reports x1 again; a new month
        "documents": [document("b", "k1"), document("d", "k3", month=4)],
        "entities": ents("b", china, ven) + ents("d", ven_gov, cuba),
        "mentions": mentions("b", ("e-chn", 0), ("e-ven", 1)) + mentions("d", ("e-ven", 2),
                                                                       ("e-cub", 2)),
        "event_mentions": [mention("b", "x1", 0, "CHNGOV", "VEN", "073", D1, "e-chn"),
                           mention("d", "x3", 0, "VENGOV", "CUB", "112", D2)]})
    assert second.built_from == "copy" and second.marts["events"] == "2 keys"
    assert marts_equal_a_rebuild(wh)
    assert query(wh, "SELECT num_documents, num_articles FROM marts.events WHERE event_id = "
                     "'x1'") == [(2, 1)]
    assert query(wh, "SELECT name, actor_code, country_iso3, num_documents FROM marts.entities "
                     "WHERE entity_id = 'e-ven'") == [
        ("Venezuelan government", "VENGOV", "VEN", 3)]
    third = load(wh, tmp_path, "3", {  # c re-extracted: x2 is gone, x4 is new
        "documents": [document("c", "k2", month=4)],
        "entities": ents("c", cuba, ven),
        "mentions": mentions("c", ("e-cub", 0), ("e-ven", 0)),
        "event_mentions": [mention("c", "x4", 2, "CHNGOV", "CUB", "051", D2)]})
    assert third.built_from == "spare" and third.replayed == 1
    assert marts_equal_a_rebuild(wh)
    assert query(wh, "SELECT count(*) FROM marts.events WHERE event_id = 'x2'") == [(0,)]
    # c no longer names China with Cuba: the pair is gone; Venezuela-Cuba now twice.
    assert query(wh, "SELECT entity_id_1, entity_id_2, num_documents, num_sentences FROM "
                     "marts.entity_cooccurrence ORDER BY 1, 2") == [
        ("e-chn", "e-ven", 2, 1), ("e-cub", "e-ven", 2, 2)]
    fourth = load(wh, tmp_path, "4", {"documents": [document("e", "k4", month=5)]})
    assert fourth.built_from == "spare" and marts_equal_a_rebuild(wh)
    # Every load is in the log, and the spare is the version before the last one.
    assert [r[0] for r in query(wh, "SELECT run_id FROM raw.loads ORDER BY load_seq")] == [
        "run-1", "run-2", "run-3", "run-4"]
    assert query(spare_path(wh), "SELECT max(load_seq) FROM raw.loads") == [(3,)]


def review(mention_id: str, reviewer: str, verdict: str, minute: int) -> dict[str, Any]:
    return {"review_id": f"{mention_id}|{reviewer}", "event_mention_id": mention_id,
            "event_id": None, "doc_id": None, "verdict": verdict, "reviewer": reviewer,
            "reviewed_at": datetime(2026, 12, 4, 12, minute, tzinfo=UTC),
            "extractor_version": "v1", "event_code": None, "run_id": "import"}


@pytest.mark.parametrize("exclude", [False, True])
def test_review_imports_keep_the_marts_equal_a_rebuild(tmp_path: Path, exclude: bool) -> None:
    """Review imports (raw.reviews) rebuild the reviewed mentions' events: review status,
    and with exclude_reviewed_wrong the events left out while every report is marked wrong,
    and back once a later mark says right; changing the setting rebuilds every mart."""
    wh = str(tmp_path / "wh.duckdb")
    variables = {"exclude_reviewed_wrong": exclude}

    def load_with(tag: str, rows: dict[str, list[dict[str, Any]]],
                  settings: dict[str, Any] = variables) -> LoadResult:
        return publish(wh, f"run-{tag}", batch(tmp_path, tag, rows), SQL, REF,
                       sql_variables=settings)

    load_with("1", {
        "documents": [document("a", "k1"), document("b", "k2")],
        "event_mentions": [mention("a", "x1", 0, "CHNGOV", "VEN", "073", D1),
                           mention("b", "x1", 0, "CHNGOV", "VEN", "073", D1),
                           mention("a", "x2", 1, "CUBGOV", "CHN", "040", D1)]})
    marked = load_with("2", {"reviews": [review("a-x1-0", "ana", "wrong_type", 1),
                                         review("a-x2-1", "ana", "not_event", 1),
                                         review("b-x1-0", "bo", "right", 2)]})
    assert marked.marts["events"] == "2 keys"
    assert marts_equal_a_rebuild(wh, variables)
    events = "SELECT event_id, num_mentions, review_status FROM marts.events ORDER BY 1"
    assert query(wh, events) == ([("x1", 1, "right")] if exclude else
                                 [("x1", 2, "mixed"), ("x2", 1, "wrong")])
    # A later mark by another reviewer is the verdict: x2 is right after all.
    load_with("3", {"reviews": [review("a-x2-1", "bo", "right", 5)]})
    assert marts_equal_a_rebuild(wh, variables)
    assert query(wh, events)[-1] == ("x2", 1, "right")
    assert query(wh, "SELECT verdict, num_reviewers FROM marts.event_mention_reviews WHERE "
                     "event_mention_id = 'a-x2-1'") == [("right", 2)]
    # New reports of a reviewed event, and precision over every mark.
    load_with("4", {"documents": [document("c", "k3")],
                    "event_mentions": [mention("c", "x1", 0, "CHNGOV", "VEN", "073", D1)]})
    assert marts_equal_a_rebuild(wh, variables)
    assert query(wh, "SELECT reviewed, num_right FROM marts.review_precision "
                     "WHERE breakdown = 'overall'") == [(3, 2)]
    # The setting changed: every mart is rebuilt under the new one (during the replay of
    # the load the spare misses, or in the load itself).
    flipped = {"exclude_reviewed_wrong": not exclude}
    load_with("5", {"documents": [document("d", "k4")]}, flipped)
    assert marts_equal_a_rebuild(wh, flipped)
    assert query(wh, events)[0] == ("x1", 3 - (not exclude), "mixed" if exclude else "right")


def test_what_counts_as_one_event(tmp_path: Path) -> None:
    """Reports without a resolved source or without a date never merge across documents; a
    report with neither actor is no event; events carry CAMEO and PLOVER names."""
    wh = str(tmp_path / "wh.duckdb")
    load(wh, tmp_path, "1", {
        "documents": [document("a", "k1"), document("b", "k2")],
        "event_mentions": [
            # The same coder id in two documents, without a source actor: two events.
            mention("a", "y1", 0, None, "VENGOV", "112", D1),
            mention("b", "y1", 0, None, "VENGOV", "112", D1),
            # With a source but no date: two events too.
            mention("a", "y2", 1, "CHNGOV", "VEN", "043", None),
            mention("b", "y2", 1, "CHNGOV", "VEN", "043", None),
            # Source and date: one event across documents.
            mention("a", "y3", 2, "CUBGOV", "CHN", "043", D2),
            mention("b", "y3", 2, "CUBGOV", "CHN", "043", D2),
            # Neither actor: in raw, not in the marts.
            {**mention("a", "y4", 2, None, None, "010", D2), "source_text": None,
             "target_text": None}]})
    rows = query(wh, "SELECT event_id, num_documents FROM marts.events ORDER BY 1")
    assert rows == [("y1@a", 1), ("y1@b", 1), ("y2@a", 1), ("y2@b", 1), ("y3", 2)]
    assert query(wh, "SELECT count(*) FROM marts.events WHERE num_documents > 1 AND "
                     "(source_code IS NULL OR event_date IS NULL)") == [(0,)]
    assert query(wh, "SELECT count(*) FROM raw.event_mentions WHERE event_id = 'y4'") == [(1,)]
    assert query(wh, "SELECT count(*) FROM marts.gdelt_events WHERE GLOBALEVENTID LIKE 'y4%'"
                 ) == [(0,)]
    names = query(wh, "SELECT event_name, base_name, root_name, quad_class_name, plover_type, "
                      "plover_name FROM marts.events WHERE event_id = 'y1@a'")
    assert names == [("Accuse, not specified below", "Accuse, not specified below",
                      "Disapprove", "Verbal conflict", "ACCUSE", "Accuse")]
    assert query(wh, "SELECT DISTINCT root_name FROM marts.daily_event_counts WHERE "
                     "root_code = '04'") == [("Consult",)]


def test_rows_carry_the_loading_run_id(tmp_path: Path) -> None:
    """Batches a crashed run extracted, reused by the re-run, load under the re-run's id."""
    wh = str(tmp_path / "wh.duckdb")
    publish(wh, "rerun", batch(tmp_path, "1", {"documents": [document("a", "k1")]}), SQL, REF)
    assert query(wh, "SELECT DISTINCT run_id FROM raw.documents") == [("rerun",)]


READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.execute("SELECT count(*) FROM raw.documents").fetchone()[0], flush=True)
sys.stdin.readline()
print(con.execute("SELECT count(*) FROM raw.documents").fetchone()[0], flush=True)
"""


def test_a_reader_holding_the_spare_costs_a_copy_not_a_wait(tmp_path: Path) -> None:
    wh = str(tmp_path / "wh.duckdb")
    load(wh, tmp_path, "1", {"documents": [document("a", "k1")]})
    load(wh, tmp_path, "2", {"documents": [document("b", "k1")]})
    # A reader that connected before load 2 (another process, as a BI tool).
    reader = subprocess.Popen([sys.executable, "-c", READER, spare_path(wh)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert reader.stdout is not None and reader.stdin is not None
    try:
        assert reader.stdout.readline().strip() == "1"
        third = load(wh, tmp_path, "3", {"documents": [document("c", "k1")]})
        assert third.built_from == "copy"
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "1"  # its version, whole
    finally:
        reader.stdin.close()
        reader.wait(timeout=60)
    assert query(wh, "SELECT count(*) FROM raw.documents") == [(3,)]
    fourth = load(wh, tmp_path, "4", {"documents": [document("d", "k1")]})
    assert fourth.built_from == "spare" and marts_equal_a_rebuild(wh)


def test_replay_files_gone_cost_a_copy(tmp_path: Path) -> None:
    wh = str(tmp_path / "wh.duckdb")
    load(wh, tmp_path, "1", {"documents": [document("a", "k1")]})
    load(wh, tmp_path, "2", {"documents": [document("b", "k1")]})
    os.remove(tmp_path / "documents-2.parquet")  # compacted away
    assert load(wh, tmp_path, "3", {"documents": [document("c", "k1")]}).built_from == "copy"
    assert query(wh, "SELECT count(*) FROM raw.documents") == [(3,)]


def test_a_load_waits_says_for_whom_and_gives_up(tmp_path: Path) -> None:
    wh = str(tmp_path / "wh.duckdb")
    load(wh, tmp_path, "1", {"documents": [document("a", "k1")]})
    said: list[str] = []
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with writer_lock(wh, "20261204T140211Z-1a2b3c4d"):
            held.set()
            release.wait(30)

    t = threading.Thread(target=holder)
    t.start()
    held.wait(10)
    try:
        started = time.monotonic()
        with pytest.raises(WriterLockTimeout, match="gave up after waiting 1 s"):
            publish(wh, "run-2", batch(tmp_path, "2", {"documents": [document("b", "k1")]}),
                    SQL, REF, lock_timeout=1.0, notify=said.append)
        assert time.monotonic() - started < 10
    finally:
        release.set()
        t.join()
    assert said and said[0].startswith(
        f"waiting for the run 20261204T140211Z-1a2b3c4d started at "
        f"{datetime.now().astimezone():%H:}")
    assert f"by pid {os.getpid()} to finish loading {wh}" in said[0]
    assert query(wh, "SELECT count(*) FROM raw.documents") == [(1,)]


TWO = """
import sys
from wirehouse.warehouse.load import publish
import json
publish(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4], sys.argv[5])
"""


def test_two_loads_at_once_lose_and_double_nothing(tmp_path: Path) -> None:
    import json

    wh = str(tmp_path / "wh.duckdb")
    load(wh, tmp_path, "0", {"documents": [document("a", "k1")]})
    batches = [batch(tmp_path, tag, {
        "documents": [document(f"{tag}{i}", f"k{tag}{i}") for i in range(20)],
        "event_mentions": [mention(f"{tag}{i}", f"z{tag}{i}", 0, "CHNGOV", "VEN", "043", D1)
                           for i in range(20)]}) for tag in ("p", "q")]
    procs = [subprocess.Popen([sys.executable, "-c", TWO, wh, f"run-{i}", json.dumps(files),
                               SQL, REF]) for i, files in enumerate(batches)]
    assert [p.wait(timeout=600) for p in procs] == [0, 0]
    assert query(wh, "SELECT count(*), count(DISTINCT doc_id) FROM raw.documents") == [(41, 41)]
    assert query(wh, "SELECT count(*) FROM raw.loads") == [(3,)]
    assert marts_equal_a_rebuild(wh)


def test_maintenance_migrates_a_warehouse_from_before_incremental_loads(tmp_path: Path) -> None:
    """A warehouse without raw.loads and raw.model_state (as today's main wrote them) keeps its
    rows: the rewrite rebuilds every mart, and loads go on incrementally."""
    from wirehouse.warehouse.maintenance import rewrite_warehouse

    wh = str(tmp_path / "wh.duckdb")
    load(wh, tmp_path, "1", {"documents": [document("a", "k1")],
                             "event_mentions": [mention("a", "x1", 0, "CHNGOV", "VEN", "073",
                                                        D1)]})
    con = duckdb.connect(wh)
    con.execute("DROP TABLE raw.loads; DROP TABLE raw.model_state; "
                "CREATE OR REPLACE TABLE marts.events AS SELECT event_id, event_code "
                "FROM raw.event_mentions")
    con.close()
    rewrite_warehouse(wh, SQL, REF)
    assert query(wh, "SELECT event_id, root_name FROM marts.events") == [("x1", "Provide aid")]
    assert load(wh, tmp_path, "2", {"documents": [document("b", "k1")]}).built_from == "copy"
    assert load(wh, tmp_path, "3", {"documents": [document("c", "k1")]}).built_from == "spare"
    assert marts_equal_a_rebuild(wh)


def test_maintenance_removes_stale_staging_folders(tmp_path: Path) -> None:
    from wirehouse.warehouse.maintenance import remove_stale_staging

    lake = tmp_path / "lake"
    old, fresh = lake / "_staging" / "killed-run", lake / "_staging" / "running"
    for folder in (old, fresh):
        folder.mkdir(parents=True)
        (folder / "documents-00000.parquet").write_bytes(b"x")
    week_ago = time.time() - 7 * 86400
    os.utime(old / "documents-00000.parquet", (week_ago, week_ago))
    assert remove_stale_staging(str(lake)) == 1
    assert not old.exists() and fresh.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_disk_full_during_a_load_leaves_the_published_warehouse(tmp_path: Path) -> None:
    """The warehouse on a 24 MB filesystem, a batch that does not fit: a clear error, the
    published file as it was, and the next load that fits goes through."""
    small = tmp_path / "small"
    small.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(small)]
                      ).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        wh = str(small / "wh.duckdb")
        load(wh, tmp_path, "1", {"documents": [document("a", "k1")]})
        load(wh, tmp_path, "2", {"documents": [document("b", "k1")]})
        noise = os.urandom(3_000_000).hex()  # incompressible text, ~6 MB per document
        big = {"documents": [{**document(f"big{i}", f"k{i}"), "body": noise[i:] + noise[:i]}
                             for i in range(8)]}
        with pytest.raises((duckdb.Error, OSError), match="(?i)space|disk|write"):
            load(wh, tmp_path, "3", big)
        assert query(wh, "SELECT doc_id FROM raw.documents ORDER BY 1") == [("a",), ("b",)]
        assert not list(small.glob("wh.duckdb.*.tmp*"))
        assert load(wh, tmp_path, "4", {"documents": [document("c", "k1")]}).built_from in (
            "spare", "copy")
        assert query(wh, "SELECT count(*) FROM raw.documents") == [(3,)]
    finally:
        subprocess.run(["umount", str(small)], check=False)
