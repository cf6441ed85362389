"""What a lake keeps between runs (``_state/``: the near-duplicate index, the inputs rejected
whole) is read, merged and written by one run at a time; what runs leave in ``_staging/``
is removed by the next run once the run that wrote it is gone.

Runs of one lake may overlap (a schedule and a manual run): each starts from the state it
found and merges what it adds when it finishes; without a lock, the second writer would
replace the first one's additions.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from wirehouse.core.settings import Settings, default_cache_dir
from wirehouse.lake import storage


def lock_path(settings: Settings) -> Path:
    """Beside the state for a local lake; for one on object storage, a file in this machine's
    cache folder (runs on one machine are serialised; object storage has no lock to take)."""
    if not storage.is_remote(settings.lake):
        return Path(settings.lake, "_state", ".lock")
    digest = hashlib.sha256(str(settings.lake).encode()).hexdigest()[:16]
    return Path(settings.cache_dir or default_cache_dir(), "locks", f"lake-{digest}.lock")


@contextmanager
def state_lock(settings: Settings) -> Iterator[None]:
    """Held while the block updates the lake's state; it dies with its process, so a killed
    run frees it."""
    path = lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


# A run's staging folder (_staging/<run_id>) lives from its ingest to the end of its load. The
# run holds an flock on _staging/.<run_id>.running all that time, so a folder whose lock anyone
# can take was left by a run that was killed or failed: the next run removes it. The lock dies
# with the process that held it.
_running: dict[str, IO[str]] = {}
# A staging folder without a lock file (written before these locks existed) is removed once
# nothing has changed in it for this long.
UNLOCKED_STALE_SECONDS = 24 * 3600


def _running_lock(lake: str, run_id: str) -> Path:
    return Path(lake, "_staging", f".{run_id}.running")


def mark_running(settings: Settings, run_id: str) -> None:
    """Hold this run's staging lock (local lakes; a no-op on object storage, which has no
    locks: its staging folders are not removed by a later run)."""
    if storage.is_remote(settings.lake) or run_id in _running:
        return
    path = _running_lock(settings.lake, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fh = open(path, "a")  # noqa: SIM115 - held until mark_finished
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            same = os.stat(path).st_ino == os.fstat(fh.fileno()).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not removed meanwhile by a run that took it for a stale one
            _running[run_id] = fh
            return
        fh.close()


def mark_finished(settings: Settings, run_id: str) -> None:
    """Drop this run's staging lock (its folder is gone or about to be)."""
    fh = _running.pop(run_id, None)
    if fh is not None:
        _running_lock(settings.lake, run_id).unlink(missing_ok=True)
        fh.close()


def remove_stale_staging(settings: Settings) -> list[str]:
    """Remove the staging folders (and locks) of runs no live process holds; returns their
    run ids."""
    root = Path(settings.lake, "_staging")
    if storage.is_remote(settings.lake) or not root.is_dir():
        return []
    removed = []
    for folder in root.iterdir():
        run_id = folder.name
        if run_id.startswith(".") or run_id in _running or not folder.is_dir():
            continue
        lock = _running_lock(settings.lake, run_id)
        try:
            fh = open(lock)  # noqa: SIM115
        except FileNotFoundError:
            if time.time() - _newest_change(folder) > UNLOCKED_STALE_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(run_id)
            continue
        with fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live run's
            shutil.rmtree(folder, ignore_errors=True)
            lock.unlink(missing_ok=True)
            removed.append(run_id)
    for lock in root.glob(".*.running"):  # a lock left without its folder
        run_id = lock.name[1:-len(".running")]
        if run_id not in _running and not (root / run_id).exists():
            with open(lock) as fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                lock.unlink(missing_ok=True)
    return removed


def _newest_change(folder: Path) -> float:
    return max([folder.stat().st_mtime,
                *(p.stat().st_mtime for p in folder.rglob("*") if p.is_file())])
