"""Speech acts: what a speaker's own words code, apart from the acts they report.

Reported speech ("X said (that) C", "C, X said", "X told Y (that) C"): C's own acts are coded
by the event coder with C's subject as their source ("police said they detained four men" is
the police's arrest). When C reports no codable act, the statement is X's event if it concerns
an actor other than X, coded from how C speaks of that actor:

- C judges an actor (VADER's valence lexicon plus the project's political words, read over the
  actor's own predicate or the noun it owns): negative -> 112 accuse when the actor is the doer
  ("Y tried to wreck the talks"), 111 criticise otherwise ("Y's reckless moves");
- C says what an actor should or must do ("Y should reject the appeal", "let Y explain"):
  020 appeal / 100 demand, to that actor;
- otherwise 010 make a statement, to the addressee ("told parliament") or, failing one, to the
  actor C is about.

Characterisations ("X called Y reckless", "described Y as nonsense", "labelled Y's remarks
dangerous") are judgements of Y: 111 when negative, 051 when positive.

A journalist or an outlet is not an addressee ("told reporters", "told the BBC").
"""

from __future__ import annotations

from functools import lru_cache

from spacy.tokens import Span, Token
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from wirehouse.core.reference import per_folder, read_reference_csv
from wirehouse.extract.entities import DocEntities
from wirehouse.extract.events.actors import Actor, conjuncts, role_of
from wirehouse.extract.events.codebook import lexicon, lookup
from wirehouse.extract.events.participants import Context, actors, children

# Reporting verbs that address their object ("told MPs", "briefed the council").
_ADDRESS = frozenset({"tell", "inform", "brief", "address", "assure", "remind"})
# Verbs of belief and assertion that report a stance as "say" does.
_STANCE = frozenset({"believe", "think", "argue", "claim", "allege", "insist", "suggest",
                     "contend", "maintain", "predict", "warn", "conclude", "stress",
                     "emphasize", "emphasise", "reiterate", "write", "tweet", "explain", "add",
                     "note", "say", "tell", "state", "declare", "announce", "acknowledge"})
# Verbs that characterise their object by a predicate ("called the plan reckless").
_CHARACTERISE = frozenset({"call", "describe", "label", "brand", "term", "dub", "deem",
                           "denounce"})
_NOT_ADDRESSEES = frozenset({"reporter", "journalist", "press", "newspaper", "paper", "media",
                             "briefing", "conference", "interview", "agency", "broadcaster",
                             "television", "radio", "channel", "magazine", "daily", "audience",
                             "crowd", "supporter", "viewer", "reader", "outlet", "correspondent",
                             "edition", "website", "news"})
_CLAUSE_DEPS = frozenset({"ccomp", "parataxis"})
_WITNESSES = frozenset({"MED", "CVL"})
_SELF = frozenset({"we", "i", "us", "me", "our", "my", "ours", "mine", "ourselves", "myself"})
_APPEAL_MODALS = frozenset({"should", "ought", "need"})
_DEMAND_MODALS = frozenset({"must"})
_EVALUATIVE_POS = frozenset({"ADJ", "ADV", "VERB"})
NEGATIVE = -1.5   # valence at or below which a judgement is critical
POSITIVE = 2.0    # and at or above which it is praise
# A verb the CAMEO dictionary codes as conflict (roots 11-20: "sabotage", "destroy", "blame")
# said of an actor is as critical as a clearly negative word.
_CONFLICT_VALENCE = -2.0
# "Y is behind the protests": the speaker holds Y responsible.
_ATTRIBUTION = frozenset({"behind"})


@lru_cache(maxsize=1)
def _vader_lexicon() -> dict[str, float]:
    return dict(SentimentIntensityAnalyzer().lexicon)


@per_folder()
def _project_valence() -> dict[str, float]:
    """The project's political words (valence_lexicon.csv), which win over VADER's."""
    return {row["word"].strip().lower(): float(row["valence"])
            for row in read_reference_csv("valence_lexicon.csv")}


def _negated(tok: Token) -> bool:
    return any(c.dep_ == "neg" or c.lower_ in ("no", "never", "not")
               for t in (tok, tok.head) for c in t.children)


def valence(tokens: list[Token]) -> float:
    """Summed valence of the words, damped and flipped under a negation. VADER's nouns are
    mostly what happened ("war", "peace"), so only its adjectives, verbs and adverbs count;
    the project's words count whatever their part of speech."""
    vader = _vader_lexicon()
    own = _project_valence()
    total = 0.0
    for tok in tokens:
        low, lemma = tok.lower_, tok.lemma_.lower()
        v = own.get(low, own.get(lemma))
        if v is None and tok.pos_ in _EVALUATIVE_POS:
            v = vader.get(low, vader.get(lemma))
        if v is None and tok.pos_ == "VERB" and _conflict_verb(lemma):
            v = _CONFLICT_VALENCE
        if v:
            total += -0.5 * v if _negated(tok) else v
    return total


@lru_cache(maxsize=4096)
def _conflict_verb(lemma: str) -> bool:
    """The verb alone codes a conflictual act (CAMEO roots 11-20) in the verb dictionary."""
    if lemma not in lexicon().verbs:
        return False
    code = lookup(lemma, [], [], [])
    return code is not None and "11" <= code[:2] <= "20"


def _attributed(head: Token) -> bool:
    """"Y is behind the attacks": a copula with "behind" says who is responsible."""
    pred = head.head
    return head.dep_ == "nsubj" and pred.lemma_ == "be" and any(
        c.dep_ == "prep" and c.lower_ in _ATTRIBUTION for c in pred.children)


def _embedded(verb: Token, speaking: set[int]) -> bool:
    """A reporting verb inside another's reported clause ("'I believe Y ...,' X said"): the
    outer verb codes the statement once, judging the inner clause."""
    cur = verb
    while cur.dep_ in _CLAUSE_DEPS and cur.head.i != cur.i:
        cur = cur.head
        if cur.i in speaking:
            return True
    # '"I believe Y ...," X said' parsed with "said" under "believe": "I" is X.
    heads = speaker_heads(verb)
    first_person = bool(heads) and all(h.lower_ in _SELF for h in heads)
    return first_person and any(c.dep_ in _CLAUSE_DEPS and c.i in speaking
                                for c in verb.children)


def reporting_verbs(sent: Span) -> list[Token]:
    mods = lexicon().modifiers
    return [t for t in sent if t.pos_ in ("VERB", "AUX") and (
        mods.get(t.lemma_.lower()) == "SAY" or t.lemma_.lower() in _STANCE | _ADDRESS)]


def speaker_heads(verb: Token) -> list[Token]:
    subj = children(verb, "nsubj")
    if subj:
        return [subj[0], *conjuncts(subj[0])]
    if verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX") and verb.head.i != verb.i:
        return speaker_heads(verb.head)  # "X met Y and said ...": X speaks
    for prep in children(verb.head if verb.dep_ == "advcl" else verb, "prep"):
        if prep.lower_ == "according":  # "..., according to the ministry"
            return [p for c in prep.children for p in children(c, "pobj")]
    return []


def clause_of(verb: Token) -> list[Token]:
    """The reported clause: the verb's clausal complements (in text order)."""
    toks = [t for c in verb.children if c.dep_ in _CLAUSE_DEPS for t in c.subtree]
    if not toks and verb.dep_ in _CLAUSE_DEPS and verb.head.i != verb.i:
        # '"C," X said' parsed with "said" under C's verb.
        own = {t.i for t in verb.subtree}
        toks = [t for t in verb.head.subtree if t.i not in own]
    return sorted(toks, key=lambda t: t.i)


def _main_predicates(verb: Token, clause: list[Token]) -> list[Token]:
    """The clause's own predicates (its head, their conjuncts and complements), not what its
    adverbial or relative clauses say ("..., after thousands demonstrated")."""
    in_clause = {t.i for t in clause}
    heads = [c for c in verb.children if c.dep_ in _CLAUSE_DEPS]
    if not heads and clause:
        heads = [verb.head]
    out: list[Token] = []
    while heads:
        t = heads.pop()
        if t.i in in_clause:
            out.append(t)
            heads += [c for c in t.children if c.dep_ in ("conj", "xcomp", "ccomp", "acomp")]
    return out


def _is_addressee(head: Token) -> bool:
    words = {head.lemma_.lower(), *(t.lemma_.lower() for t in head.subtree)}
    return not words & _NOT_ADDRESSEES and head.ent_type_ not in ("WORK_OF_ART",)


def _addressees(verb: Token, ents: DocEntities, ctx: Context) -> list[Actor]:
    heads: list[Token] = []
    if verb.lemma_.lower() in _ADDRESS:
        heads = [h for o in children(verb, "dobj", "dative") for h in (o, *conjuncts(o))]
    heads += [p for prep in children(verb, "prep", "dative") if prep.lower_ == "to"
              for p in children(prep, "pobj")]
    heads = [h for h in heads if _is_addressee(h)]
    found, _ = actors(heads, ents, ctx, verb.doc) if heads else ([], False)
    return [a for a in found if a.role != "MED"]


def _scope(head: Token) -> list[Token]:
    """The words that say something about the actor headed by ``head``: its predicate when it
    is a subject, the phrase it owns when it is a possessor or an "of" object."""
    if head.dep_ in ("nsubj", "nsubjpass"):
        own = {t.i for t in head.subtree}
        return [t for t in head.head.subtree if t.i not in own]
    owned: Token | None = None
    if head.dep_ == "poss":
        owned = head.head
    elif head.dep_ == "pobj" and head.head.lower_ == "of" and head.head.head.pos_ == "NOUN":
        owned = head.head.head
    if owned is None:
        return []
    out = [t for t in owned.lefts if t.dep_ in ("amod", "compound")] + [owned]
    if owned.dep_ in ("nsubj", "nsubjpass"):
        own = {t.i for t in owned.subtree}
        out += [t for t in owned.head.subtree if t.i not in own]
    elif owned.dep_ in ("attr", "dobj", "pobj"):
        out.append(owned.head)
    return out


def _subordinate(tok: Token) -> bool:
    """In an adverbial clause of the reported clause ("..., after thousands demonstrated"),
    which says what happened, not what the speaker says of someone."""
    cur = tok
    while cur.head.i != cur.i:
        if cur.dep_ == "advcl":
            return True
        if cur.dep_ in _CLAUSE_DEPS:
            return False
        cur = cur.head
    return False


def _modal(verb: Token) -> str | None:
    aux = {c.lower_ for c in verb.children if c.dep_ == "aux"}
    if aux & _DEMAND_MODALS or (verb.dep_ == "xcomp" and verb.head.lemma_ == "have"):
        return "100"
    if aux & _APPEAL_MODALS:
        return "020"
    return None


def _judged(clause: list[Token], speakers: list[Actor], ents: DocEntities,
            ctx: Context) -> tuple[str | None, list[Actor]]:
    """The clause's verdict on an actor it names other than the speaker: (code, actors)."""
    keys = {a.key for a in speakers}
    spans = [(a.start_char, a.end_char) for a in speakers]
    in_clause = {t.i for t in clause}
    about: list[Actor] = []
    best: tuple[float, str, list[Actor]] | None = None
    heads = [t for t in clause if t.pos_ in ("NOUN", "PROPN", "PRON") and t.dep_ in (
        "nsubj", "nsubjpass", "poss", "pobj", "dobj", "attr", "conj") and not _subordinate(t)]
    for head in heads:
        if head.lower_ in _SELF or any(s <= head.idx < e for s, e in spans):
            continue
        if not (head.ent_type_ or head.pos_ != "NOUN" or role_of(head)):
            continue  # a common noun that names no role is no actor: not worth resolving
        # "Y and Z were trying to ...": the judgement is of every conjunct.
        group = [head, *conjuncts(head)] if head.dep_ in ("nsubj", "nsubjpass") else [head]
        found, _ = actors(group, ents, ctx, head.doc)
        found = [a for a in found if a.key not in keys and a.role != "MED"]
        if not found:
            continue
        if _attributed(head) and head.head.i in in_clause:
            return "112", found
        if head.dep_ in ("nsubj", "nsubjpass") and head.head.i in in_clause and (
                modal := _modal(head.head)):
            return modal, found
        about = about or found
        score = valence([t for t in _scope(head) if t.i in in_clause])
        doer = head.dep_ == "nsubj"
        if score <= NEGATIVE and (best is None or score < best[0]):
            best = (score, "112" if doer else "111", found)
    if best is not None:
        return best[1], best[2]
    return None, about


def _characterisation(verb: Token, speakers: list[Actor], ents: DocEntities,
                      ctx: Context) -> tuple[str, list[Actor]] | None:
    """"X called Y reckless": (111 or 051, Y's actors) when the verb has a predicate."""
    objs = children(verb, "dobj")
    preds = children(verb, "oprd", "xcomp", "ccomp", "acomp")
    preds += [p for prep in children(verb, "prep") if prep.lower_ == "as"
              for p in children(prep, "pobj")]
    preds += [p for o in objs for prep in children(o, "prep") if prep.lower_ == "as"
              for p in children(prep, "pobj")]
    if not (objs or _merged_object(verb)) or not preds:
        return None
    score = valence([t for p in preds for t in p.subtree])
    if NEGATIVE < score < POSITIVE:
        return None
    if not objs:
        return ("111", []) if score <= NEGATIVE else None  # what was judged names no actor
    obj = objs[0]
    found, _ = actors([obj], ents, ctx, verb.doc)
    if not found:
        owners = children(obj, "poss") + [p for prep in children(obj, "prep")
                                          if prep.lower_ == "of" for p in children(prep, "pobj")]
        found, _ = actors(owners, ents, ctx, verb.doc) if owners else ([], False)
    keys = {a.key for a in speakers}
    found = [a for a in found if a.key not in keys]
    if score >= POSITIVE and not found:
        return None
    return ("111" if score <= NEGATIVE else "051"), found


def _others(about: list[Actor], speakers: list[Actor]) -> list[Actor]:
    """What a neutral statement is about, less the speaker's own country named bare ("the
    Chinese system" in a Chinese outlet's words): that is no interaction."""
    own = {(a.country, a.role) for a in speakers}
    countries = {a.country for a in speakers}
    return [a for a in about if (a.country, a.role) not in own
            and not (a.country in countries and a.role is None)]


def _merged_object(verb: Token) -> bool:
    """"called the climb-down shameful" parsed with the object inside the predicate (the
    adjective heads "the climb-down"): the predicate has a determiner of its own."""
    return any(c.dep_ == "det" for p in children(verb, "oprd", "acomp") for c in p.children
               if p.pos_ == "ADJ")


def is_characterisation(verb: Token) -> bool:
    """"called the plan reckless" is a judgement, not an appeal or a phone call."""
    if verb.lemma_.lower() not in _CHARACTERISE:
        return False
    return bool(children(verb, "dobj") or _merged_object(verb)) and bool(
        children(verb, "oprd", "xcomp", "ccomp", "acomp") or any(
            prep.lower_ == "as" for t in (verb, *children(verb, "dobj"))
            for prep in children(t, "prep")))


def statements(sent: Span, coded: dict[int, tuple[str, list[Actor]]], ents: DocEntities,
               ctx: Context) -> tuple[list[tuple[Token, str, list[Actor], list[Actor]]],
                                      set[int]]:
    """(verb, code, speakers, targets) of the sentence's speech acts, and the coded acts that
    are the speaker's allegation rather than a reported fact. ``coded``: trigger index -> (code,
    sources) of the acts the event coder coded. A clause reporting a material act (military
    force, coercion, protest, cooperation) reports a fact; one reporting a verbal or diplomatic
    conflict (roots 11-16) by another country's actor ("Y was undermining the talks") is the
    speaker's accusation of Y (112), and Y's act is not coded."""
    out = []
    alleged: set[int] = set()
    speaking = {v.i for v in reporting_verbs(sent) if speaker_heads(v)}
    for verb in sent:
        lemma = verb.lemma_.lower()
        if verb.pos_ not in ("VERB", "AUX"):
            continue
        if lemma in _CHARACTERISE and is_characterisation(verb):
            heads = speaker_heads(verb)
            speakers, _ = actors(heads, ents, ctx, sent.doc) if heads else ([], False)
            if speakers and (judged := _characterisation(verb, speakers, ents, ctx)):
                out.append((verb, judged[0], speakers, judged[1]))
            continue
        if not (lexicon().modifiers.get(lemma) == "SAY" or lemma in _STANCE | _ADDRESS):
            continue
        if _embedded(verb, speaking):
            continue
        heads = speaker_heads(verb)
        speakers, _ = actors(heads, ents, ctx, sent.doc) if heads else ([], False)
        if not speakers:
            continue
        clause = clause_of(verb)
        reported = [t.i for t in _main_predicates(verb, clause) if t.i in coded]
        if reported:
            countries = {a.country for a in speakers}
            # An outlet or witnesses ("the Post said", "residents said") report what happened;
            # only a party's own words about another country are its allegation.
            witness = all(a.role in _WITNESSES for a in speakers)
            accused = [a for i in reported for a in coded[i][1]
                       if "11" <= coded[i][0][:2] <= "16" and a.country and None not in countries
                       and a.country not in countries and not witness]
            if accused and len(accused) == sum(len(coded[i][1]) for i in reported):
                alleged.update(reported)
                out.append((verb, "112", speakers, accused))
            continue
        addressed = _addressees(verb, ents, ctx)
        code, about = _judged(clause, speakers, ents, ctx) if clause else (None, [])
        if code is not None:
            out.append((verb, code, speakers, about))
        elif addressed or (about := _others(about, speakers)):
            out.append((verb, "010", speakers, addressed or about))
    return out, alleged
