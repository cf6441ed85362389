"""What every input format shares: the reader signatures, text decoding, time parsing, sidecars.

A whole-file reader takes the bytes of one input; a stream reader takes a binary stream and
iterates lines or records, because a single dump may be gigabytes.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import IO, Any

from warcio.exceptions import ArchiveLoadFailed

from wirehouse.core.documents import RawDocument, Rejected
from wirehouse.ingest.bounds import loads

Reader = Callable[[str, bytes, dict[str, Any]], Iterator[RawDocument | Rejected]]
StreamReader = Callable[[str, IO[bytes], int, Mapping[str, str]],
                        Iterator[RawDocument | Rejected]]

# Decompression and archive errors that mean "the bytes stop early or are corrupt".
STREAM_ERRORS = (EOFError, OSError, zlib.error, ArchiveLoadFailed)

# How much of a bad input the quarantine keeps: enough to recognise it, small enough to store.
FIRST_BYTES = 64


def parse_time(value: object) -> datetime | None:
    """ISO 8601 text or epoch seconds to an aware UTC datetime; None when absent or unparseable.

    Naive times are taken as UTC: feeds and crawlers that omit the offset almost always mean UTC,
    and a wrong guess costs hours, while None would lose the date.
    """
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        # RSS-derived dumps carry RFC 2822 dates ("Thu, 26 Feb 1987 15:01:01 GMT").
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)



def decode_text(uri: str, data: bytes, record: int | None = None) -> str | Rejected:
    """UTF-8 text, or the reason it is not text."""
    if not data.strip():
        return Rejected(uri, "empty", "input is empty or whitespace only", record,
                        data[:FIRST_BYTES])
    if b"\x00" in data[:8192]:
        return Rejected(uri, "binary", "input contains NUL bytes: not a text file", record,
                        data[:FIRST_BYTES])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Rejected(uri, "invalid_utf8", f"not valid UTF-8: {exc}", record,
                        data[:FIRST_BYTES])


def read_sidecar(data: bytes | None) -> dict[str, Any]:
    if not data:
        return {}
    meta = loads(data.decode("utf-8"))
    if not isinstance(meta, dict):
        raise ValueError("sidecar JSON must be an object")
    return meta
