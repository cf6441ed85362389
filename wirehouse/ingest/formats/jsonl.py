"""JSONL dumps (.jsonl): one article per line, streamed; field names mapped per run."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import IO, Any

from wirehouse.core.documents import RawDocument, Rejected
from wirehouse.ingest.bounds import InputTooLarge, TooDeep, lines, loads, unicode_problem
from wirehouse.ingest.formats.common import FIRST_BYTES, STREAM_ERRORS, decode_text, parse_time
from wirehouse.ingest.formats.html import html_document

# JSONL field names, overridable per run: document attribute -> field in the record.
DEFAULT_JSONL_MAPPING: dict[str, str] = {
    "id": "id", "url": "url", "title": "title", "text": "text", "html": "html",
    "published_at": "published_at", "source": "source", "author": "author",
    "language": "language",
}


def read_jsonl(uri: str, stream: IO[bytes], max_bytes: int,
               mapping: Mapping[str, str]) -> Iterator[RawDocument | Rejected]:
    """One article per line; a bad line becomes one Rejected with its 1-based line number."""
    fields = {**DEFAULT_JSONL_MAPPING, **mapping}
    line_no = 0
    found = False
    try:
        for line_no, line in lines(stream, max_bytes):
            found = True
            if line is None:
                yield Rejected(uri, "too_large", f"line exceeds the {max_bytes} byte limit",
                               line_no)
                continue
            yield _jsonl_record(uri, line_no, line, fields)
    except InputTooLarge as exc:
        yield Rejected(uri, "too_large", f"the file inflates to {exc}; lines after {line_no} "
                       "were not read", line_no + 1)
        return
    except STREAM_ERRORS as exc:
        yield Rejected(uri, "truncated_gzip", f"stream ends or is corrupt after line "
                       f"{line_no}; the rest is lost: {exc}", line_no + 1)
        return
    if not found:
        yield Rejected(uri, "empty", "no line holds anything but blanks")


class _BadField(ValueError):
    """A field that should hold text holds an object, a number or a list of such."""


def _field(record: Mapping[str, Any], name: str) -> str | None:
    value = record.get(name)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = ", ".join(v for v in value if v)  # authors arrive as lists in scraper dumps
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise _BadField(f"field {name!r} holds {type(value).__name__}, not text")
    return value


def _jsonl_record(uri: str, line_no: int, line: bytes,
                  fields: Mapping[str, str]) -> RawDocument | Rejected:
    text = decode_text(uri, line, line_no)
    if isinstance(text, Rejected):
        return text
    try:
        record = loads(text)
    except TooDeep as exc:
        return Rejected(uri, "too_deep", f"line is JSON {exc}", line_no, line[:FIRST_BYTES])
    except ValueError as exc:
        return Rejected(uri, "malformed_json", f"line is not valid JSON: {exc}", line_no,
                        line[:FIRST_BYTES])
    if not isinstance(record, dict):
        return Rejected(uri, "malformed_json", "line is JSON but not an object", line_no,
                        line[:FIRST_BYTES])
    try:
        return _record_document(uri, line_no, line, record, fields)
    except _BadField as exc:
        return Rejected(uri, "malformed_json", str(exc), line_no, line[:FIRST_BYTES])


def _record_document(uri: str, line_no: int, line: bytes, record: dict[str, Any],
                     fields: Mapping[str, str]) -> RawDocument | Rejected:
    raw_id = record.get(fields["id"])
    # JSON ids are strings or numbers; anything else does not name a record.
    rec_id = str(raw_id) if isinstance(raw_id, (str, int)) and raw_id != "" else None
    # The record id (stable across re-exports) names the location; the line number otherwise.
    doc_uri = f"{uri}#{rec_id}" if rec_id else f"{uri}#line={line_no}"
    meta = {k: _field(record, fields[k]) for k in ("url", "title", "source", "author",
                                                   "language")}
    meta["published_at"] = record.get(fields["published_at"])
    body = _field(record, fields["text"])
    html = _field(record, fields["html"])
    problem = unicode_problem(rec_id, body, html, *meta.values())
    if problem:
        return Rejected(uri, "invalid_unicode", problem, line_no, line[:FIRST_BYTES])
    if body and body.strip():
        return RawDocument(uri=doc_uri, body=body, title=meta["title"], author=meta["author"],
                           url=meta["url"], source=meta["source"],
                           published_at=parse_time(meta["published_at"]),
                           language=meta["language"])
    if html and html.strip():
        doc = html_document(uri, html.encode("utf-8"), line_no, meta["url"], meta)
        if isinstance(doc, RawDocument):
            return replace(doc, uri=doc_uri)
        return doc
    return Rejected(uri, "no_body", f"neither {fields['text']!r} nor {fields['html']!r} holds "
                    "text", line_no, line[:FIRST_BYTES])
