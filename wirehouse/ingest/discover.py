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
import stat
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, cast

import fsspec
from fsspec.implementations.local import LocalFileSystem

from wirehouse.core.documents import RawDocument, Rejected
from wirehouse.core.errors import NoInputError
from wirehouse.core.settings import Settings
from wirehouse.ingest.bounds import CappedReader, NotRegular, kind, open_regular
from wirehouse.ingest.checks import checked_document
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


@dataclass(frozen=True)
class InputLimits:
    """Bounds on what one run reads (settings: WIREHOUSE_MAX_INPUT_BYTES, _MAX_DOC_CHARS,
    _LONG_DOCUMENTS); ``allowed`` roots, when set, confine every file read, symlinks
    resolved (a deployment's allow-list, flows.parameters)."""

    max_input_bytes: int = 16 * 1024**3
    max_doc_chars: int = 100_000
    split_long: bool = True
    allowed: tuple[str, ...] | None = None
    # uri -> fingerprint of local inputs rejected whole before and known to the warehouse:
    # while the file's stat is the same, it is not read again.
    rejected_before: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, settings: Settings, allowed: tuple[str, ...] | None = None,
           rejected_before: Mapping[str, str] | None = None) -> InputLimits:
        return cls(settings.max_input_bytes, settings.max_doc_chars,
                   settings.long_documents == "split", allowed, rejected_before or {})


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


def display_uri(path: str) -> str:
    """The path as reports show it: as given, or, for a name that is not UTF-8 (which
    Parquet cannot store), its file:// URI with the raw bytes percent-encoded: lossless,
    and what any URI parser turns back into the same bytes."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return Path(os.path.abspath(path)).as_uri()
    return path


def _sidecars(names: Iterable[str]) -> set[str]:
    """The ``.json`` names among ``names`` that are sidecars of a whole-file input beside
    them (``a.json`` or ``a.txt.json`` next to ``a.txt``, ``a.txt.gz``, ``a.html``...): read
    with that input, not inputs of their own."""
    stems = set()
    for name in names:
        if _suffix(name) in BYTE_READERS:
            base = name[:-3] if name.lower().endswith(".gz") else name
            stems.update({posixpath.splitext(base)[0] + ".json", base + ".json"})
    return {name for name in names if name in stems}


def _local_input(path: str, fs: fsspec.AbstractFileSystem) -> Input | Rejected:
    uri = display_uri(path)
    try:
        mode = os.stat(path).st_mode  # stat, not open: opening a device can act on it
    except OSError as exc:
        return Rejected(uri, "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}")
    if not stat.S_ISREG(mode):
        return Rejected(uri, "not_regular_file", f"{path} is {kind(mode)}, not a regular file")
    if _suffix(path) is None:
        return Rejected(uri, "unsupported_type", "no reader for this file type (readers: "
                        f"{', '.join(_SUFFIXES)}, each also gzipped)")
    return Input(uri, fs, path)


def _discover_local(raw: str, fs: fsspec.AbstractFileSystem) -> Iterator[Input | Rejected]:
    matches = sorted(glob.glob(raw, recursive=True)) if glob.has_magic(raw) else [raw]
    if not matches or not os.path.lexists(matches[0]):
        raise NoInputError(f"no input matches {raw!r}: check the path, folder or glob")
    for match in matches:
        if not os.path.isdir(match):
            yield _local_input(match, fs)
            continue
        unreadable: list[OSError] = []
        for root, dirs, files in os.walk(match, onerror=unreadable.append):
            while unreadable:
                exc = unreadable.pop()
                yield Rejected(display_uri(str(exc.filename or root)), "unreadable",
                               f"folder not listed: {exc.strerror or exc}")
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            sidecars = _sidecars(files)
            for name in sorted(files):
                if not name.startswith(".") and name not in sidecars:
                    yield _local_input(os.path.join(root, name), fs)
        for exc in unreadable:
            yield Rejected(display_uri(str(exc.filename or match)), "unreadable",
                           f"folder not listed: {exc.strerror or exc}")


def _discover_url(raw: str) -> Iterator[Input | Rejected]:
    fs, path = filesystem(raw)
    matches = sorted(fs.glob(path)) if glob.has_magic(path) else (
        [path] if fs.exists(path) else [])
    if not matches:
        raise NoInputError(f"no input matches {raw!r}: check the path, folder or glob")
    for match in matches:
        if fs.isdir(match):
            base = match.rstrip("/")
            found = sorted(fs.find(match))
            sidecars = _url_sidecars(found)
            for path in found:
                if _visible(path[len(base):]) and path not in sidecars:
                    yield _url_input(fs, path)
        else:
            yield _url_input(fs, match)


def _url_sidecars(paths: list[str]) -> set[str]:
    by_folder: dict[str, list[str]] = {}
    for path in paths:
        by_folder.setdefault(posixpath.dirname(path), []).append(posixpath.basename(path))
    return {posixpath.join(folder, name) for folder, names in by_folder.items()
            for name in _sidecars(names)}


def _url_input(fs: fsspec.AbstractFileSystem, path: str) -> Input | Rejected:
    uri = fs.unstrip_protocol(path)
    if _suffix(path) is None:
        return Rejected(uri, "unsupported_type", "no reader for this file type")
    return Input(uri, fs, path)


def discover(paths: Iterable[str]) -> Iterator[Input | Rejected]:
    """Inputs in a deterministic order: arguments as given, each expanded in sorted order;
    a folder that cannot be listed or a file no reader takes is a rejection in its place."""
    local = fsspec.filesystem("file")
    for raw in paths:
        yield from (_discover_url(raw) if _has_protocol(raw) else _discover_local(raw, local))


def _is_local(inp: Input) -> bool:
    return isinstance(inp.fs, LocalFileSystem)


def _open_file(inp: Input, path: str) -> IO[bytes]:
    """A regular file of the input's filesystem, opened for reading; NotRegular for a FIFO,
    socket, device or folder (local), or anything fsspec does not call a file (remote)."""
    if _is_local(inp):
        return open_regular(path)
    info = inp.fs.info(path)
    if info.get("type") != "file":
        raise NotRegular(f"{path} is a {info.get('type')}, not a file")
    return cast(IO[bytes], inp.fs.open(path, "rb"))


def _open(inp: Input, stack: ExitStack, decompress: bool, limit: int | None) -> IO[bytes]:
    """The input's bytes, gunzipped if ``decompress``; reading more than ``limit`` bytes out
    of a gzip raises InputTooLarge."""
    raw = stack.enter_context(_open_file(inp, inp.path))
    if decompress and inp.path.lower().endswith(".gz"):
        gz = gzip.GzipFile(fileobj=raw, mode="rb")
        stack.callback(gz.close)
        return cast(IO[bytes], gz if limit is None else CappedReader(cast(IO[bytes], gz), limit))
    return raw


# A sidecar is a few fields of metadata.
MAX_SIDECAR_BYTES = 1024 * 1024


class _BadSidecar(Exception):
    def __init__(self, path: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.path, self.reason = path, reason


def _sidecar(inp: Input) -> dict[str, object]:
    """``<name>.json`` next to ``<name>.txt`` (or ``.txt.gz``): the metadata an export kept;
    _BadSidecar when there is one that cannot be used."""
    base = inp.path[:-3] if inp.path.lower().endswith(".gz") else inp.path
    stem, _ = posixpath.splitext(base)
    for candidate in (stem + ".json", base + ".json"):
        if candidate == inp.path or not (
                os.path.lexists(candidate) if _is_local(inp) else inp.fs.exists(candidate)):
            continue
        try:
            with _open_file(inp, candidate) as fh:
                data = fh.read(MAX_SIDECAR_BYTES + 1)
        except NotRegular as exc:
            raise _BadSidecar(candidate, "not_regular_file", f"sidecar: {exc}") from exc
        except OSError as exc:
            raise _BadSidecar(candidate, "bad_sidecar", f"sidecar unreadable: {exc}") from exc
        if len(data) > MAX_SIDECAR_BYTES:
            raise _BadSidecar(candidate, "bad_sidecar",
                              f"sidecar over {MAX_SIDECAR_BYTES} bytes")
        try:
            return read_sidecar(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _BadSidecar(candidate, "bad_sidecar",
                              f"sidecar JSON unreadable: {exc}") from exc
    return {}


def _read_bytes(inp: Input, max_bytes: int, reader: Reader) -> Iterator[RawDocument | Rejected]:
    try:
        with ExitStack() as stack:
            data = _open(inp, stack, True, None).read(max_bytes + 1)
    except (EOFError, zlib.error) as exc:
        yield Rejected(inp.uri, "truncated_gzip", f"gzip stream ends early or is corrupt: {exc}")
        return
    except gzip.BadGzipFile as exc:
        yield Rejected(inp.uri, "bad_gzip", f"not a gzip file: {exc}")
        return
    except NotRegular as exc:
        yield Rejected(inp.uri, "not_regular_file", str(exc))
        return
    except OSError as exc:
        yield Rejected(inp.uri, "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}")
        return
    if len(data) > max_bytes:
        yield Rejected(inp.uri, "too_large", f"more than the {max_bytes} byte limit", None,
                       data[:FIRST_BYTES])
        return
    meta: dict[str, object] = {}
    try:
        meta = _sidecar(inp)
    except _BadSidecar as exc:
        where = (inp.fs.unstrip_protocol(exc.path) if _has_protocol(inp.uri)
                 else display_uri(exc.path))
        yield Rejected(where, exc.reason, str(exc))
    yield from reader(inp.uri, data, meta)


def _read_stream(inp: Input, limits: InputLimits, max_bytes: int, reader: StreamReader,
                 mapping: Mapping[str, str]) -> Iterator[RawDocument | Rejected]:
    # The WARC reader finds gzip members itself (and must, to go on after a broken one).
    decompress = reader is not read_warc
    try:
        with ExitStack() as stack:
            stream = _open(inp, stack, decompress, limits.max_input_bytes)
            yield from reader(inp.uri, stream, max_bytes, mapping)
    except NotRegular as exc:
        yield Rejected(inp.uri, "not_regular_file", str(exc))
    except OSError as exc:  # open failed; read errors are the reader's to report per record
        yield Rejected(inp.uri, "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}")


def _outside(inp: Input, allowed: tuple[str, ...]) -> Rejected | None:
    """A file whose real location is outside the allowed roots (a symlink out of them)."""
    where = os.path.realpath(inp.path) if _is_local(inp) else inp.uri
    if any(within(where, root) for root in allowed):
        return None
    return Rejected(inp.uri, "outside_allowed_paths", f"resolves to {display_uri(where)}, "
                    "outside the folders this deployment may read")


def within(path: str, root: str) -> bool:
    """Whether ``path`` is ``root`` or lies under it (both absolute or both URLs)."""
    return path == root or path.startswith(root.rstrip("/") + "/")


def read_inputs(paths: Iterable[str], max_bytes: int,
                jsonl_mapping: dict[str, str] | None = None,
                limits: InputLimits | None = None) -> Iterator[RawDocument | Rejected]:
    """Documents and rejections of every input, in discovery order.

    Never raises for bad input (each becomes a Rejected with a reason code, and whatever
    goes wrong inside a reader quarantines that input, not the run); raises
    FileNotFoundError for a path, glob or URL that matches nothing, since that is a typo in the
    run's arguments, not bad data.
    """
    limits = limits or InputLimits()
    for inp in discover(paths):
        if isinstance(inp, Rejected):
            yield inp
            continue
        refused = _outside(inp, limits.allowed) if limits.allowed is not None else None
        if refused is not None:
            yield refused
            continue
        fingerprint = _fingerprint(inp)
        if fingerprint and limits.rejected_before.get(inp.uri) == fingerprint:
            continue  # rejected whole before, unchanged since: a stat, not a read
        suffix = _suffix(inp.path)
        if suffix in STREAM_READERS:
            items = _read_stream(inp, limits, max_bytes, STREAM_READERS[suffix],
                                 jsonl_mapping or {})
        else:
            items = _read_bytes(inp, max_bytes, BYTE_READERS[suffix or ""])
        for item in documents(inp.uri, items, limits):
            if fingerprint and isinstance(item, Rejected) and item.record is None and (
                    item.uri == inp.uri):
                item = replace(item, fingerprint=fingerprint)
            yield item


def _fingerprint(inp: Input) -> str:
    """A local file's identity and version (inode, size, mtime, ctime, mode): what a re-read
    of an input rejected whole depends on. "" for remote inputs (always read)."""
    if not _is_local(inp):
        return ""
    try:
        st = os.stat(inp.path)
    except OSError:
        return ""
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_mode}"


def documents(uri: str, items: Iterator[RawDocument | Rejected],
              limits: InputLimits) -> Iterator[RawDocument | Rejected]:
    """A reader's output made safe to stage: text that is valid Unicode, the declared
    language normalised, bodies over the character limit split or quarantined. A reader
    that fails quarantines its input (what it yielded before stays)."""
    try:
        for item in items:
            if isinstance(item, Rejected):
                yield item
            else:
                yield from checked_document(item, limits.max_doc_chars, limits.split_long)
    except Exception as exc:  # noqa: BLE001 - one input's failure must not stop the run
        yield Rejected(uri, "reader_error", f"reading stopped: {type(exc).__name__}: {exc}")
