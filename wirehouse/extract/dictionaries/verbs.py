"""PETRARCH2's CAMEO verb dictionary (CAMEO.2.0.txt) as rows of the project's verb lexicon.

The dictionary groups verbs in synonym blocks (``---  ACCELERATE  [---]  ---``, then the verbs,
each with its irregular forms in ``{...}`` and an optional own code in ``[...]``), and gives
each block phrase patterns: ``- [pre-verb nouns] * [object] [(PREP noun)] [code]``. Nouns may be
a head with modifiers in braces (``{FINANCIAL AID}``) or a synonym set (``&FOOD``, defined at the
top of the file). The project's lexicon (seeds/reference/verb_lexicon.csv) keys a code by verb
lemma, one particle or preposition, one object and one subject, with ``|`` between
alternatives in a cell; so each pattern becomes one row whose cells list the members of its
synonym sets and the verb its comment names as the one it was written for ("# CAPTURE"), else
every verb of its block:

- ``* NOUN`` and ``* {MOD NOUN}``: the object ("aid", "financial aid");
- ``* (PREP NOUN)``: the particle and that object; ``* (PREP)``: the particle alone;
- ``* OUT NOUN``: a bare particle word before the object;
- ``NOUN *``: the subject (instrument-coded events: "&AIRCRAFT * ATTACKS");
- a verb alone: its own code, else its block's (``---`` means it codes nothing alone).

Left out (and counted): patterns with more than one noun constraint (a row holds one, and
dropping the other would make the pattern broader than its author wrote it), patterns with
auxiliaries or negation before the verb (modality is the coder's grammar), verbs whose particle
comes first (``WIRE_+TAP``), transformation lines (``~``), and codes that are not in the
project's CAMEO codebook. ``A:B`` codes (PETRARCH's one code each way) keep the first.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

from wirehouse.core.settings import get_settings
from wirehouse.extract.dictionaries.common import comment_of, copy_licence, words, write_csv

SOURCE_FILE = "CAMEO.2.0.txt"
OUTPUT_FILE = "verb_patterns.csv"
HEADER = ["verb", "particle", "object", "subject", "code", "note"]

# Words that stand for a particle, not a noun, right after the verb ("SET OUT VIEWS").
PARTICLES = frozenset({"up", "down", "out", "off", "in", "on", "back", "over", "away", "forward",
                       "aside", "through", "around", "about", "along", "apart", "together"})
# Prepositions a multi-word verb may end with ("+ASK_FOR").
VERB_PREPOSITIONS = PARTICLES | {"for", "at", "by", "to", "with", "of", "into", "against", "upon"}
# Function words that make a pattern about modality or negation (the coder's grammar does that).
MODAL_WORDS = frozenset({"will", "would", "not", "is", "are", "was", "were", "be", "been",
                         "has", "have", "had", "to", "no", "never"})
MARKERS = frozenset({"$", "+", "^", "%"})

_HEADER = re.compile(r"^---\s+(\S+)\s+\[([^\]]*)\]")
_ITEM = re.compile(r"\{[^}]*\}|\([^)]*\)|\S+")
_CODE = re.compile(r"\[([^\]]*)\]")


@dataclass
class Block:
    name: str
    code: str | None
    verbs: list[tuple[str, str, str | None]] = field(default_factory=list)  # lemma, particle, code


@dataclass
class Pattern:
    particle: str = ""
    objects: list[str] = field(default_factory=lambda: [""])
    subjects: list[str] = field(default_factory=lambda: [""])


@dataclass
class Counts:
    blocks: int = 0
    verbs: int = 0
    patterns: int = 0
    rows: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1


def cameo_code(text: str, known: frozenset[str]) -> str | None:
    """``042:043`` -> ``042``; ``:173`` -> ``173``; ``---`` and non-codebook codes -> None."""
    parts = [p.strip() for p in text.strip().split(":")]
    code = next((p for p in parts if p), "")
    return code if re.fullmatch(r"\d{2,4}", code) and code in known else None


def singular(word: str) -> str:
    """A regular English plural's singular ("sanctions" -> "sanction", "rallies" -> "rally")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def read_synsets(lines: list[str]) -> dict[str, list[str]]:
    """``NAME`` (of ``&NAME``) -> its member phrases (lower case, spaces)."""
    sets: dict[str, list[str]] = {}
    current: str | None = None
    for raw in lines:
        text = raw.split("#", 1)[0].strip()
        if text.startswith("&"):
            current = text.split()[0][1:].rstrip("_").upper()
            sets[current] = []
        elif text.startswith("+") and current is not None:
            member = words(text[1:].split()[0])
            if member:
                sets[current].append(member)
        elif text:
            current = None
    return sets


def _noun_alternatives(item: str, synsets: dict[str, list[str]]) -> list[str] | None:
    """The phrases a noun item stands for (``{MOD &SET}`` expands the set); None if it names
    an undefined set."""
    inner = item[1:-1].split() if item.startswith("{") else [item]
    choices: list[list[str]] = []
    for word in inner:
        if word in MARKERS:
            continue
        if word.startswith("&"):
            members = synsets.get(word[1:].rstrip("_").upper())
            if not members:
                return None
            choices.append(members)
        else:
            choices.append([words(word)])
    out = [" ".join(parts) for parts in product(*choices)] if choices else []
    # The coder's object keys are lemmas as well as words: add the singular of a plural head.
    out += [" ".join([*p.split()[:-1], singular(p.split()[-1])]) for p in out]
    return list(dict.fromkeys(out))


def parse_pattern(body: str, synsets: dict[str, list[str]]) -> Pattern | str:
    """A pattern's constraints, or the reason it is left out."""
    if "*" not in body:
        return "no verb position"
    before, after = body.split("*", 1)
    pattern = Pattern()
    pre = [t for t in _ITEM.findall(before) if t not in MARKERS]
    if any(t.lower() in MODAL_WORDS for t in pre):
        return "modality before the verb"
    if len(pre) > 1:
        return "several pre-verb nouns"
    if pre:
        subjects = _noun_alternatives(pre[0], synsets)
        if subjects is None:
            return "undefined synonym set"
        pattern.subjects = subjects or [""]
    nouns: list[list[str]] = []
    preps: list[str] = []
    bare_particle = ""
    for item in _ITEM.findall(after):
        if item in MARKERS:
            continue
        if item.startswith("("):
            inner = _ITEM.findall(item[1:-1])
            if not inner:
                continue
            preps.append(words(inner[0]))
            for t in inner[1:]:
                alts = _noun_alternatives(t, synsets)
                if alts is None:
                    return "undefined synonym set"
                if alts:
                    nouns.append(alts)
        elif item.lower() in PARTICLES and not (nouns or preps or bare_particle):
            bare_particle = item.lower()
        else:
            alts = _noun_alternatives(item, synsets)
            if alts is None:
                return "undefined synonym set"
            if alts:
                nouns.append(alts)
    if len(nouns) > 1:
        return "several noun constraints"
    if (bare_particle and preps) or len(preps) > 1:
        return "several particles"
    pattern.particle = bare_particle or (preps[0] if preps else "")
    pattern.objects = nouns[0] if nouns else [""]
    return pattern


def _verb_entry(text: str, known: frozenset[str]) -> tuple[str, str, str | None] | str:
    """(lemma, particle, own code) of a verb line, or the reason it is left out."""
    phrase = text.split()[0]
    code_m = _CODE.search(text)
    code = cameo_code(code_m.group(1), known) if code_m else None
    parts = [p for p in phrase.strip("_").split("_") if p]
    if "+" in phrase:
        if not parts[0].startswith("+"):
            return "particle before the verb"
        particle = " ".join(parts[1:]).lower()
        if len(parts) > 2 or particle not in VERB_PREPOSITIONS:
            return "multi-word verb that is not verb + particle"
        return parts[0][1:].lower(), particle, code
    if len(parts) != 1:
        return "multi-word verb without a marked verb"
    return parts[0].lower(), "", code


def convert_text(lines: list[str], known: frozenset[str]) -> tuple[list[list[str]], Counts]:
    """Rows (``HEADER`` order) of the dictionary's lines, and what was read and left out."""
    counts = Counts()
    start = next((i for i, ln in enumerate(lines) if "VERB PATTERNS" in ln), len(lines))
    synsets = read_synsets(lines[:start])
    rows: list[list[str]] = []
    seen: set[tuple[str, ...]] = set()
    block: Block | None = None

    def add(verbs: list[str], particle: str, objs: list[str], subjs: list[str], code: str,
            note: str) -> None:
        key = ("|".join(verbs), particle, "|".join(objs), "|".join(subjs))
        if key not in seen:  # the first row of a key wins, as in the project's own lexicon
            seen.add(key)
            rows.append([*key, code, note])

    for raw in lines[start + 1:]:
        text = raw.split("#", 1)[0].rstrip()
        if not text.strip():
            continue
        if (m := _HEADER.match(text)) is not None:
            counts.blocks += 1
            block = Block(m.group(1).strip("_"), cameo_code(m.group(2), known))
            continue
        if block is None:
            continue
        if text.startswith("~"):
            counts.skip("transformation")
        elif text.startswith("-"):
            counts.patterns += 1
            codes = list(_CODE.finditer(text))
            code = cameo_code(codes[-1].group(1), known) if codes else None
            if code is None:
                counts.skip("no codebook code")
                continue
            parsed = parse_pattern(text[1:codes[-1].start()], synsets)
            if isinstance(parsed, str):
                counts.skip(parsed)
                continue
            comment = comment_of(raw)
            note = f"{block.name}: {comment}".rstrip(": ")
            # The comment names the verb the pattern was written for ("# CAPTURE"): the pattern
            # is that verb's, not its synonyms' ("&MILITARY * [192]" is for "capture", not for
            # "arrest" in the same block).
            source = comment.split()[0].lower() if comment else ""
            written_for = [v for v in block.verbs if v[0] == source]
            by_particle: dict[str, list[str]] = {}
            for verb, vparticle, _ in written_for or block.verbs:
                by_particle.setdefault(parsed.particle or vparticle, []).append(verb)
            for particle, verbs in by_particle.items():
                add(verbs, particle, parsed.objects, parsed.subjects, code, note)
        else:
            entry = _verb_entry(text.strip(), known)
            if isinstance(entry, str):
                counts.skip(entry)
                continue
            counts.verbs += 1
            block.verbs.append(entry)
            lemma, particle, own_code = entry
            if (code := own_code or block.code) is not None:
                how = "its own code" if own_code else "its block's code"
                add([lemma], particle, [""], [""], code, f"{block.name}: verb alone, {how}")
    counts.rows = len(rows)
    return rows, counts


def known_codes(reference_dir: Path) -> frozenset[str]:
    with (reference_dir / "cameo_codes.csv").open(newline="", encoding="utf-8") as fh:
        return frozenset(row["code"] for row in csv.DictReader(fh))


def convert(source: Path, out: Path) -> tuple[list[Path], list[str]]:
    """``out``/verb_patterns.csv from CAMEO.2.0.txt (codes checked against the codebook in
    ``out``'s parent, else the reference folder's); what was left out, counted, as problems."""
    lines = (source / SOURCE_FILE).read_text(encoding="utf-8", errors="replace").splitlines()
    codebook = out.parent if (out.parent / "cameo_codes.csv").exists() else Path(
        get_settings().reference_dir)
    rows, counts = convert_text(lines, known_codes(codebook))
    problems = [f"{SOURCE_FILE}: {n} left out ({why})"
                for why, n in sorted(counts.skipped.items())]
    return [write_csv(out / OUTPUT_FILE, HEADER, rows), copy_licence(source, out)], problems
