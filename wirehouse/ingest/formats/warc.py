"""WARC archives (.warc): every HTML response record is a document, streamed record by record.

Record boundaries come from ``warc_frames`` (which checks each record's Content-Length and
goes on after a record cut short); warcio parses each whole record's HTTP part.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import IO

from warcio.archiveiterator import ArchiveIterator

from wirehouse.core.documents import RawDocument, Rejected
from wirehouse.ingest.bounds import InputTooLarge
from wirehouse.ingest.formats.common import FIRST_BYTES, STREAM_ERRORS, parse_time
from wirehouse.ingest.formats.html import html_document
from wirehouse.ingest.formats.warc_frames import Frame, frames

# What one archive may inflate to in all; past it the rest of the archive is quarantined.
MAX_ARCHIVE_BYTES = 64 * 1024**3


def read_warc(uri: str, stream: IO[bytes], max_bytes: int,
              mapping: Mapping[str, str]) -> Iterator[RawDocument | Rejected]:
    """Every HTML response record of a WARC (plain, gzip per record or gzipped whole) is a
    document. A record cut short or malformed is quarantined with its number and byte offset,
    and the records after it are read.

    The crawl date (WARC-Date) stands in for the publication date only when the page has none:
    a crawl can be years after publication. Records are numbered from 1 in archive order,
    counting every record (warcinfo, request, ...), so the number finds it with any WARC tool.
    """
    number = 0
    try:
        for frame in frames(stream, max_bytes, MAX_ARCHIVE_BYTES):
            number = frame.number
            if frame.data is None:
                yield Rejected(uri, frame.error or "malformed_warc", frame.message,
                               frame.number)
                continue
            doc = _record_document(uri, frame, max_bytes)
            if doc is not None:
                yield doc
    except InputTooLarge as exc:
        yield Rejected(uri, "too_large", f"archive inflates to {exc}; records after "
                       f"{number} were not read", number + 1)
    except STREAM_ERRORS as exc:
        yield Rejected(uri, "truncated_warc", f"archive unreadable after record {number}: "
                       f"{type(exc).__name__}: {exc}", number + 1)


def _record_document(uri: str, frame: Frame, max_bytes: int) -> RawDocument | Rejected | None:
    """The document of one whole record, its rejection, or None for a record that holds no
    page (warcinfo, request, a non-HTML response)."""
    assert frame.data is not None
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(frame.data))))
        ctype = (record.http_headers.get_header("Content-Type") or "").lower() if (
            record.http_headers is not None) else ""
        if record.rec_type != "response" or "html" not in ctype:
            return None
        data = record.content_stream().read(max_bytes + 1)
    except (*STREAM_ERRORS, ValueError, StopIteration) as exc:
        return Rejected(uri, "malformed_warc", f"record {frame.number} at byte "
                        f"{frame.offset}: its HTTP part does not parse: {exc}", frame.number)
    if len(data) > max_bytes:
        return Rejected(uri, "too_large", f"record payload exceeds the {max_bytes} byte limit",
                        frame.number, data[:FIRST_BYTES])
    target = record.rec_headers.get_header("WARC-Target-URI")
    doc = html_document(uri, data, frame.number, target, {})
    if isinstance(doc, RawDocument) and doc.published_at is None:
        crawled = parse_time(record.rec_headers.get_header("WARC-Date"))
        doc = replace(doc, published_at=crawled)
    return doc
