"""The next version of a local warehouse, written in the spare file.

A reader holding the published file holds DuckDB's lock on it, so a load never writes the
published file. It writes the spare: the version before, kept under a hidden name (hard
link) when the last load renamed its own file over the published name. The spare is one
load behind; that load is replayed into it from its lake files (recorded in raw.loads),
then the new one is loaded, and the spare is renamed over the published name. A copy of
the published file is made only when there is no usable spare: none yet, a reader still
holds it (it was published when that reader connected), it diverged (a crash after its
commit), or the files of a load it misses were compacted away.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from wirehouse.lake import storage
from wirehouse.warehouse.store import fsync, writer_lock

LOADS_DDL = ("CREATE TABLE IF NOT EXISTS raw.loads (load_seq BIGINT NOT NULL, run_id VARCHAR "
             "NOT NULL, loaded_at TIMESTAMPTZ NOT NULL, files VARCHAR NOT NULL, "
             "documents BIGINT NOT NULL)")


@dataclass(frozen=True)
class LoadRecord:
    load_seq: int
    run_id: str
    files: dict[str, list[str]]


@dataclass
class Target:
    path: str  # the file to load into
    replay: list[LoadRecord] = field(default_factory=list)  # loads it misses, oldest first
    built_from: str = "new"  # new, spare or copy
    after: list[Callable[[], object]] = field(default_factory=list)

    def then(self, action: Callable[[], object]) -> None:
        """Run ``action`` once the file is published, while the writer lock is still held."""
        self.after.append(action)


def spare_path(warehouse: str) -> str:
    d, name = os.path.split(os.path.abspath(warehouse))
    return os.path.join(d, f".{name}.spare")


def load_history(con: duckdb.DuckDBPyConnection) -> list[LoadRecord] | None:
    """The loads a warehouse holds (None: a warehouse from before raw.loads)."""
    try:
        rows = con.execute("SELECT load_seq, run_id, files FROM raw.loads ORDER BY load_seq"
                           ).fetchall()
    except duckdb.CatalogException:
        return None
    return [LoadRecord(int(s), str(r), json.loads(f)) for s, r, f in rows]


def _history_of(path: str) -> list[LoadRecord] | None:
    con = duckdb.connect(path, read_only=True)
    try:
        return load_history(con)
    finally:
        con.close()


def _files_exist(record: LoadRecord) -> bool:
    return all(storage.exists(p) for paths in record.files.values() for p in paths)


def _usable_spare(warehouse: str, history: list[LoadRecord] | None) -> list[LoadRecord] | None:
    """The loads to replay into the spare, or None when it cannot be used."""
    spare = spare_path(warehouse)
    if history is None or not os.path.exists(spare):
        return None
    if os.stat(spare).st_ino == os.stat(warehouse).st_ino:
        return None  # never write the published file
    try:
        # Fails at once while a reader holds it (IOException from another process, a
        # ConnectionException from this one).
        con = duckdb.connect(spare)
    except (duckdb.IOException, duckdb.ConnectionException):
        return None
    try:
        have = load_history(con)
    except duckdb.Error:
        have = None
    finally:
        con.close()
    if not have or have[-1] not in history:
        return None
    missing = history[history.index(have[-1]) + 1:]
    return missing if all(_files_exist(r) for r in missing) else None


def _copy(src: str, dst: str) -> None:
    tmp = f"{dst}.copying"
    try:
        shutil.copyfile(src, tmp)
        fsync(tmp)
        os.replace(tmp, dst)
    finally:
        Path(tmp).unlink(missing_ok=True)


@contextmanager
def next_local_version(warehouse: str, run_id: str = "", lock_timeout: float | None = None,
                       notify: Callable[[str], None] | None = None,
                       fresh: bool = False) -> Iterator[Target]:
    """Yield the file to build the next version in: the spare (or a copy of the published
    file), or with ``fresh`` or for a new warehouse an empty new file. When the block
    succeeds, make it durable and rename it over ``warehouse``; the version it replaces
    becomes the spare. A failure publishes nothing."""
    spare, link = spare_path(warehouse), spare_path(warehouse) + ".next"
    with writer_lock(warehouse, run_id, lock_timeout, notify):
        if os.path.exists(link):  # killed between the two renames of a publish
            if os.path.exists(spare):
                os.remove(link)
            else:
                os.replace(link, spare)
        exists = os.path.exists(warehouse)
        tmp = f"{warehouse}.{run_id or 'new'}.tmp"
        replay = None if fresh or not exists else _usable_spare(warehouse, _history_of(warehouse))
        if replay is not None:
            target = Target(spare, replay, "spare")
        elif exists and not fresh:
            # A new name, not the spare's: a reader in this process may hold that one.
            _copy(warehouse, tmp)
            target = Target(tmp, [], "copy")
        else:
            target = Target(tmp)
        try:
            yield target
            if os.path.exists(f"{target.path}.wal"):
                raise RuntimeError(f"{target.path}: the load left a write-ahead log; "
                                   "not published")
            fsync(target.path)
            if exists:
                os.link(warehouse, link)
            os.replace(target.path, warehouse)
            if exists:
                if target.path != spare:
                    _remove(spare)
                os.replace(link, spare)
            fsync_dir(warehouse)
        finally:
            if target.path != spare:
                _remove(target.path)
        for action in target.after:
            action()


def _remove(path: str) -> None:
    for leftover in (path, f"{path}.wal"):
        Path(leftover).unlink(missing_ok=True)


def fsync_dir(path: str) -> None:
    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
