"""Phoenix's agent dictionary (Phoenix.agents.txt): role words as rows of a role lexicon.

An agent line is ``PHRASE {plural} [~CODE]`` ("FOREIGN_MINISTER [~GOVFRM]"): a role word that
makes a noun phrase an actor of that type, added after the country code (``~GOV``) or, for
organisation types, before it (``NGO~``). ``!PERSON!`` and ``!MINIST!`` stand for the words of
their substitution sets. The project's role lexicon (seeds/reference/role_lexicon.csv) keys a
role by the lemmas of a phrase, so plurals are not written out (the coder matches lemmas), and
a row keeps the primary role (the first three letters: GOV of GOVFRM, NGO of NGO~) with the
full agent code beside it.
"""

from __future__ import annotations

import re
from pathlib import Path

from wirehouse.extract.dictionaries.common import (
    comment_of,
    content_lines,
    copy_licence,
    words,
    write_csv,
)

SOURCE_FILE = "Phoenix.agents.txt"
OUTPUT_FILE = "agents.csv"
HEADER = ["phrase", "role", "agent_code", "note"]

_SUBSTITUTION = re.compile(r"^!(\w+)!\s*=\s*(.+)$")
_ENTRY = re.compile(r"^([^{\[]+?)\s*(\{[^}]*\})?\s*\[([^\]}]*)[\]}]")


def expand(phrase: str, substitutions: dict[str, list[str]]) -> list[str]:
    """``CONGRESS!PERSON!`` -> CONGRESSMAN, CONGRESSMEN, ... (each marker in turn)."""
    out = [phrase]
    for name, members in substitutions.items():
        marker = f"!{name}!"
        out = [p.replace(marker, m, 1) for p in out for m in members] if any(
            marker in p for p in out) else out
    return out


def parse(lines: list[tuple[int, str]], raw: list[str]) -> tuple[list[list[str]], dict[str, int]]:
    substitutions: dict[str, list[str]] = {}
    rows: list[list[str]] = []
    seen: set[str] = set()
    skipped: dict[str, int] = {}
    for number, text in lines:
        text = text.strip()
        if (m := _SUBSTITUTION.match(text)) is not None:
            substitutions[m.group(1)] = [w.strip() for w in m.group(2).split(",") if w.strip()]
            continue
        m = _ENTRY.match(text)
        if m is None:
            skipped["not an agent line"] = skipped.get("not an agent line", 0) + 1
            continue
        code = m.group(3).strip()
        agent = code.strip("~").upper()
        if not re.fullmatch(r"[A-Z]{3,}", agent):
            skipped["no agent code"] = skipped.get("no agent code", 0) + 1
            continue
        for phrase in expand(m.group(1), substitutions):
            key = words(phrase)
            if "!" in key or not key or key in seen:
                continue
            seen.add(key)
            rows.append([key, agent[:3], agent, comment_of(raw[number - 1])])
    return rows, skipped


def convert(source: Path, out: Path) -> tuple[list[Path], list[str]]:
    """``out``/agents.csv from Phoenix.agents.txt; lines it cannot read, counted, as problems."""
    path = source / SOURCE_FILE
    raw = path.read_text(encoding="utf-8", errors="replace").splitlines()
    rows, skipped = parse(list(content_lines(path)), raw)
    problems = [f"{SOURCE_FILE}: {n} left out ({why})" for why, n in sorted(skipped.items())]
    return [write_csv(out / OUTPUT_FILE, HEADER, rows), copy_licence(source, out)], problems
