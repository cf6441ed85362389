"""Numeric amounts with unit and object (GKG-style): "71 tons of medicine" -> 71, tons, medicine."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from spacy.attrs import LIKE_NUM, LOWER, ORTH
from spacy.tokens import Doc, Token

from wirehouse.core.documents import stable_id

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


def _number(tok: Token) -> float | None:
    t = tok.text.replace(",", "").lstrip("$\u20ac\u00a3\u00a5")
    try:
        return float(t)
    except ValueError:
        pass
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
             "eight": 8, "nine": 9, "ten": 10, "twenty": 20, "fifty": 50, "hundred": 100}
    return words.get(tok.lower_) or _MAGNITUDE.get(tok.lower_)


def _amount_starts(doc: Doc) -> list[int]:
    """Indices of the tokens that are numbers, magnitude words or currency signs (a superset
    of where extract_amounts' loop stops; it checks each again)."""
    if not len(doc):
        return []
    strings = doc.vocab.strings
    magnitude = {strings[w] for w in _MAGNITUDE}
    currency = {strings[c] for c in _CURRENCY}
    return [i for i, (num, lower, orth) in enumerate(doc.to_array([LIKE_NUM, LOWER, ORTH]).tolist())
            if num or lower in magnitude or orth in currency]


def extract_amounts(doc: Doc, doc_id: str, run_id: str) -> list[dict[str, object]]:
    """'71 tons of medicine', 'over 600 mutual projects', 'billions of dollars'."""
    sent_starts = [s.start_char for s in doc.sents]
    rows: list[dict[str, object]] = []
    # Tokens that can start an amount, found on the token arrays at once: reading three
    # attributes of every token is most of this function's cost otherwise.
    starts = _amount_starts(doc)
    i, n = 0, len(doc)
    while i < n:
        k = bisect_left(starts, i)
        if k == len(starts):
            break
        i = starts[k]
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
