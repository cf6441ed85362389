"""Format readers: plain text, HTML, JSONL and WARC, and language detection."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from wirehouse.core.documents import RawDocument, Rejected
from wirehouse.ingest.formats.common import parse_time
from wirehouse.ingest.formats.html import read_html
from wirehouse.ingest.formats.jsonl import read_jsonl
from wirehouse.ingest.formats.text import parse_article_text, read_text
from wirehouse.ingest.formats.warc import read_warc
from wirehouse.ingest.language import detect_language

PARAS = [
    "The central bank raised its main interest rate by half a point on Tuesday, the third "
    "increase this year, saying inflation had not slowed as quickly as it had hoped.",
    "Officials said the decision was unanimous and that further increases were possible if "
    "prices for food and fuel kept rising through the summer months.",
    "Markets had expected a smaller move, and the currency strengthened after the announcement "
    "while shares of the largest lenders fell sharply in afternoon trading.",
]
PAGE = (
    "<html><head><title>Bank raises rates</title>"
    '<meta name="author" content="Jane Doe">'
    '<meta property="article:published_time" content="2024-03-05T10:30:00+00:00">'
    "</head><body><nav>Home | World | Business</nav><article><h1>Bank raises rates</h1>"
    + "".join(f"<p>{p}</p>" for p in PARAS)
    + "</article><footer>Copyright 2024</footer></body></html>"
)


def test_seed_text_format_unchanged() -> None:
    parts = parse_article_text("Headline\n\nBy Jane Doe\n\nFirst paragraph.\n\nSecond one.\n")
    assert parts == {"title": "Headline", "caption": None, "author": "Jane Doe",
                     "body": "First paragraph.\n\nSecond one."}
    [doc] = read_text("a.txt", b"Headline\n\nBody text here.\n", {"source": "Wire"})
    assert isinstance(doc, RawDocument) and doc.source == "Wire" and doc.body == "Body text here."


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty"), (b"  \n", "empty"), (b"\x00\x01binary", "binary"),
    (b"caf\xe9 latin-1", "invalid_utf8"), (b"Only a headline\n", "no_body"),
])
def test_text_rejections(data: bytes, reason: str) -> None:
    [rej] = read_text("x.txt", data, {})
    assert isinstance(rej, Rejected) and rej.reason == reason
    assert rej.first_bytes == data[:64]


def test_parse_time_variants() -> None:
    assert parse_time("2024-03-05T10:30:00Z") == datetime(2024, 3, 5, 10, 30, tzinfo=UTC)
    assert parse_time("Tue, 05 Mar 2024 10:30:00 GMT") == datetime(2024, 3, 5, 10, 30, tzinfo=UTC)
    assert parse_time(0) == datetime(1970, 1, 1, tzinfo=UTC)
    assert parse_time("next Tuesday") is None and parse_time(None) is None


def test_html_page_body_title_author_date() -> None:
    [doc] = read_html("p.html", PAGE.encode(), {"url": "https://example.com/a"})
    assert isinstance(doc, RawDocument)
    assert doc.title == "Bank raises rates" and doc.author == "Jane Doe"
    assert doc.published_at == datetime(2024, 3, 5, 10, 30, tzinfo=UTC)
    assert "third increase this year" in doc.body and "Home | World" not in doc.body
    assert doc.url == "https://example.com/a"


def test_html_without_article_text_is_rejected() -> None:
    [rej] = read_html("p.html", b"<html><body><nav>Home</nav></body></html>", {})
    assert isinstance(rej, Rejected) and rej.reason == "no_article_text"


def _jsonl(lines: list[bytes]) -> io.BytesIO:
    return io.BytesIO(b"\n".join(lines) + b"\n")


def test_jsonl_mapping_and_bad_lines_lose_only_themselves() -> None:
    good = {"guid": "a1", "headline": "H", "content": "Body one.", "date": "2024-01-02",
            "authors": ["A", "B"]}
    stream = _jsonl([
        json.dumps(good).encode(), b"{not json", b"", b"[1, 2]",
        json.dumps({"guid": "a2", "content": ""}).encode(),
        json.dumps({"content": "Body two.", "url": "u"}).encode(),
    ])
    mapping = {"id": "guid", "title": "headline", "text": "content", "published_at": "date",
               "author": "authors"}
    out = list(read_jsonl("f.jsonl", stream, 10_000, mapping))
    assert [type(o).__name__ for o in out] == ["RawDocument", "Rejected", "Rejected", "Rejected",
                                                "RawDocument"]
    first, bad, arr, empty, last = out
    assert isinstance(first, RawDocument) and first.uri == "f.jsonl#a1"
    assert first.title == "H" and first.author == "A, B"
    assert first.published_at == datetime(2024, 1, 2, tzinfo=UTC)
    assert isinstance(bad, Rejected) and (bad.reason, bad.record, bad.uri) == (
        "malformed_json", 2, "f.jsonl")
    assert isinstance(arr, Rejected) and (arr.reason, arr.record) == ("malformed_json", 4)
    assert isinstance(empty, Rejected) and (empty.reason, empty.record) == ("no_body", 5)
    assert isinstance(last, RawDocument) and last.uri == "f.jsonl#line=6" and last.url == "u"


def test_jsonl_long_line_and_html_field() -> None:
    stream = _jsonl([json.dumps({"text": "x" * 5000}).encode(),
                     json.dumps({"html": PAGE, "id": "p"}).encode()])
    out = list(read_jsonl("f.jsonl", stream, 3000, {}))
    assert isinstance(out[0], Rejected) and (out[0].reason, out[0].record) == ("too_large", 1)
    assert isinstance(out[1], RawDocument) and out[1].title == "Bank raises rates"
    assert out[1].uri == "f.jsonl#p"


def make_warc(pages: list[tuple[str, str, str]]) -> bytes:
    """A gzip-per-record WARC: warcinfo, then a response record per (url, date, html)."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    writer.write_record(writer.create_warcinfo_record("t.warc.gz", {"software": "test"}))
    for url, date, html in pages:
        body = html.encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                   protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), http_headers=headers,
            warc_headers_dict={"WARC-Date": date}))
    return buf.getvalue()


def test_warc_records_url_and_crawl_date_fallback() -> None:
    undated = PAGE.replace('<meta property="article:published_time" '
                           'content="2024-03-05T10:30:00+00:00">', "")
    data = make_warc([("https://a.example/1", "2024-04-01T00:00:00Z", PAGE),
                      ("https://a.example/2", "2024-04-02T08:00:00Z", undated),
                      ("https://a.example/3", "2024-04-03T00:00:00Z", "<html></html>")])
    out = list(read_warc("t.warc.gz", io.BytesIO(data), 1_000_000, {}))
    dated, crawled, empty = out
    assert isinstance(dated, RawDocument) and dated.url == "https://a.example/1"
    assert dated.uri == "t.warc.gz#record=2"
    assert dated.published_at == datetime(2024, 3, 5, 10, 30, tzinfo=UTC)  # page date wins
    assert isinstance(crawled, RawDocument)
    assert crawled.published_at == datetime(2024, 4, 2, 8, 0, tzinfo=UTC)  # crawl date fallback
    assert isinstance(empty, Rejected) and (empty.reason, empty.record) == ("no_article_text", 4)


def test_truncated_warc_keeps_earlier_records() -> None:
    data = make_warc([("https://a.example/1", "2024-04-01T00:00:00Z", PAGE),
                      ("https://a.example/2", "2024-04-02T00:00:00Z", PAGE.replace("third",
                                                                                  "fourth"))])
    for cut in (20, 200, 600):  # inside the last payload ... inside its headers
        out = list(read_warc("t.warc.gz", io.BytesIO(data[:-cut]), 1_000_000, {}))
        assert len(out) == 2 and isinstance(out[0], RawDocument), cut
        assert isinstance(out[1], Rejected) and out[1].reason == "truncated_warc"
        assert out[1].record == 3 and out[1].uri == "t.warc.gz"


def test_warc_record_over_size_limit() -> None:
    data = make_warc([("https://a.example/1", "2024-04-01T00:00:00Z", PAGE)])
    [rej] = read_warc("t.warc", io.BytesIO(data), 100, {})
    assert isinstance(rej, Rejected) and (rej.reason, rej.record) == ("too_large", 2)


def test_detect_language() -> None:
    assert detect_language(" ".join(PARAS)) == "en"
    assert detect_language("Le gouvernement a annoncé mardi une hausse des impôts sur les "
                           "grandes entreprises, selon le ministre.") == "fr"
    assert detect_language("中国国务院周二宣布了一项新的经济刺激计划，以支持制造业和出口，"
                           "官员表示这些措施将在今年下半年实施。") == "zh"
    assert detect_language("OK") is None and detect_language("") is None
    long_text = " ".join(PARAS) * 2000
    assert all(detect_language(long_text) == "en" for _ in range(3))  # deterministic, head only
