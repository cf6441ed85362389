"""One batch of staged documents through NLP, entities and events, out as lake Parquet files."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable, Iterator
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
from wirehouse.extract.pool import make_shares, wait_for, worker_count
from wirehouse.extract.quotations import extract_quotations
from wirehouse.extract.tone import document_tone
from wirehouse.ingest.language import detect_language
from wirehouse.lake.parquet import read_table, write_rows

OUTPUT_TABLES = ("documents", "mentions", "entities", "event_mentions", "quotations", "amounts")


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


def _extract_docs(docs: list[dict[str, object]], run_id: str,
                  settings: Settings) -> dict[str, list[dict[str, object]]]:
    """Rows of every output table for these staged documents (their documents rows updated)."""
    reference.use(settings.reference_dir)  # the lexicons the extraction signature hashes
    for row in docs:
        if row["language"] is None:
            row["language"] = detect_language(str(row["body"]))
    nlp = load_pipeline(settings.model, settings.reference_dir)
    model = model_version(nlp)
    version = extractor_version(settings.reference_dir)
    by_id = {str(r["doc_id"]): r for r in docs}
    rows: dict[str, list[dict[str, object]]] = {t: [] for t in OUTPUT_TABLES}

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
    for row in docs:
        if row["language"] not in (None, "en"):
            done(None, str(row["doc_id"]))
    return rows


def _extract_share(args: tuple[list[dict[str, object]], str, Settings]
                   ) -> dict[str, list[dict[str, object]]]:
    docs, run_id, settings = args
    return _extract_docs(docs, run_id, settings)


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
    afterwards share them instead of each loading its own (measured ~0.8 s a worker)."""
    _warm_up(settings.model, settings.reference_dir)


def extract_batch(staged_path: str, run_id: str, settings: Settings, part: str,
                  interrupted: Callable[[], bool] | None = None) -> dict[str, str]:
    """Extract every table from one staged batch; returns table name -> Parquet path.

    With ``n_process`` > 1 the batch is split into shares among forked worker processes that
    each parse *and* extract theirs, so the entity and event coding runs in parallel too
    (with spaCy's own n_process it ran in this process while the workers only parsed,
    measured at 0.44 of bare spaCy's words/s on 2 cores). The workers are forked after the
    model is loaded here, so none loads it again. Rows come back in input order: the output
    does not depend on the number of workers. Non-English documents keep their documents row
    but skip the English pipeline. ``interrupted``: checked while the workers extract; when
    it returns True they are stopped (pool.Abandoned).
    """
    docs = read_table(staged_path).to_pylist()
    workers = worker_count(len(docs), settings)
    if workers > 1:
        warm_up(settings)  # before the fork, so the workers inherit what it loads
        with mp.get_context("fork").Pool(workers) as pool:  # its exit stops the workers
            results = [pool.apply_async(_extract_share, ((share, run_id, settings),))
                       for share in make_shares(docs, workers)]
            parts = [wait_for(result, interrupted) for result in results]
    else:
        parts = [_extract_docs(docs, run_id, settings)]
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
