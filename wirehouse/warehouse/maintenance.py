"""Nightly upkeep: compact the lake's small Parquet files, rewrite the warehouse compactly.

Every run writes one file per table per batch, so a 15-minute schedule leaves thousands of
small files a day; readers of the lake (DuckDB over `lake/<table>/*.parquet`, Spark, ...)
pay per file. Compaction merges the files of finished runs per table.

Safety: a run is finished when its staging folder is gone (`finish_ingest` removes it after
the load), so files of a running or failed run, which its retry still needs, are never
touched. The merge is crash-safe: a journal lists the inputs before the merged file appears
(by atomic rename), and the inputs are deleted only after; an interrupted compaction is
completed by the next one, so no row is ever in the lake twice or lost.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from wirehouse.core.contract import TABLES
from wirehouse.lake import storage
from wirehouse.lake.parquet import staging_dir
from wirehouse.warehouse.load import SqlVariables, apply_load
from wirehouse.warehouse.spare import next_local_version
from wirehouse.warehouse.store import next_object_version

COMPACTED_PREFIX = "compacted-"


@dataclass
class CompactResult:
    files_in: dict[str, int] = field(default_factory=dict)
    files_out: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


def _name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _run_of(path: str) -> str:
    # Run files are named <run_id>-<part>.parquet and run ids end in an 8-hex suffix.
    return _name(path).rsplit("-", 1)[0]


def _journal_dir(lake: str) -> storage.Location:
    return storage.join(lake, "_state", "compaction")


def recover(lake: str) -> None:
    """Finish or undo compactions a crash interrupted."""
    for journal, _ in storage.list_files(_journal_dir(lake), ".json"):
        entry = json.loads(storage.read_bytes(journal))
        if storage.exists(entry["output"]):
            for p in entry["inputs"]:
                storage.remove(p)
        storage.remove(journal)


def small_finished_files(lake: str, table: str, small_bytes: int) -> list[tuple[str, int]]:
    """(path, size) of the table's files below ``small_bytes`` whose run has loaded."""
    files = []
    for p, size in storage.list_files(storage.join(lake, table), ".parquet"):
        if _name(p).startswith(".") or size >= small_bytes:
            continue
        if (not _name(p).startswith(COMPACTED_PREFIX)
                and storage.exists(staging_dir(lake, _run_of(p)))):
            continue  # the run has not loaded yet (or failed and may be retried)
        files.append((p, size))
    return files


def compact_table(lake: str, table: str, small_bytes: int = 32 << 20,
                  target_bytes: int = 128 << 20) -> tuple[int, int, int]:
    """Merge the table's small files of finished runs into files of about ``target_bytes``.

    Returns (files in, files out, rows). Streams one row group per input file: memory stays
    at one input file whatever the lake's size.
    """
    files = small_finished_files(lake, table, small_bytes)
    if len(files) < 2:
        return 0, 0, 0
    schema = TABLES[table].schema
    groups: list[list[str]] = [[]]
    size = 0
    for p, p_size in files:
        if groups[-1] and size + p_size > target_bytes:
            groups.append([])
            size = 0
        groups[-1].append(p)
        size += p_size
    rows = 0
    out_count = 0
    for group in groups:
        if len(group) < 2:
            continue
        digest = hashlib.sha256("\n".join(_name(p) for p in group).encode()).hexdigest()[:16]
        stamp = time.strftime("%Y%m%dT%H%M%S")
        output = str(storage.join(lake, table, f"{COMPACTED_PREFIX}{stamp}-{digest}.parquet"))
        journal = storage.join(_journal_dir(lake), f"{table}-{digest}.json")
        storage.write_bytes(journal, json.dumps({"output": output, "inputs": group}).encode())
        # The contract schema: files from before a column was added read it as nulls.
        dataset = _dataset(group, schema)
        with storage.atomic_write(output) as fh, \
                pq.ParquetWriter(fh, schema, compression="zstd") as writer:
            for batch in dataset.to_batches():
                writer.write_batch(batch)
                rows += batch.num_rows
        for p in group:
            storage.remove(p)
        storage.remove(journal)
        out_count += 1
    return sum(len(g) for g in groups if len(g) > 1), out_count, rows


def _dataset(paths: list[str], schema: pa.Schema) -> ds.Dataset:
    fs, located = storage.for_arrow(paths)
    return ds.dataset(located, schema=schema, format="parquet", filesystem=fs)


def compact_lake(lake: str, small_bytes: int = 32 << 20,
                 target_bytes: int = 128 << 20) -> CompactResult:
    """Compact every contract table's folder in the lake."""
    recover(lake)
    result = CompactResult()
    for table in TABLES:
        n_in, n_out, rows = compact_table(lake, table, small_bytes, target_bytes)
        if n_in:
            result.files_in[table], result.files_out[table], result.rows[table] = n_in, n_out, rows
    return result


def prune_results(lake: str, max_age_days: float = 7.0) -> int:
    """Drop cached batch records older than ``max_age_days``: a batch cache only matters
    until the flow run that made it is retried or superseded."""
    cutoff = time.time() - max_age_days * 86400
    removed = 0
    for p, _ in storage.list_files(storage.join(lake, "_cache", "extract")):
        if storage.modified(p) < cutoff:
            storage.remove(p)
            removed += 1
    return removed


def rewrite_warehouse(warehouse: str, sql_dir: str, reference_dir: str,
                      cache_dir: str | None = None,
                      sql_variables: SqlVariables | None = None) -> tuple[int, int]:
    """Rewrite the warehouse into a fresh file (DuckDB's VACUUM does not return space to the
    OS; a copy does), rebuild every mart in full from the raw tables, check every row, and
    publish it like a load: under the writer lock, by rename (or upload), so readers keep
    their version and a crash leaves the old file. A warehouse written before incremental
    loads (no raw.loads) is migrated by this, its rows kept. ``sql_variables``: the settings
    the models read (Settings.sql_variables), as the loads pass them.

    Returns the file size in bytes before and after.
    """
    run_id = f"maintenance-{time.strftime('%Y%m%dT%H%M%S')}"
    if storage.is_remote(warehouse):
        with next_object_version(warehouse, run_id, cache_dir) as (tmp, current):
            if current is None:
                raise FileNotFoundError(f"no warehouse at {warehouse}")
            _rebuild(current, tmp, run_id, sql_dir, reference_dir, sql_variables)
            return os.path.getsize(current), os.path.getsize(tmp)
    if not os.path.exists(warehouse):
        raise FileNotFoundError(f"no warehouse at {warehouse}")
    with next_local_version(warehouse, run_id, fresh=True) as target:
        before = os.path.getsize(warehouse)
        _rebuild(warehouse, target.path, run_id, sql_dir, reference_dir, sql_variables)
        after = os.path.getsize(target.path)
    return before, after


def _rebuild(current: str, tmp: str, run_id: str, sql_dir: str, reference_dir: str,
             sql_variables: SqlVariables | None) -> None:
    con = duckdb.connect(tmp)
    try:
        con.execute(f"ATTACH '{current.replace(chr(39), chr(39) * 2)}' AS src (READ_ONLY)")
        con.execute(f"COPY FROM DATABASE src TO {_db_name(con)}")
        con.execute("DETACH src")
        # The column comments COPY does not carry come back with the migration it forces.
        con.execute("DELETE FROM raw.model_state" if _has_state(con) else "SELECT 1")
        apply_load(con, {}, run_id, sql_dir, reference_dir, rebuild=True,
                   sql_variables=sql_variables)
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _has_state(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = "
                       "current_database() AND schema_name = 'raw' AND table_name = "
                       "'model_state'").fetchone() == (1,)


def remove_stale_staging(lake: str, older_than_s: float = 86400) -> int:
    """Remove the staging folders (lake/_staging/<run_id>) that nothing wrote to for
    ``older_than_s``: runs killed before their load removed them. Staged batches matter only
    to a retry of that run, minutes later. Returns how many were removed."""
    root = str(storage.join(lake, "_staging"))
    fs, path = storage.filesystem(root)
    try:
        folders = [e["name"] for e in fs.ls(path, detail=True) if e["type"] == "directory"]
    except FileNotFoundError:
        return 0
    cutoff, removed = time.time() - older_than_s, 0
    for folder in folders:
        newest = max((_mtime(info) for info in fs.find(folder, detail=True).values()),
                     default=0.0)
        if newest < cutoff:
            storage.remove_tree(storage.join(root, folder.rstrip("/").rsplit("/", 1)[-1]))
            removed += 1
    return removed


def _mtime(info: dict[str, Any]) -> float:
    if "mtime" in info:  # local
        return float(info["mtime"])
    stamp = info.get("LastModified") or info.get("last_modified")  # object stores
    return stamp.timestamp() if stamp is not None else 0.0


def _db_name(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT current_database()").fetchone()
    return str(row[0]) if row else "memory"


def lake_files(lake: str) -> int:
    if not storage.is_remote(lake):
        return sum(1 for _ in Path(lake).glob("*/*.parquet"))
    fs, path = storage.filesystem(lake)
    return len(fs.glob(f"{path.rstrip('/')}/*/*.parquet"))

