"""`wirehouse eval entities`: exact-span NER scores of the entity stage on a CoNLL-2003 file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from wirehouse.core.settings import Settings
from wirehouse.extract.entities import extract_entities
from wirehouse.extract.nlp import load_pipeline

# Our (OntoNotes) labels in the CoNLL set; labels not listed are not entities there.
CONLL_LABEL = {
    "PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC",
    "NORP": "MISC", "EVENT": "MISC", "WORK_OF_ART": "MISC", "LAW": "MISC", "LANGUAGE": "MISC",
    "PRODUCT": "MISC",
}

Span = tuple[int, int, str]


@dataclass
class GoldDocument:
    text: str
    spans: set[Span]


def _spans_from_tags(tokens: list[tuple[int, int, str]]) -> set[Span]:
    """Entity spans from IOB1 or IOB2 tags: a new entity starts at B- or at an I- whose type
    differs from the previous token's (IOB1 uses I- for the first token)."""
    spans: set[Span] = set()
    start = end = -1
    etype = ""
    for s, e, tag in tokens:
        prefix, _, kind = tag.partition("-")
        if prefix == "I" and kind == etype and start >= 0:
            end = e
            continue
        if start >= 0:
            spans.add((start, end, etype))
            start = -1
        if prefix in ("B", "I"):
            start, end, etype = s, e, kind
    if start >= 0:
        spans.add((start, end, etype))
    return spans


def read_conll(path: str) -> Iterator[GoldDocument]:
    """Documents rebuilt from their tokens: tokens joined by spaces, a sentence per line."""
    text_parts: list[str] = []
    tagged: list[tuple[int, int, str]] = []
    pos = 0

    def flush() -> Iterator[GoldDocument]:
        nonlocal pos
        if tagged:
            yield GoldDocument("".join(text_parts).rstrip(), _spans_from_tags(tagged))
        text_parts.clear()
        tagged.clear()
        pos = 0

    with open(path, encoding="utf-8") as fh:
        for line in fh:
            cols = line.split()
            if not cols:
                if text_parts and not text_parts[-1].endswith("\n"):
                    text_parts[-1] = text_parts[-1].rstrip(" ") + "\n"
                    tagged.append((pos, pos, "O"))  # sentence break ends an entity
                continue
            if cols[0] == "-DOCSTART-":
                yield from flush()
                continue
            token = cols[0].replace("_", " ")
            tagged.append((pos, pos + len(token), cols[-1]))
            text_parts.append(token + " ")
            pos += len(token) + 1
    yield from flush()


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(100 * p, 1), "recall": round(100 * r, 1), "f1": round(100 * f, 1)}


def evaluate_entities(path: str, settings: Settings) -> dict[str, object]:
    docs = list(read_conll(path))
    gold_types = {t for d in docs for _, _, t in d.spans}
    nlp = load_pipeline(settings.model, settings.reference_dir)
    tp: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    n_gold: Counter[str] = Counter()
    for gold, doc in zip(docs, nlp.pipe(d.text for d in docs), strict=True):
        ents = extract_entities(doc, "eval")
        pred = {(m.start_char, m.end_char, CONLL_LABEL[m.label]) for m in ents.mentions
                if CONLL_LABEL.get(m.label) in gold_types}
        for kind in gold_types:
            p = {s for s in pred if s[2] == kind}
            g = {s for s in gold.spans if s[2] == kind}
            tp[kind] += len(p & g)
            n_pred[kind] += len(p)
            n_gold[kind] += len(g)
    return {
        "file": path,
        "documents": len(docs),
        "overall": _prf(sum(tp.values()), sum(n_pred.values()), sum(n_gold.values())),
        "per_type": {k: {**_prf(tp[k], n_pred[k], n_gold[k]), "gold": n_gold[k],
                         "predicted": n_pred[k]} for k in sorted(gold_types)},
    }
