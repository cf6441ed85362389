"""Wire-copy datelines at the start of a body: "CARACAS, March 3 (Reuters) -", "WASHINGTON -",
"ATHENS, Greece -", "MOSCOW, March 29. /TASS/.".

The ingest reads a publication date off a dateline when no sidecar gives one; the entity stage
does not take the dateline's city for something the article is about (it is where the copy was
filed). A dateline without a year is read as the latest such day not after the moment of
reading: wire copy is ingested as it is filed, and a month and day alone name no other year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

_MONTHS = {m: i for i, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for m in names}
_MONTH = "(?:%s)[.]?" % "|".join(  # noqa: UP031 (a regex: braces are its own)
    sorted((m.capitalize() for m in _MONTHS), key=len, reverse=True))
# The city is written in capitals (one to four words: "BADEN BADEN", "ST. PETERSBURG",
# "RIO DE JANEIRO"); a region or country may follow in either case; then a date, an agency in
# brackets or slashes, and a dash or colon that ends the dateline (or the '"?' or '?' a dash
# becomes when text passes through a wrong encoding, common in scraped copy).
_DATELINE = re.compile(
    r"""\A\s*
    (?P<city>[A-Z][A-Z.'\u2019-]+(?:[ ](?:[A-Z][A-Z.'\u2019-]*|de|da|do|del|la|el))*)
    (?:,[ ](?!MONTH[ ]\d)(?P<region>[A-Z][A-Za-z.'\u2019-]+(?:[ ][A-Z][A-Za-z.'\u2019-]+)?))?
    (?:,?[ ](?P<month>MONTH)[ ](?P<day>\d{1,2})(?:,[ ](?P<year>\d{4}))?\.?)?
    [ ]?(?:\((?P<agency>[A-Za-z][\w .&-]{0,30})\)|/[ ]?(?P<slash>[A-Za-z][\w-]{0,20})[ ]?/\.?)?
    [ ]?(?P<sep>--|[-\u2013\u2014:]|"?\?(?=[ A-Z]))?
    """.replace("MONTH", _MONTH),
    re.VERBOSE,
)


@dataclass(frozen=True)
class Dateline:
    city: str
    city_end: int  # offset just after the city in the body
    end: int  # offset just after the whole dateline
    day: date | None  # the day it gives, if any


def _day(month: str, day: str, year: str | None, now: datetime) -> date | None:
    number = _MONTHS[month.rstrip(".").lower()]
    try:
        if year:
            return date(int(year), number, int(day))
        found = date(now.year, number, int(day))
        return found if found <= now.date() else date(now.year - 1, number, int(day))
    except ValueError:  # "February 30": not a day
        return None


def read_dateline(body: str, now: datetime | None = None) -> Dateline | None:
    """The dateline that opens ``body``, or None. Something only counts as one when the
    capitals are followed by a date, an agency or a dash: "NATO said" is no dateline."""
    m = _DATELINE.match(body)
    if m is None or not (m["sep"] or m["agency"] or m["slash"] or m["month"]):
        return None
    city = m["city"].rstrip(".'\u2019-")
    if sum(c.isalpha() for c in city) < 3 or any(c.islower() for c in city.split()[0]):
        return None
    day = None
    if m["month"]:
        day = _day(m["month"], m["day"], m["year"], now or datetime.now(UTC))
    return Dateline(city, m.start("city") + len(city), m.end(), day)


def dateline_published(body: str, now: datetime | None = None) -> datetime | None:
    """Publication time (midnight UTC of the dateline's day) when the body opens with a dated
    dateline; None otherwise."""
    found = read_dateline(body, now)
    if found is None or found.day is None:
        return None
    return datetime(found.day.year, found.day.month, found.day.day, tzinfo=UTC)
