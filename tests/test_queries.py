"""The worked analytical queries in sql/queries/ run against the seeded warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from wirehouse.core.settings import PROJECT_ROOT, Settings
from wirehouse.warehouse.models import sql_files

QUERIES = sql_files(str(PROJECT_ROOT / "sql"), "queries")


def run(settings: Settings, path: Path) -> tuple[list[str], list[tuple[object, ...]]]:
    con = duckdb.connect(settings.warehouse, read_only=True)
    try:
        rel = con.execute(path.read_text(encoding="utf-8"))
        return [d[0] for d in rel.description or []], rel.fetchall()
    finally:
        con.close()


def test_there_are_worked_queries() -> None:
    assert len(QUERIES) >= 5


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_query_states_its_question_and_answers(seeded: Settings, path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = " ".join(line[3:] for line in lines if line.startswith("-- "))
    assert lines[0].startswith("-- Question: ") and "?" in header
    cols, rows = run(seeded, path)
    assert cols and rows, f"{path.name} returned no rows on the seed"


def test_china_with_venezuela_and_cuba(seeded: Settings) -> None:
    cols, rows = run(seeded, PROJECT_ROOT / "sql/queries/01_china_with_venezuela_and_cuba.sql")
    got = [dict(zip(cols, r, strict=True)) for r in rows]
    # China gave aid (07x) to both Venezuela and Cuba, and everything in the seed cooperates.
    aid = {(g["source_code"][:3], (g["target_code"] or "")[:3]) for g in got
           if g["event_code"].startswith("07")}
    assert {("CHN", "VEN"), ("CHN", "CUB")} <= aid
    assert all(g["kind"].endswith("cooperation") for g in got)
    assert [g["goldstein"] for g in got] == sorted((g["goldstein"] for g in got), reverse=True)


def test_gdelt_style_query_agrees_with_marts(seeded: Settings) -> None:
    cols, rows = run(seeded, PROJECT_ROOT /
                     "sql/queries/06_gdelt_style_material_cooperation.sql")
    con = duckdb.connect(seeded.warehouse, read_only=True)
    total = con.execute("SELECT sum(material_cooperation) FROM marts.dyad_cooperation"
                        ).fetchone()
    con.close()
    assert total is not None and sum(int(r[cols.index("events")]) for r in rows) == total[0]
