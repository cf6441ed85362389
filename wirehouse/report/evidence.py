"""The evidence payload: events, their mentions, sentences and documents, packed small.

The page inlines it gzip-compressed (base64) and unpacks it with the browser's own
DecompressionStream, so the report stays one file that opens with no network.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from typing import Any

from wirehouse.report.data import ReportData

# A sentence ends at . ! or ? (with closing quotes or brackets) followed by space, or at a
# line break. Event mentions carry their sentence's offsets (schema version 3); for rows
# extracted before, the sentence is found again in the body around the spans and the named
# entities of the same sentence number; the highlighted spans are the stored offsets.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+|\n\s*")
_REACH = 600  # characters searched either side of the spans for a sentence boundary


def sentence_bounds(body: str, lo: int, hi: int) -> tuple[int, int]:
    """[start, end) of the sentence holding body[lo:hi]."""
    start = max(0, lo - _REACH)
    for before in _SENTENCE_END.finditer(body, start, lo):
        start = before.end()
    after = _SENTENCE_END.search(body, hi, min(len(body), hi + _REACH))
    end = len(body[: after.end()].rstrip()) if after else min(len(body), hi + _REACH)
    return start, max(end, hi)


def build(data: ReportData) -> dict[str, Any]:
    docs = {row[0]: i for i, row in enumerate(data.documents)}
    bodies = [row[5] or "" for row in data.documents]
    events = {row[0]: i for i, row in enumerate(data.events)}
    col = {name: i for i, name in enumerate(data.mention_columns)}
    sentences: list[str] = []
    sentence_index: dict[tuple[int, int, int], int] = {}
    m_out: dict[str, list[Any]] = {k: [] for k in (
        "id", "event", "doc", "sentence", "offset", "source", "target", "trigger",
        "date_text", "confidence", "code", "extractor", "stored_verdict")}
    for row in data.mentions:
        doc = docs[row[col["doc_id"]]]
        body = bodies[doc]
        spans = [(row[col[a]], row[col[b]]) for a, b in (
            ("source_start_char", "source_end_char"), ("target_start_char", "target_end_char"),
            ("trigger_start", "trigger_end"))]
        present = [s for s in spans if s[0] is not None and s[1] is not None]
        named = (row[col["named_start"]], row[col["named_end"]])
        if named[0] is not None:
            present.append(named)
        lo = min((s[0] for s in present), default=0)
        hi = max((s[1] for s in present), default=0)
        stored = (row[col["sentence_start"]], row[col["sentence_end"]])
        if stored[0] is not None and stored[1] is not None and stored[0] <= lo and hi <= stored[1]:
            start, end = stored
        else:
            start, end = sentence_bounds(body, lo, hi)
        key = (doc, start, end)
        if key not in sentence_index:
            sentence_index[key] = len(sentences)
            sentences.append(body[start:end])
        m_out["id"].append(row[col["event_mention_id"]])
        m_out["event"].append(events[row[col["event_id"]]])
        m_out["doc"].append(doc)
        m_out["sentence"].append(sentence_index[key])
        m_out["offset"].append(start)
        for name, span in zip(("source", "target", "trigger"), spans, strict=True):
            m_out[name].append(list(span) if span[0] is not None else None)
        m_out["date_text"].append(row[col["date_text"]])
        m_out["confidence"].append(round(row[col["confidence"]], 3))
        m_out["code"].append(row[col["event_code"]])
        m_out["extractor"].append(row[col["extractor_version"]])
        m_out["stored_verdict"].append(row[col["stored_verdict"]])
    e_out = {name: [_plain(r[i]) for r in data.events]
             for i, name in enumerate(data.event_columns)}
    d_out = {name: [_plain(r[i]) for r in data.documents]
             for i, name in enumerate(("doc_id", "title", "url", "source", "published"))}
    return {"events": e_out, "mentions": m_out, "sentences": sentences, "documents": d_out,
            "events_in_scope": data.events_in_scope}


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def pack(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")
