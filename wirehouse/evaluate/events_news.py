"""Measure the event coder on real news: the sentence-level gold of corpora/news-events-gold.

The scoring is the gold's own: ``tools/eval_news_events.py`` of the shared folder the gold comes
from (its rules are in the gold's GUIDELINES.md), loaded from there and called, not rewritten
here, so that `wirehouse eval events` and the shared script give the same figures. What this
module adds is the extraction: the articles file beside the gold (``dev_articles.jsonl``) is
read by the project's JSONL reader and coded by the real pipeline (spaCy model, entities on the
publication date, events), or an existing warehouse is scored as it is.

Levels (the scorer's): ``type`` (same CAMEO root), ``type+source`` (and the same source
country, IGO counting as a country), ``full`` (and the same target country, or both none), each
with precision, recall and F1.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

from wirehouse.core.documents import RawDocument
from wirehouse.core.reference import use
from wirehouse.core.settings import PROJECT_ROOT, Settings
from wirehouse.extract.entities import extract_entities
from wirehouse.extract.events.coder import extract_events
from wirehouse.extract.nlp import load_pipeline
from wirehouse.ingest.formats.jsonl import read_jsonl

SCORER = "eval_news_events.py"
LEVELS = ("type", "type+source", "full")


def is_news_gold(path: str) -> bool:
    """A news-events gold file: one article per line with its annotated ``sentences``."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                try:
                    record = json.loads(line)
                except ValueError:
                    return False
                return isinstance(record, dict) and "sentences" in record
    return False


def scorer_for(gold: Path) -> ModuleType:
    """The shared scorer of the corpora folder the gold file is in (…/corpora/<set>/file ->
    …/tools/eval_news_events.py), else the one beside the project."""
    candidates = [gold.resolve().parents[2] / "tools" / SCORER,
                  PROJECT_ROOT.parent / "shared" / "tools" / SCORER]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        raise FileNotFoundError(
            f"no {SCORER} at {' or '.join(map(str, candidates))}: the news gold is scored by "
            "the shared folder's own scorer")
    name = "wirehouse_eval_news_events"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def read_articles(path: Path, settings: Settings) -> list[RawDocument]:
    with path.open("rb") as fh:
        docs = [d for d in read_jsonl(str(path), fh, settings.max_doc_bytes,
                                      settings.jsonl_fields()) if isinstance(d, RawDocument)]
    if not docs:
        raise ValueError(f"{path}: no articles")
    return docs


def code_articles(articles: list[RawDocument], settings: Settings
                  ) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """(documents, event rows by doc_id) as the pipeline would load them."""
    use(settings.reference_dir)
    nlp = load_pipeline(settings.model, settings.reference_dir)
    docs: list[dict[str, Any]] = []
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    parsed = nlp.pipe(a.body for a in articles)
    for article, doc in zip(articles, parsed, strict=True):
        published = article.published_at
        ents = extract_entities(doc, article.doc_id,
                                published.date() if published is not None else None)
        rows[article.doc_id] = extract_events(doc, article.doc_id, ents, published, "eval")
        docs.append({"doc_id": article.doc_id, "url": article.url, "title": article.title,
                     "body": article.body})
    return docs, rows


def evaluate_news_events(gold_file: str, settings: Settings, warehouse: str | None = None,
                         articles_file: str | None = None) -> dict[str, Any]:
    """Scores of the coder on a news gold file: the articles beside it coded now, or the event
    mentions of ``warehouse`` as loaded."""
    gold_path = Path(gold_file)
    scorer = scorer_for(gold_path)
    gold = scorer.read_gold(gold_path)
    titles = scorer.read_titles(gold_path, articles_file)
    if warehouse is not None:
        docs, rows = scorer.read_warehouse(warehouse)
    else:
        articles = Path(articles_file) if articles_file else gold_path.with_name(
            gold_path.name.replace("_gold", "_articles"))
        docs, rows = code_articles(read_articles(articles, settings), settings)
    result = scorer.evaluate(gold, docs, rows, titles, set())
    mentions = [r for rs in rows.values() for r in rs]
    with_source = sum(1 for r in mentions if r.get("source_code") or r.get("source_country"))
    return {
        "file": gold_file,
        "warehouse": warehouse,
        "model": settings.model,
        **{level: {k: _round(v) for k, v in result["levels"][level].items()}
           for level in LEVELS},
        "articles": {k: v for k, v in result["articles"].items() if k != "unmatched"},
        "sentences": {k: v for k, v in result["sentences"].items() if k != "unlocated"},
        "events": result["events"],
        "mentions_with_source": _round(with_source / len(mentions)) if mentions else None,
        "per_root": {r["root"]: {"gold": r["gold"], "extracted": r["extracted"],
                                 "type_f1": _round(r["type"]["f1"])}
                     for r in result["per_root"]},
    }


def _round(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value
