"""Plain-text articles (.txt), in the layout of real site exports: headline, photo caption and
credit, body, byline, site boilerplate. Only the body goes to NLP; the rest is kept in its own
fields.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from wirehouse.core.documents import RawDocument, Rejected
from wirehouse.ingest.dateline import dateline_published
from wirehouse.ingest.formats.common import FIRST_BYTES, decode_text, parse_time

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
        # A sidecar's date first; else a wire dateline's ("CARACAS, March 3 (Reuters) -").
        published_at=parse_time(meta.get("published_at")) or dateline_published(body),
        language=meta.get("language"),
    )
