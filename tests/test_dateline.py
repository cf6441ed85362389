"""Wire datelines: the date a plain-text article gets from one, and what counts as one."""

from __future__ import annotations

from datetime import UTC, date, datetime

from wirehouse.core.documents import RawDocument
from wirehouse.ingest.dateline import dateline_published, read_dateline
from wirehouse.ingest.formats.text import read_text

NOW = datetime(2021, 4, 1, tzinfo=UTC)


def test_dated_datelines() -> None:
    cases = {
        "QUITO, Jan 14 (Reuters) - Ecuador's government said": date(2021, 1, 14),
        "LIMA, Peru, December 2, 2019 (AP) -- Congress voted": date(2019, 12, 2),
        "OSLO, March 9. /TASS/. Norway's foreign ministry": date(2021, 3, 9),
        # A month and day after the moment of reading are last year's.
        "NAIROBI, Nov. 30 - Kenya's parliament": date(2020, 11, 30),
    }
    for text, day in cases.items():
        found = read_dateline(text, NOW)
        assert found is not None and found.day == day, text
    assert read_dateline("SAN JOSE, Costa Rica, Feb 3 (Reuters) - x", NOW).city == "SAN JOSE"  # type: ignore[union-attr]


def test_datelines_without_a_date_and_non_datelines() -> None:
    city = read_dateline("HANOI - Vietnam's leaders met", NOW)
    assert city is not None and city.city == "HANOI" and city.day is None
    assert read_dateline("ROME, Italy - The senate", NOW).end == len("ROME, Italy -")  # type: ignore[union-attr]
    for text in ("NATO allies met in Brussels", "UN envoy says talks resume",
                 "Officials in QUITO said", "US President spoke", "ABC News reported"):
        assert read_dateline(text, NOW) is None, text
    assert dateline_published("NATO said on Monday", NOW) is None


def test_text_reader_takes_the_dateline_date_only_without_a_sidecar_date() -> None:
    data = b"Headline\n\nQUITO, Jan 14, 2021 (Reuters) - Ecuador's government said on Thursday."
    doc = next(read_text("a.txt", data, {}))
    assert isinstance(doc, RawDocument)
    assert doc.published_at == datetime(2021, 1, 14, tzinfo=UTC)
    doc = next(read_text("a.txt", data, {"published_at": "2021-01-15T08:00:00Z"}))
    assert isinstance(doc, RawDocument) and doc.published_at is not None
    assert doc.published_at.date() == date(2021, 1, 15)
