"""The raw tables: created and migrated from the data contract, and loaded from a run's
Parquet files.

A load appends: it reads the run's files into temp tables (``incoming__<table>``) and
inserts them. Rows are deleted only for documents the warehouse already holds (re-extracted
after a model or extractor change, or forced), found through raw.documents alone, so a batch of
new documents costs its own size and never a scan of the big tables. What changed stays
readable for the marts (wirehouse.warehouse.marts): ``changed__<table>`` holds the staging
rows of the load's documents before and after, ``changed_new__<table>`` after only.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from wirehouse.core.contract import SCHEMA_VERSION, TABLES, Table, field_doc
from wirehouse.warehouse.models import staged_rows

_TYPES = {
    pa.string(): "VARCHAR", pa.int8(): "TINYINT", pa.int32(): "INTEGER", pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE", pa.date32(): "DATE", pa.binary(): "BLOB", pa.bool_(): "BOOLEAN",
}


def duck_type(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ" if t.tz else "TIMESTAMP"
    return _TYPES[t]


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing raw tables and add missing columns: the contract is the migration."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for table in TABLES.values():
        have = {
            r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'raw' AND table_name = ?", [table.name]).fetchall()
        }
        if not have:
            cols = ", ".join(
                f"{f.name} {duck_type(f.type)}{'' if f.nullable else ' NOT NULL'}"
                for f in table.schema
            )
            con.execute(f"CREATE TABLE raw.{table.name} ({cols})")
        else:
            for f in table.schema:
                if f.name not in have:
                    con.execute(f"ALTER TABLE raw.{table.name} ADD COLUMN {f.name} "
                                f"{duck_type(f.type)}")
        con.execute(f"COMMENT ON TABLE raw.{table.name} IS {_q(table.doc)}")
        for f in table.schema:
            con.execute(f"COMMENT ON COLUMN raw.{table.name}.{f.name} IS {_q(field_doc(f))}")
    con.execute("CREATE TABLE IF NOT EXISTS raw.schema_version "
                "(version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
    current = con.execute("SELECT max(version) FROM raw.schema_version").fetchone()
    if current is None or current[0] != SCHEMA_VERSION:
        con.execute("INSERT INTO raw.schema_version VALUES (?, now())", [SCHEMA_VERSION])


def _files_sql(paths: list[str]) -> str:
    return "[" + ", ".join(_q(p) for p in paths) + "]"


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {relation}").fetchone()
    return int(row[0]) if row else 0


def _incoming(con: duckdb.DuckDBPyConnection, table: Table, paths: list[str],
              run_id: str) -> None:
    """The load's rows of ``table`` as temp table incoming__<table>, by column name (files
    written before a column was added read it as null). Every row carries the loading run's
    id, also rows of batches a crashed run extracted and this run reuses."""
    name = f"incoming__{table.name}"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM raw.{table.name} LIMIT 0")
    if paths:
        con.execute(f"INSERT INTO {name} BY NAME SELECT * REPLACE ($run_id AS run_id) FROM "
                    f"read_parquet({_files_sql(paths)}, union_by_name = true)",
                    {"run_id": run_id})


def _upsert_sources(con: duckdb.DuckDBPyConnection) -> None:
    """A location seen again keeps its first sighting."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE incoming__document_sources AS
        SELECT n.* REPLACE (least(n.first_seen, coalesce(o.first_seen, n.first_seen))
                            AS first_seen)
        FROM incoming__document_sources AS n
        LEFT JOIN (SELECT doc_id, uri, first_seen FROM raw.document_sources
                   WHERE doc_id IN (SELECT doc_id FROM incoming__document_sources)) AS o
        USING (doc_id, uri)""")


def load_files(con: duckdb.DuckDBPyConnection, files: dict[str, list[str]], run_id: str,
               sql_dir: str) -> dict[str, int]:
    """Replace the rows of the load's documents in every doc-keyed table and upsert the
    others (sources, quarantine); returns the change in rows per table."""
    for table in TABLES.values():
        _incoming(con, table, files.get(table.name, []), run_id)
    con.execute("CREATE OR REPLACE TEMP TABLE replaced_docs AS SELECT doc_id FROM raw.documents "
                "WHERE doc_id IN (SELECT doc_id FROM incoming__documents)")
    replaced = _count(con, "replaced_docs") > 0
    counts: dict[str, int] = {}
    for table in TABLES.values():
        name = table.name
        incoming = f"incoming__{name}"
        added = _count(con, incoming)
        if table.replace_by_doc:
            con.execute(f"CREATE OR REPLACE TEMP TABLE changed_old__{name} AS "
                        f"SELECT * FROM staging.{name} "
                        + ("WHERE doc_id IN (SELECT doc_id FROM replaced_docs)" if replaced
                           else "LIMIT 0"))
            if replaced:
                gone = con.execute(f"DELETE FROM raw.{name} "
                                   "WHERE doc_id IN (SELECT doc_id FROM replaced_docs)").fetchone()
                added -= int(gone[0]) if gone else 0
        elif added:
            if name == "document_sources":
                _upsert_sources(con)
            keys = ", ".join(table.key)
            match = (f"({keys}) IN (SELECT ({keys}) FROM {incoming})" if len(table.key) > 1
                     else f"{keys} IN (SELECT {keys} FROM {incoming})")
            gone = con.execute(f"DELETE FROM raw.{name} WHERE {match}").fetchone()
            added -= int(gone[0]) if gone else 0
        con.execute(f"INSERT INTO raw.{name} BY NAME SELECT * FROM {incoming}")
        counts[name] = added
        staged_rows(con, sql_dir, name, incoming, f"changed_new__{name}")
        before = (f"changed_old__{name} UNION ALL BY NAME SELECT * FROM "
                  if table.replace_by_doc else "")
        con.execute(f"CREATE OR REPLACE TEMP VIEW changed__{name} AS "
                    f"SELECT * FROM {before}changed_new__{name}")
    return counts
