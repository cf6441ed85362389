"""Publish the warehouse to PostgreSQL for tools that only speak Postgres (Tableau, Power BI,
Metabase, psql).

The `ref` and `marts` schemas (optionally `raw`) are copied with psycopg COPY into new schemas
under temporary names, then swapped in by renaming in one short transaction: a reader sees the
old schema or the new one, never a missing one. The old schemas are dropped afterwards in a
separate transaction, so a reader still scanning an old table delays only that drop, never the
swap or other readers. psycopg rather than DuckDB's postgres extension: psycopg is already a
dependency and the extension must match the DuckDB build exactly (extension wheels on PyPI
lag the DuckDB patch release).

Views in DuckDB become tables in Postgres (a snapshot of the last published warehouse).
Identifiers are lower case in Postgres, so GDELT queries written with unquoted names
(`SELECT Actor1CountryCode ...`) run unchanged there too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb
import psycopg
from psycopg import sql

from wirehouse.catalog import Obj, columns, objects
from wirehouse.warehouse_store import readable

DEFAULT_SCHEMAS = ("ref", "marts")
_LOCK_KEY = 0x77697265  # "wire": one publisher per Postgres database at a time
_BATCH = 10_000

_PG_TYPES = {
    "VARCHAR": "text", "BOOLEAN": "boolean", "TINYINT": "smallint", "SMALLINT": "smallint",
    "INTEGER": "integer", "BIGINT": "bigint", "UTINYINT": "smallint", "USMALLINT": "integer",
    "UINTEGER": "bigint", "UBIGINT": "numeric", "HUGEINT": "numeric", "FLOAT": "real",
    "DOUBLE": "double precision", "DATE": "date", "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz", "BLOB": "bytea", "TIME": "time",
    "INTERVAL": "interval", "UUID": "uuid",
}


@dataclass
class PublishResult:
    rows: dict[str, int] = field(default_factory=dict)  # schema.table -> rows copied


def pg_type(duck_type: str) -> str | None:
    """The Postgres type for a DuckDB type; None means: send it as text."""
    if duck_type.startswith("DECIMAL"):
        return duck_type.replace("DECIMAL", "numeric")
    return _PG_TYPES.get(duck_type)


def _select(obj: Obj, cols: list[tuple[str, str, str | None]]) -> str:
    # Types Postgres has no counterpart for (lists, structs, maps) travel as their text form.
    parts = [f'"{c}"' if pg_type(t) else f'CAST("{c}" AS VARCHAR)' for c, t, _ in cols]
    return f"SELECT {', '.join(parts)} FROM {obj.schema}.\"{obj.name}\""


def _copy_object(duck: duckdb.DuckDBPyConnection, cur: psycopg.Cursor[tuple[object, ...]],
                 obj: Obj, target: str) -> int:
    cols = columns(duck, obj)
    table = sql.Identifier(target, obj.name.lower())
    defs = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c.lower()), sql.SQL(pg_type(t) or "text"))
        for c, t, _ in cols)
    cur.execute(sql.SQL("CREATE TABLE {} ({})").format(table, defs))
    if obj.comment:
        cur.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(table, sql.Literal(obj.comment)))
    for c, _t, doc in cols:
        if doc:
            cur.execute(sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(
                table, sql.Identifier(c.lower()), sql.Literal(doc)))
    names = sql.SQL(", ").join(sql.Identifier(c.lower()) for c, _t, _d in cols)
    rel = duck.execute(_select(obj, cols))
    n = 0
    with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(table, names)) as copy:
        while batch := rel.fetchmany(_BATCH):
            for row in batch:
                copy.write_row(row)
            n += len(batch)
    cur.execute(sql.SQL("ANALYZE {}").format(table))
    return n


def _leftovers(cur: psycopg.Cursor[tuple[object, ...]], schemas: Iterable[str]) -> list[str]:
    patterns = [f"{s}\\_\\_new\\_%" for s in schemas] + [f"{s}\\_\\_old\\_%" for s in schemas]
    cur.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE ANY(%s)", [patterns])
    return [str(r[0]) for r in cur.fetchall()]


def publish_postgres(warehouse: str, dsn: str, include_raw: bool = False) -> PublishResult:
    """Copy ref and marts (and raw if asked) into PostgreSQL and swap them in atomically."""
    schemas = (*DEFAULT_SCHEMAS, "raw") if include_raw else DEFAULT_SCHEMAS
    token = uuid.uuid4().hex[:8]
    result = PublishResult()
    # Read-only: publishing never blocks the ETL, and it reads one consistent warehouse file
    # even if a load renames a new one into place meanwhile.
    # A warehouse on object storage is read from its local copy.
    duck = duckdb.connect(readable(warehouse) or warehouse, read_only=True)
    try:
        with psycopg.connect(dsn, autocommit=True) as pg:
            pg.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
            with pg.cursor() as cur:
                # A killed earlier publish may have left temporary schemas behind.
                for stale in _leftovers(cur, schemas):
                    cur.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(stale)))
            with pg.transaction(), pg.cursor() as cur:
                for schema in schemas:
                    new = f"{schema}__new_{token}"
                    cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(new)))
                    for obj in (o for o in objects(duck) if o.schema == schema):
                        result.rows[f"{schema}.{obj.name.lower()}"] = _copy_object(
                            duck, cur, obj, new)
            _swap(pg, schemas, token)
            pg.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
    finally:
        duck.close()
    return result


def _swap(pg: psycopg.Connection[tuple[object, ...]], schemas: Iterable[str], token: str) -> None:
    olds = []
    with pg.transaction(), pg.cursor() as cur:
        for schema in schemas:
            cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
            if cur.fetchone():
                old = f"{schema}__old_{token}"
                cur.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                    sql.Identifier(schema), sql.Identifier(old)))
                olds.append(old)
            cur.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                sql.Identifier(f"{schema}__new_{token}"), sql.Identifier(schema)))
    for old in olds:
        pg.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(old)))
