"""What the name rules of issue 16 cost the extraction, side by side in one run.

    .venv/bin/python bench/names_cost.py [--docs 300] [--repeat 3]

On the first N Reuters-21578 articles, alternately: the spaCy pipeline without the pipes
wirehouse.extract.ruler adds after the NER, and with them; each followed by extract_entities
(with the article's date, as the batch calls it). Prints words/s of both and their ratio (the
median of the repeats); timing figures go to bench/RESULTS.md by hand, with this command.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]
REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578" / "reuters21578.jsonl.gz"
ADDED = ("wirehouse_known_names", "wirehouse_names")


def main() -> None:
    from wirehouse.core.settings import get_settings
    from wirehouse.extract.entities import extract_entities
    from wirehouse.extract.nlp import load_pipeline

    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with gzip.open(REUTERS, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for _, line in zip(range(args.docs), fh, strict=False)]
    texts = [r["text"] for r in rows]
    days = [date.fromisoformat(r["date"][:10]) if r.get("date") else None for r in rows]
    words = sum(len(t.split()) for t in texts)
    s = get_settings()
    nlp = load_pipeline(s.model, s.reference_dir)
    nlp("Warm-up: Angela Merkel met the UN in Geneva.")

    def run(with_names: bool) -> float:
        disabled = [] if with_names else [p for p in ADDED if p in nlp.pipe_names]
        t0 = time.perf_counter()
        with nlp.select_pipes(disable=disabled):
            for doc, day in zip(nlp.pipe(texts, batch_size=s.nlp_batch_size), days,
                                strict=True):
                extract_entities(doc, "bench", day)
        return words / (time.perf_counter() - t0)

    without, with_ = [], []
    for _ in range(args.repeat):
        without.append(run(False))
        with_.append(run(True))
    ratios = [w / o for w, o in zip(with_, without, strict=True)]
    print(json.dumps({
        "docs": len(texts), "words": words, "repeat": args.repeat,
        "without_name_pipes_words_per_s": round(statistics.median(without)),
        "with_name_pipes_words_per_s": round(statistics.median(with_)),
        "ratio_median": round(statistics.median(ratios), 3),
    }, indent=1))


if __name__ == "__main__":
    main()
