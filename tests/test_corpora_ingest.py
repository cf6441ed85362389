"""Ingest measured on data no one here wrote (read in place from the shared corpora)."""

from __future__ import annotations

import gzip
import importlib.util
import json
import statistics
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from wirehouse.core.documents import RawDocument, Rejected, make_doc_id, normalise_body
from wirehouse.ingest.discover import read_inputs

CORPORA = Path("/work/shared/corpora")
WARC = CORPORA / "news-warc-sample" / "news-sample.warc.gz"
FUNDUS_GOLD = CORPORA / "fundus-en-html" / "gold.jsonl"
REUTERS = CORPORA / "reuters21578" / "reuters21578.jsonl.gz"
MAX_BYTES = 5_000_000

pytestmark = pytest.mark.skipif(not CORPORA.is_dir(), reason="shared corpora not available")


def _bench() -> ModuleType:
    # One F1 definition for the test and bench/RESULTS.md: load the bench script as a module.
    path = Path(__file__).resolve().parents[1] / "bench" / "extraction_quality.py"
    spec = importlib.util.spec_from_file_location("extraction_quality", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def warc_docs() -> list[RawDocument | Rejected]:
    return list(read_inputs([str(WARC)], MAX_BYTES))


@pytest.fixture(scope="module")
def gold() -> dict[str, dict[str, object]]:
    rows = [json.loads(line) for line in FUNDUS_GOLD.read_text(encoding="utf-8").splitlines()]
    return {str(r["url"]): r for r in rows}


def test_warc_every_html_response_is_a_document(warc_docs, gold) -> None:
    docs = [d for d in warc_docs if isinstance(d, RawDocument)]
    assert len(docs) == 84 == len(warc_docs)
    assert {d.url for d in docs} == set(gold)
    # Response records sit at 2, 4, ... after the warcinfo record (request records between).
    assert all(d.uri.startswith(f"{WARC}#record=") for d in docs)
    assert len({d.uri for d in docs}) == 84


def test_warc_body_f1_against_gold(warc_docs, gold) -> None:
    f1 = _bench().token_f1
    scores = {d.url: f1(d.body, gold[d.url]["body_text"])
              for d in warc_docs if isinstance(d, RawDocument)}
    mean = statistics.fmean(scores.values())
    worst = sorted(scores.items(), key=lambda kv: kv[1])[:5]
    print(f"\nWARC body token F1: mean {mean:.4f} over {len(scores)} pages; worst:")
    for url, score in worst:
        print(f"  {score:.3f}  {gold[url]['id']}")
    # Measured 0.9553 (trafilatura 2.3.1); 0.03 of slack for extractor upgrades.
    assert mean >= 0.925
    assert min(scores.values()) > 0.5  # no page lost its article entirely


def test_warc_title_and_date_against_gold(warc_docs, gold) -> None:
    f1 = _bench().token_f1
    exact = close = same_day = 0
    for d in warc_docs:
        assert isinstance(d, RawDocument)
        g = gold[d.url]
        title, gold_title = normalise_body(d.title or ""), normalise_body(str(g["title"]))
        exact += title == gold_title
        # Sites put a different headline in og:title than on the page; most differ by a
        # prefix or a "| Site" suffix, which token F1 tolerates.
        close += title != gold_title and f1(title, gold_title) >= 0.8
        assert d.published_at is not None and d.published_at.tzinfo is not None
        same_day += d.published_at.date().isoformat() == str(g["publishing_date"])[:10]
    print(f"\ntitles: {exact} exact, {close} close (F1>=0.8) of 84; dates: {same_day} same day")
    # Measured: 60 exact + 14 close titles, 81 dates on the gold's day.
    assert exact >= 57 and exact + close >= 72
    assert same_day >= 79


@pytest.fixture(scope="module")
def reuters() -> tuple[list[dict[str, object]], list[RawDocument | Rejected]]:
    with gzip.open(REUTERS, "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    out = list(read_inputs([str(REUTERS)], MAX_BYTES, {"published_at": "date"}))
    return records, out


def test_reuters_loads_with_jsonl_mapping(reuters) -> None:
    records, out = reuters
    assert len(records) == 19_779
    docs = [d for d in out if isinstance(d, RawDocument)]
    assert len(docs) == len(out) == 19_779
    first = docs[0]
    assert first.uri == f"{REUTERS}#reuters21578-1"
    assert first.title == "BAHIA COCOA REVIEW" and first.source == "Reuters"
    assert first.published_at is not None and first.published_at.isoformat().startswith(
        "1987-02-26T15:01:01")
    # One record has an unparseable <DATE>: it loads, without a date.
    assert sum(d.published_at is None for d in docs) == 1


def test_reuters_duplicate_texts_become_duplicates(reuters) -> None:
    """SOURCE.md says 268 exact-duplicate texts; the file itself says otherwise.

    Byte-identical texts: 19,500 distinct, so 279 records repeat an earlier text (277 texts
    occur more than once). The doc_id hashes the normalised body (whitespace collapsed), which
    merges 5 more pairs that differ only in spacing: 19,495 distinct doc_ids, 284 duplicates.
    No count over text, title+text or text+dateline gives 268, so the figure asserted is the one
    measured on the file, and both definitions are pinned so a change in either shows up here.
    """
    records, out = reuters
    raw_distinct = len({r["text"] for r in records})
    assert len(records) - raw_distinct == 279
    doc_ids = Counter(d.doc_id for d in out if isinstance(d, RawDocument))
    assert len(doc_ids) == len(records) - 284
    assert all(make_doc_id(str(r["text"])) in doc_ids for r in records[:100])
