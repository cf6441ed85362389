"""Post-parse cost of the extraction, beside the spaCy parse it follows.

Parses the documents once with ``nlp.pipe`` (the same pipeline the ETL loads), then times each
post-parse stage over the parsed Docs (entities, events, quotations, amounts, tone), then runs
``wirehouse.extract.batch.extract_batch`` on the same documents with the parse timed separately, so
the remainder (extraction, Arrow rows, Parquet) is measured where the ETL spends it.

    .venv/bin/python bench/profile_extract.py --docs 300            # Reuters, timings
    .venv/bin/python bench/profile_extract.py --seed --repeat 20     # the seed article
    .venv/bin/python bench/profile_extract.py --profile cprofile     # + top functions
    .venv/bin/python bench/profile_extract.py --dump /tmp/before.pkl # all output rows
    .venv/bin/python bench/profile_extract.py --check /tmp/before.pkl  # byte-identical?

``--dump``/``--check`` compare every row of every table extract_batch writes (the Parquet
files' Arrow tables, run_id aside), which is how a performance change proves it changed nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import io
import json
import pickle
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from spacy.tokens import Doc  # noqa: E402

from wirehouse.core.contract import to_table  # noqa: E402
from wirehouse.core.documents import make_doc_id  # noqa: E402
from wirehouse.core.settings import Settings  # noqa: E402
from wirehouse.extract import batch as pipeline  # noqa: E402
from wirehouse.extract.amounts import extract_amounts  # noqa: E402
from wirehouse.extract.entities import extract_entities  # noqa: E402
from wirehouse.extract.events.coder import extract_events  # noqa: E402
from wirehouse.extract.nlp import load_pipeline  # noqa: E402
from wirehouse.extract.quotations import extract_quotations  # noqa: E402
from wirehouse.extract.tone import document_tone  # noqa: E402

REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578" / "reuters21578.jsonl.gz"
SEED = ROOT / "seeds" / "000_51781b56351c4b8e.txt"
PUBLISHED = datetime(2019, 5, 1, 12, tzinfo=UTC)


def load_texts(args: argparse.Namespace) -> list[str]:
    if args.seed:
        return [SEED.read_text(encoding="utf-8")] * args.repeat
    texts: list[str] = []
    with gzip.open(args.corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line).get(args.field) or ""
            if text.strip():
                texts.append(text)
            if len(texts) == args.docs:
                break
    return texts


def staged_batch(texts: list[str], path: Path) -> None:
    """A staged documents file as ingest writes it (distinct doc_ids; repeats get a suffix)."""
    rows = []
    seen: set[str] = set()
    for i, text in enumerate(texts):
        doc_id = make_doc_id(text)
        if doc_id in seen:
            doc_id = f"{doc_id[:11]}{i:05d}"
        seen.add(doc_id)
        rows.append({"doc_id": doc_id, "body": text, "language": "en", "published_at": PUBLISHED,
                     "run_id": "staged"})
    pq.write_table(to_table("documents", rows), path)


# Stage timings read this clock: process CPU time by default, steadier than wall time on a
# machine other jobs share (--clock wall to change).
CLOCK: Callable[[], float] = time.process_time


class Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def add(self, name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        t0 = CLOCK()
        out = fn(*args, **kwargs)
        self.seconds[name] = self.seconds.get(name, 0.0) + CLOCK() - t0
        return out


def stages(docs: list[Doc], timer: Timer) -> None:
    """Each post-parse stage on its own, in the order extract_batch calls them."""
    for i, doc in enumerate(docs):
        doc_id = f"d{i}"
        ents = timer.add("entities", extract_entities, doc, doc_id)
        timer.add("tone", document_tone, doc.text)
        timer.add("events", extract_events, doc, doc_id, ents, PUBLISHED, "r")
        timer.add("quotations", extract_quotations, doc, doc_id, ents, "r")
        timer.add("amounts", extract_amounts, doc, doc_id, "r")


def timed_batch(staged: Path, settings: Settings,
                timer: Timer) -> tuple[float, float, dict[str, str]]:
    """extract_batch wall time and the part of it spent inside the spaCy parse."""
    parse = 0.0
    real_pipe = pipeline.pipe

    def timed_pipe(*a: Any, **k: Any) -> Iterator[tuple[Doc, str]]:
        nonlocal parse
        it = real_pipe(*a, **k)
        while True:
            t0 = CLOCK()
            try:
                item = next(it)
            except StopIteration:
                parse += CLOCK() - t0
                return
            parse += CLOCK() - t0
            yield item

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*a: Any, **k: Any) -> Any:
            return timer.add(name, fn, *a, **k)
        return wrapper

    # The stages as extract_batch calls them, interleaved with the parse.
    wrapped = ("extract_entities", "extract_events", "document_tone", "extract_quotations",
               "extract_amounts", "write_rows")
    real = {name: getattr(pipeline, name) for name in wrapped}
    pipeline.pipe = timed_pipe
    for name in wrapped:
        setattr(pipeline, name, timed(name, real[name]))
    try:
        t0 = CLOCK()
        out = pipeline.extract_batch(str(staged), "bench", settings, "00000")
        total = CLOCK() - t0
    finally:
        pipeline.pipe = real_pipe
        for name in wrapped:
            setattr(pipeline, name, real[name])
    return total, parse, out


def tables_of(out: dict[str, str]) -> dict[str, pa.Table]:
    return {name: pq.read_table(path) for name, path in sorted(out.items())}


def compare(before: dict[str, pa.Table], after: dict[str, pa.Table]) -> list[str]:
    problems = []
    for name in sorted(set(before) | set(after)):
        if name not in before or name not in after:
            problems.append(f"{name}: only on one side")
        elif not before[name].equals(after[name], check_metadata=True):
            b, a = before[name].to_pylist(), after[name].to_pylist()
            diff = next((i for i, (x, y) in enumerate(zip(b, a, strict=False)) if x != y), None)
            problems.append(f"{name}: {len(b)} vs {len(a)} rows; first difference at row {diff}:"
                            f"\n  before {b[diff] if diff is not None else ''}"
                            f"\n  after  {a[diff] if diff is not None else ''}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=300, help="Reuters articles (default 300)")
    ap.add_argument("--corpus", default=str(REUTERS))
    ap.add_argument("--field", default="text")
    ap.add_argument("--seed", action="store_true", help="the seed article instead of Reuters")
    ap.add_argument("--repeat", type=int, default=10, help="copies of the seed (with --seed)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--profile", choices=("none", "cprofile"), default="none",
                    help="cProfile the post-parse stages and print the top functions")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the post-parse stages")
    ap.add_argument("--dump", help="pickle extract_batch's output tables here")
    ap.add_argument("--check", help="compare extract_batch's output tables with this dump")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="clock of the stage and extract_batch timings (default: process CPU)")
    args = ap.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter

    texts = load_texts(args)
    words = sum(len(t.split()) for t in texts)
    settings = Settings.from_env({}).with_(n_process=1, nlp_batch_size=args.batch_size)
    t0 = time.perf_counter()
    nlp = load_pipeline(settings.model, settings.reference_dir)
    load_s = time.perf_counter() - t0

    # Warm the per-process tables (country index, lexicons, VADER) outside the timings: they
    # are built once per worker process, not per document.
    warm = nlp("Chinese officials said on Monday they met Venezuela's president in Caracas.")
    ents = extract_entities(warm, "w")
    extract_events(warm, "w", ents, PUBLISHED, "r")
    document_tone(warm.text)

    t0, c0 = time.perf_counter(), time.process_time()
    docs = list(nlp.pipe(texts, batch_size=args.batch_size))
    parse_s, parse_cpu = time.perf_counter() - t0, time.process_time() - c0

    # The post-parse stages over the parsed Docs, --rounds times: the fastest round of each
    # stage counts (other jobs on the machine only ever add time).
    prof = cProfile.Profile() if args.profile == "cprofile" else None
    rounds: list[tuple[float, float, Timer]] = []
    for _ in range(args.rounds):
        timer = Timer()
        t0, c0 = time.perf_counter(), time.process_time()
        if prof:
            prof.enable()
        stages(docs, timer)
        if prof:
            prof.disable()
        rounds.append((time.perf_counter() - t0, time.process_time() - c0, timer))
    post_s = min(r[0] for r in rounds)
    post_cpu = min(r[1] for r in rounds)
    timer = Timer()
    timer.seconds = {k: min(r[2].seconds[k] for r in rounds) for k in rounds[0][2].seconds}

    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "staged.parquet"
        staged_batch(texts, staged)
        batch_timer = Timer()
        total, batch_parse, out = timed_batch(staged, settings.with_(lake=str(Path(tmp) / "lake")),
                                              batch_timer)
        tables = tables_of(out)

    figures = {
        "docs": len(texts), "words": words, "clock": args.clock, "model_load_s": round(load_s, 2),
        "parse_s": round(parse_s, 3), "parse_words_per_s": round(words / parse_s),
        "post_parse_s": round(post_s, 3),
        "post_parse_ms_per_doc": round(1000 * post_s / len(texts), 2),
        "post_vs_parse": round(post_s / parse_s, 4),
        # CPU seconds are steadier than wall seconds on a shared machine.
        "parse_cpu_s": round(parse_cpu, 3), "post_parse_cpu_s": round(post_cpu, 3),
        "post_vs_parse_cpu": round(post_cpu / parse_cpu, 4),
        "stages_s": {k: round(v, 4) for k, v in timer.seconds.items()},
        "extract_batch_s": round(total, 3), "extract_batch_parse_s": round(batch_parse, 3),
        "extract_batch_rest_s": round(total - batch_parse, 3),
        "extract_batch_rest_vs_parse": round((total - batch_parse) / batch_parse, 4),
        "extract_batch_stages_s": {k: round(v, 4) for k, v in batch_timer.seconds.items()},
        "extract_batch_unaccounted_s": round(
            total - batch_parse - sum(batch_timer.seconds.values()), 4),
        "rows": {k: v.num_rows for k, v in tables.items()},
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for k, v in figures.items():
            print(f"{k:>28}: {v}")
    if prof:
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(args.top)
        buf.write("\n--- by own time ---\n")
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(args.top)
        print(buf.getvalue())

    comparable = {k: v.drop_columns([c for c in ("run_id",) if c in v.column_names])
                  for k, v in tables.items()}
    if args.dump:
        with open(args.dump, "wb") as fh:
            pickle.dump({k: v.to_pylist() for k, v in comparable.items()}, fh)
        print(f"dumped {sum(t.num_rows for t in comparable.values())} rows to {args.dump}")
    if args.check:
        with open(args.check, "rb") as fh:
            saved = pickle.load(fh)
        before = {k: pa.Table.from_pylist(v, schema=comparable[k].schema) if k in comparable
                  else pa.table({}) for k, v in saved.items()}
        problems = compare(before, comparable)
        print("identical" if not problems else "DIFFERENT:\n" + "\n".join(problems))
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
