"""A hostile-input corpus, generated at test time (no committed blobs).

Every case sits in one folder beside good documents of every format, so one run shows both
halves of the contract: the bad input lands in raw.quarantine with its reason, and every good
document beside it is loaded. ``build`` returns what a run over the folder must produce.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

# Made-up reporting, one article per (leader, capital) pair: enough entities and events for the
# model to find, different bodies so that every good document has its own doc_id.
_LEADERS = [("Prime Minister Ana Ribeiro", "Portugal", "Lisbon"),
            ("President Tomas Halvorsen", "Norway", "Oslo"),
            ("Chancellor Ingrid Maier", "Austria", "Vienna"),
            ("President Kwame Mensah", "Ghana", "Accra"),
            ("Prime Minister Lars Eklund", "Sweden", "Stockholm"),
            ("President Maria Duarte", "Chile", "Santiago"),
            ("Foreign Minister Kenji Sato", "Japan", "Tokyo"),
            ("President Amina Yusuf", "Nigeria", "Abuja")]
_PARTNERS = ["Canada", "India", "Brazil", "Kenya", "Egypt", "Mexico", "Poland", "Turkey"]


def good_article(i: int) -> tuple[str, str]:
    """(title, body) of the i-th made-up article."""
    leader, country, capital = _LEADERS[i % len(_LEADERS)]
    partner = _PARTNERS[(i * 3 + 1) % len(_PARTNERS)]
    title = f"{country} and {partner} sign trade accord ({i})"
    body = (f"{leader} met the ambassador of {partner} in {capital} on Monday to discuss "
            f"trade and security. {country} agreed to send 40 tons of medical supplies to "
            f"{partner}, officials said. \"We welcome this cooperation,\" the foreign ministry "
            f"of {partner} said in a statement. Critics in {capital} accused the government of "
            f"ignoring the opposition. Talks will continue next month, according to report "
            f"number {i}.")
    return title, body


@dataclass(frozen=True)
class Expected:
    """A quarantine row a run over the corpus must produce."""

    case: str
    uri_contains: str
    reason: str
    record: int | None = None


@dataclass
class Corpus:
    folder: Path
    explicit: list[str] = field(default_factory=list)  # sources named one by one
    good: dict[str, str] = field(default_factory=dict)  # case -> body of a good document
    expected: list[Expected] = field(default_factory=list)
    languages: dict[str, int] = field(default_factory=dict)  # declared, unsupported -> count
    cases: list[str] = field(default_factory=list)

    def add_good(self, case: str, body: str) -> None:
        self.good[f"{case}#{len(self.good)}"] = body

    def expect(self, case: str, uri_contains: str, reason: str,
               record: int | None = None) -> None:
        self.expected.append(Expected(case, uri_contains, reason, record))
        if case not in self.cases:
            self.cases.append(case)


def _jsonl(rows: list[object]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in rows)


def _html(title: str, body: str) -> str:
    paras = "".join(f"<p>{s}.</p>" for s in body.split(". "))
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"{paras}</article></body></html>")


def warc_record(rec_type: str, uri: str, payload: bytes, content_type: str,
                length: int | None = None, date: str = "2026-11-02T10:00:00Z") -> bytes:
    """One WARC/1.0 record; ``length`` overrides the declared Content-Length."""
    headers = [f"WARC-Type: {rec_type}", f"WARC-Target-URI: {uri}", f"WARC-Date: {date}",
               f"WARC-Record-ID: <urn:uuid:{abs(hash((uri, rec_type))):032x}>",
               f"Content-Type: {content_type}",
               f"Content-Length: {len(payload) if length is None else length}"]
    return ("WARC/1.0\r\n" + "\r\n".join(headers) + "\r\n\r\n").encode() + payload + b"\r\n\r\n"


def http_response(html: str) -> bytes:
    body = html.encode()
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)


def _warc_docs(corpus: Corpus, case: str, start: int, n: int) -> list[tuple[str, bytes]]:
    out = []
    for i in range(start, start + n):
        title, body = good_article(i)
        out.append((f"https://news.example/{case}/{i}", http_response(_html(title, body))))
    return out


def _truncated_warc(corpus: Corpus, case: str, start: int, gz: bool) -> bytes:
    """Five response records; the 2nd is cut short (its Content-Length promises more)."""
    docs = _warc_docs(corpus, case, start, 5)
    parts = []
    for n, (uri, payload) in enumerate(docs, 1):
        if n == 2:
            cut = payload[: len(payload) // 2]
            rec = warc_record("response", uri, cut, "application/http; msgtype=response",
                              length=len(payload))[:-4]  # no trailer: the writer died here
        else:
            rec = warc_record("response", uri, payload, "application/http; msgtype=response")
            corpus.add_good(case, good_article(start + n - 1)[1])
        parts.append(gzip.compress(rec, mtime=0) if gz else rec)
    return b"".join(parts)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _make_fifo(path: Path) -> None:
    os.mkfifo(path)


def _make_socket(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    return sock  # the caller keeps it open while the run reads the folder


def add_unreadable_folder(corpus: Corpus) -> Path:
    locked = corpus.folder / "locked"
    locked.mkdir()
    (locked / "inside.txt").write_text("Never read\n\nThis text stays unread.\n")
    locked.chmod(0)
    corpus.expect("unreadable folder", "locked", "unreadable")
    return locked


def build(root: Path, flood_lines: int = 20_000, long_chars: int = 1_200_000,
          newline_mb: int = 260) -> tuple[Corpus, list[socket.socket]]:
    """The corpus under ``root``/corpus; returns it and the sockets to close afterwards."""
    folder = root / "corpus"
    folder.mkdir(parents=True)
    corpus = Corpus(folder)
    keep: list[socket.socket] = []
    n = 100  # article numbers of good documents start here; each case takes its own range

    def article(case: str) -> tuple[str, str]:
        nonlocal n
        n += 1
        title, body = good_article(n)
        corpus.add_good(case, body)
        return title, body

    # --- plain good documents of each format ---
    for i in range(2):
        title, body = article("good-txt")
        (folder / f"good-{i}.txt").write_text(f"{title}\n\n{body}\n")
    title, body = article("good-html")
    (folder / "good.html").write_text(_html(title, body))

    # --- 3. endless inputs: FIFOs, devices, sockets, symlinks to them ---
    _make_fifo(folder / "fifo.txt")
    corpus.expect("fifo in folder", "fifo.txt", "not_regular_file")
    (folder / "zero.jsonl").symlink_to("/dev/zero")
    corpus.expect("jsonl symlink to /dev/zero", "zero.jsonl", "not_regular_file")
    (folder / "zero.warc").symlink_to("/dev/zero")
    corpus.expect("warc symlink to /dev/zero", "zero.warc", "not_regular_file")
    (folder / "urandom.txt.gz").symlink_to("/dev/urandom")
    corpus.expect("gz symlink to /dev/urandom", "urandom.txt.gz", "not_regular_file")
    keep.append(_make_socket(folder / "sock.txt"))
    corpus.expect("unix socket in folder", "sock.txt", "not_regular_file")
    explicit_fifo = root / "explicit-fifo.jsonl"
    _make_fifo(explicit_fifo)
    corpus.explicit.append(str(explicit_fifo))
    corpus.expect("fifo named explicitly", "explicit-fifo.jsonl", "not_regular_file")
    corpus.explicit.append("/dev/zero")
    corpus.expect("device named explicitly", "/dev/zero", "not_regular_file")
    # A sidecar that never ends: the article beside it is still read.
    title, body = article("fifo sidecar")
    (folder / "fifo-sidecar.txt").write_text(f"{title}\n\n{body}\n")
    _make_fifo(folder / "fifo-sidecar.json")
    corpus.expect("fifo sidecar", "fifo-sidecar.json", "not_regular_file")
    (folder / "loop.txt").symlink_to("loop.txt")
    corpus.expect("symlink loop", "loop.txt", "unreadable")

    # --- 4. single bad documents among good ones ---
    t1, b1 = article("deep json")
    t2, b2 = article("deep json")
    (folder / "deep.jsonl").write_bytes(
        _jsonl([{"id": "ok-1", "title": t1, "text": b1}])
        + ('{"id": "deep", "text": "x", "extra": ' + _nested(5000) + "}\n").encode()
        + ('{"id": "deep-obj", "text": ' + '{"a":' * 900 + '"x"' + "}" * 900 + "}\n").encode()
        + _jsonl([{"id": "ok-2", "title": t2, "text": b2}]))
    corpus.expect("json line nested 5000 deep", "deep.jsonl", "too_deep", 2)
    corpus.expect("json line nested 900 deep in the text field", "deep.jsonl", "too_deep", 3)
    title, body = article("deep sidecar")
    (folder / "deep-sidecar.txt").write_text(f"{title}\n\n{body}\n")
    (folder / "deep-sidecar.json").write_text('{"title": ' + _nested(3000) + "}")
    corpus.expect("sidecar nested 3000 deep", "deep-sidecar.json", "bad_sidecar")

    t1, b1 = article("lone surrogate")
    (folder / "surrogate.jsonl").write_bytes(
        _jsonl([{"id": "s-ok", "title": t1, "text": b1}])
        + b'{"id": "s-body", "text": "Cut here \\ud800 and on."}\n'
        + b'{"id": "s-title", "title": "bad \\udfff title", "text": '
        + json.dumps(good_article(999)[1]).encode() + b'}\n')
    corpus.expect("lone surrogate in text", "surrogate.jsonl", "invalid_unicode", 2)
    corpus.expect("lone surrogate in title", "surrogate.jsonl", "invalid_unicode", 3)

    title, body = article("non-UTF-8 file name")
    with open(os.fsencode(folder) + b"/caf\xe9-\xff.txt", "w") as fh:
        fh.write(f"{title}\n\n{body}\n")

    # Over spaCy's max_length (1,000,000): split into parts by default.
    _, long_body = good_article(n + 1)
    n += 1
    reps = long_chars // (len(long_body) + 2) + 1
    (folder / "long.txt").write_text("A very long report\n\n"
                                     + "\n\n".join([long_body] * reps) + "\n")
    corpus.cases.append("text over 1,000,000 characters")

    # --- 5. WARC: a truncated record, plain and gzipped; malformed headers ---
    (folder / "truncated.warc").write_bytes(_truncated_warc(corpus, "warc-plain", 300, False))
    corpus.expect("truncated record in plain WARC", "truncated.warc", "truncated_warc", 2)
    (folder / "truncated-gz.warc.gz").write_bytes(_truncated_warc(corpus, "warc-gz", 310, True))
    corpus.expect("truncated record in gzipped WARC", "truncated-gz.warc.gz",
                  "truncated_warc", 2)
    docs = _warc_docs(corpus, "warc-bad-length", 320, 3)
    bad = (warc_record("response", docs[0][0], docs[0][1], "application/http; msgtype=response")
           + warc_record("response", docs[1][0], docs[1][1],
                         "application/http; msgtype=response").replace(
                             f"Content-Length: {len(docs[1][1])}".encode(),
                             b"Content-Length: -12x")
           + warc_record("response", docs[2][0], docs[2][1], "application/http; msgtype=response"))
    (folder / "bad-length.warc").write_bytes(bad)
    corpus.add_good("warc-bad-length", good_article(320)[1])
    corpus.add_good("warc-bad-length", good_article(322)[1])
    corpus.expect("WARC record with a non-numeric Content-Length", "bad-length.warc",
                  "malformed_warc", 2)
    # The last record promises 10 GB: the file ends inside it.
    docs = _warc_docs(corpus, "warc-huge-length", 330, 1)
    (folder / "huge-length.warc").write_bytes(
        warc_record("response", docs[0][0], docs[0][1], "application/http; msgtype=response")
        + warc_record("response", "https://news.example/x", b"<html>", "application/http; "
                      "msgtype=response", length=10 * 1024**3))
    corpus.add_good("warc-huge-length", good_article(330)[1])
    corpus.expect("WARC ends inside a 10 GB record", "huge-length.warc", "truncated_warc", 2)

    # --- 6. silent loss: unreadable folder, declared languages ---
    # Root reads it all the same unless run without CAP_DAC_OVERRIDE (test_hostile_inputs).
    add_unreadable_folder(corpus)
    rows = []
    for lang in ("en-US", "EN", "eng", "en_GB", "English"):
        title, body = article(f"declared {lang}")
        rows.append({"id": f"lang-{lang}", "title": title, "text": body, "language": lang})
    for lang in ("fr", "de-AT", "xx-nonsense"):
        rows.append({"id": f"lang-{lang}", "text": f"Texte numero {lang} " * 20,
                     "language": lang})
    corpus.languages = {"fr": 1, "de": 1, "xx-nonsense": 1}
    (folder / "languages.jsonl").write_bytes(_jsonl(rows))

    # --- 7. degraded: newline gzip, quarantine flood ---
    with gzip.open(folder / "newlines.jsonl.gz", "wb", compresslevel=9) as gz:
        chunk = b"\n" * (1 << 20)
        for _ in range(newline_mb):
            gz.write(chunk)
    corpus.expect("gzip of newlines", "newlines.jsonl.gz", "empty")
    title, body = article("quarantine flood")
    with open(folder / "flood.jsonl", "wb") as fh:
        fh.write(_jsonl([{"id": "flood-ok", "title": title, "text": body}]))
        fh.write(b"{not json\n" * flood_lines)
    corpus.expect("quarantine flood (first bad line)", "flood.jsonl", "malformed_json", 2)
    corpus.expect("quarantine flood (last bad line)", "flood.jsonl", "malformed_json",
                  flood_lines + 1)

    # --- #19: unsupported files inside a folder ---
    (folder / "paper.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    corpus.expect("pdf in folder", "paper.pdf", "unsupported_type")
    (folder / "notes.md").write_text("# notes\n")
    corpus.expect("markdown in folder", "notes.md", "unsupported_type")

    # --- cases of our own ---
    with gzip.open(folder / "bomb.html.gz", "wb", compresslevel=9) as gz:
        for _ in range(64):
            gz.write(b"<p>" + b"a" * (1 << 20))
    corpus.expect("gzip bomb (64 MB of HTML)", "bomb.html.gz", "too_large")
    title, body = good_article(997)
    (folder / "deep.html").write_text(
        f"<html><head><title>{title}</title></head><body>" + "<div>" * 100_000
        + f"<p>{body}</p>" + "</div>" * 100_000 + "</body></html>")
    corpus.cases.append("HTML nested 100,000 deep")  # extracted or quarantined, never a crash
    (folder / "many-tags.html").write_text(
        "<html><body>" + "<b>x</b>" * 600_000 + f"<p>{body}</p></body></html>")
    corpus.expect("HTML of 600,000 tags (2 minutes of trafilatura)", "many-tags.html",
                  "too_complex")
    t1, b1 = article("type confusion")
    (folder / "types.jsonl").write_bytes(
        _jsonl([{"id": "t-num", "text": 12345},
                {"id": "t-obj", "text": {"nested": "object"}},
                {"id": "t-date", "text": good_article(998)[1], "published_at": 10**30},
                {"id": "t-ok", "title": t1, "text": b1}])
        + b'{"id": "t-bigint", "text": "x", "published_at": ' + b"9" * 5000 + b"}\n"
        + b'{"id": "t-nan", "text": "y", "published_at": NaN}\n')
    corpus.add_good("type confusion", good_article(998)[1])
    corpus.expect("5000-digit integer", "types.jsonl", "malformed_json", 5)
    title, body = article("huge line")
    (folder / "huge-line.jsonl").write_bytes(
        b'{"id": "big", "text": "' + b"word " * (1_300_000) + b'"}\n'
        + _jsonl([{"id": "after-big", "title": title, "text": body}]))
    corpus.expect("6.5 MB JSON line", "huge-line.jsonl", "too_large", 1)
    (folder / "empty.txt").write_bytes(b"")
    corpus.expect("empty file", "empty.txt", "empty")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 4)
    corpus.expect("binary in .txt", "binary.txt", "binary")
    with open(folder / "cut.jsonl.gz", "wb") as fh:
        title, body = article("truncated gzip")
        whole = gzip.compress(_jsonl([{"id": "c-ok", "title": title, "text": body}]
                                     + [{"id": f"c-{i}", "text": "z" * 400} for i in range(50)]))
        fh.write(whole[: len(whole) * 2 // 3])
    corpus.expect("truncated gzip", "cut.jsonl.gz", "truncated_gzip")
    return corpus, keep
