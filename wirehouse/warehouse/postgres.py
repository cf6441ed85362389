"""Copy the warehouse into PostgreSQL for tools that only speak Postgres (Tableau, Power BI,
Metabase, psql).

The `ref` and `marts` schemas (optionally `raw`) are copied with psycopg COPY into new schemas
under temporary names, then swapped in by renaming in one short transaction: a reader sees the
old schema or the new one, never a missing one. The old schemas are dropped afterwards in a
separate transaction, so a reader still scanning an old table delays only that drop, never the
swap or other readers. psycopg rather than DuckDB's postgres extension: psycopg is already a
dependency and the extension must match the DuckDB build exactly (extension wheels on PyPI
lag the DuckDB patch release).

A DBA's grants on the replaced schemas and tables are given to the new ones inside the swap
transaction, so a BI role never loses access (see _carry_privileges).

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

from wirehouse.warehouse.comments import Obj, columns, objects
from wirehouse.warehouse.store import readable

DEFAULT_SCHEMAS = ("ref", "marts")
_LOCK_KEY = 0x77697265  # "wire": one copy into a Postgres database at a time
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
class CopyResult:
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


def copy_to_postgres(warehouse: str, dsn: str, include_raw: bool = False) -> CopyResult:
    """Copy ref and marts (and raw if asked) into PostgreSQL and swap them in atomically."""
    schemas = (*DEFAULT_SCHEMAS, "raw") if include_raw else DEFAULT_SCHEMAS
    token = uuid.uuid4().hex[:8]
    result = CopyResult()
    # Read-only: the copy never blocks the ETL, and it reads one consistent warehouse file
    # even if a load renames a new one into place meanwhile.
    # A warehouse on object storage is read from its local copy.
    duck = duckdb.connect(readable(warehouse) or warehouse, read_only=True)
    try:
        with psycopg.connect(dsn, autocommit=True) as pg:
            pg.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
            with pg.cursor() as cur:
                # A killed earlier copy may have left temporary schemas behind.
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
                _carry_privileges(cur, schema, f"{schema}__new_{token}")
                old = f"{schema}__old_{token}"
                cur.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                    sql.Identifier(schema), sql.Identifier(old)))
                olds.append(old)
            cur.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                sql.Identifier(f"{schema}__new_{token}"), sql.Identifier(schema)))
    for old in olds:
        pg.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(old)))


# (grantee or None for PUBLIC, privilege, grantable)
_Grant = tuple[str | None, str, bool]


def _grants(cur: psycopg.Cursor[tuple[object, ...]], query: str,
            schema: str) -> list[tuple[str, _Grant]]:
    cur.execute(query, [schema])
    return [(str(name), (None if public else str(role), str(priv), bool(grantable)))
            for name, role, public, priv, grantable in cur.fetchall()]


def _grant(cur: psycopg.Cursor[tuple[object, ...]], statement: str, on: sql.Composable,
           grant: _Grant) -> None:
    """``statement`` with {privilege}, {on} and {to} (the grantee and its grant option)."""
    role, privilege, grantable = grant
    to = sql.SQL("{}{}").format(sql.Identifier(role) if role else sql.SQL("PUBLIC"),
                                sql.SQL(" WITH GRANT OPTION" if grantable else ""))
    cur.execute(sql.SQL(statement).format(privilege=sql.SQL(privilege), on=on, to=to))


def _carry_privileges(cur: psycopg.Cursor[tuple[object, ...]], schema: str, new: str) -> None:
    """Give the new schema and its tables the privileges a DBA granted on the ones they
    replace, so a BI role keeps its access across a copy.

    A table keeps the grants of its namesake; a table the old schema did not have gets the
    grants every old table had (what GRANT ... ON ALL TABLES IN SCHEMA leaves). Default
    privileges this role set for the schema (ALTER DEFAULT PRIVILEGES IN SCHEMA) are set
    again for the new one; those of other roles stay with the old schema (only they may).
    """
    for _, grant in _grants(cur, """
            SELECT n.nspname, pg_get_userbyid(a.grantee), a.grantee = 0, a.privilege_type,
                   a.is_grantable
            FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = %s""", schema):
        _grant(cur, "GRANT {privilege} ON SCHEMA {on} TO {to}", sql.Identifier(new), grant)
    cur.execute("""SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = %s AND c.relkind IN ('r', 'v', 'm', 'p')""", [schema])
    old_tables = [str(r[0]) for r in cur.fetchall()]
    by_table: dict[str, set[_Grant]] = {t: set() for t in old_tables}
    for table, grant in _grants(cur, """
            SELECT c.relname, pg_get_userbyid(a.grantee), a.grantee = 0, a.privilege_type,
                   a.is_grantable
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
                 aclexplode(c.relacl) a
            WHERE n.nspname = %s AND c.relkind IN ('r', 'v', 'm', 'p')""", schema):
        by_table[table].add(grant)
    everywhere = set.intersection(*by_table.values()) if by_table else set()
    cur.execute("""SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = %s AND c.relkind = 'r'""", [new])
    for (name,) in cur.fetchall():
        for grant in sorted(by_table.get(str(name), everywhere), key=str):
            _grant(cur, "GRANT {privilege} ON {on} TO {to}", sql.Identifier(new, str(name)),
                   grant)
    for _, grant in _grants(cur, """
            SELECT n.nspname, pg_get_userbyid(a.grantee), a.grantee = 0, a.privilege_type,
                   a.is_grantable
            FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace,
                 aclexplode(d.defaclacl) a
            WHERE n.nspname = %s AND d.defaclobjtype = 'r' AND d.defaclrole = current_user::regrole
            """, schema):
        _grant(cur, "ALTER DEFAULT PRIVILEGES IN SCHEMA {on} GRANT {privilege} ON TABLES TO {to}",
               sql.Identifier(new), grant)
