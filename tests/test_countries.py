from __future__ import annotations

import csv
from pathlib import Path

import pycountry
import pytest

from wirehouse.extract.countries import (
    Place,
    country_for,
    country_name,
    load_countries,
    place_for,
)

REFERENCE = Path(__file__).resolve().parent.parent / "seeds" / "reference"


def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        ("China", "CHN"), ("Chinese", "CHN"), ("Beijing", "CHN"),
        ("Venezuela", "VEN"), ("Venezuelan", "VEN"), ("Venezuelans", "VEN"), ("Caracas", "VEN"),
        ("Cuba", "CUB"), ("Cuban", "CUB"), ("Havana", "CUB"),
        ("U.S.", "USA"), ("US", "USA"), ("United States", "USA"), ("the United States", "USA"),
        ("America", "USA"), ("American", "USA"), ("Americans", "USA"), ("Washington", "USA"),
        ("Britain", "GBR"), ("British", "GBR"), ("UK", "GBR"), ("U.K.", "GBR"),
        ("Russia", "RUS"), ("Russian", "RUS"), ("Moscow", "RUS"),
        ("Iranian", "IRN"), ("Israeli", "ISR"), ("Palestinian", "PSE"), ("Ukrainian", "UKR"),
        ("Saudi", "SAU"), ("Emirati", "ARE"), ("Turkish", "TUR"), ("Syrian", "SYR"),
        ("Iraqi", "IRQ"), ("Afghan", "AFG"), ("Pakistani", "PAK"), ("Indian", "IND"),
        ("North Korean", "PRK"), ("South Korean", "KOR"),
        ("Iran", "IRN"), ("Syria", "SYR"), ("South Korea", "KOR"), ("North Korea", "PRK"),
        ("Taiwan", "TWN"), ("Vietnam", "VNM"), ("Bolivia", "BOL"), ("Tanzania", "TZA"),
        ("Laos", "LAO"), ("Moldova", "MDA"), ("Czech Republic", "CZE"),
        ("Ivory Coast", "CIV"), ("Holland", "NLD"), ("Burma", "MMR"),
    ],
)
def test_country_for_examples(text: str, iso3: str) -> None:
    assert country_for(text) == iso3


@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        ("the U.S.", "USA"), ("the UK", "GBR"), ("the Netherlands", "NLD"),
        ("CHINA", "CHN"), ("china", "CHN"), ("venezuelan", "VEN"),
        ("America's", "USA"), ("China\u2019s", "CHN"),
        ("Bogota", "COL"), ("Bogotá", "COL"), ("Côte d\u2019Ivoire", "CIV"),
        ("Guinea Bissau", "GNB"), ("Guinea-Bissau", "GNB"),
        ("The Hague", "NLD"), ("Kiev", "UKR"), ("Bombay", "IND"), ("New York", "USA"),
        ("Odessa", "UKR"),  # Ukraine's Odesa, not the larger-by-name Texas town
        ("Mexico", "MEX"),  # country beats any same-named city
        ("Vaduz", "LIE"),  # capitals too small for the 15k city table still resolve
    ],
)
def test_country_for_variants(text: str, iso3: str) -> None:
    assert country_for(text) == iso3


@pytest.mark.parametrize(
    "text",
    ["us", "Us", "uk", "", "   ", "the", "foo", "Quxland", "Americas", "Korean", "EU",
     "Roma", "Ho Chi Minh"],
)
def test_unknown_or_unsafe_is_none(text: str) -> None:
    assert country_for(text) is None
    assert place_for(text) is None


def test_ambiguous_city_prefers_most_populous() -> None:
    assert country_for("Hyderabad") == "IND"  # not Pakistan's Hyderabad
    assert country_for("Tripoli") == "LBY"  # not Lebanon's Tripoli


def test_place_for_beijing() -> None:
    place = place_for("Beijing")
    assert place is not None
    assert place.iso3 == "CHN"
    assert place.kind == "city"
    assert place.lat == pytest.approx(39.9, abs=0.1)
    assert place.lon == pytest.approx(116.4, abs=0.1)


def test_place_for_havana_and_country() -> None:
    havana = place_for("Havana")
    assert havana is not None and havana.iso3 == "CUB" and havana.kind == "city"
    venezuelan = place_for("Venezuelan")
    assert venezuelan == place_for("Venezuela")
    assert isinstance(venezuelan, Place)
    assert venezuelan.name == "Venezuela" and venezuelan.kind == "country"
    assert venezuelan.lat is not None and venezuelan.lon is not None


def test_place_is_frozen() -> None:
    place = place_for("China")
    assert place is not None
    with pytest.raises(AttributeError):
        place.iso3 = "XXX"  # type: ignore[misc]


def test_country_name() -> None:
    assert country_name("CHN") == "China"
    assert country_name("usa") == "United States"
    assert country_name("RUS") == "Russia"
    assert country_name("XXX") is None


def test_load_countries_matches_pycountry() -> None:
    rows = load_countries()
    assert {r["iso3"] for r in rows} == {c.alpha_3 for c in pycountry.countries}
    regions = {"Africa", "Asia", "Europe", "North America", "South America", "Oceania",
               "Antarctica"}
    for row in rows:
        assert row["region"] in regions, row
        country = pycountry.countries.get(alpha_3=row["iso3"])
        assert country is not None and country.alpha_2 == row["iso2"]
        assert len(row["numeric"]) == 3
    rows[0]["name"] = "mutated"  # the cached copy must not change
    assert load_countries()[0]["name"] != "mutated"


def test_every_demonym_maps_to_a_real_country() -> None:
    rows = _rows("demonyms.csv")
    assert len(rows) > 300
    for row in rows:
        assert pycountry.countries.get(alpha_3=row["iso3"]) is not None, row
        assert country_for(row["demonym"]) == row["iso3"], row


def test_every_alias_maps_to_a_real_country() -> None:
    for row in _rows("country_aliases.csv"):
        assert pycountry.countries.get(alpha_3=row["iso3"]) is not None, row
        assert country_for(row["alias"]) == row["iso3"], row
