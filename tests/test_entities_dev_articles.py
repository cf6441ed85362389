"""marts.entities on 40 real political articles (news-events-gold dev, read in place from the
shared corpora): the rules of issue 16 asserted on the warehouse a run loads."""

from __future__ import annotations

import duckdb
import pytest
from conftest import CORPORA, make_settings, run_library

from wirehouse.core.settings import Settings
from wirehouse.extract.countries import place_for

ARTICLES = CORPORA / "news-events-gold" / "dev_articles.jsonl"
pytestmark = pytest.mark.skipif(not ARTICLES.exists(), reason="shared corpora not available")
TITLES = ("mr ", "mrs ", "ms ", "dr ", "president ", "chancellor ", "sir ")


@pytest.fixture(scope="module")
def marts(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    settings: Settings = make_settings(tmp_path_factory.mktemp("dev_articles"))
    run_library(settings, [str(ARTICLES)])
    con = duckdb.connect(settings.warehouse, read_only=True)
    try:
        cur = con.execute("SELECT * FROM marts.entities")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def test_igos_have_a_code_and_no_country(marts: list[dict[str, object]]) -> None:
    igos = [r for r in marts if str(r["actor_code"] or "").startswith("IGO")]
    assert {"European Union", "United Nations"} <= {str(r["name"]) for r in igos}
    assert [r["name"] for r in igos if r["country_iso3"]] == []


def test_cities_have_their_gazetteer_country(marts: list[dict[str, object]]) -> None:
    checked = 0
    for r in marts:
        place = place_for(str(r["name"])) if r["entity_type"] == "GPE" else None
        if place is not None and place.kind in ("city", "state"):
            assert r["country_iso3"] == place.iso3, r
            checked += 1
    assert checked >= 10


def test_each_much_mentioned_person_is_one_entity(marts: list[dict[str, object]]) -> None:
    people = [r for r in marts if r["entity_type"] == "PERSON"]
    assert not [r["name"] for r in people if str(r["name"]).lower().startswith(TITLES)]
    names = {str(r["name"]) for r in people}
    for r in people:
        words = str(r["name"]).split()
        if int(r["num_mentions"]) < 5 or len(words) < 2:  # type: ignore[call-overload]
            continue
        # No separate entity for the surname alone, unless two people named in full share it.
        sharing = [n for n in names if n != r["name"] and n.split()[-1] == words[-1]
                   and len(n.split()) > 1]
        if not sharing:
            assert words[-1] not in names, f"{r['name']} split from {words[-1]}"


def test_no_dateline_city_is_an_entity(marts: list[dict[str, object]]) -> None:
    # The TASS articles open "MOSCOW, March 29. /TASS/.": no entity is named in capitals so.
    assert not [r["name"] for r in marts if str(r["name"]).isupper()
                and r["entity_type"] == "GPE" and len(str(r["name"])) > 3]
