"""Readers: bytes of one input file to documents (or rejections), one function per format.

The plain-text reader understands the layout of real site exports: headline, photo caption and
credit, body, byline, site boilerplate. Only the body goes to NLP; the rest is kept in its own
fields.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from wirehouse.documents import RawDocument, Rejected

Reader = Callable[[str, bytes, dict[str, Any]], Iterator[RawDocument | Rejected]]

# A photo credit closes the caption block ("AP Photo/ Elizabeth Dalziel", "Getty Images").
_CREDIT = re.compile(
    r"^(?:\(?(?:AP|AFP|Reuters|EPA|Getty|Xinhua|Bloomberg)\b.{0,40}?Photo\b|Photo(?:graph)?:|"
    r".{0,60}/(?:AP|AFP|Getty Images|Reuters)\)?$|.{0,60}Getty Images$)",
    re.IGNORECASE,
)
_BYLINE = [
    re.compile(r"^Follow (?P<author>[A-Z][\w.'\- ]+?) on (?:Facebook|Twitter|X|Instagram)\b"),
    re.compile(r"^By (?P<author>[A-Z][\w.'\- ]+?(?: and [A-Z][\w.'\- ]+)?)\s*$"),
]
_BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^Please let us know if you're having issues with commenting",
        r"^(?:Sign up|Subscribe) (?:for|to) (?:our|the) newsletter",
        r"^Copyright \d{4}",
        r"^All rights reserved\.?$",
        r"^(?:Read|Click) more\b",
        r"^Advertisement$",
    )
]


def _paragraphs(text: str) -> list[list[str]]:
    """Paragraphs as lists of their non-empty lines, whitespace inside lines collapsed."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    pars = []
    for block in re.split(r"\n\s*\n", text):
        lines = [" ".join(ln.split()) for ln in block.split("\n") if ln.strip()]
        if lines:
            pars.append(lines)
    return pars


def _is_boilerplate(par: str) -> bool:
    return any(p.search(par) for p in _BOILERPLATE)


def _byline(par: str) -> str | None:
    for pattern in _BYLINE:
        m = pattern.search(par)
        if m:
            return m.group("author").strip()
    return None


def parse_article_text(text: str) -> dict[str, str | None]:
    """Split an exported article into title, caption, body and author."""
    lines = text.replace("\r\n", "\n").split("\n")
    title_idx = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if title_idx is None:
        return {"title": None, "caption": None, "body": "", "author": None}
    title = " ".join(lines[title_idx].split())
    pars = _paragraphs("\n".join(lines[title_idx + 1:]))

    caption_parts: list[str] = []
    # The caption block sits right under the headline and ends at the photo credit line; a
    # credit further down belongs to a body photo we do not try to split out.
    for i, block in enumerate(pars[:4]):
        if any(_CREDIT.search(line) for line in block):
            caption_parts = ["\n".join(b) for b in pars[: i + 1]]
            pars = pars[i + 1:]
            break
    author: str | None = None
    body_pars: list[str] = []
    for block in pars:
        par = " ".join(block)
        if _is_boilerplate(par):
            continue
        name = _byline(par)
        if name:
            author = author or name
            continue
        body_pars.append(par)
    return {
        "title": title,
        "caption": "\n".join(caption_parts) or None,
        "body": "\n\n".join(body_pars),
        "author": author,
    }


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


_parse_time = parse_time  # the seed-era private name, kept for existing callers


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


def read_text(uri: str, data: bytes, meta: dict[str, Any]) -> Iterator[RawDocument | Rejected]:
    """A plain-text article export; ``meta`` is the optional sidecar JSON."""
    text = decode_text(uri, data)
    if isinstance(text, Rejected):
        yield text
        return
    parts = parse_article_text(text)
    body = parts["body"] or ""
    if not body.strip():
        yield Rejected(uri, "no_body", "no article body after removing headline, caption, "
                       "byline and boilerplate", None, data[:FIRST_BYTES])
        return
    yield RawDocument(
        uri=uri,
        body=body,
        title=meta.get("title") or parts["title"],
        author=meta.get("author") or parts["author"],
        caption=parts["caption"],
        url=meta.get("url"),
        source=meta.get("source"),
        published_at=parse_time(meta.get("published_at")),
        language=meta.get("language"),
    )


def read_sidecar(data: bytes | None) -> dict[str, Any]:
    if not data:
        return {}
    meta = json.loads(data.decode("utf-8"))
    if not isinstance(meta, dict):
        raise ValueError("sidecar JSON must be an object")
    return meta


# Suffix (lower-case, after stripping .gz) -> reader of whole-file formats. Longest suffix wins.
# sources.py adds the web formats (readers_web) to this table and to the streaming formats.
READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".text": read_text,
}
