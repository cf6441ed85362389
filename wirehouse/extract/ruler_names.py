"""After the statistical NER, each name cut to the name and typed by evidence (the
``wirehouse_names`` pipe; wirehouse.extract.ruler describes the rules)."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from wirehouse.extract.countries import place_for
from wirehouse.extract.dictionaries.actors_lookup import fold, lexicon_person, lookup_actor
from wirehouse.extract.ruler_words import NameWords, is_demonym, name_words, word
from wirehouse.ingest.dateline import read_dateline

NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "LAW",
                         "WORK_OF_ART", "PRODUCT"})
# Lower-case words that belong inside names: "Leila de Lima", "Abu Bakr al-Baghdadi".
_PARTICLES = frozenset({"de", "del", "della", "der", "den", "van", "von", "da", "das", "do",
                        "dos", "di", "du", "la", "le", "al", "el", "bin", "ibn", "bint", "ben",
                        "y", "of", "and", "for", "the", "on", "in", "&"})
_WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                       "sunday"})
_NAME_PARTICLES = _PARTICLES - {"of", "and", "for", "the", "on", "in", "&"}


def _title_length(words: list[str], data: NameWords, honorific_only: bool = False) -> int:
    titles = data.honorifics if honorific_only else data.titles
    for n in range(min(data.longest_title, len(words)), 0, -1):
        if tuple(words[:n]) in titles:
            return n
    return 0


def _strip_titles(span: Span, data: NameWords) -> tuple[int, int, bool]:
    """Start after the titles of a person (or of any span led by an honorific)."""
    start, end = span.start, span.end
    doc = span.doc
    titled = False
    # A name glued after another ("Read more from Laura Ms Sturgeon"): the honorific starts
    # the person's name.
    for i in range(start + 1, end - 1):
        if (word(doc[i].text),) in data.honorifics and doc[i].is_title:
            start = i
    while end - start > 1:
        words = [word(t.text) for t in doc[start:end]]
        n = _title_length(words, data, honorific_only=span.label_ != "PERSON")
        if n == 0 or n >= end - start:
            break
        start += n
        titled = True
        while start < end - 1 and doc[start].text in (".", ","):
            start += 1
    return start, end, titled


def _trim(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Drop lower-case words at the edges ("east Delhi", "Ontario city") and what follows an
    opening bracket; words glued to the name ("Kim Jong-nam", "al-Bab") and name particles
    ("de Lima") stay."""
    for i in range(start, end):
        if doc[i].text == "(" and i > start:
            end = i
            break
    while start < end - 1 and doc[start].is_lower and doc[start].whitespace_ and \
            doc[start].lower_ not in _NAME_PARTICLES and doc[start].lower_ != "the":
        start += 1
    while end > start + 1 and (doc[end - 1].is_lower or doc[end - 1].is_punct
                               or doc[end - 1].lower_ in _WEEKDAYS) and \
            doc[end - 2].whitespace_ and doc[end - 1].tag_ != "POS":
        end -= 1  # "Trump Thursday": the day the NER glued to the name
    return start, end


def _is_junk(span: Span, data: NameWords, dateline_end: int) -> bool:
    text = span.text
    if not any(c.isalpha() for c in text):
        return True
    if span.start_char < dateline_end:
        return True  # where the copy was filed, not what it is about
    words = [word(t.text) for t in span if not t.is_punct]
    if not words:
        return True
    return tuple(words) in data.titles or (len(words) == 1 and words[0] in data.generic)


def _split_list(span: Span) -> list[tuple[int, int]]:
    """"Tesla, Uber and Snapchat" as one ORG: its parts, when commas separate them."""
    doc = span.doc
    if span.label_ != "ORG" or not any(t.text == "," for t in span):
        return [(span.start, span.end)]
    parts, start = [], span.start
    for t in span:
        if t.text == "," or (t.lower_ in ("and", "&") and any(p.text == "," for p in doc[
                span.start:t.i])):
            if t.i > start:
                parts.append((start, t.i))
            start = t.i + 1
    if span.end > start:
        parts.append((start, span.end))
    return parts


class _People:
    """Words of the people the document names: in full names (angela, merkel) and alone."""

    def __init__(self, spans: list[Span]) -> None:
        full: set[str] = set()
        alone: set[str] = set()
        for span in spans:
            if span.label_ == "PERSON":
                words = {t.lower_ for t in span if t.is_title or t.is_upper}
                (full if len(span) > 1 else alone).update(words)
        self.full, self.alone = frozenset(full), frozenset(alone)


def _name_words_only(span: Span, data: NameWords) -> bool:
    """Capitalised words (and name particles), none an organisation's or a place's word."""
    return all(t.is_title or t.lower_ in _NAME_PARTICLES for t in span) and not any(
        t.lower_ in data.org or t.lower_ in data.place for t in span)


def _retype(span: Span, titled: bool, people: _People, data: NameWords) -> str:
    """The label the evidence gives, else the NER's (the first rule that applies wins)."""
    label, text = span.label_, span.text
    words = [t.lower_ for t in span]
    known = lookup_actor(text)
    kind = known.kind if known else None
    if kind == "person" or titled:
        return "PERSON"
    if kind == "org":
        return "ORG"
    if label == "PERSON":
        return _not_a_person(span, words, kind, people, data) or label
    if label not in ("ORG", "GPE", "LOC", "FAC", "NORP"):
        return label
    if len(words) == 1:
        # The surname of a person the document names ("the Merkel government"), the same word
        # typed PERSON elsewhere, a lone surname of a lexicon person ("Trump"), an office
        # holder of the dictionaries; a place keeps its type unless it is also the surname.
        person = (words[0] in people.full
                  or (label == "ORG" and (words[0] in people.alone or kind == "office"))
                  or (kind is None and lexicon_person(text) is not None))
        return "PERSON" if person and (label == "ORG" or place_for(text) is None) else label
    if kind is None and label == "ORG" and len(words) <= 3 and _name_words_only(span, data) and (
            words[-1] in people.alone or words[-1] in people.full):
        return "PERSON"  # "Nicola Sturgeon" typed ORG where "Ms Sturgeon" is a person
    if (label != "NORP" and len(words) <= 4 and fold(words[0]) in data.given
            and span[-1].is_title and _name_words_only(span, data) and place_for(text) is None):
        return "PERSON"  # "Corrado Passera": a given name and capitalised words
    return label


def _not_a_person(span: Span, words: list[str], kind: str | None, people: _People,
                  data: NameWords) -> str | None:
    if len(words) > 1 and kind is None:
        # "Trump Tower", "Bush House", "Andrew Marr Show": named after a person, not one.
        if words[-1] in data.place:
            return "FAC"
        if words[-1] in data.org:
            return "ORG"
    if len(words) <= 3 and not (len(words) == 1 and words[0] in people.full):
        # "Glasgow", "Brisbane": the gazetteer's places, unless also a given name ("Florence").
        place = place_for(span.text)
        if place is not None and fold(words[0]) not in data.given:
            return "NORP" if place.kind == "country" and is_demonym(span.text) else "GPE"
    return None


def _acronyms(doc: Doc, spans: list[Span]) -> list[Span]:
    """"the Real Estate Council of Ontario (RECO)": RECO is that ORG, wherever it appears."""
    defined: set[str] = set()
    for span in spans:
        end = span.end
        if (span.label_ == "ORG" and end + 2 < len(doc) and doc[end].text == "("
                and doc[end + 2].text == ")" and doc[end + 1].is_upper
                and len(doc[end + 1].text) >= 2 and doc[end + 1].text.isalpha()):
            initials = "".join(t.text[0] for t in span if t.is_title or t.is_upper)
            if doc[end + 1].text[0] == initials[:1]:
                defined.add(doc[end + 1].text)
    if not defined:
        return []
    taken = {i for s in spans for i in range(s.start, s.end)}
    return [Span(doc, t.i, t.i + 1, label="ORG") for t in doc
            if t.text in defined and t.i not in taken]


@Language.component("wirehouse_names")
def clean_names(doc: Doc) -> Doc:
    """Every name of doc.ents cut, filtered and typed (values such as dates pass as they are);
    acronyms the text defines are added."""
    data = name_words()
    dateline = read_dateline(doc.text)
    dateline_end = dateline.end if dateline else 0
    cut: list[tuple[Span, bool]] = []
    for ent in doc.ents:
        if ent.label_ not in NAME_LABELS:
            cut.append((ent, False))
            continue
        start, end, titled = _strip_titles(ent, data)
        start, end = _trim(doc, start, end)
        span = Span(doc, start, end, label="PERSON" if titled else ent.label_)
        if _is_junk(span, data, dateline_end):
            continue
        for s, e in _split_list(span):
            cut.append((Span(doc, s, e, label=span.label_), titled))
    people = _People([s for s, _ in cut])
    out = [Span(doc, s.start, s.end, label=_retype(s, t, people, data))
           if s.label_ in NAME_LABELS else s for s, t in cut]
    out.extend(_acronyms(doc, out))
    doc.ents = sorted(out, key=lambda s: s.start)
    return doc

