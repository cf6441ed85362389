"""The CAMEO/PLOVER codebook and the verb dictionary, loaded once per process.

Everything here is data from seeds/reference (cameo_codes.csv, verb_lexicon.csv, and PETRARCH2's
verb patterns converted into petrarch2/verb_patterns.csv, which the project's rows override at
each level of specificity); this module only compiles it into dicts keyed for the lookups the
event coder makes on every verb of every sentence,
and holds the modality tables (how "agreed to", "threatened to", "refused to", "demanded that"
transform the code of the act they govern), which are the codebook's structure rather than
vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass

from wirehouse.core.reference import per_folder, read_reference_csv

MODIFIERS = frozenset({"SAY", "INTENT", "THREAT", "REFUSE", "PLAIN", "DEMAND", "APPEAL"})


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    base_code: str
    root_code: str
    quad_class: int
    goldstein: float | None
    plover_type: str | None
    plover_mode: str | None


@dataclass(frozen=True)
class Lexicon:
    # (verb, particle, object, subject) -> code; "" is "not constrained".
    patterns: dict[tuple[str, str, str, str], str]
    modifiers: dict[str, str]            # verb lemma -> SAY / INTENT / ...
    verbs: frozenset[str]                # every verb lemma that can trigger an event
    # PETRARCH2's patterns (seeds/reference/petrarch2/verb_patterns.csv), keyed by the verb
    # group of their row (the verbs of one PETRARCH synonym block) instead of each verb: one
    # key per pattern, not one per pattern and verb.
    derived: dict[tuple[int, str, str, str], str]
    groups: dict[str, tuple[int, ...]]   # verb lemma -> its derived groups


DERIVED_VERBS = "petrarch2/verb_patterns.csv"


@per_folder()
def cameo_codes() -> dict[str, Code]:
    out = {}
    for row in read_reference_csv("cameo_codes.csv"):
        gold = row["goldstein"]
        out[row["code"]] = Code(
            code=row["code"], name=row["name"], base_code=row["base_code"],
            root_code=row["root_code"], quad_class=int(row["quad_class"]),
            goldstein=float(gold) if gold else None,
            plover_type=row["plover_type"] or None, plover_mode=row["plover_mode"] or None,
        )
    return out


def _alts(cell: str) -> list[str]:
    return [a.strip().lower() for a in cell.split("|") if a.strip()] or [""]


def _derived_rows() -> list[dict[str, str]]:
    try:
        return read_reference_csv(DERIVED_VERBS)
    except FileNotFoundError:
        return []


@per_folder()
def lexicon() -> Lexicon:
    patterns: dict[tuple[str, str, str, str], str] = {}
    modifiers: dict[str, str] = {}
    for row in read_reference_csv("verb_lexicon.csv"):
        code = row["code"].strip()
        for verb in _alts(row["verb"]):
            if code in MODIFIERS:
                modifiers.setdefault(verb, code)
                continue
            for particle in _alts(row["particle"]):
                for obj in _alts(row["object"]):
                    for subj in _alts(row["subject"]):
                        # The first row wins: the file is ordered from the most to the least
                        # common sense of an ambiguous verb.
                        patterns.setdefault((verb, particle, obj, subj), code)
    codes = cameo_codes()
    derived: dict[tuple[int, str, str, str], str] = {}
    group_ids: dict[str, int] = {}
    groups: dict[str, list[int]] = {}
    for row in _derived_rows():
        code = row["code"].strip()
        if code not in codes or not _derived_kept(row):
            continue
        group = group_ids.setdefault(row["verb"], len(group_ids))
        for verb in _alts(row["verb"]):
            if group not in groups.setdefault(verb, []):
                groups[verb].append(group)
        for obj in _alts(row["object"]):
            for subj in _alts(row["subject"]):
                derived.setdefault((group, row["particle"].strip().lower(), obj, subj), code)
    verbs = frozenset(k[0] for k in patterns) | frozenset(groups)
    return Lexicon(patterns, modifiers, verbs,
                   derived, {v: tuple(g) for v, g in groups.items()})


def _derived_kept(row: dict[str, str]) -> bool:
    """PETRARCH2 rows the coder uses: every pattern with a particle, object or subject, and a
    verb alone only where PETRARCH gives that verb its own code ("ACQUIT [081]"). A block's
    default code for all its verbs alone ("COME", "GO", "LEAVE" -> 040) codes nearly every
    sentence of a news article: measured on the news gold dev set (bench/RESULTS.md), those
    rows halve precision for a few more events found."""
    if row["particle"] or row["object"] or row["subject"]:
        return True
    return "its own code" in row["note"]


def verb_lemma(text: str, lemma: str, tag: str) -> str:
    """The lexicon's lemma for a word: the model's, else a regular form's stem the lexicon
    knows (the model lemmatises "staged" as "stag", "hailed" as "hail" right but not all)."""
    lemma = lemma.lower()
    lex = lexicon()
    if lemma in lex.verbs or lemma in lex.modifiers or not tag.startswith("VB"):
        return lemma
    low = text.lower()
    stems = {"VBD": [low[:-1], low[:-2], low[:-3]], "VBN": [low[:-1], low[:-2], low[:-3]],
             "VBZ": [low[:-1], low[:-2]], "VBG": [low[:-3] + "e", low[:-3], low[:-4]]}
    for stem in stems.get(tag, []):
        if stem in lex.verbs or stem in lex.modifiers:
            return stem
    return lemma


def lookup(verb: str, particles: list[str], objects: list[str], subjects: list[str]) -> str | None:
    """Most specific code for a verb with its particles, object keys and subject keys: at each
    level of specificity (subject, particle + object, object, particle, the verb alone) the
    project's own rows first, then PETRARCH2's."""
    lex = lexicon()
    pats = lex.patterns
    derived = lex.derived
    # A verb the project reads as a control or reporting verb ("want", "say") codes nothing
    # alone, whatever PETRARCH's block gives it.
    groups = lex.groups.get(verb, ())
    levels: list[list[tuple[str, str, str]]] = [
        [("", obj, subj) for subj in subjects for obj in [*objects, ""]],
        [(part, obj, "") for part in particles for obj in objects],
        [("", obj, "") for obj in objects],
        [(part, "", "") for part in particles],
        [("", "", "")],
    ]
    for level, keys in enumerate(levels):
        for part, obj, subj in keys:
            if (c := pats.get((verb, part, obj, subj))):
                return c
        if level == len(levels) - 1 and verb in lex.modifiers:
            return None
        for part, obj, subj in keys:
            for g in groups:
                if (c := derived.get((g, part, obj, subj))):
                    return c
    return None


# --- Modality: the act a control verb governs, recoded (CAMEO 1.1b3 chapters 03, 10, 12, 13).
# Keys are tried longest first (4-digit code, base code, root).

# "agreed/promised/will <act>": express intent (03x) for cooperative acts; a future conflictual
# act is a threat (13x), which is how CAMEO codes "will withdraw", "plans to impose".
_INTENT = {
    "04": "036", "045": "039", "046": "036", "05": "032", "057": "030", "050": "032",
    "06": "031", "061": "0311", "062": "0312", "063": "0313", "064": "0314",
    "07": "033", "070": "033", "071": "0331", "072": "0332", "073": "0333", "074": "0334",
    "075": "033", "08": "035", "080": "035", "081": "0351", "082": "0352", "083": "034",
    "0831": "0341", "084": "0353", "0841": "0353", "0842": "0353", "085": "0354",
    "086": "0355", "0863": "0355", "087": "0356", "0871": "0356", "0872": "0356",
    "0873": "0356", "0874": "0356", "09": "030", "03": "030",
    "10": "100", "11": "110", "12": "120", "13": "130",
    "14": "133", "15": "138", "16": "131", "161": "1313", "162": "1311", "1621": "1311",
    "1622": "1311", "1623": "1311", "163": "1312", "164": "134", "165": "135", "166": "136",
    "1661": "136", "1662": "136", "1663": "136", "160": "1313",
    "17": "132", "172": "132", "1721": "1321", "1722": "1322", "1723": "1323", "1724": "1324",
    "173": "132", "174": "132", "175": "137", "191": "1381", "192": "1382",
    "18": "1383", "19": "1384", "195": "1384", "20": "1385",
}
# "threatened to <act>": always 13x.
_THREAT = {**{k: v for k, v in _INTENT.items() if v.startswith("13")},
           "03": "130", "04": "130", "05": "130", "06": "131", "07": "1311", "08": "130",
           "09": "130", "10": "130", "11": "130", "12": "130", "13": "130"}
# "refused to <act>" / "did not agree to <act>": the matching rejection (12x); conflictual acts
# refused or negated are not events (no code).
_REFUSE = {
    "03": "120", "04": "125", "045": "126", "05": "120", "057": "127", "06": "121",
    "061": "1211", "062": "1212", "063": "1213", "064": "1214", "07": "122", "071": "1221",
    "072": "1222", "073": "1223", "074": "1224", "08": "124", "081": "1241", "082": "1242",
    "083": "123", "0831": "1231", "084": "1243", "0841": "1243", "0842": "1243",
    "085": "1244", "086": "1245", "0863": "1245", "087": "1246", "0871": "1246",
    "0872": "1246", "0873": "1246", "0874": "1246", "10": "120",
}
# "demanded that Y <act>" / "Y must <act>": demand (10x); "urged Y to <act>": appeal (02x).
_DEMAND = {
    "03": "100", "04": "106", "045": "108", "037": "107", "05": "102", "057": "107",
    "06": "101", "061": "1011", "062": "1012", "063": "1013", "064": "1014",
    "07": "103", "071": "1031", "072": "1032", "073": "1033", "074": "1034", "075": "1033",
    "08": "105", "081": "1051", "082": "1052", "083": "104", "0831": "1041", "084": "1053",
    "0841": "1053", "0842": "1053", "085": "1054", "086": "1055", "087": "1056",
    "0871": "1056", "0874": "1056", "09": "100", "12": "100", "16": "100", "17": "100",
}
_APPEAL = {"10": "020", "100": "020", "101": "021", "1011": "0211", "1012": "0212",
           "1013": "0213", "1014": "0214", "102": "022", "103": "023", "1031": "0231",
           "1032": "0232", "1033": "0233", "1034": "0234", "104": "024", "1041": "0241",
           "1042": "0242", "1043": "0243", "1044": "0244", "105": "025", "1051": "0251",
           "1052": "0252", "1053": "0253", "1054": "0254", "1055": "0255", "1056": "0256",
           "106": "026", "107": "027", "108": "028"}


def _apply(table: dict[str, str], code: str) -> str | None:
    for key in (code, code[:3], code[:2]):
        if key in table:
            return table[key]
    return None


def transform(code: str, modality: str) -> str | None:
    """The code of <act> under a modality; None when CAMEO does not code that combination."""
    if modality == "INTENT":
        return _apply(_INTENT, code)
    if modality == "THREAT":
        return _apply(_THREAT, code)
    if modality == "REFUSE":
        return _apply(_REFUSE, code)
    if modality == "DEMAND":
        return code if code[:2] == "10" else _apply(_DEMAND, code)
    if modality == "APPEAL":
        demand = code if code[:2] == "10" else _apply(_DEMAND, code)
        return _apply(_APPEAL, demand) if demand else "020"
    return code


# Older PLOVER type names used by the gold standard records, by CAMEO root (for evaluation).
LEGACY_BY_ROOT = {"09": "INVESTIGATE", "11": "DISAPPROVE", "19": "FIGHT", "20": "FIGHT",
                  "10": "REQUEST", "02": "REQUEST"}
