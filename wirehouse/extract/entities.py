"""Entity mentions and their resolution to canonical entities, within and across documents.

Within a document, a person's short form ("Maduro", even where the NER calls it an ORG in
"the Maduro regime") joins the full name, and a nationality ("Chinese") joins its country
("China"). Across documents, entity_id is a hash of the type and a normalised canonical key, so
the same person or country gets the same id wherever it appears.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from wirehouse.core.documents import stable_id
from wirehouse.extract.actor_lexicon import lookup_actor
from wirehouse.extract.countries import country_for, country_name, place_for

ENTITY_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "LAW", "WORK_OF_ART", "PRODUCT",
     "LANGUAGE"}
)
# Values, not things: kept as mentions (amounts and dates use them) without an entity.
VALUE_LABELS = frozenset({"DATE", "TIME", "MONEY", "QUANTITY", "CARDINAL", "PERCENT", "ORDINAL"})
_COUNTRY_LABELS = frozenset({"GPE", "NORP", "LOC"})
_NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC"})
# Tokens that may sit between a nationality and the name it qualifies
# ("Chinese Ambassador to Venezuela Li Baorong", "Venezuelan dictator Nicolás Maduro").
_NP_POS = frozenset({"ADJ", "NOUN", "PROPN", "DET", "ADP", "PUNCT", "CCONJ"})
_STOP_PUNCT = frozenset({",", ".", ";", ":", "(", ")", "\u201c", "\u201d", '"'})


@dataclass
class Mention:
    mention_id: str
    entity_id: str | None
    label: str
    text: str
    start_char: int
    end_char: int
    sentence_index: int


@dataclass
class Entity:
    entity_id: str
    entity_type: str
    name: str
    country_iso3: str | None
    role: str | None = None
    num_mentions: int = 0
    first_start_char: int = 0
    country_votes: Counter[str] = field(default_factory=Counter, repr=False)


@dataclass
class DocEntities:
    mentions: list[Mention]
    entities: dict[str, Entity]
    # (mention count it was built for, linked mentions' ends, those mentions) or None when the
    # mentions are not in text order without overlaps; built on first use (see entity_at).
    _index: tuple[int, list[int], list[Mention]] | None = field(
        default=None, init=False, repr=False, compare=False)

    def entity_at(self, start_char: int, end_char: int) -> Entity | None:
        """The entity of the first mention overlapping [start_char, end_char).

        The actor coder asks this for every token of every noun phrase, so the linked mentions
        are indexed once: in text order without overlaps (as extract_entities makes them) their
        ends are sorted too, and the first one ending after start_char is the only candidate.
        """
        index = self._index
        if index is None or index[0] != len(self.mentions):
            index = self._index = _mention_index(self.mentions)
        if not index[1]:
            for m in self.mentions:  # unordered mentions (never from extract_entities)
                if m.entity_id and m.start_char < end_char and start_char < m.end_char:
                    return self.entities[m.entity_id]
            return None
        ends, linked = index[1], index[2]
        k = bisect_right(ends, start_char)
        if k < len(linked) and linked[k].start_char < end_char:
            return self.entities[linked[k].entity_id]  # type: ignore[index]
        return None


def _mention_index(mentions: list[Mention]) -> tuple[int, list[int], list[Mention]]:
    """Linked mentions with their ends, if in text order without overlaps; else empty lists."""
    linked = [m for m in mentions if m.entity_id]
    for a, b in zip(linked, linked[1:], strict=False):
        if not (a.start_char < a.end_char <= b.start_char < b.end_char):
            return len(mentions), [], []
    if linked and linked[0].start_char >= linked[0].end_char:
        return len(mentions), [], []
    return len(mentions), [m.end_char for m in linked], linked


def ner_span(tok: Token) -> Span | None:
    """The doc.ents span holding ``tok`` (None outside an entity), read off the IOB tags
    instead of building every entity span of the document as ``doc.ents`` does."""
    if tok.ent_iob not in (1, 3) or (tok.ent_iob == 3 and tok.ent_type == 0):
        return None
    doc = tok.doc
    start = tok.i
    while start > 0 and doc[start].ent_iob == 1:
        start -= 1
    begin = doc[start]
    if begin.ent_iob != 3 or begin.ent_type == 0:
        return None  # an I without its B: doc.ents would refuse the document
    end, n = tok.i + 1, len(doc)
    while end < n and doc[end].ent_iob == 1:
        end += 1
    return Span(doc, start, end, label=begin.ent_type, kb_id=begin.ent_kb_id,
                span_id=begin.ent_id)


def _key(text: str) -> str:
    """Accent- and case-insensitive key without a leading article: 'the Maduro Regime'."""
    if text.isascii():
        text = text.casefold()  # NFKD and the filter below leave ASCII as it is
    else:
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("\u2019s", "").replace("'s", "")
    words = text.split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def _clean_span(span: Span) -> Span:
    """Drop a leading article, a leading country name glued to a person ("Ambassador to
    Venezuela Li Baorong" tagged as one PERSON) and a trailing possessive, so offsets cover
    the name itself."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end - 1 and (
        doc[start].lower_ in ("the", "a", "an")
        or (span.label_ == "PERSON" and end - start > 2 and start > 0
            and doc[start - 1].lower_ in ("to", "of", "in") and _is_country(doc[start].text))
    ):
        start += 1
    while end > start + 1 and doc[end - 1].tag_ == "POS":
        end -= 1
    return Span(doc, start, end, label=span.label_)


def _is_country(text: str) -> bool:
    place = place_for(text)
    return place is not None and place.kind == "country"


def _context_country(span: Span) -> str | None:
    """Country the text ties a person or organisation to, read off its noun phrase."""
    doc = span.doc
    i = span.start - 1
    found = None
    # Left: nationality modifiers, e.g. "Chinese official Zhao Bentang"; the leftmost wins
    # because "Chinese Ambassador to Venezuela Li Baorong" is Chinese, not Venezuelan.
    while i >= 0 and span.start - i <= 7:
        tok = doc[i]
        if tok.text in _STOP_PUNCT or tok.pos_ not in _NP_POS:
            break
        if tok.ent_type_ in _COUNTRY_LABELS:
            found = country_for(tok.text) or found
        i -= 1
    if found:
        return found
    # Right: an apposition, e.g. "Admiral Miao Hua, a Chinese military representative".
    j = span.end
    if j < len(doc) - 1 and doc[j].text == "," and doc[j + 1].lower_ in ("a", "an", "the"):
        for tok in doc[j + 2: j + 8]:
            if tok.text in _STOP_PUNCT:
                break
            if tok.ent_type_ in _COUNTRY_LABELS and (code := country_for(tok.text)):
                return code
    return None


def extract_entities(doc: Doc, doc_id: str) -> DocEntities:
    sent_starts = [s.start_char for s in doc.sents]
    spans = [_clean_span(e) for e in doc.ents]

    # Full names first, so short forms anywhere in the text can join them: "Maduro" joins
    # "Nicolás Maduro", "the Times" joins "Global Times".
    person_by_part: dict[str, str] = {}
    org_by_part: dict[str, str] = {}
    for span in spans:
        if len(span) > 1 and span.label_ in ("PERSON", "ORG"):
            full = _key(span.text)
            words = full.split()
            if span.label_ == "PERSON":
                for part in (words[-1], words[0]):
                    person_by_part.setdefault(part, full)
            else:
                org_by_part.setdefault(words[-1], full)

    entities: dict[str, Entity] = {}
    mentions: list[Mention] = []
    for span in spans:
        label = span.label_
        if label not in ENTITY_LABELS and label not in VALUE_LABELS:
            continue
        if label in _NAME_LABELS and not any(c.isupper() for c in span.text):
            # A name without a capital letter is the model reading an abbreviation as a
            # name: "cts" (cents) was the top ORG of 1,000 Reuters articles, from
            # "Shr 12 cts vs 10 cts". Real lower-case brands keep a capital ("eBay").
            continue
        sentence_index = bisect_right(sent_starts, span.start_char) - 1
        entity_id = None
        if label in ENTITY_LABELS:
            entity_id, label = _resolve(span, label, person_by_part, org_by_part, entities)
        mentions.append(Mention(
            mention_id=stable_id(doc_id, span.start_char, span.end_char, label),
            entity_id=entity_id,
            label=label,
            text=span.text,
            start_char=span.start_char,
            end_char=span.end_char,
            sentence_index=sentence_index,
        ))
    for ent in entities.values():
        if ent.country_iso3 is None and ent.country_votes:
            ent.country_iso3 = ent.country_votes.most_common(1)[0][0]
        if ent.entity_type in ("PERSON", "ORG") and (known := lookup_actor(ent.name)):
            # The text wins over the lexicon; the lexicon fills what the text leaves out
            # ("Sen. Marco Rubio (R-FL)" never says USA).
            ent.country_iso3 = ent.country_iso3 or known[0]
            ent.role = ent.role or known[1]
    return DocEntities(mentions, entities)


def _resolve(
    span: Span,
    label: str,
    person_by_part: dict[str, str],
    org_by_part: dict[str, str],
    entities: dict[str, Entity],
) -> tuple[str, str]:
    key = _key(span.text)
    name = span.text
    country = None
    place = place_for(span.text) if label in _COUNTRY_LABELS else None
    if place is not None:
        country = place.iso3
        if place.kind == "country" or label == "NORP":
            # A country and its nationality are one entity: "Chinese" and "China" join.
            etype, key, name = "GPE", f"country:{country}", country_name(country) or place.name
        else:
            # Cities stay themselves and carry their country: Beijing -> CHN.
            etype, key = "GPE", f"{key}|{country}"
    elif label in ("PERSON", "ORG") and (full := _person_for(key, person_by_part)):
        etype, key, label = "PERSON", full, "PERSON"
    elif label == "ORG" and len(key.split()) == 1 and key in org_by_part:
        etype, key = "ORG", org_by_part[key]
    else:
        etype = label
    entity_id = stable_id(etype, key)
    ent = entities.get(entity_id)
    if ent is None:
        ent = entities[entity_id] = Entity(entity_id, etype, name, country,
                                           first_start_char=span.start_char)
    if etype == "PERSON" and len(name.split()) > len(ent.name.split()):
        ent.name = name
    ent.num_mentions += 1
    if etype in ("PERSON", "ORG", "FAC", "EVENT") and (tied := _context_country(span)):
        ent.country_votes[tied] += 1
    return entity_id, label


def _person_for(key: str, person_by_part: dict[str, str]) -> str | None:
    words = key.split()
    if not words:
        return None
    if key in person_by_part.values():
        return key
    # "Maduro" and "Maduro regime" both name the person Nicolás Maduro.
    return person_by_part.get(words[0]) if len(words) <= 2 else None
