"""Parquet files of the lake: one file per table per batch, zstd, written atomically."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from wirehouse.core.contract import TABLES, to_table
from wirehouse.lake import storage
from wirehouse.lake.storage import Location


def table_path(lake: str, table: str, run_id: str, part: str) -> Location:
    return storage.join(lake, table, f"{run_id}-{part}.parquet")


def staging_dir(lake: str, run_id: str) -> Location:
    """A Path for a local lake, a URL for one on object storage."""
    return storage.join(lake, "_staging", run_id)


def write_parquet(table: pa.Table, path: Location) -> str:
    """Written whole or not at all, so a killed run never leaves half a file."""
    with storage.atomic_write(path) as fh:
        pq.write_table(table, fh, compression="zstd")
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


def read_table(path: str, name: str | None = None,
               columns: list[str] | None = None) -> pa.Table:
    """A lake file, local or on object storage; with ``name``, read as that contract table."""
    fs, [p] = storage.for_arrow([path])
    return pq.read_table(p, filesystem=fs, schema=TABLES[name].schema if name else None,
                         columns=columns)


def count_rows(path: str) -> int:
    with storage.open_read(path) as fh:
        return int(pq.ParquetFile(fh).metadata.num_rows)
