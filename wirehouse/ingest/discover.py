"""Find input files and turn each into documents or rejections with the matching reader.

Inputs are local paths, directories (recursive), globs, or any URL fsspec opens (``file://``,
``memory://``, ``s3://`` with the s3 extra). Local paths keep the spelling the user gave, so the
uri in ``document_sources`` and ``quarantine`` is the path they know.
"""

from __future__ import annotations

import glob
import gzip
import os
import posixpath
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import fsspec

from wirehouse.core.documents import RawDocument, Rejected
from wirehouse.core.errors import NoInputError
from wirehouse.ingest.formats.common import FIRST_BYTES, Reader, StreamReader, read_sidecar
from wirehouse.ingest.formats.html import read_html
from wirehouse.ingest.formats.jsonl import read_jsonl
from wirehouse.ingest.formats.text import read_text
from wirehouse.ingest.formats.warc import read_warc
from wirehouse.lake.storage import filesystem

# Whole-file formats: read (bounded by max_bytes) and handed over as bytes. A new input
# format is a module in formats/ and a line here.
BYTE_READERS: dict[str, Reader] = {".txt": read_text, ".text": read_text,
                                   ".html": read_html, ".htm": read_html}
# Streaming formats: a reader iterates lines/records, the size limit applies per record.
STREAM_READERS: dict[str, StreamReader] = {".jsonl": read_jsonl, ".warc": read_warc}
_SUFFIXES = sorted([*BYTE_READERS, *STREAM_READERS], key=len, reverse=True)


@dataclass(frozen=True)
class Input:
    uri: str                        # what reports and tables show
    fs: fsspec.AbstractFileSystem
    path: str                       # what ``fs`` opens


def _has_protocol(raw: str) -> bool:
    return "://" in raw


def _suffix(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    return next((s for s in _SUFFIXES if lower.endswith(s)), None)


def _visible(rel: str) -> bool:
    # Hidden files and folders (.git, .DS_Store, editor temp files) are never inputs.
    return not any(part.startswith(".") for part in rel.split("/") if part)


def _discover_local(raw: str, fs: fsspec.AbstractFileSystem) -> Iterator[Input]:
    matches = sorted(glob.glob(raw, recursive=True)) if glob.has_magic(raw) else [raw]
    if not matches or not Path(matches[0]).exists():
        raise NoInputError(f"no input matches {raw!r}: check the path, folder or glob")
    for match in matches:
        p = Path(match)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and _suffix(name) is not None:
                        path = str(Path(root) / name)
                        yield Input(path, fs, path)
        elif p.exists():
            yield Input(match, fs, match)


def _discover_url(raw: str) -> Iterator[Input]:
    fs, path = filesystem(raw)
    matches = sorted(fs.glob(path)) if glob.has_magic(path) else (
        [path] if fs.exists(path) else [])
    if not matches:
        raise NoInputError(f"no input matches {raw!r}: check the path, folder or glob")
    for match in matches:
        if fs.isdir(match):
            base = match.rstrip("/")
            for found in sorted(fs.find(match)):
                rel = found[len(base):]
                if _visible(rel) and _suffix(found) is not None:
                    yield Input(fs.unstrip_protocol(found), fs, found)
        else:
            yield Input(fs.unstrip_protocol(match), fs, match)


def discover(paths: Iterable[str]) -> Iterator[Input]:
    """Inputs in a deterministic order: arguments as given, each expanded in sorted order."""
    local = fsspec.filesystem("file")
    for raw in paths:
        yield from (_discover_url(raw) if _has_protocol(raw) else _discover_local(raw, local))


def _open(inp: Input, stack: ExitStack, decompress: bool) -> IO[bytes]:
    raw: IO[bytes] = stack.enter_context(inp.fs.open(inp.path, "rb"))
    if decompress and inp.path.lower().endswith(".gz"):
        gz = gzip.GzipFile(fileobj=raw, mode="rb")
        stack.callback(gz.close)
        return cast(IO[bytes], gz)
    return raw


def _sidecar(inp: Input) -> tuple[str, bytes] | None:
    """``<name>.json`` next to ``<name>.txt`` (or ``.txt.gz``): the metadata an export kept."""
    base = inp.path[:-3] if inp.path.lower().endswith(".gz") else inp.path
    stem, _ = posixpath.splitext(base)
    for candidate in (stem + ".json", base + ".json"):
        if candidate != inp.path and inp.fs.exists(candidate):
            return candidate, inp.fs.cat_file(candidate)
    return None


def _read_bytes(inp: Input, max_bytes: int, reader: Reader) -> Iterator[RawDocument | Rejected]:
    try:
        with ExitStack() as stack:
            data = _open(inp, stack, decompress=True).read(max_bytes + 1)
    except (EOFError, zlib.error) as exc:
        yield Rejected(inp.uri, "truncated_gzip", f"gzip stream ends early or is corrupt: {exc}")
        return
    except gzip.BadGzipFile as exc:
        yield Rejected(inp.uri, "bad_gzip", f"not a gzip file: {exc}")
        return
    except OSError as exc:
        yield Rejected(inp.uri, "unreadable", f"{type(exc).__name__}: {exc}")
        return
    if len(data) > max_bytes:
        yield Rejected(inp.uri, "too_large", f"more than the {max_bytes} byte limit", None,
                       data[:FIRST_BYTES])
        return
    meta: dict[str, object] = {}
    try:
        found = _sidecar(inp)
        if found is not None:
            sidecar_path, sidecar_bytes = found
            try:
                meta = read_sidecar(sidecar_bytes)
            except (ValueError, UnicodeDecodeError) as exc:
                yield Rejected(inp.fs.unstrip_protocol(sidecar_path) if _has_protocol(inp.uri)
                               else sidecar_path, "bad_sidecar", f"sidecar JSON unreadable: {exc}")
    except OSError as exc:
        yield Rejected(inp.uri, "bad_sidecar", f"sidecar unreadable: {exc}")
    yield from reader(inp.uri, data, meta)


def _read_stream(inp: Input, max_bytes: int, reader: StreamReader,
                 mapping: Mapping[str, str]) -> Iterator[RawDocument | Rejected]:
    # warcio undoes per-record gzip itself (and must, to find record boundaries).
    decompress = reader is not read_warc
    try:
        with ExitStack() as stack:
            stream = _open(inp, stack, decompress)
            yield from reader(inp.uri, stream, max_bytes, mapping)
    except OSError as exc:  # open failed; read errors are the reader's to report per record
        yield Rejected(inp.uri, "unreadable", f"{type(exc).__name__}: {exc}")


def read_inputs(paths: Iterable[str], max_bytes: int,
                jsonl_mapping: dict[str, str] | None = None) -> Iterator[RawDocument | Rejected]:
    """Documents and rejections of every input, in discovery order.

    Never raises for bad input (each becomes a Rejected with a reason code); raises
    FileNotFoundError for a path, glob or URL that matches nothing, since that is a typo in the
    run's arguments, not bad data.
    """
    for inp in discover(paths):
        suffix = _suffix(inp.path)
        if suffix is None:
            yield Rejected(inp.uri, "unsupported", "no reader for this file type")
        elif suffix in STREAM_READERS:
            yield from _read_stream(inp, max_bytes, STREAM_READERS[suffix], jsonl_mapping or {})
        else:
            yield from _read_bytes(inp, max_bytes, BYTE_READERS[suffix])
