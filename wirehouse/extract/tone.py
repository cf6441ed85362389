"""Document tone: vaderSentiment's compound score of the body, in [-1, 1].

vaderSentiment is a maintained lexicon-based scorer; one analyzer per process, because building
its lexicon costs more than scoring an article. The scorer is vaderSentiment's own, made linear
in the text's length (see _LinearVader): same scores.
"""

from __future__ import annotations

from functools import lru_cache

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
