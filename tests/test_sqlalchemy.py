"""How Superset and notebooks connect: SQLAlchemy with duckdb-sqlalchemy, read-only."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import duckdb
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from wirehouse.core.settings import Settings


@pytest.fixture()
def engine(seeded: Settings) -> Iterator[Engine]:
    eng = create_engine(f"duckdb:///{seeded.warehouse}?access_mode=read_only")
    yield eng
    # Other tests open the file with plain duckdb in this process: close the pool first.
    eng.dispose()
    gc.collect()


def _marts(seeded: Settings) -> list[str]:
    con = duckdb.connect(seeded.warehouse, read_only=True)
    try:
        return [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' UNION ALL "
            "SELECT view_name FROM duckdb_views() WHERE schema_name = 'marts' ORDER BY 1"
        ).fetchall()]
    finally:
        con.close()


def test_reflection_on_every_mart(engine: Engine, seeded: Settings) -> None:
    # Listed before the engine connects: one process cannot open the same file with two
    # configurations at once.
    marts = _marts(seeded)
    insp = inspect(engine)
    # duckdb-sqlalchemy lists schemas qualified by the database (file stem): "wh.marts".
    schemas = {s.rsplit(".", 1)[-1] for s in insp.get_schema_names()}
    assert {"raw", "ref", "staging", "marts"} <= schemas
    reflected = set(insp.get_table_names(schema="marts")) | set(
        insp.get_view_names(schema="marts"))
    assert set(marts) <= reflected and "gdelt_events" in marts
    for name in marts:
        cols = insp.get_columns(name, schema="marts")
        assert cols and all(c["name"] and c["type"] is not None for c in cols), name
    gdelt = [c["name"] for c in insp.get_columns("gdelt_events", schema="marts")]
    assert gdelt[:3] == ["GLOBALEVENTID", "SQLDATE", "MonthYear"] and len(gdelt) == 61


def test_query_through_engine_matches_duckdb(engine: Engine, seeded: Settings) -> None:
    q = ("SELECT source_country, target_country, num_events FROM marts.dyad_cooperation "
         "ORDER BY 1, 2")
    con = duckdb.connect(seeded.warehouse, read_only=True)
    want = con.execute(q).fetchall()
    con.close()
    with engine.connect() as conn:
        got = [tuple(r) for r in conn.execute(text(q)).fetchall()]
    assert got == want and got


def test_engine_cannot_write(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(Exception, match="(?i)read.only"):
        conn.execute(text("CREATE TABLE marts.nope (x INTEGER)"))
