"""The review loop on a real warehouse: an exported file into raw.reviews through the load
path, the marts' review status and precision, the exclusion setting, and the sample."""

from __future__ import annotations

import base64
import gzip
import json
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from wirehouse.cli import app
from wirehouse.core.settings import Settings
from wirehouse.report import sample as sampling
from wirehouse.report import write_report
from wirehouse.report.review import ReviewFileError, import_reviews, parse_export


def payload(html: str) -> dict[str, Any]:
    """The report's evidence data, as the page unpacks it."""
    packed = re.search(r'id="evidence-data">(.*?)</script>', html, re.S)
    assert packed
    return json.loads(gzip.decompress(base64.b64decode(packed.group(1))))


def export(path: Path, marks: list[dict[str, Any]], **top: Any) -> Path:
    doc = {"format": "wirehouse-reviews", "version": 1, "reviews": marks, **top}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def mark(mention: str, verdict: str, at: str = "2026-01-02T10:00:00Z",
         reviewer: str = "ana") -> dict[str, Any]:
    return {"event_mention_id": mention, "verdict": verdict, "reviewer": reviewer,
            "reviewed_at": at}


@pytest.fixture()
def warehouse(report_settings: Settings, tmp_path: Path) -> Settings:
    """A copy of the report warehouse each test may change."""
    target = tmp_path / "wh.duckdb"
    shutil.copyfile(report_settings.warehouse, target)
    return report_settings.with_(warehouse=str(target), lake=str(tmp_path / "lake"))


def query(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(settings.warehouse, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def mentions(settings: Settings, n: int) -> list[str]:
    return [r[0] for r in query(settings, f"SELECT event_mention_id FROM raw.event_mentions "
                                          f"ORDER BY 1 LIMIT {n}")]


def test_bad_files_load_nothing(tmp_path: Path) -> None:
    with pytest.raises(ReviewFileError, match="not a readable JSON"):
        parse_export(tmp_path / "missing.json")
    with pytest.raises(ReviewFileError, match="not a wirehouse review export"):
        parse_export(export(tmp_path / "a.json", [], format="other"))
    bad = export(tmp_path / "b.json", [mark("m1", "right"), mark("m2", "maybe"),
                                       {"event_mention_id": "m3", "verdict": "right"}])
    with pytest.raises(ReviewFileError, match=r"2 malformed mark\(s\), nothing loaded") as err:
        parse_export(bad)
    assert "reviews[1]: verdict 'maybe'" in str(err.value)
    assert "reviews[2]: no reviewer" in str(err.value)


def test_import_lands_in_raw_reviews_and_marts(warehouse: Settings, tmp_path: Path) -> None:
    m = mentions(warehouse, 3)
    done = import_reviews(export(tmp_path / "r.json", [
        mark(m[0], "right"), mark(m[1], "wrong_type"), mark(m[2], "not_event")]), warehouse)
    assert (done.marks, done.loaded, done.unknown_mentions) == (3, 3, 0)
    rows = query(warehouse, "SELECT r.event_mention_id, r.verdict, r.reviewer, r.doc_id, "
                            "r.extractor_version = d.extractor_version FROM raw.reviews r "
                            "JOIN raw.documents d USING (doc_id) ORDER BY 1")
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [
        (m[0], "right", "ana", True), (m[1], "wrong_type", "ana", True),
        (m[2], "not_event", "ana", True)]
    overall = query(warehouse, "SELECT reviewed, num_right, review_precision, precision_low, "
                               "precision_high FROM marts.review_precision "
                               "WHERE breakdown = 'overall'")
    assert overall[0][:3] == (3, 1, pytest.approx(1 / 3))
    low, high = sampling.Estimate(3, 3, 1).wilson() or (0, 0)
    assert overall[0][3:] == (pytest.approx(low), pytest.approx(high))
    status = dict(query(warehouse, "SELECT e.event_id, e.review_status FROM marts.events e "
                                   "WHERE e.num_reviewed_mentions > 0"))
    assert set(status.values()) <= {"right", "wrong", "mixed"} and len(status) >= 1

    # The next report shows the stored verdicts beside the mentions and in the events table.
    out = tmp_path / "after.html"
    write_report(warehouse.warehouse, out)
    shown = payload(out.read_text(encoding="utf-8"))
    verdicts = dict(zip(shown["mentions"]["id"], shown["mentions"]["stored_verdict"],
                        strict=True))
    assert [verdicts[i] for i in m] == ["right", "wrong_type", "not_event"]
    assert {s for s in shown["events"]["review_status"] if s} == set(status.values())

    # Importing the same file again changes nothing; a newer mark replaces the older one,
    # an older one does not.
    again = import_reviews(tmp_path / "r.json", warehouse)
    assert (again.loaded, again.older_than_stored) == (0, 3)
    import_reviews(export(tmp_path / "s.json", [
        mark(m[0], "wrong_source", at="2026-01-03T00:00:00Z"),
        mark(m[1], "right", at="2026-01-01T00:00:00Z")]), warehouse)
    assert query(warehouse, "SELECT event_mention_id, verdict FROM raw.reviews ORDER BY 1") == [
        (m[0], "wrong_source"), (m[1], "wrong_type"), (m[2], "not_event")]


def test_exclude_reviewed_wrong(warehouse: Settings, tmp_path: Path) -> None:
    # An event of the marts (staging's event_id: raw's, or coder id @ doc_id) with one report.
    one = query(warehouse, "SELECT event_mention_id, event_id FROM staging.event_mentions "
                           "WHERE has_actor AND event_id IN (SELECT event_id FROM "
                           "staging.event_mentions GROUP BY 1 HAVING count(*) = 1) "
                           "ORDER BY 1 LIMIT 1")[0]
    import_reviews(export(tmp_path / "r.json", [mark(one[0], "not_event")]), warehouse)
    assert query(warehouse, f"SELECT review_status FROM marts.events "
                            f"WHERE event_id = '{one[1]}'") == [("wrong",)]
    excluding = warehouse.with_(exclude_reviewed_wrong=1)
    import_reviews(export(tmp_path / "r2.json", [
        mark(one[0], "not_event", at="2026-02-01T00:00:00Z")]), excluding)
    assert query(warehouse, f"SELECT count(*) FROM marts.events "
                            f"WHERE event_id = '{one[1]}'") == [(0,)]
    assert query(warehouse, f"SELECT count(*) FROM raw.event_mentions "
                            f"WHERE event_mention_id = '{one[0]}'") == [(1,)]  # raw keeps it


def test_sample_is_reproducible_and_estimates(warehouse: Settings, tmp_path: Path) -> None:
    first = sampling.draw(warehouse.warehouse, 5, seed=11)
    assert first == sampling.draw(warehouse.warehouse, 5, seed=11)
    assert first != sampling.draw(warehouse.warehouse, 5, seed=12)
    assert sampling.estimate(warehouse.warehouse, first).reviewed == 0
    import_reviews(export(tmp_path / "r.json", [mark(first[0], "right"),
                                                mark(first[1], "wrong_target")]), warehouse)
    got = sampling.estimate(warehouse.warehouse, first)
    assert (got.sample, got.reviewed, got.right) == (5, 2, 1)
    out = tmp_path / "sample.html"
    result = CliRunner().invoke(app, ["review", "sample", "--n", "5", "--seed", "11",
                                      "--warehouse", warehouse.warehouse, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "precision 50.0% over 2 of 5 sampled mentions" in result.output
    assert "95% Wilson interval 9.5% to 90.5%" in result.output
    assert out.exists()


def test_wilson_interval() -> None:
    assert sampling.Estimate(60, 0, 0).wilson() is None
    low, high = sampling.Estimate(60, 60, 60).wilson() or (0, 0)
    assert high == pytest.approx(1.0) and 0.93 < low < 0.95  # 60 of 60: not "100%"
    low, high = sampling.Estimate(100, 100, 80).wilson() or (0, 0)
    assert (round(low, 3), round(high, 3)) == (0.711, 0.867)
