"""Input discovery and whole-file rejections: paths, folders, globs, fsspec URLs, gzip, limits."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest

from wirehouse.core.documents import RawDocument, Rejected
from wirehouse.ingest.discover import read_inputs

ARTICLE = b"Headline\n\nThe minister resigned on Monday after a week of protests.\n"


def _docs(out: list[RawDocument | Rejected]) -> list[RawDocument]:
    return [o for o in out if isinstance(o, RawDocument)]


def _reasons(out: list[RawDocument | Rejected]) -> dict[str, str]:
    return {Path(o.uri).name: o.reason for o in out if isinstance(o, Rejected)}


def test_folder_recursive_sorted_hidden_skipped_sidecar_used(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "b" / "z.txt").write_bytes(ARTICLE.replace(b"minister", b"mayor"))
    (tmp_path / "a.txt").write_bytes(ARTICLE)
    (tmp_path / "a.json").write_text(json.dumps({"source": "Wire", "url": "https://x/a"}))
    (tmp_path / ".git" / "c.txt").write_bytes(ARTICLE)
    (tmp_path / "notes.md").write_text("not an input")
    out = list(read_inputs([str(tmp_path)], 10_000))
    assert [Path(d.uri).name for d in _docs(out)] == ["a.txt", "z.txt"]
    first = _docs(out)[0]
    assert (first.source, first.url) == ("Wire", "https://x/a")


def test_glob_and_missing_inputs(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(ARTICLE)
    assert len(list(read_inputs([str(tmp_path / "*.txt")], 10_000))) == 1
    with pytest.raises(FileNotFoundError):
        list(read_inputs([str(tmp_path / "*.jsonl")], 10_000))
    with pytest.raises(FileNotFoundError):
        list(read_inputs([str(tmp_path / "nope.txt")], 10_000))
    with pytest.raises(FileNotFoundError):
        list(read_inputs(["memory://nowhere/*.txt"], 10_000))


def test_bad_files_rejected_with_reason_and_first_bytes(tmp_path: Path) -> None:
    good = gzip.compress(ARTICLE)
    files = {
        "empty.txt": b"", "binary.txt": b"\x89PNG\r\n\x00\x00", "latin.txt": b"caf\xe9\n\nbody",
        "big.txt": ARTICLE * 100, "cut.txt.gz": good[:-12], "fake.txt.gz": b"not gzip at all",
        "ok.txt.gz": good, "nothing.html": b"<html><body></body></html>",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    out = list(read_inputs([str(tmp_path)], 1_000))
    assert _reasons(out) == {
        "empty.txt": "empty", "binary.txt": "binary", "latin.txt": "invalid_utf8",
        "big.txt": "too_large", "cut.txt.gz": "truncated_gzip", "fake.txt.gz": "bad_gzip",
        "nothing.html": "no_article_text",
    }
    assert [Path(d.uri).name for d in _docs(out)] == ["ok.txt.gz"]
    binary = next(o for o in out if isinstance(o, Rejected) and o.reason == "binary")
    assert binary.first_bytes == files["binary.txt"] and binary.record is None


def test_jsonl_gz_truncated_keeps_earlier_lines(tmp_path: Path) -> None:
    lines = [json.dumps({"id": f"r{i}", "text": f"Story number {i} " * 200}) for i in range(50)]
    data = gzip.compress("\n".join(lines).encode())
    (tmp_path / "dump.jsonl.gz").write_bytes(data[: len(data) // 2])
    out = list(read_inputs([str(tmp_path / "dump.jsonl.gz")], 1_000_000))
    docs, last = _docs(out), out[-1]
    assert 0 < len(docs) < 50 and [d.uri.rsplit("#", 1)[1] for d in docs][:2] == ["r0", "r1"]
    assert isinstance(last, Rejected) and last.reason == "truncated_gzip"
    assert last.record == len(docs) + 1 and last.uri == str(tmp_path / "dump.jsonl.gz")


@pytest.fixture
def memfs() -> Iterator[fsspec.AbstractFileSystem]:
    fs = fsspec.filesystem("memory")
    yield fs
    fs.rm("/corpus", recursive=True)


def test_memory_url_folder_and_glob(memfs: fsspec.AbstractFileSystem) -> None:
    memfs.pipe("/corpus/2024/a.txt", ARTICLE)
    memfs.pipe("/corpus/2024/a.json", json.dumps({"source": "Mem"}).encode())
    memfs.pipe("/corpus/feed.jsonl", b'{"id": "1", "text": "From a feed."}\n{oops\n')
    out = list(read_inputs(["memory://corpus"], 10_000))
    assert [o.uri for o in out] == ["memory:///corpus/2024/a.txt", "memory:///corpus/feed.jsonl#1",
                                    "memory:///corpus/feed.jsonl"]
    assert isinstance(out[0], RawDocument) and out[0].source == "Mem"
    assert isinstance(out[2], Rejected) and (out[2].reason, out[2].record) == ("malformed_json", 2)
    globbed = list(read_inputs(["memory://corpus/**/*.txt"], 10_000))
    assert [o.uri for o in globbed] == ["memory:///corpus/2024/a.txt"]


def test_file_url_and_same_order_every_run(tmp_path: Path) -> None:
    for name in ("c.txt", "a.txt", "b.htm"):
        (tmp_path / name).write_bytes(ARTICLE + name.encode())
    runs = [[o.uri for o in read_inputs([f"file://{tmp_path}"], 10_000)] for _ in range(2)]
    assert runs[0] == runs[1]
    assert [u.rsplit("/", 1)[1] for u in runs[0]] == ["a.txt", "b.htm", "c.txt"]
    assert all(u.startswith("file://") for u in runs[0])
