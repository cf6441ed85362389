"""Relative and absolute date expressions resolved against the publication date.

News dates are mostly relative ("on Thursday", "last week", "Last December"): they mean something
only against the article's publication date, so the resolved date is the start of the period with
a precision (day, week, month, year). Without a publication date only absolute dates resolve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"])}
MONTHS.update({m[:3]: v for m, v in list(MONTHS.items())})
MONTHS["sept"] = 9

_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_DAY = re.compile(r"\b([0-3]?\d)(?:st|nd|rd|th)?\b")


@dataclass(frozen=True)
class ResolvedDate:
    text: str
    value: date | None
    precision: str | None


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def _month_in(words: list[str]) -> int | None:
    for w in words:
        if w in MONTHS and w != "may":
            return MONTHS[w]
    # "May" is a month only next to a day or year ("May 5", "May 2019"), not the modal verb.
    return None


def resolve_date(text: str, published_at: datetime | None) -> ResolvedDate:
    """Resolve a DATE expression; value is None when it cannot be anchored."""
    words = _words(text)
    low = text.lower()
    year_m = _YEAR.search(text)
    month = _month_in(words)
    if month is None and "may" in words and (year_m or re.search(r"may\s+\d", low)):
        month = 5
    if year_m:
        # Absolute: "Sept. 24, 2008", "December 2018", "in 2018".
        year = int(year_m.group(1))
        if month:
            rest = text.replace(year_m.group(0), "")
            return _day_or_month(text, rest, year, month)
        return ResolvedDate(text, date(year, 1, 1), "year")
    if published_at is None:
        return ResolvedDate(text, None, None)
    pub = published_at.date()
    week_start = pub - timedelta(days=pub.weekday())
    if "today" in words or "tonight" in words:
        return ResolvedDate(text, pub, "day")
    if "yesterday" in words:
        return ResolvedDate(text, pub - timedelta(days=1), "day")
    if "tomorrow" in words:
        return ResolvedDate(text, pub + timedelta(days=1), "day")
    for i, day in enumerate(WEEKDAYS):
        if day in words:
            # The most recent such day on or before publication; "next Monday" looks ahead.
            back = (pub.weekday() - i) % 7
            if "next" in words:
                return ResolvedDate(text, pub + timedelta(days=(i - pub.weekday()) % 7 or 7),
                                    "day")
            if "last" in words and back == 0:
                back = 7
            return ResolvedDate(text, pub - timedelta(days=back), "day")
    if month:
        year = pub.year
        # "Last December" / "in December" without a year: the most recent December that is not
        # after publication (the next one when the text says "next").
        if "next" in words:
            if month <= pub.month:
                year += 1
        elif month > pub.month or ("last" in words and month == pub.month):
            year -= 1
        return _day_or_month(text, low, year, month)
    shift = -1 if ("last" in words or "past" in words or "previous" in words) else (
        1 if "next" in words else 0)
    if "week" in words or "weekend" in words:
        if "weekend" in words:
            sat = week_start + timedelta(days=5) + timedelta(weeks=shift)
            if shift == 0 and sat > pub:
                sat -= timedelta(weeks=1)
            return ResolvedDate(text, sat, "day")
        return ResolvedDate(text, week_start + timedelta(weeks=shift), "week")
    if "month" in words:
        m = pub.month + shift
        y = pub.year + (m - 1) // 12
        return ResolvedDate(text, date(y, (m - 1) % 12 + 1, 1), "month")
    if "year" in words and ("this" in words or shift):
        return ResolvedDate(text, date(pub.year + shift, 1, 1), "year")
    return ResolvedDate(text, None, None)


def _day_or_month(text: str, where: str, year: int, month: int) -> ResolvedDate:
    """The day of ``month`` named in ``where`` ("24" of "Sept. 24"), else the month itself;
    an impossible day ("Feb. 30") falls back to the month."""
    day_m = next((m for m in _DAY.finditer(where) if 1 <= int(m.group(1)) <= 31), None)
    if day_m:
        try:
            return ResolvedDate(text, date(year, month, int(day_m.group(1))), "day")
        except ValueError:
            pass
    return ResolvedDate(text, date(year, month, 1), "month")
