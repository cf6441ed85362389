"""What a run did, in numbers a user reads at the end of `wirehouse run`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from wirehouse.warehouse.store import readable


@dataclass
class RunSummary:
    run_id: str
    warehouse: str
    documents_read: int = 0
    documents_new: int = 0
    documents_stale: int = 0
    documents_skipped: int = 0
    duplicates: int = 0
    quarantined: int = 0
    # Declared languages the English pipeline does not process -> documents (kept, no NLP).
    unsupported_languages: dict[str, int] = field(default_factory=dict)
    rows_loaded: dict[str, int] = field(default_factory=dict)
    rows_total: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


TOP_ENTITIES_SQL = """
SELECT name, entity_type, country_iso3, num_mentions, num_documents
FROM marts.entities
WHERE entity_id IN (SELECT entity_id FROM raw.entities WHERE run_id = ?)
ORDER BY num_mentions DESC, name
LIMIT ?
"""


def top_entities(warehouse: str, run_id: str, limit: int = 10) -> list[tuple[Any, ...]]:
    """The example query: the run's most mentioned entities."""
    local = readable(warehouse)
    if local is None:
        return []
    con = duckdb.connect(local, read_only=True)
    try:
        return con.execute(TOP_ENTITIES_SQL, [run_id, limit]).fetchall()
    finally:
        con.close()


def render(summary: RunSummary, top: list[tuple[Any, ...]]) -> str:
    s = summary
    lines = [
        f"run {s.run_id} -> {s.warehouse}",
        f"documents: read {s.documents_read}, new {s.documents_new}, stale {s.documents_stale}, "
        f"skipped {s.documents_skipped} (unchanged), duplicates {s.duplicates}, "
        f"quarantined {s.quarantined}",
    ]
    if s.unsupported_languages:
        lines.append("declared in a language the pipeline does not process (kept, not "
                     "extracted): " + ", ".join(f"{k} {v}" for k, v in
                                                 sorted(s.unsupported_languages.items())))
    if s.rows_total:
        width = max(len(k) for k in s.rows_total)
        lines.append("rows (loaded this run / total):")
        lines += [f"  {k:<{width}}  {s.rows_loaded.get(k, 0):>8} / {v}"
                  for k, v in s.rows_total.items()]
    else:
        lines.append("nothing new to load")
    lines.append("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in s.seconds.items()))
    if top:
        lines.append("top entities of this run:")
        lines += [f"  {name} ({etype}{', ' + c if c else ''}): {n} mentions in {d} document(s)"
                  for name, etype, c, n, d in top]
    return "\n".join(lines)
