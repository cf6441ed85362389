"""HTML pages (.html, .htm): body, title, author and date by trafilatura.

trafilatura is a maintained extractor: news sites change their templates far faster than we
could keep hand-written selectors up to date.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from wirehouse.core.documents import RawDocument, Rejected
from wirehouse.ingest.formats.common import FIRST_BYTES, decode_text, parse_time

# htmldate returns a bare day by default; the time matters for ordering a news day's events.
# Its extensive search guesses from copyright lines and URLs ("(c) 2024" -> 2024-01-01); off,
# because it found no extra date on the fundus pages and the crawl date is the better fallback.
_DATE_PARAMS = {"outputformat": "%Y-%m-%dT%H:%M:%S%z", "original_date": True,
                "extensive_search": False}
# Fewer words than this is a navigation stub or a paywall teaser, not an article.
MIN_ARTICLE_WORDS = 10
# trafilatura's time grows with the number of elements: 100,000 tags took 10-27 s here, the
# 600,000 that fit in 5 MB two minutes. The largest of 446 real news pages (fundus, the
# extraction benchmark) has under 6,000; a page with more than this is not an article page.
MAX_HTML_TAGS = 30_000


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
    yield html_document(uri, data, None, meta.get("url"), meta)


def html_document(uri: str, data: bytes, record: int | None, url: str | None,
                   meta: Mapping[str, Any]) -> RawDocument | Rejected:
    html = _html_text(uri, data, record)
    if isinstance(html, Rejected):
        return html
    tags = data.count(b"<")
    if tags > MAX_HTML_TAGS:
        return Rejected(uri, "too_complex", f"{tags} tags, over the {MAX_HTML_TAGS} an article "
                        "page may have (extraction time grows with them)", record,
                        data[:FIRST_BYTES])
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
