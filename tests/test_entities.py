"""Entities of the seed document against the reviewed golden file, and offset properties."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SEED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirehouse.core.documents import RawDocument
from wirehouse.core.settings import Settings
from wirehouse.extract.entities import DocEntities, extract_entities
from wirehouse.extract.nlp import load_pipeline
from wirehouse.ingest.formats.text import read_text

GOLDEN = Path(__file__).parent / "golden" / "seed_entities.json"


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    s = Settings.from_env({})
    return load_pipeline(s.model, s.reference_dir)


@pytest.fixture(scope="module")
def seed_entities(nlp) -> tuple[RawDocument, DocEntities]:  # type: ignore[no-untyped-def]
    doc = next(read_text(str(SEED), SEED.read_bytes(), {}))
    assert isinstance(doc, RawDocument)
    return doc, extract_entities(nlp(doc.body), doc.doc_id)


def golden_view(doc: RawDocument, ents: DocEntities) -> dict[str, object]:
    entities = []
    for e in sorted(ents.entities.values(), key=lambda e: (e.first_start_char, e.entity_id)):
        entities.append({
            "entity_id": e.entity_id, "type": e.entity_type, "name": e.name,
            "country": e.country_iso3, "role": e.role,
            "mentions": [[m.start_char, m.end_char, m.text, m.label]
                         for m in ents.mentions if m.entity_id == e.entity_id],
        })
    values = [[m.start_char, m.end_char, m.text, m.label] for m in ents.mentions
              if m.entity_id is None]
    return {"doc_id": doc.doc_id, "entities": entities, "values": values}


def test_golden_file(seed_entities: tuple[RawDocument, DocEntities]) -> None:
    got = golden_view(*seed_entities)
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert got == expected, "seed entities drifted from tests/golden/seed_entities.json"


REQUIRED = [
    ("Nicolás Maduro", "PERSON", "VEN"), ("Zhao Bentang", "PERSON", "CHN"),
    ("Li Baorong", "PERSON", "CHN"), ("Raúl Castro", "PERSON", "CUB"),
    ("Miao Hua", "PERSON", "CHN"), ("Marco Rubio", "PERSON", "USA"),
    ("Juan Guaidó", "PERSON", "VEN"), ("China", "GPE", "CHN"), ("Venezuela", "GPE", "VEN"),
    ("Cuba", "GPE", "CUB"), ("Beijing", "GPE", "CHN"), ("VTV", "ORG", None),
    ("Granma", "ORG", None), ("Global Times", "ORG", None),
]


@pytest.mark.parametrize(("name", "etype", "country"), REQUIRED)
def test_required_entities(seed_entities: tuple[RawDocument, DocEntities], name: str,
                           etype: str, country: str | None) -> None:
    _, ents = seed_entities
    found = [e for e in ents.entities.values() if e.name == name]
    assert len(found) == 1, f"{name}: {found}"
    assert found[0].entity_type == etype
    if country:
        assert found[0].country_iso3 == country


def test_within_document_resolution(seed_entities: tuple[RawDocument, DocEntities]) -> None:
    doc, ents = seed_entities
    by_text: dict[str, set[str]] = {}
    for m in ents.mentions:
        if m.entity_id:
            by_text.setdefault(m.text, set()).add(m.entity_id)
    maduro = next(e for e in ents.entities.values() if e.name == "Nicolás Maduro")
    assert by_text["Maduro"] == {maduro.entity_id}  # "Maduro regime" included
    china = next(e for e in ents.entities.values() if e.name == "China")
    assert by_text["Chinese"] == by_text["China"] == {china.entity_id}


SENTENCES = [
    "Venezuelan dictator Nicolás Maduro met Chinese official Zhao Bentang in Caracas.",
    "The Global Times said China would keep supporting Cuba.",
    "Sen. Marco Rubio told reporters in Washington that Russia was to blame.",
    "Admiral Miao Hua, a Chinese military representative, visited Havana on Thursday.",
    "Über 71 tons of medicine arrived from Beijing — “a gift,” Li Baorong said.",
]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6),
       st.sampled_from([" ", "  ", "\n", "\n\n", " \t "]))
def test_offsets_slice_the_text(nlp, sentences: list[str], sep: str) -> None:  # type: ignore[no-untyped-def]
    text = sep.join(sentences)
    ents = extract_entities(nlp(text), "prop")
    n_sents = len(list(nlp(text).sents))
    for m in ents.mentions:
        assert text[m.start_char:m.end_char] == m.text
        assert 0 <= m.sentence_index < n_sents
        if m.entity_id:
            assert m.entity_id in ents.entities
