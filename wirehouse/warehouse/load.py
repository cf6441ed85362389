"""Load a run's Parquet files into DuckDB and publish the result atomically.

DuckDB allows one writing process per file and a writer fails at once while any other process
holds the file open, a BI tool's read-only connection included. So a run never writes the
published file: it copies it, loads into the copy in one transaction, runs the checks, and
renames the copy over the published file. Readers that are connected keep the version they
opened; readers that connect later see the new one; a run killed at any point leaves the
published file untouched. A warehouse on object storage is built the same way in a local
cache and uploaded as one object (wirehouse/warehouse_store.py).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from wirehouse.core.contract import SCHEMA_VERSION, TABLES, Table, field_doc
from wirehouse.core.documents import Known
from wirehouse.lake import storage
from wirehouse.warehouse.models import apply_sql, load_reference, run_checks
from wirehouse.warehouse.store import next_object_version, readable, writer_lock

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


def _select(table: Table, paths: list[str]) -> str:
    cols = ", ".join(f.name for f in table.schema)
    return f"SELECT {cols} FROM read_parquet({_files_sql(paths)}, union_by_name = true)"


def load_files(con: duckdb.DuckDBPyConnection, files: dict[str, list[str]]) -> dict[str, int]:
    """Replace the rows of the run's documents in every doc-keyed table; upsert the others."""
    counts: dict[str, int] = {}
    doc_files = files.get("documents", [])
    if doc_files:
        con.execute(f"CREATE OR REPLACE TEMP TABLE run_docs AS SELECT DISTINCT doc_id "
                    f"FROM read_parquet({_files_sql(doc_files)})")
    for name, table in TABLES.items():
        paths = files.get(name, [])
        if table.replace_by_doc and doc_files:
            con.execute(f"DELETE FROM raw.{name} WHERE doc_id IN (SELECT doc_id FROM run_docs)")
        if not paths:
            continue
        select = _select(table, paths)
        if name == "document_sources":
            # A location seen again keeps its first sighting.
            con.execute(f"CREATE OR REPLACE TEMP TABLE new_rows AS {select}")
            con.execute("""
                CREATE OR REPLACE TEMP TABLE new_rows AS
                SELECT n.* REPLACE (least(n.first_seen, coalesce(o.first_seen, n.first_seen))
                                    AS first_seen)
                FROM new_rows n LEFT JOIN raw.document_sources o USING (doc_id, uri)""")
            select = "SELECT * FROM new_rows"
        if not table.replace_by_doc:
            keys = ", ".join(table.key)
            con.execute(f"CREATE OR REPLACE TEMP TABLE new_keys AS SELECT DISTINCT {keys} "
                        f"FROM ({select})")
            con.execute(f"DELETE FROM raw.{name} WHERE ({keys}) IN (SELECT ({keys}) FROM new_keys)"
                        if len(table.key) > 1 else
                        f"DELETE FROM raw.{name} WHERE {keys} IN (SELECT {keys} FROM new_keys)")
        before = con.execute(f"SELECT count(*) FROM raw.{name}").fetchone()
        con.execute(f"INSERT INTO raw.{name} BY NAME {select}")
        after = con.execute(f"SELECT count(*) FROM raw.{name}").fetchone()
        counts[name] = (after[0] if after else 0) - (before[0] if before else 0)
    return counts


@dataclass
class LoadResult:
    inserted: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)


@contextmanager
def swap_in(tmp: str, warehouse: str) -> Iterator[None]:
    """Build the next version of the warehouse at ``tmp``; if the block succeeds, make it
    durable and rename it over ``warehouse``. Leftovers are removed either way, so a failed
    build leaves the published file as it was."""
    try:
        yield
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, warehouse)
        _fsync_dir(warehouse)
    finally:
        for leftover in (tmp, f"{tmp}.wal"):
            if os.path.exists(leftover):
                os.remove(leftover)


def _fsync_dir(path: str) -> None:
    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def next_version(warehouse: str, tag: str,
                 cache_dir: str | None = None) -> Iterator[tuple[str, str | None]]:
    """Yield (file to build the next version at, file of the current version or None); when
    the block succeeds, publish what was built: rename it over the local warehouse, or upload
    it over the object. A failure publishes nothing."""
    if storage.is_remote(warehouse):
        with next_object_version(warehouse, tag, cache_dir) as pair:
            yield pair
        return
    tmp = f"{warehouse}.{tag}.tmp"
    with writer_lock(warehouse), swap_in(tmp, warehouse):
        yield tmp, (warehouse if os.path.exists(warehouse) else None)


def publish(warehouse: str, run_id: str, files: dict[str, list[str]], sql_dir: str,
            reference_dir: str, cache_dir: str | None = None,
            sql_variables: Mapping[str, bool | int | str] | None = None) -> LoadResult:
    """Load into a copy of the warehouse, check it, and publish it (rename, or upload for a
    warehouse on object storage; ``cache_dir`` holds its local copies). ``sql_variables``:
    DuckDB variables the models read while they are built (Settings.sql_variables)."""
    result = LoadResult()
    with next_version(warehouse, run_id, cache_dir) as (tmp, current):
        if current:
            shutil.copyfile(current, tmp)
        con = duckdb.connect(tmp)
        try:
            register_filesystems(con, [p for paths in files.values() for p in paths])
            con.execute("BEGIN")
            create_raw_tables(con)
            load_reference(con, reference_dir)
            result.inserted = load_files(con, files)
            for name, value in (sql_variables or {}).items():
                con.execute(f"SET VARIABLE {name} = ?", [value])
            apply_sql(con, sql_dir)
            run_checks(con, sql_dir, scope=(
                "SELECT doc_id FROM run_docs" if files.get("documents") else
                "SELECT doc_id FROM raw.documents WHERE false"))
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
            result.totals = {
                name: int(con.execute(f"SELECT count(*) FROM raw.{name}").fetchone()[0])  # type: ignore[index]
                for name in TABLES
            }
        finally:
            con.close()
    return result


def register_filesystems(con: duckdb.DuckDBPyConnection, paths: list[str]) -> None:
    """Let DuckDB read lake files on object storage through the same fsspec filesystems (and
    credentials) that wrote them."""
    registered = set(con.list_filesystems())
    for path in paths:
        if not storage.is_remote(path):
            continue
        fs, _ = storage.filesystem(path)
        names = {fs.protocol} if isinstance(fs.protocol, str) else set(fs.protocol)
        if not names & registered:
            con.register_filesystem(fs)
            registered |= names | set(con.list_filesystems())


# `wirehouse run`'s no-op check and then the flow's ingest task, in the same process a moment
# later, both need what the warehouse holds: on a warehouse of millions of documents reading it
# twice cost seconds and two copies of the locations set. The check keeps what it read here;
# ingest takes it, once, if the warehouse file is still the one it was read from.
_kept: tuple[tuple[str, int, int, int], Known] | None = None


def known_inputs(warehouse: str, cache_dir: str | None = None, keep: bool = False) -> Known:
    """The loaded documents with their extraction signatures, their locations and the
    rejected inputs (all empty for a new warehouse). ``keep``: hold the result for the next
    call on the same warehouse file (which takes it)."""
    global _kept
    local = readable(warehouse, cache_dir)
    if local is None:
        return Known()
    stat = os.stat(local)
    version = (os.path.abspath(local), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    kept, _kept = _kept, None
    if kept is not None and kept[0] == version:
        return kept[1]
    known = _read_known(local)
    if keep:
        _kept = (version, known)
    return known


def _read_known(local: str) -> Known:
    con = duckdb.connect(local, read_only=True)
    try:
        documents = con.execute(
            "SELECT doc_id, extractor_version || '|' || model FROM raw.documents").fetchall()
        locations = con.execute("SELECT doc_id, uri FROM raw.document_sources").fetchall()
        rejections = con.execute("SELECT quarantine_id FROM raw.quarantine").fetchall()
    except duckdb.CatalogException:
        return Known()
    finally:
        con.close()
    return Known(dict(documents), frozenset(locations), frozenset(r[0] for r in rejections))


def collect_files(
    sources_file: str | None, quarantine_files: list[str], outputs: list[dict[str, str]]
) -> dict[str, list[str]]:
    """A run's Parquet files by table: what the loader publishes in one transaction."""
    files: dict[str, list[str]] = {}
    for out in outputs:
        for table, path in out.items():
            files.setdefault(table, []).append(path)
    if sources_file:
        files["document_sources"] = [sources_file]
    if quarantine_files:
        files["quarantine"] = list(quarantine_files)
    return files
