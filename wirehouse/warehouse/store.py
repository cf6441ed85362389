"""The published DuckDB file: a local path, or one object in object storage.

Local: the next version is built beside the file under a lock file and renamed over it.

Object storage: DuckDB cannot write there, and an object cannot be renamed. So the writer
builds the next version in a local cache exactly as it would locally, and uploads it as one
object; the upload is the publish (an object is replaced whole: readers get the old or the
new file, never a mix). Readers open a local copy of the current version, downloaded once
per version: the cache file is named by the object's version key (its ETag on S3), so a copy
is never mistaken for a newer one.

One writer per warehouse: the lock file serialises writers on one machine only, and a writer
refuses to upload over a version that another writer published since it started.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from wirehouse.core.errors import UserError
from wirehouse.core.settings import default_cache_dir, get_settings
from wirehouse.lake import storage

log = logging.getLogger(__name__)

# Versions kept in the cache: the current one, and the one before for readers that looked
# it up just before a publish and are about to open it.
_KEEP_VERSIONS = 2


class ConcurrentPublish(RuntimeError):
    """Another writer published the warehouse object while this one was building."""


def _slot(url: str, cache_dir: str | None) -> Path:
    """The cache folder of one warehouse URL."""
    if not cache_dir:
        cache_dir = get_settings().cache_dir or default_cache_dir()
    slot = Path(cache_dir, hashlib.sha256(url.encode()).hexdigest()[:16])
    slot.mkdir(parents=True, exist_ok=True)
    return slot


def _version(url: str) -> str | None:
    """The object's version key (None: no object yet), read fresh from the store."""
    fs, path = storage.filesystem(url)
    fs.invalidate_cache(path)
    try:
        return str(fs.ukey(path))
    except FileNotFoundError:
        return None


def _cached(slot: Path, version: str) -> Path:
    return slot / f"{hashlib.sha256(version.encode()).hexdigest()[:16]}.duckdb"


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # removed meanwhile by another process pruning the same cache
        return 0.0


def _prune(slot: Path) -> None:
    versions = sorted(slot.glob("*.duckdb"), key=_mtime, reverse=True)
    for old in versions[_KEEP_VERSIONS:]:
        old.unlink(missing_ok=True)
    # Downloads of killed processes; a live one is younger than an hour.
    for stale in slot.glob(".*.download"):
        if _mtime(stale) < time.time() - 3600:
            stale.unlink(missing_ok=True)


def _download(url: str, slot: Path) -> tuple[Path, str] | None:
    """The current version in the cache, downloaded if it is not there yet."""
    fs, path = storage.filesystem(url)
    for _ in range(5):
        version = _version(url)
        if version is None:
            return None
        local = _cached(slot, version)
        if local.exists():
            return local, version
        tmp = slot / f".{local.name}.{uuid.uuid4().hex[:8]}.download"
        try:
            fs.get_file(path, str(tmp))
            # Published again while we downloaded: the bytes may be either version.
            if _version(url) == version:
                os.replace(tmp, local)
                _prune(slot)
                return local, version
        finally:
            tmp.unlink(missing_ok=True)
    raise ConcurrentPublish(f"{url} kept changing while it was downloaded")


def readable(warehouse: str, cache_dir: str | None = None) -> str | None:
    """A local file holding the published warehouse, to open read-only (None: none yet)."""
    if not storage.is_remote(warehouse):
        return warehouse if os.path.exists(warehouse) else None
    got = _download(warehouse, _slot(warehouse, cache_dir))
    return str(got[0]) if got else None


class WriterLockTimeout(UserError, TimeoutError):
    """Another load held the warehouse's writer lock longer than the configured wait (a busy
    resource: the command line prints the message as one line and exits 2)."""


def _holder(lock_path: str) -> str:
    try:
        text = Path(lock_path).read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    pid, _, rest = text.partition(" ")
    started, _, run_id = rest.partition(" ")
    if not pid:
        return "another load"
    when = started[11:16] if len(started) >= 16 else started
    return f"the run {run_id + ' ' if run_id else ''}started at {when} by pid {pid}"


@contextmanager
def writer_lock(warehouse: str, run_id: str = "", timeout: float | None = None,
                notify: Callable[[str], None] | None = None,
                every: float = 5.0) -> Iterator[None]:
    """One writer at a time; the lock dies with its process, so a killed run frees it.

    A writer that has to wait says so every ``every`` seconds and for whom, and gives up
    with WriterLockTimeout after ``timeout`` seconds (None: waits as long as it takes)."""
    Path(warehouse).parent.mkdir(parents=True, exist_ok=True)
    lock_path = f"{warehouse}.lock"
    say = notify or (lambda msg: log.warning("%s", msg))
    with open(lock_path, "a+") as fh:
        t0 = time.monotonic()
        next_note = t0
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                now = time.monotonic()
                if timeout is not None and now - t0 >= timeout:
                    raise WriterLockTimeout(
                        f"{warehouse} is being loaded by {_holder(lock_path)}; gave up after "
                        f"waiting {timeout:g} s; run again once it is done, or raise "
                        "WIREHOUSE_LOCK_TIMEOUT (0: wait as long as it takes)") from None
                if now >= next_note:
                    say(f"waiting for {_holder(lock_path)} to finish loading {warehouse}")
                    next_note = now + every
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()} {datetime.now().astimezone().isoformat(timespec='seconds')} "
                 f"{run_id}\n")
        fh.flush()
        for stale in glob.glob(f"{glob.escape(warehouse)}.*.tmp*"):
            os.remove(stale)
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()


def fsync(path: str) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


@contextmanager
def next_object_version(warehouse: str, tag: str,
                        cache_dir: str | None = None) -> Iterator[tuple[str, str | None]]:
    """For a warehouse on object storage: yield (local file to build the next version at,
    local copy of the current version or None); when the block succeeds, upload what was
    built. A failure uploads nothing."""
    storage.check_location(warehouse, "warehouse")
    slot = _slot(warehouse, cache_dir)
    anchor = str(slot / "warehouse.duckdb")  # names the lock and the temporary files
    tmp = f"{anchor}.{tag}.tmp"
    with writer_lock(anchor):
        got = _download(warehouse, slot)
        try:
            yield tmp, (str(got[0]) if got else None)
            fsync(tmp)
            if _version(warehouse) != (got[1] if got else None):
                raise ConcurrentPublish(
                    f"{warehouse} was published by another writer during this load; nothing "
                    "was uploaded. Run one loader per warehouse; re-running loads on top of "
                    "the new version.")
            fs, path = storage.filesystem(warehouse)
            fs.put_file(tmp, path)
            version = _version(warehouse)
            if version is not None:
                os.replace(tmp, _cached(slot, version))
                _prune(slot)
        finally:
            for leftover in (tmp, f"{tmp}.wal"):
                Path(leftover).unlink(missing_ok=True)
