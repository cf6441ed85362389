"""Who a name is on a given day: the project's actor lexicon first, then the Phoenix actor
tables that wirehouse.extract.dictionaries.actors derives from PETRARCH2 (MIT).

``lookup_actor("Obama", date(2016, 5, 1))`` is USAGOV (Phoenix lists "OBAMA" with his term).
The lexicon comes first because it is kept current: Phoenix's dates end around 2015, so it still
codes later office holders by their old posts. Names are matched whole, ignoring case, accents,
dots, hyphens and a leading "the"; names of three letters or fewer ("UN", "EU", "US", "WHO")
only as written in capitals, since in lower case they are words.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from wirehouse.core.cache import cached, file_digests, json_codec
from wirehouse.core.reference import folder, per_folder, read_reference_csv
from wirehouse.extract.dictionaries.actors import NULL_CODE, CodeSpan

PHOENIX = "petrarch2"  # folder of the derived tables inside the reference folder

# CAMEO country codes that are not ISO 3166 alpha-3 (East Timor); historical states
# (USSR, Yugoslavia, East Germany, ...) and regions have no country today.
_CAMEO_COUNTRY = {"TMP": "TLS"}


@dataclass(frozen=True)
class ActorMatch:
    name: str  # the entry's name as the lexicon or the dictionary writes it
    code: str | None  # CAMEO actor code in force on the day (USAGOV, IGOUNO, AFG); None: none
    country: str | None  # ISO 3166 alpha-3; None for IGOs, NGOs, groups across borders
    role: str | None  # first role of the code (GOV, MIL, IGO, NGO, REB, ...)
    source: str  # "lexicon" or the Phoenix dictionary ("countries", "international", ...)
    actor_id: str  # lexicon line or Phoenix dictionary and line ("countries:51057")
    # "person"/"org" from the lexicon; "place" for a Phoenix country entry (its names are the
    # country's, its cities' and its people's); "office" for a Phoenix entry coded by dates
    # (office holders, nearly all people); None otherwise.
    kind: str | None = None
    # The name all of this entry's names stand for: the lexicon's "same_as" ("UN" -> "United
    # Nations"), else its name; Phoenix: the entry's first name.
    canonical: str = ""


def fold(text: str) -> str:
    """Lookup key: case, accents, dots, hyphens/underscores and a leading "the" do not count."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
        text = "".join(c for c in text if not unicodedata.combining(c))
    words = text.casefold().replace("-", " ").replace("_", " ").replace(".", "").split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def _acronym(name: str, longest: int) -> str | None:
    """"UN", "U.N." and "the UN" as the capitals they are ("UN"); None for other names."""
    core = name.strip()
    if core[:4].lower() == "the ":
        core = core[4:]
    core = core.replace(".", "")
    return core if len(core) <= longest and core.isalpha() and core.isupper() else None


@per_folder()
def _iso3() -> frozenset[str]:
    return frozenset(row["iso3"] for row in read_reference_csv("countries.csv"))


def split_code(code: str | None) -> tuple[str | None, str | None]:
    """(country, role) of a CAMEO actor code: USAGOV -> (USA, GOV), IGOUNO -> (None, IGO),
    AFG -> (AFG, None)."""
    if not code:
        return None, None
    head = code[:3]
    country = _CAMEO_COUNTRY.get(head, head if head in _iso3() else None)
    if country is not None:
        return country, code[3:6] or None
    return None, head


@dataclass(frozen=True)
class _Phoenix:
    folded: dict[str, list[str]]  # folded name -> actor ids
    exact: dict[str, list[str]]  # short acronym as written -> actor ids
    codes: dict[str, list[CodeSpan]]  # actor id -> codes in dictionary order
    names: list[tuple[str, str]]  # (name, actor id) in dictionary order
    primary: dict[str, str]  # actor id -> its first name
    kinds: dict[str, str | None]  # actor id -> "office", "place" or None (see ActorMatch)


def derived_from() -> list[Path]:
    """The files the lookup's tables are built from (this module's callers cache what they
    derive from them under these files' digests)."""
    root = Path(folder())
    return [Path(__file__), root / "actor_lexicon.csv", root / "countries.csv",
            root / PHOENIX / "actor_names.csv", root / PHOENIX / "actor_codes.csv"]


@per_folder()
def _phoenix() -> _Phoenix:
    """Built once per process, from the cache when kept (35,000 names: ~1 s to build)."""
    return cached("phoenix-actors", file_digests(derived_from()), _build_phoenix,
                  json_codec(_dump_phoenix, _load_phoenix))


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _dump_phoenix(tables: _Phoenix) -> dict[str, Any]:
    def span(s: CodeSpan) -> list[str | None]:
        return [s.code, _iso(s.date_from), _iso(s.date_to)]

    return {"folded": tables.folded, "exact": tables.exact, "names": tables.names,
            "codes": {actor: [span(s) for s in spans] for actor, spans in tables.codes.items()},
            "primary": tables.primary, "kinds": tables.kinds}


def _load_phoenix(data: dict[str, Any]) -> _Phoenix:
    codes = {actor: [CodeSpan(code, _day(start), _day(end)) for code, start, end in spans]
             for actor, spans in data["codes"].items()}
    return _Phoenix(data["folded"], data["exact"], codes,
                    [(name, actor) for name, actor in data["names"]], data["primary"],
                    data["kinds"])


def _build_phoenix() -> _Phoenix:
    folded: dict[str, list[str]] = defaultdict(list)
    exact: dict[str, list[str]] = defaultdict(list)
    names = [(r["name"], r["actor_id"]) for r in read_reference_csv(f"{PHOENIX}/actor_names.csv")]
    for name, actor in names:
        # Phoenix writes every name in capitals: only the shortest are taken as acronyms.
        acronym = _acronym(name, 3)
        (exact[acronym] if acronym else folded[fold(name)]).append(actor)
    codes: dict[str, list[CodeSpan]] = defaultdict(list)
    for row in read_reference_csv(f"{PHOENIX}/actor_codes.csv"):
        codes[row["actor_id"]].append(CodeSpan(
            None if row["code"] == NULL_CODE else row["code"],
            date.fromisoformat(row["date_from"]) if row["date_from"] else None,
            date.fromisoformat(row["date_to"]) if row["date_to"] else None))
    primary: dict[str, str] = {}
    for name, actor in names:
        primary.setdefault(actor, name)
    kinds = {actor: _kind(spans) for actor, spans in codes.items()}
    return _Phoenix(dict(folded), dict(exact), dict(codes), names, primary, kinds)


@dataclass(frozen=True)
class _Lexicon:
    folded: dict[str, ActorMatch]
    exact: dict[str, ActorMatch]
    surnames: dict[str, ActorMatch]  # last word of exactly one person of the lexicon


@per_folder()
def _lexicon() -> _Lexicon:
    folded: dict[str, ActorMatch] = {}
    exact: dict[str, ActorMatch] = {}
    by_surname: dict[str, list[ActorMatch]] = defaultdict(list)
    for number, row in enumerate(read_reference_csv("actor_lexicon.csv"), start=2):
        name = row["name"].strip()
        country, role = row["country"] or None, row["role"] or None
        match = ActorMatch(name, (country or "") + (role or "") or None, country, role,
                           "lexicon", f"lexicon:{number}", row.get("kind") or None,
                           (row.get("same_as") or "").strip() or name)
        if acronym := _acronym(name, 5):
            exact.setdefault(acronym, match)
        else:
            folded.setdefault(fold(name), match)
        if match.kind == "person" and len(name.split()) > 1:
            by_surname[fold(name).split()[-1]].append(match)
    surnames = {s: ms[0] for s, ms in by_surname.items()
                if len({m.name for m in ms}) == 1 and s not in folded}
    return _Lexicon(folded, exact, surnames)


def code_on(spans: list[CodeSpan], on: date | None) -> CodeSpan | None:
    """The code in force on ``on``: the first restriction that holds, else the default. With
    no date: the default, else the restriction that started last (an office held "since")."""
    if on is not None:
        for span in spans:
            if not span.is_default and span.applies(on):
                return span
    for span in spans:
        if span.is_default:
            return span
    if on is None:
        dated = [s for s in spans if s.date_from is not None]
        return max(dated, key=lambda s: s.date_from or date.min) if dated else None
    return None


def _kind(spans: list[CodeSpan]) -> str | None:
    if any(not s.is_default for s in spans):
        return "office"
    if spans and all(s.code and len(s.code) == 3 and split_code(s.code)[0] for s in spans):
        return "place"
    return None


def _phoenix_match(text: str, on: date | None) -> ActorMatch | None:
    table = _phoenix()
    acronym = _acronym(text, 3)
    ids = (table.exact.get(acronym) if acronym else table.folded.get(fold(text))) or []
    found: list[tuple[int, str, CodeSpan | None]] = []
    for actor in ids:
        span = code_on(table.codes.get(actor, []), on)
        # A restriction that holds on the day is better evidence than a default.
        found.append((0 if span is not None and not span.is_default else 1, actor, span))
    if not found:
        return None
    found.sort(key=lambda f: f[0])
    best = [f for f in found if f[0] == found[0][0]]
    if len({split_code(f[2].code if f[2] else None)[0] for f in best}) > 1:
        return None  # entries of different countries share the name: no guess
    _, actor, span = best[0]
    code = span.code if span else None
    country, role = split_code(code)
    spans = table.codes.get(actor, [])
    if code is None:
        # Out of office on the day: a person's country does not end with the term.
        known = {split_code(s.code)[0] for s in spans if s.code}
        country = known.pop() if len(known) == 1 else None
    return ActorMatch(table.primary[actor], code, country, role, actor.split(":")[0], actor,
                      table.kinds.get(actor), table.primary[actor])


def lookup_actor(text: str, on: date | None = None) -> ActorMatch | None:
    """The actor a whole name denotes on ``on`` (the article's publication date)."""
    lexicon = _lexicon()
    acronym = _acronym(text, 5)
    mine = lexicon.exact.get(acronym) if acronym else lexicon.folded.get(fold(text))
    theirs = _phoenix_match(text, on)
    if mine is None:
        return theirs
    if (theirs is not None and theirs.code and mine.country is None and mine.code
            and theirs.code.startswith(mine.code)):
        # The lexicon says what, the dictionary says which (IGO -> IGOUNO, IMG -> IMGMUSISI).
        return ActorMatch(mine.name, theirs.code, None, mine.role, "lexicon", mine.actor_id,
                          mine.kind, mine.canonical)
    return mine


def lexicon_person(surname: str) -> ActorMatch | None:
    """The one person of the lexicon whose name ends in ``surname`` ("Trump"); None when none
    or several do, or when the word is a name of its own in the lexicon."""
    return _lexicon().surnames.get(fold(surname))


def phoenix_names(office_only: bool = False) -> list[str]:
    """Every Phoenix name, in capitals as written there; ``office_only``: names of entries
    coded by dates (office holders)."""
    table = _phoenix()
    return [n for n, actor in table.names
            if not office_only or table.kinds.get(actor) == "office"]


def phoenix_org_names() -> list[str]:
    """Names of the international and armed-group entries that are not coded by dates, and of
    country entries coded with a role (agencies, forces: GCHQ is GBRSPY)."""
    table = _phoenix()
    out = []
    for name, actor in table.names:
        spans = table.codes.get(actor, [])
        if table.kinds.get(actor) is not None or not spans:
            continue
        if actor.startswith("countries:") and not all(s.code and len(s.code) > 3 for s in spans):
            continue
        out.append(name)
    return out
