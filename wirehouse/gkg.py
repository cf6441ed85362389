"""GKG-style document extras: direct quotations with their speaker, numeric amounts, tone.

Tone is vaderSentiment's compound score (a maintained lexicon-based scorer; one analyzer per
process because building its lexicon costs more than scoring an article).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from spacy.tokens import Doc, Token
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from wirehouse.documents import stable_id
from wirehouse.entities import DocEntities

# Curly pairs, straight double quotes and TeX-style ``...'' as in wire copy.
_QUOTE = re.compile(r"\u201c([^\u201c\u201d]+?)\u201d|\"([^\"\n]+?)\"|``(.+?)''")
_MIN_QUOTE_WORDS = 4  # shorter quoted strings are scare quotes ("imperial aggression")
_SPEECH = frozenset({"say", "write", "assert", "tell", "add", "state", "declare", "claim",
                     "insist", "note", "stress", "explain", "argue", "announce", "tweet",
                     "warn", "ask", "reply", "respond", "affirm", "conclude", "report"})

_MAGNITUDE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
              "thousands": 1e3, "millions": 1e6, "billions": 1e9, "trillions": 1e12,
              "dozen": 12, "dozens": 12, "hundred": 100, "hundreds": 100}
_CURRENCY = {"$": "dollars", "\u20ac": "euros", "\u00a3": "pounds", "\u00a5": "yuan"}
_UNITS = frozenset({
    "ton", "tonne", "barrel", "dollar", "euro", "pound", "yuan", "ruble", "rouble", "peso",
    "bolivar", "yen", "rupee", "kg", "kilogram", "gram", "liter", "litre", "gallon", "mile",
    "kilometer", "kilometre", "km", "meter", "metre", "acre", "hectare", "percent", "%",
    "megawatt", "cubic", "bpd", "dose", "kilo"})
_APPROX = frozenset({"over", "around", "about", "nearly", "almost", "some", "approximately",
                     "roughly", "under", "than", "least", "to"})
_SKIP_ENTS = frozenset({"DATE", "TIME", "ORDINAL", "PERCENT"})


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def document_tone(text: str) -> float:
    """VADER compound score in [-1, 1] of the whole text."""
    return float(_analyzer().polarity_scores(text)["compound"])


def _speaker_near(doc: Doc, start: int, end: int, ents: DocEntities) -> Token | None:
    """Subject of a speech verb in the sentences holding the quote but outside it."""
    first = doc.char_span(start, start, alignment_mode="expand")
    sents = {t.sent for t in doc if start <= t.idx < end} or ({first.sent} if first else set())
    for sent in sorted(sents, key=lambda s: s.start):
        for tok in sent:
            if start <= tok.idx < end or tok.lemma_.lower() not in _SPEECH:
                continue
            for c in tok.children:
                if c.dep_ == "nsubj" and not (start <= c.idx < end) and c.pos_ != "PRON":
                    return c
    return None


def _speaker_span(tok: Token) -> tuple[int, int]:
    toks = [t for t in tok.subtree if t.dep_ not in ("punct", "appos", "prep", "relcl", "det")
            and (t.i <= tok.i)]
    toks = [t for t in toks if t.i >= min(x.i for x in toks)]
    lo = min(t.idx for t in toks)
    return lo, tok.idx + len(tok.text)


def extract_quotations(doc: Doc, doc_id: str, ents: DocEntities,
                       run_id: str) -> list[dict[str, object]]:
    text = doc.text
    sent_starts = [s.start_char for s in doc.sents]
    rows: list[dict[str, object]] = []
    last: tuple[str | None, str | None] = (None, None)
    for m in _QUOTE.finditer(text):
        group = next(g for g in (1, 2, 3) if m.group(g) is not None)
        start, end = m.start(group), m.end(group)
        quote = text[start:end]
        if len(quote.split()) < _MIN_QUOTE_WORDS:
            continue
        head = _speaker_near(doc, m.start(), m.end(), ents)
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


def _number(tok: Token) -> float | None:
    t = tok.text.replace(",", "").lstrip("$\u20ac\u00a3\u00a5")
    try:
        return float(t)
    except ValueError:
        pass
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
             "eight": 8, "nine": 9, "ten": 10, "twenty": 20, "fifty": 50, "hundred": 100}
    return words.get(tok.lower_) or _MAGNITUDE.get(tok.lower_)


def extract_amounts(doc: Doc, doc_id: str, run_id: str) -> list[dict[str, object]]:
    """'71 tons of medicine', 'over 600 mutual projects', 'billions of dollars'."""
    sent_starts = [s.start_char for s in doc.sents]
    rows: list[dict[str, object]] = []
    i, n = 0, len(doc)
    while i < n:
        tok = doc[i]
        if tok.ent_type_ in _SKIP_ENTS or not (tok.like_num or tok.lower_ in _MAGNITUDE
                                                or tok.text in _CURRENCY):
            i += 1
            continue
        start_i = i
        unit = None
        if tok.text in _CURRENCY:  # "$ 50,000"
            unit = _CURRENCY[tok.text]
            i += 1
            if i >= n or not doc[i].like_num:
                continue
        value = _number(doc[i])
        j = i + 1
        while j < n and doc[j].lower_ in _MAGNITUDE and value is not None:
            value *= _MAGNITUDE[doc[j].lower_]
            j += 1
        if value is None or (doc[i].lower_ in _MAGNITUDE and j < n and doc[j].lower_ != "of"):
            i = j
            continue
        if j < n and doc[j].lower_ == "of" and doc[i].lower_ in _MAGNITUDE:
            j += 1  # "billions of dollars"
        # A modifier before the number belongs to the amount ("over 600", "around 71").
        if start_i > 0 and doc[start_i - 1].lower_ in _APPROX:
            start_i -= 1
        obj_start = obj_end = None
        if j < n and doc[j].lemma_.lower() in _UNITS and unit is None:
            unit = doc[j].lower_
            j += 1
            if j + 1 < n and doc[j].lower_ == "of":
                obj_start = j + 1
        elif j < n and doc[j].pos_ in ("NOUN", "ADJ", "PROPN"):
            obj_start = j
        end_j = j
        if obj_start is not None:
            k = obj_start
            while k < n and doc[k].pos_ in ("ADJ", "NOUN", "PROPN") and doc[k].ent_type_ != "DATE":
                k += 1
            if k > obj_start and doc[k - 1].pos_ in ("NOUN", "PROPN"):
                obj_end = k
                end_j = k
        # "the two sides": a spelled-out small number counting a noun is not an amount.
        if (unit is None and obj_end is None) or (unit is None and doc[i].is_alpha
                                                  and doc[i].lower_ not in _MAGNITUDE):
            i = j
            continue
        span = doc[start_i:end_j]
        obj = doc[obj_start:obj_end].text if obj_start is not None and obj_end else None
        rows.append({
            "amount_id": stable_id(doc_id, span.start_char, span.end_char),
            "doc_id": doc_id,
            "value": value,
            "unit": unit,
            "object": obj,
            "text": span.text,
            "start_char": span.start_char,
            "end_char": span.end_char,
            "sentence_index": bisect_right(sent_starts, span.start_char) - 1,
            "run_id": run_id,
        })
        i = max(end_j, i + 1)
    return rows
