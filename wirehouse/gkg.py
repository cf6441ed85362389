"""GKG-style document extras: direct quotations with their speaker, numeric amounts, tone.

Tone is vaderSentiment's compound score (a maintained lexicon-based scorer; one analyzer per
process because building its lexicon costs more than scoring an article). The scorer is
vaderSentiment's own, made linear in the text's length (see _LinearVader): same scores.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache

from spacy.attrs import IDX, LIKE_NUM, LOWER, ORTH
from spacy.tokens import Doc, Span, Token
from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    SentiText,
    scalar_inc_dec,
)

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


class _LinearVader(SentimentIntensityAnalyzer):
    """vaderSentiment 3.3.2's polarity_scores with the same results in linear time.

    Upstream, _negation_check and _special_idioms_check lower-case the whole text's word list on
    each call (up to four times per sentiment word), so scoring a whole article is quadratic in
    its length: it cost more than entity and event coding together. Here the lower-cased list is
    built once per text and the checks below are upstream's, reading it; everything else
    (lexicon, boosters, "but", punctuation, normalisation) is the inherited code.
    """

    def __init__(self) -> None:
        super().__init__()
        # Upstream tests one character at a time, so only one-character emojis ever match.
        self._emoji_chars = frozenset(k for k in self.emojis if len(k) == 1)

    def polarity_scores(self, text: str) -> dict[str, float]:
        if self._emoji_chars.isdisjoint(text):
            text = text.strip()  # upstream's emoji loop copies such a text unchanged
        else:
            # Convert emojis to their textual descriptions, exactly as upstream does.
            text_no_emoji = ""
            prev_space = True
            for ch in text:
                if ch in self.emojis:
                    if not prev_space:
                        text_no_emoji += " "
                    text_no_emoji += self.emojis[ch]
                    prev_space = False
                else:
                    text_no_emoji += ch
                    prev_space = ch == " "
            text = text_no_emoji.strip()
        sentitext = SentiText(text)
        words = sentitext.words_and_emoticons
        lower = [str(w).lower() for w in words]
        lexicon = self.lexicon
        is_cap_diff = sentitext.is_cap_diff
        sentiments: list[float] = []
        n = len(words)
        for i, item in enumerate(words):
            low = lower[i]
            if low in BOOSTER_DICT or (i < n - 1 and low == "kind" and lower[i + 1] == "of"):
                sentiments.append(0)
                continue
            if low not in lexicon:
                sentiments.append(0)
                continue
            sentiments.append(self._valence(item, i, words, lower, is_cap_diff))
        if "but" in lower:
            _but_check(lower.index("but"), sentiments)
        return self.score_valence(sentiments, text)

    def _valence(self, item: str, i: int, words: list[str], lower: list[str],
                 is_cap_diff: bool) -> float:
        """Upstream sentiment_valence for a lexicon word, on the pre-lowered word list."""
        lexicon = self.lexicon
        item_lowercase = lower[i]
        valence = lexicon[item_lowercase]
        if item_lowercase == "no" and i != len(words) - 1 and lower[i + 1] in lexicon:
            valence = 0.0
        if (i > 0 and lower[i - 1] == "no") or (i > 1 and lower[i - 2] == "no") or (
            i > 2 and lower[i - 3] == "no" and lower[i - 1] in ["or", "nor"]
        ):
            valence = lexicon[item_lowercase] * N_SCALAR
        if item.isupper() and is_cap_diff:
            if valence > 0:
                valence += C_INCR
            else:
                valence -= C_INCR
        for start_i in range(0, 3):
            if i > start_i and lower[i - (start_i + 1)] not in lexicon:
                s = scalar_inc_dec(words[i - (start_i + 1)], valence, is_cap_diff)
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                valence = _negation_check(valence, lower, start_i, i)
                if start_i == 2:
                    valence = _special_idioms_check(valence, lower, i)
        least: float = self._least_check(valence, words, i)
        return least


_NEGATE = frozenset(NEGATE)


def negated(words: list[str]) -> bool:
    """Upstream negated() of a one-word list."""
    word = words[0].lower()
    return word in _NEGATE or "n't" in word


def _but_check(bi: int, sentiments: list[float]) -> None:
    """Upstream _but_check, given the index of the first "but" (its quirks kept: a sentiment
    is rescaled at the first position holding an equal value)."""
    for sentiment in sentiments:
        si = sentiments.index(sentiment)
        if si < bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 0.5)
        elif si > bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 1.5)


def _negation_check(valence: float, lower: list[str], start_i: int, i: int) -> float:
    """Upstream SentimentIntensityAnalyzer._negation_check, on the pre-lowered word list."""
    if start_i == 0 and negated([lower[i - (start_i + 1)]]):
        valence = valence * N_SCALAR
    if start_i == 1:
        if lower[i - 2] == "never" and (lower[i - 1] == "so" or lower[i - 1] == "this"):
            valence = valence * 1.25
        elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
            valence = valence
        elif negated([lower[i - (start_i + 1)]]):
            valence = valence * N_SCALAR
    if start_i == 2:
        if lower[i - 3] == "never" and (lower[i - 2] == "so" or lower[i - 2] == "this") or (
            lower[i - 1] == "so" or lower[i - 1] == "this"
        ):
            valence = valence * 1.25
        elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
            valence = valence
        elif negated([lower[i - (start_i + 1)]]):
            valence = valence * N_SCALAR
    return valence


def _special_idioms_check(valence: float, lower: list[str], i: int) -> float:
    """Upstream SentimentIntensityAnalyzer._special_idioms_check, on the pre-lowered list."""
    onezero = f"{lower[i - 1]} {lower[i]}"
    twoonezero = f"{lower[i - 2]} {lower[i - 1]} {lower[i]}"
    twoone = f"{lower[i - 2]} {lower[i - 1]}"
    threetwoone = f"{lower[i - 3]} {lower[i - 2]} {lower[i - 1]}"
    threetwo = f"{lower[i - 3]} {lower[i - 2]}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    if len(lower) - 1 > i:
        zeroone = f"{lower[i]} {lower[i + 1]}"
        if zeroone in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroone]
    if len(lower) - 1 > i + 1:
        zeroonetwo = f"{lower[i]} {lower[i + 1]} {lower[i + 2]}"
        if zeroonetwo in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    return _LinearVader()


def document_tone(text: str) -> float:
    """VADER compound score in [-1, 1] of the whole text."""
    return float(_analyzer().polarity_scores(text)["compound"])


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
