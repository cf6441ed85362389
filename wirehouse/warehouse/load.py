"""Load a run's Parquet files into the warehouse and publish it atomically, at the cost of
the run's batch, not of the warehouse.

A reader holding the published DuckDB file (a BI tool, ``wirehouse sql``, a notebook) holds
DuckDB's lock on it, so a load never writes that file: it writes the spare, the version
before it (wirehouse.warehouse.store), brings it up to date by replaying the load it missed,
applies the run's load in one transaction (raw tables, the rows of the marts the load
touched, checks of the loaded rows, the loads log), and renames it over the published file.
Readers that are connected keep the version they opened; readers that connect later see the
new one; a load killed at any point leaves the published file as it was. A warehouse on
object storage is loaded into a local copy of its current version and uploaded whole.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from wirehouse.core.contract import SCHEMA_VERSION, TABLES
from wirehouse.lake import storage
from wirehouse.warehouse.comments import apply_comments
from wirehouse.warehouse.marts import ENVIRONMENT, STATE_DDL, refresh
from wirehouse.warehouse.models import (
    apply_staging,
    load_reference,
    run_checks,
    sql_files,
    tree_hash,
)
from wirehouse.warehouse.raw import create_raw_tables, load_files
from wirehouse.warehouse.spare import LOADS_DDL, next_local_version
from wirehouse.warehouse.store import next_object_version


@dataclass
class LoadResult:
    inserted: dict[str, int] = field(default_factory=dict)  # change in rows per raw table
    totals: dict[str, int] = field(default_factory=dict)
    marts: dict[str, str] = field(default_factory=dict)  # how each mart was built
    built_from: str = ""  # new, spare or copy (wirehouse.warehouse.store.Target)
    replayed: int = 0  # earlier loads replayed into the spare


SqlVariables = Mapping[str, bool | int | str]


def environment_hash(sql_dir: str, reference_dir: str,
                     sql_variables: SqlVariables | None = None) -> str:
    """What every mart depends on besides its own files: staging, reference data, contract,
    and the settings the models read (Settings.sql_variables)."""
    contract = "\n".join(f"{t.name}:{t.schema}" for t in TABLES.values())
    # Only the variables set: the models read an unset one as false (coalesce(getvariable(
    # name), false)), so a load that passes none equals one that passes the defaults.
    variables = "\n".join(f"{k}={v!r}" for k, v in sorted((sql_variables or {}).items()) if v)
    return tree_hash([*sql_files(sql_dir, "staging"), *Path(reference_dir).glob("*.csv")],
                     f"{SCHEMA_VERSION}\n{contract}\n{variables}")


def prepare(con: duckdb.DuckDBPyConnection, sql_dir: str, reference_dir: str,
            sql_variables: SqlVariables | None = None) -> bool:
    """Set the variables the models read, and migrate the raw tables, reload the reference
    tables and the staging views when any of them (or a variable) changed since the last
    load. True: they did, and every mart is rebuilt."""
    for name, value in (sql_variables or {}).items():
        con.execute(f"SET VARIABLE {name} = ?", [value])
    env = environment_hash(sql_dir, reference_dir, sql_variables)
    try:
        row = con.execute("SELECT sql_hash FROM raw.model_state WHERE name = ?",
                          [ENVIRONMENT]).fetchone()
    except duckdb.CatalogException:
        row = None
    if row is not None and row[0] == env:
        return False
    create_raw_tables(con)
    con.execute(LOADS_DDL)
    con.execute(STATE_DDL)
    load_reference(con, reference_dir)
    apply_staging(con, sql_dir)
    con.execute("INSERT OR REPLACE INTO raw.model_state VALUES (?, ?, now())", [ENVIRONMENT, env])
    return True


def apply_load(con: duckdb.DuckDBPyConnection, files: dict[str, list[str]], run_id: str,
               sql_dir: str, reference_dir: str, load_seq: int | None = None,
               rebuild: bool = False, sql_variables: SqlVariables | None = None) -> LoadResult:
    """One load in one transaction: raw tables, marts, comments, checks, the loads log.
    ``rebuild``: every mart in full and every row checked (maintenance). ``sql_variables``:
    DuckDB variables the models read (Settings.sql_variables). A replayed load
    (``load_seq`` given) is not checked again: it passed when it was published, and a check
    added since must not stop every later load."""
    result = LoadResult()
    con.execute("BEGIN")
    full = prepare(con, sql_dir, reference_dir, sql_variables) or rebuild
    result.inserted = load_files(con, files, run_id, sql_dir)
    result.marts = refresh(con, sql_dir, full)
    # Only what differs is written: marts kept from the last load keep their comments.
    apply_comments(con, sql_dir)
    if rebuild or load_seq is None:
        run_checks(con, sql_dir, None if rebuild else {t: f"incoming__{t}" for t in TABLES})
    if load_seq is None:
        row = con.execute("SELECT coalesce(max(load_seq), 0) + 1 FROM raw.loads").fetchone()
        load_seq = int(row[0]) if row else 1
    con.execute("INSERT INTO raw.loads VALUES (?, ?, now(), ?, "
                "(SELECT count(*) FROM incoming__documents))",
                [load_seq, run_id, json.dumps(files, sort_keys=True)])
    con.execute("COMMIT")
    return result


def publish(warehouse: str, run_id: str, files: dict[str, list[str]], sql_dir: str,
            reference_dir: str, cache_dir: str | None = None,
            sql_variables: SqlVariables | None = None, lock_timeout: float | None = None,
            notify: Callable[[str], None] | None = None,
            on_published: Callable[[], object] | None = None) -> LoadResult:
    """Load the run's files, check them, and publish the warehouse atomically.
    ``sql_variables``: DuckDB variables the models read (Settings.sql_variables).

    A load waiting for another one says so through ``notify`` and gives up after
    ``lock_timeout`` seconds (WriterLockTimeout). ``on_published`` runs after the publish
    while the writer lock is still held: the run's bookkeeping in the lake, in load order."""
    if storage.is_remote(warehouse):
        return _publish_object(warehouse, run_id, files, sql_dir, reference_dir, cache_dir,
                               sql_variables, on_published)
    with next_local_version(warehouse, run_id, lock_timeout, notify) as target:
        con = duckdb.connect(target.path)
        try:
            register_filesystems(con, [p for r in target.replay for ps in r.files.values()
                                       for p in ps] + [p for ps in files.values() for p in ps])
            for record in target.replay:
                apply_load(con, record.files, record.run_id, sql_dir, reference_dir,
                           record.load_seq, sql_variables=sql_variables)
            result = apply_load(con, files, run_id, sql_dir, reference_dir,
                                sql_variables=sql_variables)
            result.built_from, result.replayed = target.built_from, len(target.replay)
            result.totals = _totals(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        if on_published is not None:
            target.then(on_published)
    return result


def _totals(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {name: int(con.execute(f"SELECT count(*) FROM raw.{name}").fetchone()[0])  # type: ignore[index]
            for name in TABLES}


def _publish_object(warehouse: str, run_id: str, files: dict[str, list[str]], sql_dir: str,
                    reference_dir: str, cache_dir: str | None,
                    sql_variables: SqlVariables | None,
                    on_published: Callable[[], object] | None) -> LoadResult:
    """A warehouse on object storage: an object cannot change in place, so the load goes into
    a copy of the cached current version, which is uploaded whole."""
    with next_object_version(warehouse, run_id, cache_dir) as (tmp, current):
        if current:
            shutil.copyfile(current, tmp)
        con = duckdb.connect(tmp)
        try:
            register_filesystems(con, [p for paths in files.values() for p in paths])
            result = apply_load(con, files, run_id, sql_dir, reference_dir,
                                sql_variables=sql_variables)
            result.built_from = "copy" if current else "new"
            result.totals = _totals(con)
            con.execute("CHECKPOINT")
        finally:
            con.close()
    if on_published is not None:
        on_published()
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
