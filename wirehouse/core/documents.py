"""What a reader hands to the pipeline: a document or a rejected input, and the doc_id rule."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

_WS = re.compile(r"\s+")
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


def normalise_body(text: str) -> str:
    """The body as hashed: NFC, whitespace collapsed, quotes unified, case kept.

    Two exports of one article differ in line breaks, spacing and quote style far more often
    than in words; those differences must not make two documents.
    """
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_QUOTES)
    return _WS.sub(" ", text).strip()


def make_doc_id(body: str) -> str:
    return hashlib.sha256(normalise_body(body).encode("utf-8")).hexdigest()[:16]


def stable_id(*parts: object) -> str:
    """Deterministic id from content and offsets: never a counter, so reruns agree."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class RawDocument:
    uri: str
    body: str
    title: str | None = None
    author: str | None = None
    caption: str | None = None
    url: str | None = None
    source: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    doc_id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.doc_id:
            object.__setattr__(self, "doc_id", make_doc_id(self.body))


@dataclass(frozen=True)
class Rejected:
    """An input that could not become a document; it goes to the quarantine table."""

    uri: str
    reason: str
    message: str
    record: int | None = None
    first_bytes: bytes = b""
    # A local input rejected whole: its stat when read, so an unchanged one is not read again.
    fingerprint: str = ""


@dataclass(frozen=True)
class Known:
    """What the warehouse already holds, so that a run can tell new input from input seen."""

    documents: Mapping[str, str] = field(default_factory=dict)  # doc_id -> signature
    locations: frozenset[tuple[str, str]] = frozenset()  # (doc_id, uri)
    rejections: frozenset[str] = frozenset()  # quarantine_id

    def restrict(self, doc_ids: Collection[str], locations: Collection[tuple[str, str]],
                 rejections: Collection[str]) -> Known:
        return self


class KnownSource(Protocol):
    """What the warehouse holds of a chunk of inputs (wirehouse.warehouse.known looks them up
    inside DuckDB, so memory follows the chunk, not the warehouse)."""

    def restrict(self, doc_ids: Collection[str], locations: Collection[tuple[str, str]],
                 rejections: Collection[str]) -> Known: ...
