"""Where the lake lives: a local folder or an object-storage URL (s3://, gs://, az://, memory://).

Local paths keep the behaviour they always had (os calls, write to a temporary name and rename).
A URL goes through fsspec, with the credentials and endpoint fsspec and the cloud SDK find in
the environment (AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL, AWS_PROFILE, FSSPEC_S3_* ...), so every
worker reaches the same lake with its own machine's configuration.

Object stores have no rename: an object appears whole when its upload completes (one PUT, or
the completion of a multipart upload), so a file is written to a local temporary file first
and uploaded once complete; a killed writer leaves no half object.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

import fsspec
from fsspec.core import split_protocol, url_to_fs

from wirehouse.core.errors import UserError

Location = str | Path

# fsspec's package for each protocol, for the error a missing one gives.
_EXTRAS = {"s3": "s3fs (pip install -e '.[s3]')", "s3a": "s3fs (pip install -e '.[s3]')",
           "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs", "abfss": "adlfs"}


class StorageError(UserError, RuntimeError):
    """A lake or warehouse URL that cannot be used: unknown protocol, missing bucket."""


def is_remote(path: Location) -> bool:
    protocol, _ = split_protocol(str(path))
    return protocol not in (None, "file", "local")


def filesystem(url: Location) -> tuple[fsspec.AbstractFileSystem, str]:
    """The fsspec filesystem for ``url`` and the path within it."""
    try:
        return url_to_fs(str(url))
    except ImportError as exc:
        protocol = split_protocol(str(url))[0] or ""
        raise StorageError(f"{url}: the {protocol}:// protocol needs "
                           f"{_EXTRAS.get(protocol, 'its fsspec package')}") from exc
    except ValueError as exc:
        raise StorageError(f"{url}: not a storage URL fsspec knows ({exc})") from exc


def for_arrow(paths: list[str]) -> tuple[fsspec.AbstractFileSystem | None, list[str]]:
    """``paths`` as pyarrow reads them: local ones as they are, with no filesystem (pyarrow's
    own is the fastest), object-storage ones as paths within their fsspec filesystem."""
    if not paths or not is_remote(paths[0]):
        return None, list(paths)
    fs, _ = filesystem(paths[0])
    return fs, [filesystem(p)[1] for p in paths]


def check_location(url: Location, what: str) -> None:
    """Fail early and plainly when ``url``'s bucket or container is not there, instead of on
    the first write after retries ("lake s3://nobucket/lake: bucket 'nobucket' ...")."""
    if not is_remote(url):
        return
    fs, path = filesystem(url)
    root = path.strip("/").split("/", 1)[0]
    if not root and fs.root_marker == "":
        raise StorageError(f"{what} {url}: the URL names no bucket")
    try:
        found = not root or fs.root_marker != "" or fs.exists(root)
    except (OSError, ValueError) as exc:
        raise StorageError(f"{what} {url}: cannot reach its storage: {exc}") from exc
    if not found:
        raise StorageError(f"{what} {url}: bucket {root!r} does not exist "
                           "(or these credentials cannot see it)")


def join(base: Location, *parts: str) -> Location:
    """``base``/``parts``: a Path for a local base (as the lake always was), a URL string else."""
    if not is_remote(base):
        return Path(base, *parts)
    return "/".join([str(base).rstrip("/"), *parts])


def exists(path: Location) -> bool:
    if not is_remote(path):
        return os.path.exists(path)
    fs, p = filesystem(path)
    # A long-lived process (wirehouse schedule) must not answer from a listing cached before
    # another machine wrote or removed the object.
    fs.invalidate_cache(p)
    return bool(fs.exists(p))


def list_files(folder: Location, suffix: str = "") -> list[tuple[str, int]]:
    """(path, size) of the files directly in ``folder`` ending in ``suffix``, by name; none
    if the folder does not exist. Paths keep the folder's spelling (URL or local path)."""
    if not is_remote(folder):
        if not os.path.isdir(folder):
            return []
        return [(str(p), p.stat().st_size) for p in sorted(Path(folder).iterdir())
                if p.is_file() and p.name.endswith(suffix)]
    fs, p = filesystem(folder)
    try:
        entries = fs.ls(p, detail=True, refresh=True)
    except FileNotFoundError:
        return []
    base = str(folder).rstrip("/")
    found = []
    for e in entries:
        name = e["name"].rstrip("/").rsplit("/", 1)[-1]
        if e["type"] == "file" and name.endswith(suffix):
            found.append((f"{base}/{name}", int(e["size"])))
    return sorted(found)


def modified(path: Location) -> float:
    """Last-modified time as a Unix timestamp."""
    if not is_remote(path):
        return os.path.getmtime(path)
    fs, p = filesystem(path)
    return float(fs.modified(p).timestamp())


def remove(path: Location) -> None:
    """Remove a file; a missing one is fine."""
    if not is_remote(path):
        Path(path).unlink(missing_ok=True)
        return
    fs, p = filesystem(path)
    with suppress(FileNotFoundError):
        fs.rm_file(p)


def remove_tree(path: Location) -> None:
    if not is_remote(path):
        shutil.rmtree(path, ignore_errors=True)
        return
    fs, p = filesystem(path)
    if fs.exists(p):
        fs.rm(p, recursive=True)


def move(src: Location, dst: Location) -> None:
    """Local: an atomic rename. Object storage: a server-side copy (the new object appears
    whole) and a delete."""
    if not is_remote(dst):
        os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
        os.replace(src, dst)
        return
    fs, s = filesystem(src)
    fs.mv(s, filesystem(dst)[1])


@contextmanager
def open_read(path: Location) -> Iterator[IO[bytes]]:
    if not is_remote(path):
        with open(path, "rb") as fh:
            yield fh
        return
    fs, p = filesystem(path)
    with fs.open(p, "rb") as fh:
        yield fh


@contextmanager
def atomic_write(path: Location) -> Iterator[IO[bytes]]:
    """A file handle whose content appears at ``path`` only if the block completes."""
    if not is_remote(path):
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            with open(tmp, "wb") as fh:
                yield fh
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return
    fs, p = filesystem(path)
    with tempfile.NamedTemporaryFile(prefix=".wirehouse-", suffix=".upload") as fh:
        yield fh
        fh.flush()
        fs.put_file(fh.name, p)


def write_bytes(path: Location, data: bytes) -> None:
    with atomic_write(path) as fh:
        fh.write(data)


def read_bytes(path: Location) -> bytes:
    with open_read(path) as fh:
        return fh.read()
