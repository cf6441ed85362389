"""Review marks: the file the report exports, checked, and loaded into raw.reviews through
the warehouse's normal load path (Parquet in the lake, then publish)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from wirehouse.core.settings import Settings
from wirehouse.lake.parquet import write_rows
from wirehouse.warehouse.load import publish
from wirehouse.warehouse.store import readable

VERDICTS = ("right", "wrong_type", "wrong_source", "wrong_target", "not_event")
EXPORT_FORMAT = "wirehouse-reviews"
EXPORT_VERSION = 1


class ReviewFileError(ValueError):
    """The file is not a review export, or some of its marks are malformed; nothing loaded."""


@dataclass
class Imported:
    run_id: str
    marks: int
    loaded: int
    older_than_stored: int
    unknown_mentions: int


def review_id(event_mention_id: str, reviewer: str) -> str:
    """One verdict per mention and reviewer: a later mark replaces an earlier one."""
    return hashlib.sha256(f"{event_mention_id}\x1f{reviewer}".encode()).hexdigest()[:16]


def parse_export(path: str | Path) -> list[dict[str, Any]]:
    """The marks of an exported file, checked; every problem is listed in one error."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReviewFileError(f"{path}: not a readable JSON file: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise ReviewFileError(f'{path}: not a wirehouse review export (no "format": '
                              f'"{EXPORT_FORMAT}")')
    if doc.get("version") != EXPORT_VERSION:
        raise ReviewFileError(f"{path}: export version {doc.get('version')!r}; this wirehouse "
                              f"reads version {EXPORT_VERSION}")
    marks = doc.get("reviews")
    if not isinstance(marks, list):
        raise ReviewFileError(f'{path}: "reviews" is not a list')
    rows, problems = [], []
    for i, mark in enumerate(marks):
        try:
            rows.append(_row(mark))
        except (ValueError, TypeError) as exc:
            problems.append(f"  reviews[{i}]: {exc}")
    if problems:
        raise ReviewFileError(f"{path}: {len(problems)} malformed mark(s), nothing loaded:\n"
                              + "\n".join(problems[:20]))
    return rows


def _row(mark: Any) -> dict[str, Any]:
    if not isinstance(mark, dict):
        raise ValueError("not an object")
    mention = mark.get("event_mention_id")
    if not isinstance(mention, str) or not mention:
        raise ValueError("no event_mention_id")
    verdict = mark.get("verdict")
    if verdict not in VERDICTS:
        raise ValueError(f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
    reviewer = mark.get("reviewer")
    if not isinstance(reviewer, str) or not reviewer.strip():
        raise ValueError("no reviewer")
    when = mark.get("reviewed_at")
    if not isinstance(when, str):
        raise ValueError("no reviewed_at")
    reviewed_at = datetime.fromisoformat(when.replace("Z", "+00:00"))
    if reviewed_at.tzinfo is None:
        raise ValueError(f"reviewed_at {when!r} has no time zone")
    return {
        "review_id": review_id(mention, reviewer.strip()),
        "event_mention_id": mention,
        "event_id": _text(mark.get("event_id")),
        "doc_id": None,
        "verdict": verdict,
        "reviewer": reviewer.strip(),
        "reviewed_at": reviewed_at.astimezone(UTC),
        "extractor_version": _text(mark.get("extractor_version")),
        "event_code": _text(mark.get("event_code")),
    }


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _latest(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A file may hold one reviewer's mark on a mention twice (two exports merged): the latest."""
    by_id: dict[str, dict[str, Any]] = {}
    for row in rows:
        kept = by_id.get(row["review_id"])
        if kept is None or row["reviewed_at"] > kept["reviewed_at"]:
            by_id[row["review_id"]] = row
    return list(by_id.values())


def _complete(local: str | None, rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]],
                                                                       int, int]:
    """Fill each mark's event, document and extractor version from the warehouse; drop marks
    older than the stored one for the same mention and reviewer. Returns (rows, older, unknown)."""
    if local is None:
        return rows, 0, len(rows)
    con = duckdb.connect(local, read_only=True)
    try:
        con.execute("CREATE TEMP TABLE marks (event_mention_id VARCHAR, review_id VARCHAR)")
        con.executemany("INSERT INTO marks VALUES (?, ?)",
                        [[r["event_mention_id"], r["review_id"]] for r in rows])
        known = {r[0]: r[1:] for r in con.execute("""
            SELECT em.event_mention_id, em.event_id, em.doc_id, d.extractor_version,
                   em.event_code
            FROM raw.event_mentions em JOIN raw.documents d USING (doc_id)
            SEMI JOIN marks USING (event_mention_id)""").fetchall()}
        try:
            stored = dict(con.execute("SELECT review_id, reviewed_at FROM raw.reviews "
                                      "SEMI JOIN marks USING (review_id)").fetchall())
        except duckdb.CatalogException:  # a warehouse from before raw.reviews
            stored = {}
    finally:
        con.close()
    kept, older = [], 0
    for row in rows:
        if row["review_id"] in stored and stored[row["review_id"]] >= row["reviewed_at"]:
            older += 1
            continue
        if row["event_mention_id"] in known:
            event_id, doc_id, version, code = known[row["event_mention_id"]]
            row.update(event_id=event_id, doc_id=doc_id,
                       extractor_version=row["extractor_version"] or version,
                       event_code=row["event_code"] or code)
        kept.append(row)
    unknown = sum(1 for r in rows if r["event_mention_id"] not in known)
    return kept, older, unknown


def import_reviews(path: str | Path, settings: Settings) -> Imported:
    """Load an exported file's marks into raw.reviews (one publish, like an ETL run's load)."""
    rows = _latest(parse_export(path))
    local = readable(settings.warehouse, settings.cache_dir or None)
    kept, older, unknown = _complete(local, rows)
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-reviews"
    for row in kept:
        row["run_id"] = run_id
    if kept:
        lake_file = write_rows(settings.lake, "reviews", kept, run_id, "import")
        publish(settings.warehouse, run_id, {"reviews": [lake_file]}, settings.sql_dir,
                settings.reference_dir, settings.cache_dir or None, settings.sql_variables(),
                lock_timeout=settings.lock_timeout or None)
    return Imported(run_id, len(rows), len(kept), older, unknown)
