"""One batch of staged documents through NLP, entities and events, out as lake Parquet files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future
from datetime import datetime
from functools import lru_cache

from spacy.attrs import IS_PUNCT, IS_SPACE
from spacy.tokens import Doc

from wirehouse.core import reference
from wirehouse.core.contract import TABLES
from wirehouse.core.settings import Settings
from wirehouse.extract.amounts import extract_amounts
from wirehouse.extract.entities import extract_entities
from wirehouse.extract.events.coder import extract_events
from wirehouse.extract.nlp import (
    extractor_version,
    load_pipeline,
    model_version,
    pipe,
)
from wirehouse.extract.pool import (
    WorkerPool,
    document_done,
    make_shares,
    worker_count,
)
from wirehouse.extract.quotations import extract_quotations
from wirehouse.extract.tone import document_tone
from wirehouse.ingest.language import detect_language
from wirehouse.lake.parquet import read_table, write_rows

OUTPUT_TABLES = ("documents", "mentions", "entities", "event_mentions", "quotations", "amounts")
Docs = list[dict[str, object]]
Rows = dict[str, list[dict[str, object]]]  # table name -> rows


def _english(docs: list[dict[str, object]]) -> Iterator[tuple[str, str]]:
    for row in docs:
        if row["language"] in (None, "en"):
            yield str(row["body"]), str(row["doc_id"])


def _word_count(doc: Doc) -> int:
    """Tokens that are neither punctuation nor space, read off the token arrays at once."""
    if not len(doc):
        return 0
    flags = doc.to_array([IS_PUNCT, IS_SPACE]).tolist()
    return sum(1 for punct, space in flags if not (punct or space))


def _extract_docs(docs: Docs, run_id: str, settings: Settings,
                  on_document: Callable[[], None] | None = None) -> Rows:
    """Rows of every output table for these staged documents (their documents rows
    updated); ``on_document`` is called as each one is done."""
    reference.use(settings.reference_dir)  # the lexicons the extraction signature hashes
    for row in docs:
        if row["language"] is None:
            row["language"] = detect_language(str(row["body"]))
    nlp = load_pipeline(settings.model, settings.reference_dir)
    model = model_version(nlp)
    version = extractor_version(settings.reference_dir)
    by_id = {str(r["doc_id"]): r for r in docs}
    rows: Rows = {t: [] for t in OUTPUT_TABLES}

    def done(doc: Doc | None, doc_id: str) -> None:
        meta = by_id[doc_id]
        meta.update(extractor_version=version, model=model, run_id=run_id)
        if doc is None:
            rows["documents"].append(meta)
            return
        published = meta["published_at"]
        ents = extract_entities(
            doc, doc_id, published.date() if isinstance(published, datetime) else None)
        meta.update(
            tone=document_tone(doc.text),
            word_count=_word_count(doc),
            sentence_count=sum(1 for _ in doc.sents),
        )
        rows["documents"].append(meta)
        rows["mentions"].extend(
            {**m.__dict__, "doc_id": doc_id, "run_id": run_id} for m in ents.mentions
        )
        events = extract_events(doc, doc_id, ents,
                                published if isinstance(published, datetime) else None, run_id)
        rows["event_mentions"].extend(events)
        rows["quotations"].extend(extract_quotations(doc, doc_id, ents, run_id))
        rows["amounts"].extend(extract_amounts(doc, doc_id, run_id))
        # Roles are set by the actor coder, so entity rows are built after the events.
        rows["entities"].extend(
            {
                "doc_id": doc_id, "entity_id": e.entity_id, "entity_type": e.entity_type,
                "name": e.name, "country_iso3": e.country_iso3, "role": e.role,
                "actor_code": e.actor_code, "num_mentions": e.num_mentions,
                "first_start_char": e.first_start_char,
                "run_id": run_id,
            }
            for e in ents.entities.values()
        )

    # One process: parallel runs split the batch among forked workers (extract_batch).
    for doc, doc_id in pipe(nlp, _english(docs), 1, settings.nlp_batch_size):
        done(doc, doc_id)
        if on_document is not None:
            on_document()
    for row in docs:
        if row["language"] not in (None, "en"):
            done(None, str(row["doc_id"]))
            if on_document is not None:
                on_document()
    return rows


def extract_share(args: tuple[Docs, str, Settings]) -> Rows:
    """One share of a batch, in a pool worker, counting its documents as they are done."""
    docs, run_id, settings = args
    return _extract_docs(docs, run_id, settings, document_done)


# Made up; touches every coder (actors, countries, events, quotation, amount, tone).
WARM_UP_TEXT = ("French President Emmanuel Macron met Chinese officials in Beijing on Monday and "
                "agreed to send $5 million in aid. \"We welcome the talks,\" the ministry said.")


@lru_cache(maxsize=2)
def _warm_up(model: str, reference_dir: str) -> None:
    row: dict[str, object] = {"doc_id": "warm-up", "body": WARM_UP_TEXT, "language": None,
                              "published_at": None}
    _extract_docs([row], "warm-up", Settings(model=model, reference_dir=reference_dir))


def warm_up(settings: Settings) -> None:
    """Load the model, the language identifier and every lexicon and table the coders load
    on first use, by extracting one made-up document (once per process). Workers forked
    afterwards share them instead of each loading its own (bench/RESULTS.md, "Figures moved
    out of the code")."""
    _warm_up(settings.model, settings.reference_dir)


def read_batch(staged_path: str) -> Docs:
    return read_table(staged_path).to_pylist()


def share_out(docs: Docs, run_id: str, settings: Settings, pool: WorkerPool
              ) -> list[Future[Rows]]:
    """The batch's shares, handed to the pool's workers (extract_share)."""
    return pool.submit(extract_share, [(share, run_id, settings)
                                       for share in make_shares(docs, pool.workers)])


def write_batch(docs: Docs, parts: list[Rows], run_id: str, settings: Settings,
                part: str) -> dict[str, str]:
    """The rows extracted from ``docs`` (in shares, in any order) as lake Parquet files;
    table name -> path. Rows are written in input order, so the output does not depend on
    how the batch was shared out."""
    order = {str(r["doc_id"]): i for i, r in enumerate(docs)}
    rows = {name: sorted((r for p in parts for r in p[name]),
                         key=lambda r: order[str(r["doc_id"])])
            for name in OUTPUT_TABLES}
    rows["documents"].sort(key=lambda r: str(r["doc_id"]))
    return {
        name: write_rows(settings.lake, name, rows[name], run_id, part)
        for name in OUTPUT_TABLES
        if name in TABLES
    }


def extract_batch(staged_path: str, run_id: str, settings: Settings, part: str,
                  on_document: Callable[[], None] | None = None) -> dict[str, str]:
    """Extract every table from one staged batch; returns table name -> Parquet path.

    With ``n_process`` > 1 the batch is split into shares among workers forked for it
    (wirehouse.extract.pool) that each parse *and* code theirs, so the entity and event
    coding runs in parallel too (with spaCy's own n_process it ran in one process while the
    workers only parsed). The extraction host does the same with one pool for the whole run
    (wirehouse.extract.host_process). Non-English documents keep their documents row but
    skip the English pipeline. ``on_document`` is called as each document is done, when
    they are extracted in this process.
    """
    docs = read_batch(staged_path)
    workers = worker_count(len(docs), settings)
    if workers > 1:
        warm_up(settings)  # before the fork, so the workers inherit what it loads
        with WorkerPool(workers) as pool:
            parts = [share.result() for share in share_out(docs, run_id, settings, pool)]
    else:
        parts = [_extract_docs(docs, run_id, settings, on_document)]
    return write_batch(docs, parts, run_id, settings, part)
