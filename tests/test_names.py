"""Names around spaCy's NER (wirehouse.extract.ruler) and entity resolution on them, with the
real model, on sentences written here."""

from __future__ import annotations

from datetime import date

import pytest

from wirehouse.core.settings import Settings
from wirehouse.extract.entities import DocEntities, extract_entities
from wirehouse.extract.nlp import load_pipeline


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    s = Settings.from_env({})
    return load_pipeline(s.model, s.reference_dir)


def ents(nlp, text: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {e.text: e.label_ for e in nlp(text).ents}


def resolve(nlp, text: str, day: date | None = None) -> DocEntities:  # type: ignore[no-untyped-def]
    return extract_entities(nlp(text), "t", day)


def test_titles_leave_person_names(nlp) -> None:  # type: ignore[no-untyped-def]
    found = ents(nlp, "Mrs Okonkwo told reporters that Dr Haldane would resign. "
                      "Sir Edmund Blackadder declined to comment.")
    assert found.get("Okonkwo") == "PERSON" and found.get("Haldane") == "PERSON"
    assert found.get("Edmund Blackadder") == "PERSON"
    assert not any(t.startswith(("Mrs", "Dr", "Sir")) for t in found)


def test_junk_is_dropped(nlp) -> None:  # type: ignore[no-untyped-def]
    found = ents(nlp, "The Government said the Ayatollah would speak. Officials in Lagos agreed.")
    assert "Government" not in found and "Ayatollah" not in found


def test_dateline_city_is_no_entity(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp("NAIROBI, March 3 (Reuters) - Kenya's parliament met in Nairobi on Tuesday.")
    assert [(e.text, e.start_char) for e in doc.ents if e.text.upper() == "NAIROBI"] == [
        ("Nairobi", doc.text.index("Nairobi"))]


def test_acronym_defined_in_the_text(nlp) -> None:  # type: ignore[no-untyped-def]
    found = ents(nlp, "The Coastal Fisheries Authority (CFA) fined the trawler. "
                      "Later the CFA doubled the fine.")
    assert found.get("CFA") == "ORG"


def test_exits_are_events_not_people(nlp) -> None:  # type: ignore[no-untyped-def]
    found = ents(nlp, "Brexit dominated the debate, and Grexit fears returned.")
    assert found.get("Brexit") == "EVENT"


def test_a_known_place_typed_person_is_a_place(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = resolve(nlp, "Glasgow voted heavily against the plan, unlike Aberdeen.")
    glasgow = [e for e in doc.entities.values() if e.name == "Glasgow"]
    assert glasgow and glasgow[0].entity_type == "GPE" and glasgow[0].country_iso3 == "GBR"


def test_one_person_one_entity(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = resolve(nlp, "Chancellor Angela Merkel arrived on Monday. Mrs Merkel said the talks "
                       "went well, and the Merkel government agreed.", date(2010, 5, 1))
    merkel = [e for e in doc.entities.values() if "Merkel" in e.name]
    assert len(merkel) == 1
    assert merkel[0].entity_type == "PERSON" and merkel[0].country_iso3 == "DEU"
    assert merkel[0].actor_code == "DEUGOV" and merkel[0].num_mentions == 3


def test_two_people_sharing_a_name_keep_the_short_form_apart(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = resolve(nlp, "Park Min-jun met Park Ji-woo in Seoul on Friday. Park said nothing.")
    people = {e.name: e for e in doc.entities.values() if e.entity_type == "PERSON"}
    assert "Park Min-jun" in people and "Park Ji-woo" in people
    short = [m for m in doc.mentions if m.text == "Park"]
    assert short and all(m.entity_id not in (people["Park Min-jun"].entity_id,
                                             people["Park Ji-woo"].entity_id) for m in short)


def test_igos_have_no_country(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = resolve(nlp, "Turkish officials criticised the EU. The European Union said Ankara "
                       "must respect the UN charter.", date(2017, 3, 1))
    eu = [e for e in doc.entities.values() if e.actor_code and e.actor_code.startswith("IGOEU")]
    assert len(eu) == 1 and eu[0].country_iso3 is None  # "EU" and "European Union" are one
    un = [e for e in doc.entities.values() if e.actor_code == "IGOUNO"]
    assert un and un[0].country_iso3 is None


def test_a_person_the_text_ties_to_an_igo(nlp) -> None:  # type: ignore[no-untyped-def]
    # Phoenix's dates end before his term: the text's "European Commission chief" decides.
    doc = resolve(nlp, "European Commission chief Jean-Claude Juncker warned Ankara.",
                  date(2017, 3, 19))
    juncker = [e for e in doc.entities.values() if e.name.endswith("Juncker")]
    assert juncker and juncker[0].country_iso3 is None
    assert (juncker[0].actor_code or "").startswith("IGOEU")


def test_cities_get_the_gazetteers_country(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = resolve(nlp, "Protesters marched in Houston and Westminster while Texas officials "
                       "met Chinese diplomats in Lyon.")
    by_name = {e.name: e.country_iso3 for e in doc.entities.values()}
    assert by_name.get("Houston") == "USA" and by_name.get("Westminster") == "GBR"
    assert by_name.get("Texas") == "USA" and by_name.get("Lyon") == "FRA"
