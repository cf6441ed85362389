"""HTML body extraction quality against gold bodies written by others.

Runs wirehouse's HTML extraction (trafilatura, as configured in wirehouse.ingest.formats.html) on
  * the article-extraction-benchmark (Zyte, 181 pages, gold ``articleBody``) and
  * the fundus English test pages (84 pages, gold ``body_text``),
and prints JSON with the mean token-level body F1 per set and its worst pages.

The metric is the one the Zyte benchmark uses: bag-of-words F1 over lower-cased ``\\w+`` tokens,
so word order and whitespace do not count, missing or extra words do.

    .venv/bin/python bench/extraction_quality.py [--corpora ../shared/corpora] [--worst 5]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, no install

from wirehouse.ingest.formats.html import extract_html  # noqa: E402

_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens(text: str | None) -> Counter[str]:
    return Counter(_TOKEN.findall((text or "").lower()))


def token_f1(predicted: str | None, gold: str | None) -> float:
    """Bag-of-words F1 of a predicted body against the gold body (0.0 when either is empty)."""
    pred, ref = tokens(predicted), tokens(gold)
    overlap = sum((pred & ref).values())
    if overlap == 0:
        return 0.0
    precision = overlap / sum(pred.values())
    recall = overlap / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def zyte_pages(root: Path) -> Iterator[tuple[str, str, bytes, str]]:
    """(id, url, html bytes, gold body) of the article-extraction-benchmark."""
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id in sorted(truth):
        html = gzip.decompress((root / "html" / f"{page_id}.html.gz").read_bytes())
        yield page_id, truth[page_id]["url"], html, truth[page_id]["articleBody"]


def fundus_pages(root: Path) -> Iterator[tuple[str, str, bytes, str]]:
    """(id, url, html bytes, gold body) of the fundus English pages."""
    with (root / "gold.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            html = gzip.decompress((root / row["html_file"]).read_bytes())
            yield row["id"], row["url"], html, row["body_text"]


def evaluate(pages: Iterator[tuple[str, str, bytes, str]], worst: int) -> dict[str, object]:
    scores: dict[str, float] = {}
    started = time.perf_counter()
    for page_id, url, html, gold in pages:
        parts = extract_html(html, url)
        scores[page_id] = token_f1(parts["body"] if parts else None, gold)
    values = list(scores.values())
    return {
        "pages": len(values),
        "mean_f1": round(statistics.fmean(values), 4),
        "median_f1": round(statistics.median(values), 4),
        "no_text_pages": sum(1 for v in values if v == 0.0),
        "seconds": round(time.perf_counter() - started, 1),
        "worst": [{"id": k, "f1": round(v, 4)}
                  for k, v in sorted(scores.items(), key=lambda kv: (kv[1], kv[0]))[:worst]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared" / "corpora",
                        help="folder holding article-extraction-benchmark/ and fundus-en-html/")
    parser.add_argument("--worst", type=int, default=5, help="worst pages listed per set")
    args = parser.parse_args(argv)
    result = {
        "article-extraction-benchmark": evaluate(
            zyte_pages(args.corpora / "article-extraction-benchmark"), args.worst),
        "fundus-en-html": evaluate(fundus_pages(args.corpora / "fundus-en-html"), args.worst),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
