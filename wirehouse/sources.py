"""Find input files and turn each into documents or rejections with the matching reader."""

from __future__ import annotations

import glob
import gzip
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from wirehouse.documents import RawDocument, Rejected
from wirehouse.readers import READERS, read_sidecar


def discover(paths: Iterable[str]) -> Iterator[str]:
    """Files named by paths, directories (recursive, sorted) and globs; sidecars excluded."""
    for raw in paths:
        matches = sorted(glob.glob(raw, recursive=True)) if glob.has_magic(raw) else [raw]
        if not matches:
            raise FileNotFoundError(f"no input matches {raw!r}")
        for match in matches:
            p = Path(match)
            if p.is_dir():
                for root, dirs, files in os.walk(p):
                    dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                    for name in sorted(files):
                        if not name.startswith(".") and _reader_for(name) is not None:
                            yield str(Path(root) / name)
            elif p.exists():
                yield str(p)
            else:
                raise FileNotFoundError(f"input not found: {raw!r}")


def _reader_for(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    for suffix in sorted(READERS, key=len, reverse=True):
        if lower.endswith(suffix):
            return suffix
    return None


def read_inputs(paths: Iterable[str], max_bytes: int) -> Iterator[RawDocument | Rejected]:
    """Documents and rejections of every input, in discovery order."""
    for uri in discover(paths):
        suffix = _reader_for(uri)
        if suffix is None:
            yield Rejected(uri, "unsupported", "no reader for this file type")
            continue
        try:
            data = Path(uri).read_bytes()
            if uri.lower().endswith(".gz"):
                data = gzip.decompress(data)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            yield Rejected(uri, "unreadable", f"{type(exc).__name__}: {exc}")
            continue
        if len(data) > max_bytes:
            yield Rejected(uri, "too_large", f"{len(data)} bytes exceeds the {max_bytes} limit",
                           None, data[:64])
            continue
        sidecar = Path(uri).with_suffix(".json")
        try:
            meta = read_sidecar(sidecar.read_bytes() if sidecar.exists() else None)
        except (ValueError, UnicodeDecodeError) as exc:
            yield Rejected(str(sidecar), "bad_sidecar", f"sidecar JSON unreadable: {exc}")
            meta = {}
        yield from READERS[suffix](uri, data, meta)
