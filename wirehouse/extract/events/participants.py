"""Participants of an event trigger: source and target actors read off the parse.

The subject is the source (inherited through control verbs and conjoined verbs), a passive's
agent is the source and its subject the target; the target is the nearest actor in the trigger's
object structure. Pronouns, "the two sides" and reported speech ("Syria says it ...") are
resolved against the sentence and the document so far. Separate from events.py, which decides
what happened; this decides who did it to whom.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

from wirehouse.extract.actor_lexicon import fold
from wirehouse.extract.entities import DocEntities
from wirehouse.extract.events.actors import (
    Actor,
    _role_in,
    conjuncts,
    np_tokens,
    resolve,
    role_of,
)
from wirehouse.extract.events.codebook import lexicon

_PRONOUNS = frozenset({"it", "they", "he", "she", "we", "i", "its", "their", "his", "her", "them",
                       "him"})
_PAIR_WORDS = frozenset({"side", "country", "nation", "government", "leader", "party"})


@dataclass
class Context:
    """Document state carried across sentences: who spoke last, who acted last, which actors
    the named entities turned out to be (from appositions and titles), and where we are."""
    last_source: list[Actor]
    speaker: list[Actor]
    known: dict[str, Actor] = field(default_factory=dict)
    sentence_index: int = 0


# How many sentences before a pronoun or a definite description its antecedent may be.
_WINDOW = 3
_PERSON_PRONOUNS = frozenset({"he", "she", "him", "her", "his", "hers", "himself", "herself"})
_THING_PRONOUNS = frozenset({"it", "its", "itself"})
_GROUP_PRONOUNS = frozenset({"they", "them", "their", "theirs", "themselves"})
_SPEAKER_PRONOUNS = frozenset({"we", "i", "us", "me", "our", "my"})
_KINDS = {"person": frozenset({"PERSON"}), "thing": frozenset({"ORG", "GPE", "NORP"}),
          "group": frozenset({"ORG", "GPE", "NORP"})}


def children(tok: Token, *deps: str) -> list[Token]:
    return [c for c in tok.children if c.dep_ in deps]



_RELATIVES = frozenset({"who", "which", "that", "whom"})


def subject(tok: Token) -> tuple[list[Token], bool]:
    """Subject heads of a trigger (inherited through xcomp/conj), and whether it is passive."""
    cur: Token | None = tok
    while cur is not None:
        # "(02.03.2017) Amnesty has ...": a bracketed date parsed as a second subject.
        subj = sorted(children(cur, "nsubj"), key=lambda t: not any(ch.isalpha() for ch in t.text))
        passive = [] if subj else children(cur, "nsubjpass")
        heads = subj or passive
        if heads and cur.dep_ == "relcl" and heads[0].lower_ in _RELATIVES:
            # "the envoys, who met X": the relative pronoun stands for the noun it qualifies.
            return [cur.head, *conjuncts(cur.head)], bool(passive)
        if heads:
            return [heads[0], *conjuncts(heads[0])], bool(passive)
        if cur.dep_ in ("xcomp", "conj", "advcl", "relcl", "acomp") and cur.head.i != cur.i:
            if cur.dep_ == "relcl":
                return [cur.head], False
            cur = cur.head
        elif cur.dep_ == "acl" and cur.head.pos_ == "NOUN" and \
                cur.head.lemma_.lower() in lexicon().modifiers:
            # "his readiness to visit", "the decision by her spokesman to exclude ...": the
            # owner or the "by" object of the noun, else the subject of the clause holding it.
            noun = cur.head
            owner = children(noun, "poss") + [p for b in children(noun, "prep")
                                             if b.lower_ == "by" for p in children(b, "pobj")]
            if owner:
                return [owner[0], *conjuncts(owner[0])], False
            cur = noun.head if noun.dep_ in ("dobj", "attr", "pobj") and \
                noun.head.i != noun.i else None
            if cur is not None and cur.pos_ == "ADP":
                cur = cur.head
        else:
            cur = None
    return [], False


def _pair_from_context(tok: Token, ents: DocEntities, doc: Doc) -> list[Actor]:
    """'The two sides', 'both countries': the last two countries named before ``tok``."""
    seen: list[str] = []
    for m in reversed(ents.mentions):
        if m.start_char >= tok.idx or m.entity_id is None:
            continue
        ent = ents.entities[m.entity_id]
        if ent.country_iso3 and ent.country_iso3 not in seen:
            seen.append(ent.country_iso3)
        if len(seen) == 2:
            break
    return [Actor(tok.text, tok.idx, tok.idx + len(tok.text), None, c, None) for c in seen]


def _antecedent(pron: Token, ents: DocEntities) -> list[Actor]:
    """An object pronoun's antecedent: the nearest actor noun earlier in its sentence."""
    for tok in reversed(pron.doc[pron.sent.start:pron.i]):
        if tok.pos_ in ("NOUN", "PROPN") and tok.dep_ not in ("compound", "nsubj", "poss"):
            found = resolve(tok, ents)
            if found:
                return found
    return []


def _reporter(pron: Token, ents: DocEntities, ctx: Context, doc: Doc) -> list[Actor]:
    """'Syria says it is willing ...': a subject pronoun under a reporting verb is its speaker."""
    for anc in pron.ancestors:
        if lexicon().modifiers.get(anc.lemma_.lower()) == "SAY":
            heads = [c for c in anc.children if c.dep_ == "nsubj" and c.pos_ != "PRON"]
            if heads:
                return actors(heads, ents, ctx, doc)[0]
    return []


def _mention_actor(start: int, end: int, ents: DocEntities, ctx: Context,
                   doc: Doc) -> Actor | None:
    """The actor an entity mention names, as resolved in its own sentence."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return None
    found = resolve(span.root, ents)
    ent = ents.entity_at(start, end)
    if not found and ent is not None and ent.entity_id in ctx.known:
        return ctx.known[ent.entity_id]
    return found[0] if found and found[0].country else None


def _antecedent_of(pron: Token, kind: str, ents: DocEntities, ctx: Context,
                   doc: Doc, role: str | None = None) -> Actor | None:
    """The nearest preceding entity mention of the pronoun's kind (a person for "he"/"she",
    an organisation or country for "it"/"they"), within a few sentences, that is an actor;
    with ``role``, one in that role ("the president" is the last president named)."""
    labels = _KINDS[kind]
    for m in reversed(ents.mentions):
        if m.start_char >= pron.idx or m.entity_id is None:
            continue
        if m.sentence_index < ctx.sentence_index - _WINDOW:
            break
        if m.label not in labels:
            continue
        actor = ctx.known.get(m.entity_id) or _mention_actor(m.start_char, m.end_char, ents,
                                                              ctx, doc)
        if actor is None or (role is not None and actor.role != role):
            continue
        return actor
    return None


def _role_subject_before(pron: Token, kind: str, ents: DocEntities, ctx: Context,
                         doc: Doc) -> Actor | None:
    """The nearest subject before the pronoun in its sentence that names a role and agrees
    in number ("the prime minister" for "he", "opposition lawmakers" for "they"): a role noun
    is no named entity, so the entity search does not see it."""
    if kind == "thing":
        return None
    tag = "NN" if kind == "person" else "NNS"
    for t in reversed(doc[pron.sent.start:pron.i]):
        if t.dep_ in ("nsubj", "nsubjpass") and t.tag_ == tag and role_of(t):
            found, _ = actors([t], ents, ctx, doc)
            return found[0] if len(found) == 1 and found[0].code else None
    return None


def _clause_subject(h: Token, ents: DocEntities, ctx: Context, doc: Doc) -> list[Actor]:
    """The named subject of the clause a possessive pronoun is in."""
    for anc in h.ancestors:
        if anc.pos_ in ("VERB", "AUX"):
            subj = [c for c in anc.children if c.dep_ in ("nsubj", "nsubjpass")
                    and c.pos_ != "PRON" and c.i < h.i]
            return actors(subj[:1], ents, ctx, doc)[0] if subj else []
    return []


def _pronoun(h: Token, ents: DocEntities, ctx: Context, doc: Doc) -> list[Actor]:
    low = h.lower_
    if low in _SPEAKER_PRONOUNS:
        src = ctx.speaker or ctx.last_source
    elif h.dep_ in ("nsubj", "nsubjpass") and (said := _reporter(h, ents, ctx, doc)):
        src = said  # "Syria says it is willing ...": the speaker
    elif h.dep_ == "poss" and (owner := _clause_subject(h, ents, ctx, doc)):
        src = owner  # "the premier confirmed his readiness": the clause's subject
    elif h.dep_ in ("dobj", "pobj", "dative") and low in _THING_PRONOUNS | _GROUP_PRONOUNS and (
            near := _antecedent(h, ents)):
        src = near  # "backers of the regime, having long supported it": the regime
    else:
        kind = ("person" if low in _PERSON_PRONOUNS else
                "thing" if low in _THING_PRONOUNS else "group")
        found = None
        if h.dep_ == "nsubj" and lexicon().modifiers.get(h.head.lemma_.lower()) == "SAY":
            # "..., she said": the one who spoke last, if of the pronoun's kind.
            labels = _KINDS[kind]
            found = next((a for a in ctx.speaker if a.entity_id and a.entity_id in ents.entities
                          and ents.entities[a.entity_id].entity_type in labels), None)
        found = found or _antecedent_of(h, kind, ents, ctx, doc)
        local = _role_subject_before(h, kind, ents, ctx, doc)
        if local is not None and (found is None or local.start_char > found.start_char):
            found = local  # "the Spanish premier ... as he defended": nearer than any name
        if found is not None:
            src = [found]
        elif kind == "person":
            src = [a for a in ctx.speaker if a.role not in ("IGO", "NGO")][:1]
        else:
            src = ctx.last_source
    if not src:
        # No antecedent in reach: the pronoun is the actor, with no code (flagged inferred,
        # so the row's confidence is lower) rather than someone else's.
        return [Actor(h.text, h.idx, h.idx + len(h.text), None, None, None, True)]
    return [Actor(h.text, h.idx, h.idx + len(h.text), a.entity_id, a.country, a.role, True)
            for a in src]


def _definite(h: Token, found: list[Actor], ents: DocEntities, ctx: Context,
              doc: Doc) -> list[Actor]:
    """"the president", "the diplomat": the last person named in that role, when the phrase
    itself gives no country."""
    if len(found) != 1 or not found[0].inferred or h.tag_ != "NN" or not any(
            c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in h.children):
        return found
    person = _antecedent_of(h, "person", ents, ctx, doc, role=found[0].role)
    if person is None or not person.country:
        return found
    a = found[0]
    return [Actor(a.text, a.start_char, a.end_char, person.entity_id, person.country, a.role,
                  True)]


def actors(heads: list[Token], ents: DocEntities, ctx: Context, doc: Doc,
            owner_ok: bool = False) -> tuple[list[Actor], bool]:
    """Actors for subject/object heads; the flag says some came from context, not the text."""
    out: list[Actor] = []
    from_context = False
    for h in heads:
        low = h.lower_
        if h.pos_ == "PRON" and low in _PRONOUNS:
            out += _pronoun(h, ents, ctx, doc)
            from_context = True
        elif h.lemma_.lower() in _PAIR_WORDS and any(
            c.lower_ in ("two", "both") for c in h.children
        ):
            out += _pair_from_context(h, ents, doc)
            from_context = True
        else:
            found = _definite(h, resolve(h, ents, owner_ok=owner_ok), ents, ctx, doc)
            if not found and h.pos_ == "PROPN" and (
                    ent := ents.entity_at(h.idx, h.idx + len(h.text))) is not None and (
                    known := ctx.known.get(ent.entity_id)) is not None:
                # "Kabulov said": the person an earlier apposition or title placed.
                found = [Actor(h.text, h.idx, h.idx + len(h.text), ent.entity_id,
                               known.country, known.role)]
            for a in found:
                if a.entity_id and a.country and not a.inferred:
                    ctx.known.setdefault(a.entity_id, a)
            from_context = from_context or any(a.inferred for a in found)
            out += found
    return out, from_context


_WALK = frozenset({"dobj", "dative", "prep", "pobj", "poss", "appos", "xcomp", "acl", "agent",
                   "attr", "oprd", "pcomp", "conj", "amod", "compound"})
_DOMESTIC = frozenset({"CVL", "OPP", "EDU", "LAB", "REB", "JUD", "COP", "PTY"})


def find_targets(tok: Token, skip: set[int], sources: list[Actor], ents: DocEntities, ctx: Context,
             doc: Doc, owners: bool = True) -> list[Actor]:
    """Target actors: the nearest actor in the trigger's object structure, breadth first
    (direct object, then prepositional objects, then their owners: "part of an aid program for
    Bosnia"). A role-only target ("demonstrators") is domestic: the source's country."""
    frontier = [c for c in tok.children if c.dep_ in _WALK and c.i not in skip]
    # "demanded that the US cancel ...": the subject of the demanded act is the target.
    frontier += [s for c in tok.children if c.dep_ == "ccomp" for s in children(c, "nsubj")
                 if s.pos_ != "PRON"]
    seen: set[int] = set()
    while frontier:
        nxt: list[Token] = []
        for node in frontier:
            if node.i in seen or node.i in skip or node.lower_ in ("according", "by") and \
                    node.dep_ == "prep" or (node.dep_ == "conj" and node.pos_ in ("VERB", "AUX")):
                continue
            seen.add(node.i)
            if node.pos_ in ("NOUN", "PROPN", "PRON") or node.ent_type_:
                heads = [node, *conjuncts(node)] if node.dep_ != "conj" else [node]
                found, _ = actors(heads, ents, ctx, doc,
                                  owner_ok=owners and node.dep_ != "amod")
                # "ended its dispute with ...": the source's own "its" is not the target.
                own = {a.key for a in sources}
                countries = {a.country for a in sources}
                # "ended its dispute": the source's own "its" is not the target; "Russia
                # criticized the regime": a description placed by the text around it is not
                # the source's own country.
                found = [a for a in found if not (a.key in own and node.pos_ == "PRON")
                         and not (a.inferred and node.pos_ != "PRON" and a.country in countries)]
                if not owners and not any(h.ent_type_ or _role_in([fold(h.lemma_)])
                                          for h in heads):
                    # A place or a body, not a thing with a nationality ("the Chinese model").
                    found = []
                if found:
                    return found
                roles = [r for h in heads for r in _role_only(h)]
                if roles and sources and sources[0].country:
                    return [Actor(r[0], r[1], r[2], None, sources[0].country, r[3])
                            for r in roles]
            nxt += [c for c in node.children if c.dep_ in _WALK and (
                owners or c.dep_ not in ("poss", "amod", "compound"))]
        frontier = nxt
    purpose = [o for o in purpose_partner(tok) if o.i not in skip]
    if purpose:
        found, _ = actors(purpose, ents, ctx, doc, owner_ok=True)
        return found
    return []


def purpose_partner(tok: Token) -> list[Token]:
    """"welcomed Chinese diplomats ... to discuss support": the partner of a purpose clause is
    the object of the verb it serves, not the clause's own (absent) partner."""
    if tok.dep_ not in ("advcl", "xcomp") or not any(
            c.dep_ == "aux" and c.lower_ == "to" for c in tok.children):
        return []
    return [t for o in children(tok.head, "dobj") for t in (o, *conjuncts(o))]


def _role_only(head: Token) -> list[tuple[str, int, int, str]]:
    toks = [t for t in np_tokens(head) if t.dep_ not in ("det", "poss")] or [head]
    role = _role_in([fold(t.lemma_) for t in toks])
    if role not in _DOMESTIC or any(c.dep_ == "poss" for c in head.children):
        return []
    first = min(toks, key=lambda t: t.i)
    # doc.text[first.idx:end] without joining the whole document's text.
    return [(head.doc[first.i:head.i + 1].text, first.idx, head.idx + len(head.text), role)]



def nominal(tok: Token, code: str, ents: DocEntities, ctx: Context, doc: Doc):
    """'the meeting of X with Y', 'the arrival of medical supplies from X': source and target."""
    src: list[Actor] = []
    tgt: list[Actor] = []
    poss = children(tok, "poss")
    if poss:
        src, _ = actors(poss, ents, ctx, doc)
    pobjs = [(prep.lower_, p) for prep in children(tok, "prep") for p in children(prep, "pobj")]
    # "the meeting of Castro with Admiral Miao Hua": spaCy hangs "with" under the "of" object.
    pobjs += [(prep.lower_, p) for _, h in list(pobjs) for prep in children(h, "prep")
              for p in children(prep, "pobj")]
    for want in ("by", "from", "of"):
        for prep, p in pobjs:
            if prep == want and not src:
                src, _ = actors([p, *conjuncts(p)], ents, ctx, doc)
    for prep, p in pobjs:
        if prep in ("with", "to", "between", "against", "on", "into") and not tgt:
            tgt, _ = actors([p, *conjuncts(p)], ents, ctx, doc)
    if src and not tgt and code[:2] == "07":
        # An aid delivery whose recipient is not in the phrase: the other country the
        # sentence names (the article's "the two countries discussed ... the arrival of ...").
        sent = tok.sent
        others = [m for m in ents.mentions if sent.start_char <= m.start_char
                  < sent.end_char and m.entity_id]
        countries = [ents.entities[m.entity_id].country_iso3 for m in others if m.entity_id]
        rest = [c for c in countries if c and c not in {a.country for a in src}]
        if rest:
            best = max(set(rest), key=rest.count)
            tgt = [Actor(tok.text, tok.idx, tok.idx + len(tok.text), None, best, None)]
    return src, tgt
