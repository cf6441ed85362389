"""Direct quotations with their speaker (GKG-style): the quote, its offsets and who said it."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from spacy.attrs import IDX
from spacy.tokens import Doc, Span, Token

from wirehouse.core.documents import stable_id
from wirehouse.extract.entities import DocEntities

_QUOTE = re.compile(r"\u201c([^\u201c\u201d]+?)\u201d|\"([^\"\n]+?)\"|``(.+?)''")
_MIN_QUOTE_WORDS = 4  # shorter quoted strings are scare quotes ("imperial aggression")
_SPEECH = frozenset({"say", "write", "assert", "tell", "add", "state", "declare", "claim",
                     "insist", "note", "stress", "explain", "argue", "announce", "tweet",
                     "warn", "ask", "reply", "respond", "affirm", "conclude", "report"})


def _speaker_near(doc: Doc, start: int, end: int, ents: DocEntities,
                  sents_and_idx: tuple[list[Span], list[int]] | None = None) -> Token | None:
    """Subject of a speech verb in the sentences holding the quote but outside it."""
    sent_list, token_idx = sents_and_idx or _sentences_and_offsets(doc)
    # The tokens starting inside the quote, [a, b), and the sentences holding any of them.
    a, b = bisect_left(token_idx, start), bisect_left(token_idx, end)
    if a < b:
        sents = [s for s in sent_list if s.start < b and a < s.end]
    else:
        first = doc.char_span(start, start, alignment_mode="expand")
        sents = [first.sent] if first else []
    for sent in sents:
        for tok in sent:
            if start <= tok.idx < end or tok.lemma_.lower() not in _SPEECH:
                continue
            for c in tok.children:
                if c.dep_ == "nsubj" and not (start <= c.idx < end) and c.pos_ != "PRON":
                    return c
    return None


def _sentences_and_offsets(doc: Doc) -> tuple[list[Span], list[int]]:
    return list(doc.sents), doc.to_array(IDX).tolist() if len(doc) else []


def _speaker_span(tok: Token) -> tuple[int, int]:
    toks = [t for t in tok.subtree if t.dep_ not in ("punct", "appos", "prep", "relcl", "det")
            and (t.i <= tok.i)]
    toks = [t for t in toks if t.i >= min(x.i for x in toks)]
    lo = min(t.idx for t in toks)
    return lo, tok.idx + len(tok.text)


def extract_quotations(doc: Doc, doc_id: str, ents: DocEntities,
                       run_id: str) -> list[dict[str, object]]:
    text = doc.text
    rows: list[dict[str, object]] = []
    last: tuple[str | None, str | None] = (None, None)
    sents_and_idx: tuple[list[Span], list[int]] | None = None
    sent_starts: list[int] = []
    for m in _QUOTE.finditer(text):
        group = next(g for g in (1, 2, 3) if m.group(g) is not None)
        start, end = m.start(group), m.end(group)
        quote = text[start:end]
        if len(quote.split()) < _MIN_QUOTE_WORDS:
            continue
        if sents_and_idx is None:
            sents_and_idx = _sentences_and_offsets(doc)
            sent_starts = [s.start_char for s in sents_and_idx[0]]
        head = _speaker_near(doc, m.start(), m.end(), ents, sents_and_idx)
        if head is not None:
            lo, hi = _speaker_span(head)
            ent = ents.entity_at(head.idx, head.idx + len(head.text))
            speaker: tuple[str | None, str | None] = (ent.entity_id if ent else None,
                                                      text[lo:hi])
            last = speaker
        else:
            # A quote that continues a speaker's words without a new attribution.
            speaker = last
        rows.append({
            "quotation_id": stable_id(doc_id, start, end),
            "doc_id": doc_id,
            "speaker_entity_id": speaker[0],
            "speaker_text": speaker[1],
            "quote": quote,
            "start_char": start,
            "end_char": end,
            "sentence_index": bisect_right(sent_starts, start) - 1,
            "run_id": run_id,
        })
    return rows
