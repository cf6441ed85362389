"""Phoenix's discard list (Phoenix.discards.txt): phrases that keep text from being coded.

A discard phrase found in a sentence stops that sentence from being coded (sports results,
entertainment, natural history); with a leading ``+`` it stops the whole story. A phrase
ending in ``_`` must end at a word boundary; otherwise it is a stem ("BOWL" also matches
"BOWLING"). Matching ignores case. Rows: the phrase (lower case, single spaces), its scope
(``sentence`` or ``story``) and match (``word`` or ``stem``).
"""

from __future__ import annotations

from pathlib import Path

from wirehouse.extract.dictionaries.common import (
    comment_of,
    content_lines,
    copy_licence,
    write_csv,
)

SOURCE_FILE = "Phoenix.discards.txt"
OUTPUT_FILE = "discards.csv"
HEADER = ["phrase", "scope", "match", "note"]


def parse(lines: list[tuple[int, str]], raw: list[str]) -> list[list[str]]:
    rows: list[list[str]] = []
    seen: set[tuple[str, str]] = set()
    for number, text in lines:
        text = text.strip()
        scope = "story" if text.startswith("+") else "sentence"
        text = text.lstrip("+").strip()
        match = "word" if text.endswith("_") else "stem"
        phrase = " ".join(text.rstrip("_").replace("_", " ").lower().split())
        if not phrase or (phrase, scope) in seen:
            continue
        seen.add((phrase, scope))
        rows.append([phrase, scope, match, comment_of(raw[number - 1])])
    return rows


def convert(source: Path, out: Path) -> tuple[list[Path], list[str]]:
    """``out``/discards.csv from Phoenix.discards.txt."""
    path = source / SOURCE_FILE
    raw = path.read_text(encoding="utf-8", errors="replace").splitlines()
    rows = parse(list(content_lines(path)), raw)
    return [write_csv(out / OUTPUT_FILE, HEADER, rows), copy_licence(source, out)], []
