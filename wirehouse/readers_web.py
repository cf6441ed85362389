"""Readers for what crawlers and scrapers produce: HTML pages, JSONL dumps and WARC archives.

HTML goes through trafilatura (a maintained extractor) rather than hand-written rules: news sites
change their templates far faster than we could keep selectors up to date. JSONL and WARC readers
take a binary stream and iterate lines/records, because a single dump may be gigabytes.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from wirehouse.documents import RawDocument, Rejected
from wirehouse.readers import FIRST_BYTES, decode_text, parse_time

StreamReader = Callable[[str, IO[bytes], int, Mapping[str, str]],
                        Iterator[RawDocument | Rejected]]

# JSONL field names, overridable per run: document attribute -> field in the record.
DEFAULT_JSONL_MAPPING: dict[str, str] = {
    "id": "id", "url": "url", "title": "title", "text": "text", "html": "html",
    "published_at": "published_at", "source": "source", "author": "author",
    "language": "language",
}

# Decompression and archive errors that mean "the bytes stop early or are corrupt".
_STREAM_ERRORS = (EOFError, OSError, zlib.error, ArchiveLoadFailed)

# htmldate returns a bare day by default; the time matters for ordering a news day's events.
# Its extensive search guesses from copyright lines and URLs ("(c) 2024" -> 2024-01-01); off,
# because it found no extra date on the fundus pages and the crawl date is the better fallback.
_DATE_PARAMS = {"outputformat": "%Y-%m-%dT%H:%M:%S%z", "original_date": True,
                "extensive_search": False}
# Fewer words than this is a navigation stub or a paywall teaser, not an article.
MIN_ARTICLE_WORDS = 10


def extract_html(html: str | bytes, url: str | None = None) -> dict[str, Any] | None:
    """Body, title, author and date of a page; None when it holds no article text.

    Comments are excluded: reader comments are not the article and measured worse on both gold
    sets (bench/RESULTS.md).
    """
    # Imported on the first page: trafilatura costs 0.2 s to import, and a run over JSONL or
    # text never needs it.
    import trafilatura
    from trafilatura.settings import Document

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                      date_extraction_params=_DATE_PARAMS)
    if not isinstance(doc, Document) or len((doc.text or "").split()) < MIN_ARTICLE_WORDS:
        return None
    return {"body": doc.text, "title": doc.title or None, "author": doc.author or None,
            "published_at": parse_time(doc.date), "language": None}


def _html_text(uri: str, data: bytes, record: int | None) -> str | bytes | Rejected:
    """HTML as text; a non-UTF-8 page goes to trafilatura as bytes so its charset is honoured."""
    text = decode_text(uri, data, record)
    if isinstance(text, Rejected) and text.reason == "invalid_utf8":
        return data
    return text


def read_html(uri: str, data: bytes, meta: dict[str, Any]) -> Iterator[RawDocument | Rejected]:
    """One saved HTML page; ``meta`` is the optional sidecar JSON (url, source, ...)."""
    yield _html_document(uri, data, None, meta.get("url"), meta)


def _html_document(uri: str, data: bytes, record: int | None, url: str | None,
                   meta: Mapping[str, Any]) -> RawDocument | Rejected:
    html = _html_text(uri, data, record)
    if isinstance(html, Rejected):
        return html
    parts = extract_html(html, url)
    if parts is None:
        return Rejected(uri, "no_article_text", "the extractor found no article text on the page",
                        record, data[:FIRST_BYTES])
    return RawDocument(
        uri=uri if record is None else f"{uri}#record={record}",
        body=parts["body"],
        title=meta.get("title") or parts["title"],
        author=meta.get("author") or parts["author"],
        url=url,
        source=meta.get("source"),
        published_at=parse_time(meta.get("published_at")) or parts["published_at"],
        language=meta.get("language"),
    )


def _skip_rest_of_line(stream: IO[bytes]) -> None:
    # An over-long line is discarded in chunks so it never sits in memory whole.
    while True:
        chunk = stream.readline(1 << 20)
        if not chunk or chunk.endswith(b"\n"):
            return


def read_jsonl(uri: str, stream: IO[bytes], max_bytes: int,
               mapping: Mapping[str, str]) -> Iterator[RawDocument | Rejected]:
    """One article per line; a bad line becomes one Rejected with its 1-based line number."""
    fields = {**DEFAULT_JSONL_MAPPING, **mapping}
    line_no = 0
    while True:
        try:
            line = stream.readline(max_bytes + 1)
        except _STREAM_ERRORS as exc:
            yield Rejected(uri, "truncated_gzip", f"stream ends or is corrupt after line "
                           f"{line_no}; the rest is lost: {exc}", line_no + 1)
            return
        if not line:
            return
        line_no += 1
        if len(line) > max_bytes and not line.endswith(b"\n"):
            yield Rejected(uri, "too_large", f"line exceeds the {max_bytes} byte limit", line_no,
                           line[:FIRST_BYTES])
            try:
                _skip_rest_of_line(stream)
            except _STREAM_ERRORS:
                continue  # the next readline reports the truncation with its line number
            continue
        if line.strip():
            yield _jsonl_record(uri, line_no, line, fields)


def _field(record: Mapping[str, Any], name: str) -> str | None:
    value = record.get(name)
    if isinstance(value, list):  # authors arrive as lists in most scraper dumps
        value = ", ".join(str(v) for v in value if v)
    return str(value) if value not in (None, "") else None


def _jsonl_record(uri: str, line_no: int, line: bytes,
                  fields: Mapping[str, str]) -> RawDocument | Rejected:
    text = decode_text(uri, line, line_no)
    if isinstance(text, Rejected):
        return text
    try:
        record = json.loads(text)
    except ValueError as exc:
        return Rejected(uri, "malformed_json", f"line is not valid JSON: {exc}", line_no,
                        line[:FIRST_BYTES])
    if not isinstance(record, dict):
        return Rejected(uri, "malformed_json", "line is JSON but not an object", line_no,
                        line[:FIRST_BYTES])
    rec_id = _field(record, fields["id"])
    # The record id (stable across re-exports) names the location; the line number otherwise.
    doc_uri = f"{uri}#{rec_id}" if rec_id else f"{uri}#line={line_no}"
    meta = {k: _field(record, fields[k]) for k in ("url", "title", "source", "author",
                                                   "language")}
    meta["published_at"] = record.get(fields["published_at"])
    body = _field(record, fields["text"])
    if body and body.strip():
        return RawDocument(uri=doc_uri, body=body, title=meta["title"], author=meta["author"],
                           url=meta["url"], source=meta["source"],
                           published_at=parse_time(meta["published_at"]),
                           language=meta["language"])
    html = _field(record, fields["html"])
    if html and html.strip():
        doc = _html_document(uri, html.encode("utf-8"), line_no, meta["url"], meta)
        if isinstance(doc, RawDocument):
            return replace(doc, uri=doc_uri)
        return doc
    return Rejected(uri, "no_body", f"neither {fields['text']!r} nor {fields['html']!r} holds "
                    "text", line_no, line[:FIRST_BYTES])


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
            doc = _html_document(uri, data, record_no, target, {})
            if isinstance(doc, RawDocument) and doc.published_at is None:
                crawled = parse_time(record.rec_headers.get_header("WARC-Date"))
                doc = replace(doc, published_at=crawled)
            yield doc
        else:
            if not archive.truncated:
                return
            record_no += 1  # the record whose headers were cut off
    except _STREAM_ERRORS as exc:
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
