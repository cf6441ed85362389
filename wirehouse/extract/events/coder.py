"""Event coding: who did what to whom, when and where, per sentence, in CAMEO and PLOVER.

Dependency-parse coding in the PETRARCH tradition: every verb (and a few event nouns such as
"meeting") is looked up in the verb dictionary with its particles and objects; the subject is the
source, the direct/dative/prepositional object the target. A verb governed by a control verb
("agreed to", "threatened to", "refused to", "demanded that", "urged ... to") is recoded by the
codebook's modality tables, as are negated and future acts. Compound actors yield one event per
pair. The vocabulary is data (seeds/reference); this module is only the grammar.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from datetime import datetime
from itertools import product

from spacy.attrs import POS
from spacy.symbols import ADJ, AUX, NOUN, VERB
from spacy.tokens import Doc, Span, Token

from wirehouse.core.documents import stable_id
from wirehouse.extract.countries import place_for
from wirehouse.extract.entities import DocEntities, ner_span
from wirehouse.extract.events.actors import Actor, conjuncts, forget_resolved, role_of
from wirehouse.extract.events.codebook import (
    cameo_codes,
    lexicon,
    lookup,
    transform,
    verb_lemma,
)
from wirehouse.extract.events.dates import ResolvedDate, resolve_date
from wirehouse.extract.events.participants import (
    Context,
    actors,
    children,
    find_targets,
    nominal,
    purpose_partner,
    subject,
)
from wirehouse.extract.events.statements import (
    is_characterisation,
    reporting_verbs,
    speaker_heads,
    statements,
)

__all__ = ["extract_events"]

_FUTURE = frozenset({"will", "would", "shall", "'ll", "wo"})
# Modals of possibility: "could visit", "might strike" assert no act.
_HYPOTHETICAL = frozenset({"could", "might", "may"})
_CONDITION_MARKS = frozenset({"if", "unless", "whether"})
_WISHES = frozenset({"hope", "wish", "dream"})
# The model's lemma of these forms is not always right ("hopes" -> "hop").
_WISH_FORMS = frozenset({f"{w}{e}" for w in ("hope", "wish") for e in ("", "s", "d", "ed")}
                        | {"hoping", "wishing"})
# Participles that state their subject's stance ("is opposed to", "is committed to").
_STATIVE = frozenset({"oppose", "commit", "determine", "dedicate", "prepare", "resolve"})
_PURPOSES = frozenset({"intend", "aim", "design", "mean"})
_KILLING = frozenset({"kill", "murder", "slay", "shoot", "gun", "assassinate", "execute"})
_ARMED = frozenset({"MIL", "REB", "IMG", "UAF", "INS", "SEP"})
# Codes whose verb alone is ambiguous unless it acts on an actor: "release" (persons, not
# figures), "receive" (a visitor, not a letter), "call" (a person, not a name), "visit".
_NEEDS_PARTNER = frozenset({"0841", "043", "041", "042", "070"})
_VISITS = frozenset({"042", "043"})
_VERBAL_ROOTS = frozenset({"01", "02", "03", "04", "05", "10", "11", "12", "13", "14"})
# Taking part in a meeting names the meeting, which is no actor: no target needed.
_ATTENDING = frozenset({"attend", "participate", "take", "join"})
_OBLIGATION = frozenset({"must", "should", "ought"})
# Roots whose acts are mutual when the subject is compound and there is no object.
_SYMMETRIC_ROOTS = frozenset({"03", "04", "05", "06"})
_EVENT_NOUNS = frozenset({"meeting", "talk", "talks", "visit", "trip", "negotiation",
                          "consultation", "summit", "attack", "invasion", "mediation",
                          "arrival", "delivery", "shipment", "donation", "consignment"})


def _object_keys(nouns: list[Token]) -> list[str]:
    keys: list[str] = []
    for n in nouns:
        lemma = n.lemma_.lower()
        for mod in n.children:
            if mod.dep_ in ("compound", "amod") and mod.i < n.i:
                keys.append(f"{mod.lemma_.lower()} {lemma}")
                keys.append(f"{mod.lower_} {n.lower_}")
        for prep in children(n, "prep"):
            for pobj in children(prep, "pobj"):
                keys.append(f"{lemma} {prep.lower_} {pobj.lemma_.lower()}")
        keys += [lemma, n.lower_]
    return keys


def _objects(tok: Token) -> tuple[list[Token], list[str]]:
    """Object nouns (direct, dative, prepositional, two preps deep) and particles of a trigger."""
    nouns: list[Token] = []
    particles = [c.lower_ for c in tok.children if c.dep_ in ("prt", "prep", "agent")]
    for c in tok.children:
        if c.dep_ in ("dobj", "dative", "attr", "oprd", "acomp"):
            nouns += [c, *conjuncts(c)]
        elif c.dep_ in ("prep", "prt"):
            for p in children(c, "pobj", "pcomp"):
                nouns += [p, *conjuncts(p)]
                for p2 in children(p, "prep"):
                    nouns += children(p2, "pobj")
    for n in list(nouns):
        for c in children(n, "prep"):
            if c.lower_ in ("of", "for"):
                nouns += children(c, "pobj")
    return nouns, particles


def _governors(tok: Token) -> list[Token]:
    """Control and reporting verbs above a trigger ("agreed" in "agreed to expand")."""
    out = []
    cur = tok
    # "plans to attend X and hold talks": the second verb shares the first one's governor.
    while cur.dep_ == "conj" and cur.head.dep_ == "xcomp" and cur.head.i != cur.i and not any(
            c.dep_ in ("nsubj", "nsubjpass", "aux") and c.lower_ != "to" for c in cur.children):
        cur = cur.head
    while cur.dep_ in ("xcomp", "ccomp", "conj", "advcl", "acl") and cur.head.i != cur.i:
        if cur.dep_ == "acl" and cur.head.lemma_.lower() not in lexicon().modifiers:
            break
        if cur.dep_ == "conj" or (cur.dep_ == "advcl" and (
                cur.head.lemma_ not in lexicon().modifiers
                or not any(c.dep_ == "aux" and c.lower_ == "to" for c in cur.children))):
            break  # "rejected the plan, urging ...": "urging" is not what "rejected" governs
        cur = cur.head
        out.append(cur)
    return out


def _shared(tok: Token) -> Token:
    """The verb whose auxiliaries a conjoined verb shares: "will visit X and attend Y"."""
    while tok.dep_ == "conj" and tok.head.pos_ in ("VERB", "AUX") and not any(
            c.dep_ in ("nsubj", "nsubjpass", "aux", "auxpass") for c in tok.children):
        tok = tok.head
    return tok


def _when_clause(tok: Token) -> bool:
    """A temporal clause with no auxiliary of its own ("when attending", "while visiting"):
    its time is its main verb's."""
    return tok.dep_ == "advcl" and tok.head.i != tok.i and any(
        c.lower_ in ("when", "while") and c.dep_ in ("advmod", "mark") for c in tok.children
    ) and not any(c.dep_ in ("aux", "auxpass") for c in tok.children)


def _negated(tok: Token) -> bool:
    return any(c.dep_ == "neg" or c.lower_ in ("never", "no") for c in tok.children)


def _future(tok: Token) -> bool:
    modals = _FUTURE | _HYPOTHETICAL
    head = _shared(tok)
    if _when_clause(head):
        return _future(head.head)  # "will speak when attending X": attending is to come
    return any(c.dep_ == "aux" and c.lower_ in modals for c in head.children) or any(
        c.dep_ == "aux" and c.lower_ == "to" for c in tok.children
    ) and tok.head.lemma_ == "go" and tok.dep_ == "xcomp"


def _named(head: Token) -> bool:
    """A word that can name a doer: not a date, a number or a figure the tagger took for a
    name ("(02.03.2017) Amnesty ...")."""
    return head.ent_type_ not in ("DATE", "TIME", "CARDINAL", "MONEY", "PERCENT") and any(
        ch.isalpha() for ch in head.text)


def _who(head: Token) -> bool:
    """The noun a "who" clause qualifies names people ("backbenchers, who ...")."""
    return any(s.lower_ in ("who", "whom") for r in children(head, "relcl")
               for s in r.children if s.dep_ in ("nsubj", "nsubjpass"))


def _killing_code(sources: list[Actor], targets: list[Actor], ents: DocEntities) -> str:
    """A killing is military force (190) between armed actors; otherwise an assault: the
    assassination of a named person (186) or the killing of others (182)."""
    if any(a.role in _ARMED for a in (*sources, *targets)):
        return "190"
    named = any(a.entity_id in ents.entities and
                ents.entities[a.entity_id].entity_type == "PERSON" for a in targets
                if a.entity_id)
    return "186" if named else "182"


def _reported(tok: Token) -> bool:
    """Inside the clause of a reporting verb ("said Putin would attend")."""
    cur = tok
    while cur.dep_ in ("ccomp", "xcomp", "conj", "advcl", "parataxis") and cur.head.i != cur.i:
        cur = cur.head
        if lexicon().modifiers.get(cur.lemma_.lower()) == "SAY":
            return True
    return False


def _on_condition(tok: Token) -> bool:
    return any(c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in ("if", "unless")
                                         for m in c.children) for c in tok.children)


def unasserted(tok: Token) -> bool:
    """Acts the sentence does not assert: the condition of an "if" ("if the deal collapses"),
    a possibility ("could visit") or a "would" that no one commits to ("a measure that would
    weaken"), a wish ("hopes to meet"). A reported commitment on a condition ("said it would
    meet them if ...", "may halt the talks unless ...") is asserted: see ``committed``."""
    for cur in (tok, *tok.ancestors):
        if cur.pos_ not in ("VERB", "AUX", "ADJ"):
            continue  # a noun on the way up ("pressure on X to step down") decides nothing
        if any(c.dep_ == "mark" and c.lower_ in _CONDITION_MARKS for c in cur.children):
            return True
        aux = {c.lower_ for c in _shared(cur).children if c.dep_ == "aux"}
        if aux & (_HYPOTHETICAL | {"would"}) and not committed(_shared(cur)):
            return True
        if cur.i != tok.i and (cur.lemma_.lower() in _WISHES or cur.lower_ in _WISH_FORMS):
            return True
        if cur.i != tok.i and cur.lemma_.lower() in _PURPOSES and (cur.tag_ == "VBN" or (
                cur.dep_ in ("acl", "advcl") and not any(c.dep_ == "nsubj" for c in cur.children))):
            return True  # "supplies intended to alleviate ...": a purpose, not an act
        if lexicon().modifiers.get(cur.lemma_.lower()) == "SAY":
            return False  # what a speaker asserts is asserted
    return False


def committed(tok: Token) -> bool:
    """A future or possible act an actor commits to: reported ("said it would attend") or on
    a condition ("will withdraw unless ...")."""
    aux = {c.lower_ for c in tok.children if c.dep_ == "aux"}
    if not aux & (_HYPOTHETICAL | _FUTURE):
        return False
    heads, _ = subject(tok)
    if not heads or not (heads[0].pos_ in ("PRON", "PROPN") or heads[0].ent_type_ or
                         role_of(heads[0])):
        return False  # "a hasty pullout may bring about ...": no one commits to that
    if aux & (_HYPOTHETICAL | {"would"}):
        # "would"/"could": a commitment only as someone's reported words ("said it would meet
        # them if ..."); alone it is a hypothesis ("if the truce collapses, X would ...").
        return _reported(tok)
    return _reported(tok) or _on_condition(tok)


def conditional_threat(tok: Token) -> bool:
    """"will withdraw its force unless ...", "may halt the talks if ...": an act promised on a
    condition is a threat (when conflictual) or an offer."""
    return _on_condition(tok) and committed(tok)


# Lines a publisher adds around the story: teasers, share bars, credits, embedded posts.
_BOILERPLATE = re.compile(
    r"^\W*(read more|related|see also|watch|listen|share (this|on)|follow us|subscribe|"
    r"photo|image|video|picture|copyright|click here|sign up)\b", re.IGNORECASE)
_EMBED = re.compile(r"pic\.twitter\.com|\(@\w+\)")
_CAPS_LABEL = re.compile(r"^\W*[A-Z][A-Z ,'&-]{6,}:")  # "THE LISTENING POST: ..."


def boilerplate(sent: Span, text: str) -> bool:
    """A teaser, a credit or an embedded post rather than a sentence of the story ("READ MORE:
    ...", "Photo: ...", "... pic.twitter.com/..."), read on the sentence's line: the coder skips
    it. Ingest keeps it in the body, so offsets and the article's text stay as published."""
    start = text.rfind("\n", 0, sent.start_char) + 1
    end = text.find("\n", sent.end_char)
    line = text[start:end if end >= 0 else len(text)]
    # An embedded post is a short line of its own ending in its link and byline.
    return bool(_BOILERPLATE.search(line[:sent.end_char - start]) or
                _CAPS_LABEL.search(line) or (len(line) < 400 and _EMBED.search(line)))


def parenthetical(tok: Token) -> bool:
    """Inside brackets: a publisher's note on a name ("(outlawed in Russia)"), an aside."""
    sent = tok.sent
    depth = 0
    for t in sent:
        if t.i >= tok.i:
            break
        if t.text in ("(", "["):
            depth += 1
        elif t.text in (")", "]") and depth:
            depth -= 1
    return depth > 0


def question(sent: Span) -> bool:
    return sent.text.rstrip().rstrip("\"'\u201d\u2019 ").endswith("?")


def _obliged(tok: Token) -> bool:
    return any(c.dep_ == "aux" and c.lower_ in _OBLIGATION for c in tok.children)


def _code_for(tok: Token, subj_heads: list[Token]) -> tuple[str | None, bool]:
    lemma = verb_lemma(tok.text, tok.lemma_, tok.tag_)
    lex = lexicon()
    if lemma not in lex.verbs:
        return None, False
    nouns, particles = _objects(tok)
    okeys = _object_keys(nouns)
    skeys = _object_keys(subj_heads) if subj_heads else []
    # Passive "killed by a roadside bomb": the agent is the instrument.
    for agent in children(tok, "agent"):
        skeys += _object_keys(children(agent, "pobj"))
    code = lookup(lemma, particles, okeys, skeys)
    specific = code is not None and code != lookup(lemma, [], [], [])
    return code, specific


def _past(trigger: Token) -> bool:
    """A report of what happened: a past-tense verb not under "will"/"would"."""
    return trigger.tag_ in ("VBD", "VBN") and not _future(trigger) and not any(
        c.dep_ == "aux" and c.lower_ in ("will", "would", "shall") for c in trigger.children)


def _in_noun_phrase(date: Span) -> bool:
    """"the 2016 election", "Sunday's edition": a date that names a thing, not a time."""
    root = date.root
    return root.dep_ in ("compound", "amod", "nummod", "poss", "nmod") and \
        root.head.pos_ in ("NOUN", "PROPN")


def _date_for(sent: Span, trigger: Token, published_at: datetime | None,
              doc_dates: list[Span] | None = None) -> ResolvedDate | None:
    """The event's own date: a DATE of its sentence (the one attached to the trigger's clause
    first, else the nearest), not one inside a noun phrase, and for a past-tense report not
    one after publication. ``doc_dates``: the document's DATE entities, if already at hand
    (sent.ents builds every entity span of the document up to the sentence on each call)."""
    if doc_dates is None:
        dates = [e for e in sent.ents if e.label_ == "DATE"]
    else:
        dates = [e for e in doc_dates if e.start >= sent.start and e.end <= sent.end]
    dates = [e for e in dates if not _in_noun_phrase(e)]
    dates.sort(key=lambda e: (not trigger.is_ancestor(e.root), abs(e.start - trigger.i)))
    past = _past(trigger)
    for e in dates:
        r = resolve_date(e.text, published_at)
        if r.value is None and published_at is not None:
            continue
        if past and published_at is not None and r.value is not None and \
                r.value > published_at.date():
            continue  # "said on Friday" in a report is not next Friday
        return r
    return None


def historical(date: ResolvedDate | None, trigger: Token,
               published_at: datetime | None) -> bool:
    """Background history ("abolished the death penalty in 2004"): a past act dated more than
    a year before the report."""
    return (date is not None and date.value is not None and published_at is not None
            and _past(trigger) and date.value.year < published_at.year - 1)


def _place_for(trigger: Token, exclude: set[int]):
    for prep in trigger.subtree:
        if prep.dep_ != "prep" or prep.lower_ not in ("in", "at", "near", "inside"):
            continue
        for pobj in children(prep, "pobj"):
            if pobj.i in exclude or pobj.ent_type_ not in ("GPE", "LOC", "FAC"):
                continue
            span = ner_span(pobj)
            text = span.text if span is not None else pobj.text
            place = place_for(text)
            if place is not None:
                return text, place
    return None


_TRIGGER_POS = frozenset({int(NOUN), int(VERB), int(AUX), int(ADJ)})


def _trigger_pos(doc: Doc) -> list[int]:
    """Indices of the tokens whose part of speech can trigger an event."""
    if not len(doc):
        return []
    return [i for i, p in enumerate(doc.to_array(POS).tolist()) if p in _TRIGGER_POS]


def _actor_cols(side: str, a: Actor | None) -> dict[str, object]:
    return {
        f"{side}_entity_id": a.entity_id if a else None,
        f"{side}_text": a.text if a else None,
        f"{side}_code": a.code if a else None,
        f"{side}_country": a.country if a else None,
        f"{side}_role": a.role if a else None,
        f"{side}_start_char": a.start_char if a else None,
        f"{side}_end_char": a.end_char if a else None,
    }


def extract_events(
    doc: Doc, doc_id: str, ents: DocEntities, published_at: datetime | None, run_id: str
) -> list[dict[str, object]]:
    """Rows of the event_mentions table for one document."""
    lex = lexicon()
    codes = cameo_codes()
    ctx = Context([], [])
    rows: list[dict[str, object]] = []
    # Only nouns, verbs, auxiliaries and adjectives can trigger: their indices, read off the
    # POS array at once rather than token by token.
    triggers = _trigger_pos(doc)
    text = doc.text
    forget_resolved()
    doc_dates: list[Span] | None = None
    for sent_index, sent in enumerate(doc.sents):
        ctx.sentence_index = sent_index
        if question(sent) or boilerplate(sent, text):
            continue
        candidates = []
        covered: set[int] = set()
        governed: dict[int, set[int]] = {}  # governing verb -> the acts it governs
        # "We" and "I" in a quote are its speaker, who may be named after the quote.
        for verb in reporting_verbs(sent):
            heads = [h for h in speaker_heads(verb) if h.pos_ != "PRON"]
            spoken, _ = actors(heads, ents, ctx, doc) if heads else ([], False)
            if spoken:
                ctx.speaker = spoken
                break
        for k in range(bisect_left(triggers, sent.start), bisect_left(triggers, sent.end)):
            tok = doc[triggers[k]]
            lemma = verb_lemma(tok.text, tok.lemma_, tok.tag_)
            is_noun = tok.pos == NOUN and lemma in _EVENT_NOUNS
            if not is_noun and tok.pos == NOUN:
                continue
            if lex.modifiers.get(lemma) == "SAY" and not is_noun:
                heads, _ = subject(tok)
                spoken, _ = actors(heads[:1], ents, ctx, doc) if heads else ([], False)
                if spoken:
                    ctx.speaker = spoken
            if lemma not in lex.verbs:
                continue  # no code (_code_for's first test), so no subject to look for
            if not is_noun and is_characterisation(tok):
                continue  # a judgement: the speech acts below code it
            subj_heads, passive = ([], False) if is_noun else subject(tok)
            code, specific = _code_for(tok, subj_heads)
            if code is None:
                continue
            if is_noun:
                sources, targets = nominal(tok, code, ents, ctx, doc)
                if not sources or not targets:
                    continue
                candidates.append((tok, code, sources, targets, specific, False))
                continue
            # Modality: the trigger's own future/negation, then each governing control verb.
            if unasserted(tok) or parenthetical(tok):
                continue
            if _negated(tok) and not _future(tok):
                continue  # "did not meet": a plain negation is no act ("will not attend" is)
            if _negated(tok):
                code = transform(code, "REFUSE")
            elif conditional_threat(tok):
                code = transform(code, "THREAT" if code[:2] >= "10" else "INTENT")
            elif _future(tok):
                code = transform(code, "INTENT")
            src_tok: Token = tok
            target_override: list[Token] | None = None
            governing: list[int] = []
            for gov in _governors(tok):
                mod = lex.modifiers.get(gov.lemma_.lower())
                if code is None or mod is None:
                    break
                governing.append(gov.i)
                if mod == "SAY":
                    if _obliged(tok):
                        # "Russia said Sudan must return ...": a demand of the clause subject.
                        code = transform(code, "DEMAND")
                        target_override = subj_heads
                        src_tok = gov
                    break
                if mod in ("DEMAND", "APPEAL"):
                    # "urged Peru to ...", "called on Peru to ...", "appealed to Peru to ...".
                    addressee = children(gov, "dobj") + [
                        p for prep in children(gov, "prep") if prep.lower_ in ("on", "to", "upon")
                        for p in children(prep, "pobj")]
                    own = [h for h in subj_heads if not h.is_ancestor(tok) and h.head.i == tok.i]
                    target_override = addressee or own
                    src_tok = gov
                if mod != "PLAIN":
                    code = transform(code, mod)
                if code is not None and _negated(gov):
                    code = transform(code, "REFUSE")
                elif code is not None and _future(gov) and mod == "PLAIN":
                    code = transform(code, "INTENT")
            if code is None or code not in codes:
                continue  # the governing verbs code on their own ("demanded that X renounce")
            covered.update(governing)
            for g in governing:
                governed.setdefault(g, set()).add(tok.i)
            if src_tok.i != tok.i:
                subj_heads, passive = subject(src_tok)
            if passive and lemma in _STATIVE and not children(tok, "agent"):
                passive = False  # "X has been opposed to Y": a stance of X, not done to X
            if passive:
                agent = [p for a in children(tok, "agent") for p in children(a, "pobj")]
                sources, from_ctx = actors(agent, ents, ctx, doc)
                targets, _ = actors(subj_heads, ents, ctx, doc)
            else:
                sources, from_ctx = actors(subj_heads, ents, ctx, doc)
                if target_override is not None:
                    targets, _ = actors(target_override, ents, ctx, doc, owner_ok=True)
                else:
                    # The subject's words are no target, but a relative clause on the subject
                    # holds the trigger's own objects ("X, who accused him").
                    skip = {t.i for h in subj_heads for t in h.subtree
                            if t.i != tok.i and not tok.is_ancestor(t)}
                    if len(sources) > 1 and code[:2] in _SYMMETRIC_ROOTS:
                        # "The two sides discussed X": mutual unless X is a direct partner.
                        direct = [c for c in tok.children if c.dep_ in ("dobj", "dative")]
                        direct += [p for c in tok.children if c.dep_ == "prep"
                                   and c.lower_ == "with" for p in children(c, "pobj")]
                        targets, _ = actors(direct, ents, ctx, doc)
                        if not targets:
                            targets, _ = actors(purpose_partner(tok), ents, ctx, doc)
                    else:
                        # One visits or hosts a place or a body, not "China's experience".
                        targets = find_targets(tok, skip, sources, ents, ctx, doc,
                                               owners=code not in _VISITS)
            if not sources and not targets:
                continue
            if not sources and not passive and subj_heads and _named(subj_heads[0]) and (
                    subj_heads[0].pos_ in ("PROPN", "PRON") or role_of(subj_heads[0])
                    or _who(subj_heads[0])
                    or (code[:2] == "14" and subj_heads[0].pos_ == "NOUN")):
                # A named doer the actor coder cannot place ("Ousted President Akayev", the
                # noun a relative "who" stands for), or the people a protest names
                # ("supporters of X"): the act is coded with that actor and no code.
                h = subj_heads[0]
                sources = [Actor(h.text, h.idx, h.idx + len(h.text), None, None, None, True)]
                from_ctx = True
            if not sources and not passive and (not subj_heads or code[:2] in _VERBAL_ROOTS):
                # A verb with no subject ("talking about X", "to provide evidence") has no
                # doer to code; a verbal act is coded only when its speaker is written.
                continue
            if code in ("190", "193") and lemma in _KILLING:
                code = _killing_code(sources, targets, ents)
            if code[:2] == "14" and not targets and sources and sources[0].country:
                # A protest names whom it is against, or is against the authorities.
                a = sources[0]
                targets = [Actor(tok.text, tok.idx, tok.idx + len(tok.text), None, a.country,
                                 "GOV", True)]
            if not targets and lemma not in _ATTENDING and (
                    code in _VISITS or (not specific and code in _NEEDS_PARTNER)):
                continue  # "received a letter", "released figures", "called it a day"
            candidates.append((tok, code, sources, targets, specific, from_ctx))
        coded = {c[0].i: (c[1], c[2]) for c in candidates}
        coded.update({i: ("", []) for i in covered})
        speech, alleged = statements(sent, coded, ents, ctx)
        for verb, speech_code, speakers, addressed in speech:
            candidates.append((verb, speech_code, speakers, addressed, True, False))
        # A reporting verb whose reported acts are all the speaker's allegation codes the
        # accusation ("X said Y wants to wreck the deal": X accuses Y, Y's intent is not coded).
        covered -= {g for g, acts in governed.items() if acts <= alleged}
        for tok, code, sources, targets, specific, from_ctx in candidates:
            if tok.i in covered or tok.i in alleged:
                continue
            if doc_dates is None:
                doc_dates = [e for e in doc.ents if e.label_ == "DATE"]
            rows += _rows(doc_id, sent_index, sent, tok, code, sources, targets, specific,
                          from_ctx, published_at, run_id, doc_dates)
            if sources and not from_ctx:
                ctx.last_source = sources
    # One trigger can be reached twice with the same code and actors (as a verb and as the
    # speech act of its sentence): the same mention, so one row per id.
    unique = {row["event_mention_id"]: row for row in reversed(rows)}
    return [row for row in rows if unique.get(row["event_mention_id"]) is row]


def _pairs(code: str, sources: list[Actor],
           targets: list[Actor]) -> list[tuple[Actor | None, Actor | None]]:
    """One event per actor pair. A compound subject of a mutual act with no object pairs
    within itself once, first named to second ("X and Y held talks": X -> Y), as the news
    gold's guidelines code it."""
    if not targets and len(sources) > 1 and code[:2] in _SYMMETRIC_ROOTS:
        return [(a, b) for i, a in enumerate(sources) for b in sources[i + 1:]
                if a.code != b.code]
    srcs: list[Actor | None] = list(sources) or [None]
    tgts: list[Actor | None] = list(targets) or [None]
    return list(product(srcs, tgts))


def _rows(doc_id: str, sent_index: int, sent: Span, tok: Token, code: str,
          sources: list[Actor], targets: list[Actor], specific: bool, from_ctx: bool,
          published_at: datetime | None, run_id: str,
          doc_dates: list[Span] | None = None) -> list[dict[str, object]]:
    c = cameo_codes()[code]
    date = _date_for(sent, tok, published_at, doc_dates)
    if historical(date, tok, published_at):
        return []
    if date is None and published_at is not None:
        # No date of its own: the article's, and the row says so.
        date = ResolvedDate("", published_at.date(), "article")
    exclude = {t.i for a in targets for t in sent if a.start_char <= t.idx < a.end_char}
    place = _place_for(tok, exclude)
    out = []
    seen = set()
    for src, tgt in _pairs(code, sources, targets):
        if src is not None and tgt is not None and src.key == tgt.key:
            continue
        if (src.key if src else None, tgt.key if tgt else None) in seen:
            continue
        seen.add((src.key if src else None, tgt.key if tgt else None))
        conf = 0.4 + (0.2 if src is not None else 0) + (0.15 if tgt is not None else 0)
        conf += 0.1 if specific else 0
        conf -= 0.15 if from_ctx else 0
        src_key = src.key if src else ""
        tgt_key = tgt.key if tgt else ""
        date_key = (f"{date.value.isoformat()}/{date.precision}" if date and date.value else
                    (date.text if date else ""))
        out.append({
            "event_mention_id": stable_id(doc_id, sent_index, tok.idx, tok.idx + len(tok.text),
                                          src_key, tgt_key, code),
            "event_id": stable_id(src_key, tgt_key, code, date_key),
            "doc_id": doc_id,
            "sentence_index": sent_index,
            **_actor_cols("source", src),
            **_actor_cols("target", tgt),
            "event_code": code,
            "base_code": c.base_code,
            "root_code": c.root_code,
            "quad_class": c.quad_class,
            "goldstein": c.goldstein,
            "plover_type": c.plover_type,
            "plover_mode": c.plover_mode,
            "trigger_text": tok.text,
            "trigger_start": tok.idx,
            "trigger_end": tok.idx + len(tok.text),
            "date_text": date.text or None if date else None,
            "event_date": date.value if date else None,
            "date_precision": date.precision if date else None,
            "place_text": place[0] if place else None,
            "place_country": place[1].iso3 if place else None,
            "place_lat": place[1].lat if place else None,
            "place_lon": place[1].lon if place else None,
            "confidence": round(min(0.95, max(0.05, conf)), 3),
            "run_id": run_id,
            "sentence_start": sent.start_char,
            "sentence_end": sent.end_char,
        })
    return out
