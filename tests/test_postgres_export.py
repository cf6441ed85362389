"""`wirehouse export postgres` against a real PostgreSQL server started by the test.

The server is Debian's `postgresql` package (`.ci/run` installs it where missing), run as an
unprivileged cluster in a temporary directory on 127.0.0.1 and a free port.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import duckdb
import psycopg
from conftest import INITDB, pg_required
from typer.testing import CliRunner

from wirehouse.core.settings import Settings
from wirehouse.warehouse.docs import build_reference_warehouse
from wirehouse.warehouse.postgres import copy_to_postgres

pytestmark = pg_required

DYADS = ("SELECT source_country, target_country, num_events, verbal_cooperation, "
         "material_cooperation, round(mean_goldstein::numeric, 4)::text "
         "FROM marts.dyad_cooperation ORDER BY 1, 2")


def _duck(warehouse: str, query: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def test_copy_has_ref_and_marts(seeded: Settings, pg_dsn: str) -> None:
    result = copy_to_postgres(seeded.warehouse, pg_dsn)
    assert "marts.gdelt_events" in result.rows and "ref.cameo_codes" in result.rows
    with psycopg.connect(pg_dsn) as pg:
        for name, n in result.rows.items():
            duck_n = _duck(seeded.warehouse, f"SELECT count(*) FROM {name}")[0][0]
            pg_n = pg.execute(f"SELECT count(*) FROM {name}").fetchone()
            assert pg_n is not None and pg_n[0] == duck_n == n, name
        assert pg.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'raw'"
                          ).fetchone() == (0,)
        # Comments travel too: BI tools show them in Postgres as well.
        doc = pg.execute("SELECT obj_description('marts.events'::regclass)").fetchone()
        assert doc is not None and doc[0] and "distinct event" in doc[0]
        # GDELT names, unquoted, work in Postgres.
        assert pg.execute("SELECT count(*) FROM marts.gdelt_events WHERE QuadClass IN (1, 2)"
                          ).fetchone() is not None


def test_mart_answers_agree_in_duckdb_psycopg_and_psql(seeded: Settings, pg_dsn: str) -> None:
    copy_to_postgres(seeded.warehouse, pg_dsn)
    duck_rows = [tuple(str(v) for v in r) for r in _duck(
        seeded.warehouse, DYADS.replace("::numeric, 4)::text", ", 4)::DECIMAL(18,4)::VARCHAR"))]
    with psycopg.connect(pg_dsn) as pg:
        pg_rows = [tuple(str(v) for v in r) for r in pg.execute(DYADS).fetchall()]
    psql = Path(INITDB[-1]).parent / "psql"
    out = subprocess.run([str(psql), "-X", "-At", "-F", "|", "-d", pg_dsn, "-c", DYADS],
                         check=True, capture_output=True, text=True).stdout
    psql_rows = [tuple(line.split("|")) for line in out.splitlines()]
    assert duck_rows and duck_rows == pg_rows == psql_rows


def test_second_copy_swaps_without_a_missing_window(seeded: Settings, pg_dsn: str,
                                                        tmp_path: Path) -> None:
    copy_to_postgres(seeded.warehouse, pg_dsn)
    old = _duck(seeded.warehouse, "SELECT count(*) FROM marts.events")[0][0]
    empty = str(tmp_path / "empty.duckdb")
    build_reference_warehouse(empty, seeded.sql_dir, seeded.reference_dir)
    seen: list[object] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        with psycopg.connect(pg_dsn, autocommit=True) as pg:
            while not stop.is_set():
                try:
                    row = pg.execute("SELECT count(*) FROM marts.events").fetchone()
                    seen.append(row[0] if row else None)
                except psycopg.Error as exc:  # a missing schema would land here
                    errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        copy_to_postgres(empty, pg_dsn)
        copy_to_postgres(seeded.warehouse, pg_dsn)
        copy_to_postgres(empty, pg_dsn)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert set(seen) <= {old, 0} and len(seen) > 10
    with psycopg.connect(pg_dsn) as pg:
        assert pg.execute("SELECT count(*) FROM marts.events").fetchone() == (0,)
        leftovers = pg.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE '%\\_\\_%'"
                               ).fetchall()
        assert leftovers == []


def test_cli_export_with_raw(seeded: Settings, pg_dsn: str) -> None:
    from wirehouse.cli import app

    res = CliRunner().invoke(app, ["export", "postgres", "--to", pg_dsn, "--include-raw",
                                   "--warehouse", seeded.warehouse])
    assert res.exit_code == 0, res.output
    with psycopg.connect(pg_dsn) as pg:
        for table in ("documents", "mentions", "event_mentions"):
            n = pg.execute(f"SELECT count(*) FROM raw.{table}").fetchone()
            assert n is not None and n[0] == _duck(
                seeded.warehouse, f"SELECT count(*) FROM raw.{table}")[0][0] > 0
        body = pg.execute("SELECT body FROM raw.documents LIMIT 1").fetchone()
    assert body == _duck(seeded.warehouse, "SELECT body FROM raw.documents LIMIT 1")[0]


def test_etl_flow_copies_when_given_a_dsn(prefect_harness: None, tmp_path: Path,
                                             pg_dsn: str) -> None:
    from conftest import PROJECT_ROOT, make_settings

    from flows.etl import etl

    settings = make_settings(tmp_path)
    summary = etl(sources=[str(PROJECT_ROOT / "seeds" / "*.txt")], warehouse=settings.warehouse,
                  lake=settings.lake, export_postgres=pg_dsn)
    assert "export" in summary.seconds
    with psycopg.connect(pg_dsn) as con:
        pg = con.execute("SELECT count(*) FROM marts.events").fetchone()
    assert pg == _duck(settings.warehouse, "SELECT count(*) FROM marts.events")[0]


def test_privileges_granted_on_copied_schemas_survive_the_next_copy(
        seeded: Settings, pg_dsn: str) -> None:
    copy_to_postgres(seeded.warehouse, pg_dsn)
    with psycopg.connect(pg_dsn, autocommit=True) as pg:
        pg.execute("CREATE ROLE bi_reader")
        pg.execute("CREATE ROLE bi_later")
        pg.execute("GRANT USAGE ON SCHEMA marts, ref TO bi_reader")
        pg.execute("GRANT SELECT ON ALL TABLES IN SCHEMA marts TO bi_reader")
        pg.execute("GRANT SELECT ON ref.cameo_codes TO bi_reader WITH GRANT OPTION")
        pg.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA marts GRANT SELECT ON TABLES TO bi_later")
        # Gone from Postgres, back with the next publish: a table without a namesake.
        pg.execute("DROP TABLE marts.events")
    copy_to_postgres(seeded.warehouse, pg_dsn)
    with psycopg.connect(pg_dsn) as pg:
        def can(role: str, table: str, privilege: str = "SELECT") -> bool:
            row = pg.execute("SELECT has_table_privilege(%s, %s, %s)",
                             [role, table, privilege]).fetchone()
            return bool(row and row[0])

        pg.execute("SET ROLE bi_reader")
        assert pg.execute("SELECT count(*) FROM marts.dyad_cooperation").fetchone()
        assert pg.execute("SELECT count(*) FROM marts.events").fetchone()
        assert pg.execute("SELECT count(*) FROM ref.cameo_codes").fetchone()
        pg.execute("RESET ROLE")
        assert can("bi_reader", "ref.cameo_codes", "SELECT WITH GRANT OPTION")
        other_ref = pg.execute("SELECT table_name FROM information_schema.tables WHERE "
                               "table_schema = 'ref' AND table_name <> 'cameo_codes'").fetchone()
        assert other_ref and not can("bi_reader", f"ref.{other_ref[0]}")  # only what was given
        assert not can("bi_reader", "marts.events", "INSERT")
        # Default privileges were set again on the new schema: its next tables get them.
        pg.execute("CREATE TABLE marts.scratch (x int)")
        assert can("bi_later", "marts.scratch")
        pg.execute("DROP TABLE marts.scratch")
