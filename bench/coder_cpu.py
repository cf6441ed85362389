"""CPU seconds of each extraction step of this checkout on the first N Reuters-21578 articles.

    .venv/bin/python bench/coder_cpu.py [--docs 300] [--corpora ../shared/corpora]

In one process: parse (spaCy nlp.pipe, one process), then entity and event coding of the parsed
documents three times (minimum taken). CPU time, not wall time, so that the figure of one
checkout can be set beside another's (run it in each) on a machine shared with other work.
Prints one JSON object; bench/RESULTS.md records the figures with the command.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's wirehouse

from wirehouse.core.reference import use  # noqa: E402
from wirehouse.core.settings import get_settings  # noqa: E402
from wirehouse.extract.entities import extract_entities  # noqa: E402
from wirehouse.extract.events.coder import extract_events  # noqa: E402
from wirehouse.extract.nlp import load_pipeline  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--corpora", default=str(ROOT.parent / "shared" / "corpora"))
    args = ap.parse_args()
    settings = get_settings()
    use(settings.reference_dir)
    texts: list[str] = []
    with gzip.open(f"{args.corpora}/reuters21578/reuters21578.jsonl.gz", "rt") as fh:
        for line in fh:
            text = json.loads(line).get("text") or ""
            if text.strip():
                texts.append(text)
            if len(texts) >= args.docs:
                break
    nlp = load_pipeline(settings.model, settings.reference_dir)
    t0 = time.process_time()
    docs = list(nlp.pipe(texts))
    parse = time.process_time() - t0
    entities: list[float] = []
    events: list[float] = []
    for _ in range(3):
        ents_s = events_s = 0.0
        for i, doc in enumerate(docs):
            t0 = time.process_time()
            ents = extract_entities(doc, str(i))
            t1 = time.process_time()
            extract_events(doc, str(i), ents, None, "bench")
            ents_s += t1 - t0
            events_s += time.process_time() - t1
        entities.append(round(ents_s, 2))
        events.append(round(events_s, 2))
    words = sum(1 for d in docs for t in d if not (t.is_punct or t.is_space))
    total = parse + min(entities) + min(events)
    print(json.dumps({"docs": len(docs), "words": words, "parse_cpu_s": round(parse, 2),
                      "entities_cpu_s": entities, "events_cpu_s": events,
                      "events_share_of_extraction": round(min(events) / total, 4)}))


if __name__ == "__main__":
    main()
