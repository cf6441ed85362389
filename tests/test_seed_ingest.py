"""The seed export splits into title, caption, body, byline; only the body goes to NLP."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import SEED

from wirehouse.core.documents import RawDocument, make_doc_id
from wirehouse.ingest.discover import read_inputs
from wirehouse.ingest.formats.text import read_text


def _seed() -> RawDocument:
    doc = next(read_text(str(SEED), SEED.read_bytes(), {}))
    assert isinstance(doc, RawDocument)
    return doc


def test_seed_fields() -> None:
    doc = _seed()
    assert doc.title == "Chinese Officials Swarm Venezuela, Cuba amid Ongoing Domestic Crises"
    assert doc.author == "Ben Kew"
    assert doc.caption is not None
    assert doc.caption.startswith("The Chinese and Venezuelan flag")
    assert doc.caption.endswith("AP Photo/ Elizabeth Dalziel")
    # The caption's 2008 date is the photo's: the article date stays unknown.
    assert doc.published_at is None


def test_seed_body_boundaries() -> None:
    body = _seed().body
    assert body.startswith("Leftist leaders in Cuba and Venezuela welcomed Chinese diplomats")
    assert body.endswith("quite a few experiences that are worth learning.\u201d")
    for outside in ("AP Photo", "Elizabeth Dalziel", "Follow Ben Kew", "@ben_kew",
                    "issues with commenting", "Chavez said", "Officials Swarm"):
        assert outside not in body
    assert body.count("\n\n") == 7  # eight paragraphs


def test_doc_id_is_content_hash(tmp_path: Path) -> None:
    """The same article under two names (and with other line breaks) is one document."""
    data = SEED.read_bytes()
    (tmp_path / "a.txt").write_bytes(data)
    (tmp_path / "b.txt").write_bytes(data.replace(b"\n", b"\r\n"))
    docs = [d for d in read_inputs([str(tmp_path)], 5_000_000) if isinstance(d, RawDocument)]
    assert len(docs) == 2
    assert docs[0].doc_id == docs[1].doc_id == make_doc_id(_seed().body)


def test_sidecar_metadata(tmp_path: Path) -> None:
    (tmp_path / "art.txt").write_bytes(SEED.read_bytes())
    (tmp_path / "art.json").write_text(json.dumps({
        "url": "https://example.org/a", "source": "Example News",
        "published_at": "2019-04-05T10:00:00Z", "language": "en"}))
    doc = next(d for d in read_inputs([str(tmp_path / "art.txt")], 5_000_000)
               if isinstance(d, RawDocument))
    assert doc.url == "https://example.org/a"
    assert doc.source == "Example News"
    assert doc.published_at is not None and doc.published_at.isoformat().startswith("2019-04-05T10")
    assert doc.language == "en"
