"""WARC archives (.warc): every HTML response record is a document, streamed record by record."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator

from wirehouse.core.documents import RawDocument, Rejected
from wirehouse.ingest.formats.common import FIRST_BYTES, STREAM_ERRORS, parse_time
from wirehouse.ingest.formats.html import html_document


def read_warc(uri: str, stream: IO[bytes], max_bytes: int,
              mapping: Mapping[str, str]) -> Iterator[RawDocument | Rejected]:
    """Every HTML response record of a WARC (gzip per record or plain) is a document.

    The crawl date (WARC-Date) stands in for the publication date only when the page has none:
    a crawl can be years after publication. Records are numbered from 1 in archive order,
    counting every record (warcinfo, request, ...), so the number finds it with any WARC tool.
    """
    record_no = 0
    archive = _CheckedArchiveIterator(stream)
    try:
        for record in archive:
            record_no += 1
            ctype = (record.http_headers.get_header("Content-Type") or "").lower() if (
                record.http_headers is not None) else ""
            if record.rec_type != "response" or "html" not in ctype:
                _drain(record.raw_stream)
                if _cut_short(record):
                    break
                continue
            data = record.content_stream().read(max_bytes + 1)
            if len(data) > max_bytes:
                yield Rejected(uri, "too_large", f"record payload exceeds the {max_bytes} byte "
                               "limit", record_no, data[:FIRST_BYTES])
                continue
            if _cut_short(record):
                break
            target = record.rec_headers.get_header("WARC-Target-URI")
            doc = html_document(uri, data, record_no, target, {})
            if isinstance(doc, RawDocument) and doc.published_at is None:
                crawled = parse_time(record.rec_headers.get_header("WARC-Date"))
                doc = replace(doc, published_at=crawled)
            yield doc
        else:
            if not archive.truncated:
                return
            record_no += 1  # the record whose headers were cut off
    except STREAM_ERRORS as exc:
        record_no += 1
        yield Rejected(uri, "truncated_warc", f"archive is corrupt at record {record_no}; "
                       f"earlier records were kept, the rest is lost: {exc}", record_no)
        return
    yield Rejected(uri, "truncated_warc", f"archive ends inside record {record_no}; earlier "
                   "records were kept, the rest is lost", record_no)


class _CheckedArchiveIterator(ArchiveIterator):
    """warcio ends quietly when an archive is cut inside a record's headers; this notices.

    A complete gzip WARC ends exactly at the end of a gzip member, so a decompressor that has
    not reached its end-of-stream marker when iteration stops means the file was cut.
    """

    truncated = False

    def close(self) -> None:
        reader = getattr(self, "reader", None)
        decompressor = getattr(reader, "decompressor", None)
        if decompressor is not None and not decompressor.eof:
            self.truncated = True
        super().close()


def _drain(raw: IO[bytes]) -> None:
    while raw.read(1 << 16):
        pass


def _cut_short(record: Any) -> bool:
    """True when the archive ended before the record's declared Content-Length."""
    return bool(getattr(record.raw_stream, "limit", 0))
