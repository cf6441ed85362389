"""What a lake keeps between runs (``_state/``: the near-duplicate index, the inputs rejected
whole) is read, merged and written by one run at a time.

Runs of one lake may overlap (a schedule and a manual run): each starts from the state it
found and merges what it adds when it finishes; without a lock, the second writer would
replace the first one's additions.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
