"""`wirehouse eval countries`: the entities of real articles as marts.entities gives them (type,
country, IGO code), checked against a reviewed list of expected values.

The articles (JSONL with ``text``/``body`` and ``published_at``, as in
news-events-gold/dev_articles.jsonl) go through the extraction, their rows through the
warehouse's own staging and mart SQL in an in-memory DuckDB, so the figures are those of the
mart's country-by-agreement rule. The expected file (tests/golden/entity_countries.json) lists
names with their expected type and country, or IGO code; it holds no article text.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from wirehouse.core.contract import to_table
from wirehouse.core.settings import PROJECT_ROOT, Settings
from wirehouse.extract.entities import extract_entities
from wirehouse.extract.entity_keys import name_key
from wirehouse.extract.nlp import load_pipeline

EXPECTED = PROJECT_ROOT / "tests" / "golden" / "entity_countries.json"
# The mart and the staging views it reads, applied in this order.
_SQL = ("10_staging/documents.sql", "10_staging/entities.sql", "20_marts/entities.sql")


def _published(value: object) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def mart_entities(articles_path: str, settings: Settings) -> tuple[list[dict[str, Any]],
                                                                   dict[str, set[str]]]:
    """(marts.entities rows, entity_id -> every name it has in some document)."""
    with open(articles_path, encoding="utf-8") as fh:
        articles = [json.loads(line) for line in fh if line.strip()]
    nlp = load_pipeline(settings.model, settings.reference_dir)
    documents: list[dict[str, object]] = []
    entities: list[dict[str, object]] = []
    names: dict[str, set[str]] = {}
    texts = [str(a.get("text") or a.get("body") or "") for a in articles]
    for article, doc in zip(articles, nlp.pipe(texts), strict=True):
        doc_id = str(article.get("id") or len(documents))
        published = _published(article.get("published_at"))
        day: date | None = published.date() if published else None
        documents.append({"doc_id": doc_id, "body": doc.text, "published_at": published,
                          "title": article.get("title"), "run_id": "eval"})
        for e in extract_entities(doc, doc_id, day).entities.values():
            names.setdefault(e.entity_id, set()).add(e.name)
            entities.append({
                "doc_id": doc_id, "entity_id": e.entity_id, "entity_type": e.entity_type,
                "name": e.name, "country_iso3": e.country_iso3, "role": e.role,
                "actor_code": e.actor_code, "num_mentions": e.num_mentions,
                "first_start_char": e.first_start_char, "run_id": "eval"})
    con = duckdb.connect()
    try:
        con.execute("CREATE SCHEMA raw; CREATE SCHEMA staging; CREATE SCHEMA marts")
        for name, rows in (("documents", documents), ("entities", entities)):
            table = to_table(name, rows)
            con.register(f"{name}_rows", table)
            con.execute(f"CREATE TABLE raw.{name} AS SELECT * FROM {name}_rows")
        for part in _SQL:
            con.execute((Path(settings.sql_dir) / part).read_text(encoding="utf-8"))
        cursor = con.execute("SELECT * FROM marts.entities ORDER BY num_mentions DESC, name")
        cols = [d[0] for d in cursor.description]
        return [dict(zip(cols, row, strict=True)) for row in cursor.fetchall()], names
    finally:
        con.close()


def _find(expected: dict[str, Any], rows: list[dict[str, Any]],
          names: dict[str, set[str]]) -> dict[str, Any] | None:
    """The most mentioned entity of the expected type that has the expected name in some
    document (any type when none of that type has it)."""
    key = name_key(expected["name"])
    found = [r for r in rows if key in {name_key(n) for n in names.get(r["entity_id"], ())}]
    typed = [r for r in found if r["entity_type"] == expected.get("type")]
    best = typed or found
    return best[0] if best else None


def _check(expected: dict[str, Any], row: dict[str, Any] | None) -> list[str]:
    if row is None:
        return ["not found"]
    wrong = []
    if expected.get("type") and row["entity_type"] != expected["type"]:
        wrong.append(f"type {row['entity_type']}, expected {expected['type']}")
    if row["country_iso3"] != expected.get("country"):
        wrong.append(f"country {row['country_iso3']}, expected {expected.get('country')}")
    igo = expected.get("igo")
    if igo and not str(row["actor_code"] or "").startswith(igo):
        wrong.append(f"actor code {row['actor_code']}, expected {igo}")
    return wrong


def evaluate_countries(articles_path: str, settings: Settings,
                       expected_path: str | None = None) -> dict[str, Any]:
    rows, names = mart_entities(articles_path, settings)
    listed = [{k: r[k] for k in ("entity_type", "name", "country_iso3", "actor_code",
                                 "num_mentions", "num_documents")}
              for r in rows if r["num_mentions"] > 2]
    expected = json.loads(Path(expected_path or EXPECTED).read_text(encoding="utf-8"))
    results = []
    for item in expected["entities"]:
        row = _find(item, rows, names)
        results.append({**item, "got": None if row is None else {
            "type": row["entity_type"], "country": row["country_iso3"],
            "actor_code": row["actor_code"]}, "wrong": _check(item, row)})
    igo_with_country = [r["name"] for r in rows
                        if str(r["actor_code"] or "").startswith("IGO") and r["country_iso3"]]
    contradicted = [r["name"] for r in results if r.get("type") == "PERSON" and r["got"]
                    and r["got"]["country"] and r["got"]["country"] != r.get("country")]
    correct = sum(1 for r in results if not r["wrong"])
    return {
        "file": articles_path,
        "expected_file": str(expected_path or EXPECTED),
        "entities_over_2_mentions": listed,
        "checked": len(results),
        "correct": correct,
        "accuracy": round(correct / len(results), 3) if results else None,
        "igos_with_a_country": igo_with_country,
        "persons_with_another_country": contradicted,
        "wrong": [{k: r[k] for k in ("name", "got", "wrong")} for r in results if r["wrong"]],
    }
