"""Entity mentions and their resolution to canonical entities, within and across documents.

Within a document, a person's short form ("Maduro", even where the NER calls it an ORG in
"the Maduro regime") joins the full name, and a nationality ("Chinese") joins its country
("China"). Across documents, entity_id is a hash of the type and a canonical key
(wirehouse.entity_keys), so the same person, body or country gets the same id wherever it
appears.

Each entity's country in a document comes from evidence, strongest first: the gazetteer for a
place, the lexicon or the Phoenix dictionaries on the article's date for a known person or
body (none for IGOs, NGOs and armed groups across borders), else what the text ties the name to
("Chinese official Zhao Bentang").
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from spacy.tokens import Doc, Span, Token

from wirehouse.core.documents import stable_id
from wirehouse.extract.countries import country_name, place_for
from wirehouse.extract.entity_keys import (
    People,
    context_country,
    context_igo,
    has_no_country,
    known_actor,
    name_key,
)

ENTITY_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "LAW", "WORK_OF_ART", "PRODUCT",
     "LANGUAGE"}
)
# Values, not things: kept as mentions (amounts and dates use them) without an entity.
VALUE_LABELS = frozenset({"DATE", "TIME", "MONEY", "QUANTITY", "CARDINAL", "PERCENT", "ORDINAL"})
_COUNTRY_LABELS = frozenset({"GPE", "NORP", "LOC"})
_NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC"})


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
    actor_code: str | None = None
    num_mentions: int = 0
    first_start_char: int = 0
    country_votes: Counter[str] = field(default_factory=Counter, repr=False)
    # The lexicon or the dictionaries gave the country (the text's votes do not count then).
    known: bool = field(default=False, repr=False)


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


def extract_entities(doc: Doc, doc_id: str, published: date | None = None) -> DocEntities:
    """Mentions and entities of one parsed document; ``published`` (the article's date) picks
    the dictionaries' code in force for a person ("president" only during the term)."""
    sent_starts = [s.start_char for s in doc.sents]
    spans = [_clean_span(e) for e in doc.ents]
    people = People(spans)
    # "the Times" joins "Global Times": an organisation's last word, within the document.
    org_by_part: dict[str, str] = {}
    for span in spans:
        if len(span) > 1 and span.label_ == "ORG":
            org_by_part.setdefault(name_key(span.text).split()[-1], name_key(span.text))

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
            entity_id, label = _resolve(span, label, people, org_by_part, entities, published)
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
        if ent.country_iso3 is None and ent.country_votes and not ent.known:
            ent.country_iso3 = ent.country_votes.most_common(1)[0][0]
    return DocEntities(mentions, entities)


def _resolve(
    span: Span,
    label: str,
    people: People,
    org_by_part: dict[str, str],
    entities: dict[str, Entity],
    published: date | None,
) -> tuple[str, str]:
    key = name_key(span.text)
    name = span.text
    country = code = role = None
    known = tied_to_igo = False
    place = place_for(span.text) if label in _COUNTRY_LABELS else None
    if place is not None:
        country = place.iso3
        if place.kind == "country" or label == "NORP":
            # A country and its nationality are one entity: "Chinese" and "China" join.
            etype, key, name = "GPE", f"country:{country}", country_name(country) or place.name
            code = country
        else:
            # Cities stay themselves and carry the gazetteer's country: Beijing -> CHN.
            etype, key = "GPE", f"{key}|{country}"
        known = True
    elif label in ("PERSON", "ORG") and (full := people.full_name(key)) and (
            label == "PERSON" or full != key):
        # "Maduro" and "the Maduro regime" both name the person Nicolás Maduro.
        etype, label, key = "PERSON", "PERSON", full
        name = people.full[full]
    elif label == "ORG" and len(key.split()) == 1 and key in org_by_part:
        etype, key = "ORG", org_by_part[key]
    else:
        etype = label
    if etype in ("PERSON", "ORG") and not (etype == "PERSON" and people.shares(key)
                                         and key not in people.full):
        match = known_actor(name, published, person=etype == "PERSON")
        if match is not None:
            key = name_key(match.canonical)
            code, country, role = match.code, match.country, match.role
            # An entry that gives a country, or says there is none, outweighs the text's votes.
            known = country is not None or has_no_country(match)
        if etype == "PERSON" and (match is None or match.source != "lexicon") and (
                igo := context_igo(span, published)):
            # The text says who the person acts for here; the dictionaries' dates end ~2015.
            code, country, role, known = igo.code, None, igo.role, True
            tied_to_igo = True
    entity_id = stable_id(etype, key)
    ent = entities.get(entity_id)
    if ent is None:
        ent = entities[entity_id] = Entity(entity_id, etype, name, country, role, code,
                                           first_start_char=span.start_char, known=known)
    elif tied_to_igo:
        ent.actor_code, ent.country_iso3, ent.role, ent.known = code, None, role, True
    if etype == "PERSON" and len(name.split()) > len(ent.name.split()):
        ent.name = name
    ent.num_mentions += 1
    if not ent.known and etype in ("PERSON", "ORG", "FAC", "EVENT") and (
            tied := context_country(span, published)):
        ent.country_votes[tied] += 1
    return entity_id, label
