"""What every dictionary converter shares: reading PETRARCH's flat files, writing CSV tables."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

LICENCE = "LICENSE"


def content_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text without its ``#`` comment) of the non-blank lines of a dictionary."""
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, raw in enumerate(fh, 1):
            text = raw.split("#", 1)[0].rstrip()
            if text.strip():
                yield number, text


def comment_of(raw: str) -> str:
    """The ``#`` comment of a line (coder initials and dates), trimmed."""
    return raw.split("#", 1)[1].strip() if "#" in raw else ""


def words(phrase: str) -> str:
    """A PETRARCH phrase (``FOREIGN_MINISTER``, ``WEAPONS_OF_MASS_DESTRUCTION_``) as lower-case
    words separated by single spaces."""
    return " ".join(phrase.replace("_", " ").lower().split())


def write_csv(path: Path, header: list[str], rows: Iterable[Iterable[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    tmp.replace(path)
    return path


def copy_licence(source: Path, out: Path) -> Path:
    """The dictionaries' MIT licence goes with every derived file."""
    licence = source / LICENCE
    if not licence.exists():
        raise FileNotFoundError(f"{licence}: the PETRARCH2 licence must travel with derived files")
    out.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(licence, out / LICENCE))
