"""Which entity a name is: its canonical key within a document and across documents.

Within a document a short form joins the one full name that has it ("Merkel", "Chancellor
Merkel" and "Mrs Merkel" join "Angela Merkel": the NER stage has already cut the titles off);
when two people named in full share the word ("Kim Jong-un", "Kim Jong-nam"), the short form
joins neither. Across documents the key is the lexicon's or the Phoenix dictionaries' name for
the entry ("UN", "U.N." and "United Nations" are one; "Obama" alone is Barack Obama), else the
name as written, folded.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import date

from spacy.tokens import Span, Token

from wirehouse.extract.countries import country_for
from wirehouse.extract.dictionaries.actors_lookup import ActorMatch, lexicon_person, lookup_actor

_COUNTRY_LABELS = frozenset({"GPE", "NORP", "LOC"})
_PARTICLES = frozenset({"de", "del", "della", "der", "van", "von", "da", "di", "du", "la", "le",
                        "al", "el", "bin", "ibn", "ben"})
# Tokens that may sit between a nationality and the name it qualifies
# ("Chinese Ambassador to Venezuela Li Baorong", "Venezuelan dictator Nicolás Maduro").
_NP_POS = frozenset({"ADJ", "NOUN", "PROPN", "DET", "ADP", "PUNCT", "CCONJ"})
_STOP_PUNCT = frozenset({",", ".", ";", ":", "(", ")", "\u201c", "\u201d", '"'})
# Codes of organisations that belong to no one country, whatever the text puts next to them.
_NO_COUNTRY_ROLES = frozenset({"IGO", "NGO", "IMG"})


def name_key(text: str) -> str:
    """Case-, accent- and hyphen-insensitive key without a leading article or a possessive:
    "the Maduro Regime's" -> "maduro regime", "Kim Jong-un" -> "kim jong un"."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold().replace("\u2019s", "").replace("'s", "").replace("-", " ")
    words = text.split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


class People:
    """The people one document names in full, by the words of their names."""

    def __init__(self, spans: Iterable[Span]) -> None:
        self.full: dict[str, str] = {}  # key -> name as written (the longest form)
        self._by_part: dict[str, set[str]] = {}
        for span in spans:
            if span.label_ != "PERSON" or len(span) < 2:
                continue
            key = name_key(span.text)
            words = key.split()
            if len(words) < 2:
                continue
            if len(span.text) > len(self.full.get(key, "")):
                self.full[key] = span.text
            for part in (words[0], words[-1]):
                self._by_part.setdefault(part, set()).add(key)

    def full_name(self, key: str) -> str | None:
        """The full name a short form stands for ("maduro", "maduro regime"); None when no
        full name, or more than one, has its first word."""
        words = key.split()
        if not words:
            return None
        if key in self.full:
            return key
        if len(words) > 2:
            return None
        # "de Lima" is known by its last word, "Maduro regime" by its first.
        part = words[-1] if words[0] in _PARTICLES else words[0]
        found = self._by_part.get(part, set())
        return next(iter(found)) if len(found) == 1 else None

    def shares(self, word: str) -> bool:
        return word in self._by_part


def known_actor(text: str, on: date | None, person: bool) -> ActorMatch | None:
    """The lexicon's or dictionaries' entry for a person or organisation name on ``on``; a
    lone surname of a person ("Trump") finds the one lexicon person that has it. Place entries
    (Phoenix lists cities and demonyms under their country) are not actors here."""
    match = lookup_actor(text, on)
    if match is not None and match.kind == "place":
        return None
    if match is None and person and len(text.split()) == 1:
        match = lexicon_person(text)
    return match


def has_no_country(match: ActorMatch | None) -> bool:
    """IGOs, NGOs and armed groups across borders: no member's or host's country applies."""
    return match is not None and match.country is None and match.role in _NO_COUNTRY_ROLES


def _ent_at(tok: Token) -> Span | None:
    for ent in tok.doc.ents:
        if ent.start == tok.i:
            return ent
    return None


def context_country(span: Span, on: date | None = None) -> str | None:
    """Country the text ties a person or organisation to, read off its noun phrase."""
    tie = _left_tie(span, on)
    if isinstance(tie, str):
        return tie
    # Right: an apposition, e.g. "Admiral Miao Hua, a Chinese military representative".
    doc = span.doc
    j = span.end
    if j < len(doc) - 1 and doc[j].text == "," and doc[j + 1].lower_ in ("a", "an", "the"):
        for tok in doc[j + 2: j + 8]:
            if tok.text in _STOP_PUNCT:
                break
            if tok.ent_type_ in _COUNTRY_LABELS and (code := country_for(tok.text)):
                return code
    return None


def context_igo(span: Span, on: date | None = None) -> ActorMatch | None:
    """The IGO the text puts in front of a person ("European Commission chief Jean-Claude
    Juncker", "NATO Secretary General X"): in this document the person acts for it."""
    tie = _left_tie(span, on)
    return tie if isinstance(tie, ActorMatch) else None


def _left_tie(span: Span, on: date | None) -> str | ActorMatch | None:
    """Left of the name, within its noun phrase: a nationality ("Chinese official Zhao
    Bentang") or a known body ("White House press secretary Sean Spicer") gives a country, an
    IGO gives itself. The leftmost wins: "Chinese Ambassador to Venezuela Li Baorong" is
    Chinese, not Venezuelan."""
    doc = span.doc
    i = span.start - 1
    found: str | ActorMatch | None = None
    while i >= 0 and span.start - i <= 7:
        tok = doc[i]
        if tok.text in _STOP_PUNCT or tok.pos_ not in _NP_POS:
            break
        if tok.ent_type_ in _COUNTRY_LABELS:
            found = country_for(tok.text) or found
        elif tok.ent_type_ == "ORG" and tok.ent_iob_ == "B" and (body := _ent_at(tok)):
            match = lookup_actor(body.text, on)
            if match is not None and match.kind != "place":
                if has_no_country(match) and match.role == "IGO":
                    found = match
                elif match.country:
                    found = match.country
        i -= 1
    return found
