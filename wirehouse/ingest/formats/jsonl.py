"""JSONL dumps (.jsonl): one article per line, streamed; field names mapped per run."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import IO, Any

from wirehouse.core.documents import RawDocument, Rejected
from wirehouse.ingest.formats.common import FIRST_BYTES, STREAM_ERRORS, decode_text, parse_time
from wirehouse.ingest.formats.html import html_document

# JSONL field names, overridable per run: document attribute -> field in the record.
DEFAULT_JSONL_MAPPING: dict[str, str] = {
    "id": "id", "url": "url", "title": "title", "text": "text", "html": "html",
    "published_at": "published_at", "source": "source", "author": "author",
    "language": "language",
}


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
        except STREAM_ERRORS as exc:
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
            except STREAM_ERRORS:
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
        doc = html_document(uri, html.encode("utf-8"), line_no, meta["url"], meta)
        if isinstance(doc, RawDocument):
            return replace(doc, uri=doc_uri)
        return doc
    return Rejected(uri, "no_body", f"neither {fields['text']!r} nor {fields['html']!r} holds "
                    "text", line_no, line[:FIRST_BYTES])
