"""Parquet files of the lake: one file per table per batch, zstd, written atomically."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from wirehouse.contract import TABLES, to_table


def table_path(lake: str, table: str, run_id: str, part: str) -> Path:
    return Path(lake) / table / f"{run_id}-{part}.parquet"


def staging_dir(lake: str, run_id: str) -> Path:
    return Path(lake) / "_staging" / run_id


def write_parquet(table: pa.Table, path: Path) -> str:
    """Write via a temporary name and rename, so a killed run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)
    return str(path)


def write_rows(
    lake: str, name: str, rows: Sequence[dict[str, object]] | pa.Table, run_id: str, part: str
) -> str:
    """Rows of a contract table to its Parquet file; an empty batch still writes a file so a
    batch's outputs are complete and can be found by name."""
    table = rows if isinstance(rows, pa.Table) else to_table(name, list(rows))
    expected = TABLES[name].schema
    if not table.schema.equals(expected, check_metadata=False):
        raise ValueError(f"{name}: schema differs from the contract:\n{table.schema}")
    return write_parquet(table, table_path(lake, name, run_id, part))


def read_table(path: str, name: str) -> pa.Table:
    return pq.read_table(path, schema=TABLES[name].schema)
