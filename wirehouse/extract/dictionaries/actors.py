"""The Phoenix actor dictionaries (PETRARCH2, MIT) converted into the project's actor tables.

A Phoenix actor file is a list of records: a primary name, synonyms on ``+`` lines, and codes
either after the primary name (``NATO_ [IGOWSTNAT]``) or on indented lines below it, each
optionally restricted in time (``[USAGOV 090120-170120]``, ``[IGOUNO >20070101]``,
``[USAELI <610120]``). A primary name with no code of its own shares the codes of the record
that follows it. Dates are YYYYMMDD or YYMMDD (YY up to 30 is 20YY, else 19YY, as the
dictionaries were written). ``---`` is the null code: for that period the name is no actor.

``convert`` writes two tables and the dictionaries' licence (seeds/reference/petrarch2/):
``actor_names.csv`` (name, actor_id) and ``actor_codes.csv`` (actor_id, code, date_from,
date_to; in the dictionary's order, a row without dates is the default). ``actor_id`` is the
dictionary and line of the primary name ("countries:51057"), so every derived row leads back to
the line it came from. wirehouse.extract.dictionaries.actors_lookup reads them.
"""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

# Dictionary name in the tables -> file in the PETRARCH2 dictionary folder.
SOURCES = {
    "countries": "Phoenix.Countries.actors.txt",
    "international": "Phoenix.International.actors.txt",
    "milnonstate": "Phoenix.MilNonState.actors.txt",
}
TABLES = ("actor_names.csv", "actor_codes.csv")
NULL_CODE = "---"

_BRACKET = re.compile(r"\[([^\]]*)\]")
_CODE = re.compile(r"^[A-Z0-9]{3,}$")
_RESTRICTION = re.compile(
    r"^(?:(?P<op>[<>])\s*(?P<at>\d+)|(?P<start>\d+)\s*-\s*(?P<end>\d+))$")


@dataclass(frozen=True)
class CodeSpan:
    """A code in force from date_from to date_to (both inclusive; None: unbounded)."""

    code: str | None  # None: the null code
    date_from: date | None = None
    date_to: date | None = None

    @property
    def is_default(self) -> bool:
        return self.date_from is None and self.date_to is None

    def applies(self, on: date) -> bool:
        return ((self.date_from is None or self.date_from <= on)
                and (self.date_to is None or on <= self.date_to))


@dataclass
class ActorRecord:
    actor_id: str
    dictionary: str
    names: list[str]
    codes: list[CodeSpan] = field(default_factory=list)


class DictionaryError(ValueError):
    """A line the converter cannot read; the message names the file and line."""


def parse_date(text: str) -> date:
    """YYYYMMDD or YYMMDD (YY <= 30 is 20YY, else 19YY); ValueError otherwise."""
    if len(text) == 8:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    if len(text) == 6:
        yy = int(text[:2])
        return date((2000 if yy <= 30 else 1900) + yy, int(text[2:4]), int(text[4:]))
    raise ValueError(f"date {text!r} is neither YYYYMMDD nor YYMMDD")


def parse_code(text: str) -> CodeSpan:
    """The inside of one ``[...]``: a code, optionally with ``<date``, ``>date`` or a range."""
    code, _, restriction = text.strip().partition(" ")
    restriction = restriction.strip()
    if code != NULL_CODE and not _CODE.match(code):
        raise ValueError(f"code {code!r} is not a CAMEO actor code")
    value = None if code == NULL_CODE else code
    if not restriction:
        return CodeSpan(value)
    m = _RESTRICTION.match(restriction)
    if m is None:
        raise ValueError(f"restriction {restriction!r} is not <date, >date or date-date")
    if m["op"] == "<":
        return CodeSpan(value, None, parse_date(m["at"]))
    if m["op"] == ">":
        return CodeSpan(value, parse_date(m["at"]), None)
    start, end = parse_date(m["start"]), parse_date(m["end"])
    if end < start:
        raise ValueError(f"restriction {restriction!r} ends before it starts")
    return CodeSpan(value, start, end)


def phrase(text: str) -> str:
    """A dictionary phrase as words: ``BARACK_OBAMA_`` -> ``BARACK OBAMA``."""
    return " ".join(text.replace("_", " ").split())


def parse_actor_file(lines: Iterable[str], dictionary: str,
                     problems: list[str] | None = None) -> Iterator[ActorRecord]:
    """Records of one actor file. A line that cannot be read is reported in ``problems``
    ("file:line: why") and skipped, as PETRARCH skips it; without ``problems`` it raises."""
    pending: list[str] = []  # primary names waiting for codes
    pending_at = 0  # line of the first of them
    record: ActorRecord | None = None

    def report(number: int, why: str) -> None:
        message = f"{dictionary}:{number}: {why}"
        if problems is None:
            raise DictionaryError(message)
        problems.append(message)

    def codes_of(text: str, number: int) -> list[CodeSpan]:
        out = []
        for inside in _BRACKET.findall(text):
            try:
                out.append(parse_code(inside))
            except ValueError as exc:
                report(number, str(exc))
        return out

    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        body = line.strip()
        if body.startswith("+"):
            name = phrase(_BRACKET.sub(" ", body[1:]))
            if not name:
                report(number, "synonym without a name")
            elif record is not None and not pending:
                record.names.append(name)
            else:
                if not pending:
                    pending_at = number
                pending.append(name)
            continue
        head = body.split("[", 1)[0]
        if line[0].isspace() and not head.strip():
            # Indented codes belong to the record above (or to the names waiting for them).
            codes = codes_of(body, number)
            if pending:
                record = ActorRecord(f"{dictionary}:{pending_at}", dictionary, pending, codes)
                pending = []
                yield record
            elif record is not None:
                record.codes.extend(codes)
            else:
                report(number, "codes before any name")
            continue
        # A primary name (a few are indented by mistake: their name tells them apart).
        name = phrase(head)
        codes = codes_of(body[len(head):], number)
        if not pending:
            pending_at = number
        pending.append(name)
        if codes or "[" in body:  # an unreadable code still ends the record
            record = ActorRecord(f"{dictionary}:{pending_at}", dictionary, pending, codes)
            pending = []
            yield record
        else:
            record = None
    if pending:
        # Names at the end of a file with no codes at all: PETRARCH gives them the null code.
        yield ActorRecord(f"{dictionary}:{pending_at}", dictionary, pending, [CodeSpan(None)])


def read_dictionaries(source_dir: Path, problems: list[str] | None = None) -> list[ActorRecord]:
    """Every record of the three Phoenix actor files, in file order."""
    records: list[ActorRecord] = []
    for dictionary, filename in SOURCES.items():
        path = source_dir / filename
        with path.open(encoding="utf-8", errors="strict") as fh:
            records.extend(parse_actor_file(fh, dictionary, problems))
    return records


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def write_tables(records: list[ActorRecord], out_dir: Path) -> list[Path]:
    """actor_names.csv and actor_codes.csv of ``records`` in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / name for name in TABLES]
    with (paths[0].open("w", newline="", encoding="utf-8") as names,
          paths[1].open("w", newline="", encoding="utf-8") as codes):
        wn, wc = csv.writer(names, lineterminator="\n"), csv.writer(codes, lineterminator="\n")
        wn.writerow(["name", "actor_id"])
        wc.writerow(["actor_id", "code", "date_from", "date_to"])
        for rec in records:
            for name in dict.fromkeys(rec.names):
                wn.writerow([name, rec.actor_id])
            for span in rec.codes:
                wc.writerow([rec.actor_id, span.code or NULL_CODE, _iso(span.date_from),
                             _iso(span.date_to)])
    return paths


def convert(source_dir: Path, out_dir: Path) -> tuple[list[Path], list[str]]:
    """Write the actor tables and the licence into out_dir; return them and the problems."""
    problems: list[str] = []
    records = read_dictionaries(source_dir, problems)
    paths = write_tables(records, out_dir)
    shutil.copyfile(source_dir / "LICENSE", out_dir / "LICENSE")
    return [*paths, out_dir / "LICENSE"], problems
