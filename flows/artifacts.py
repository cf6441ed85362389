"""What each ETL run publishes to Prefect: a table of counts and timings, the top new events."""

from __future__ import annotations

from typing import Any

import duckdb
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from wirehouse.warehouse.run_summary import RunSummary
from wirehouse.warehouse.store import readable

# Events first reported by this run, most reported first. Reads raw.event_mentions (the
# contract's table) so it works whatever the marts look like.
TOP_EVENTS_SQL = """
SELECT any_value(event_code) AS event_code, any_value(plover_type) AS plover_type,
       any_value(coalesce(source_code, source_text)) AS source,
       any_value(coalesce(target_code, target_text)) AS target,
       any_value(trigger_text) AS trigger, min(event_date) AS event_date,
       count(*) AS mentions, count(DISTINCT doc_id) AS documents
FROM raw.event_mentions
WHERE run_id = ?
GROUP BY event_id
ORDER BY mentions DESC, documents DESC, event_code, source, target
LIMIT ?
"""


def summary_rows(summary: RunSummary) -> list[dict[str, Any]]:
    s = summary
    rows: list[dict[str, Any]] = [
        {"item": f"documents {k}", "value": v} for k, v in (
            ("read", s.documents_read), ("new", s.documents_new), ("stale", s.documents_stale),
            ("skipped (unchanged)", s.documents_skipped), ("duplicates", s.duplicates),
            ("quarantined", s.quarantined))
    ]
    rows += [{"item": f"rows {t} (loaded / total)",
              "value": f"{s.rows_loaded.get(t, 0)} / {n}"} for t, n in s.rows_total.items()]
    rows += [{"item": f"seconds {k}", "value": round(v, 2)} for k, v in s.seconds.items()]
    return rows


def top_new_events(warehouse: str, run_id: str, limit: int = 10) -> list[tuple[Any, ...]] | None:
    """None when the warehouse has no events table yet (an older warehouse)."""
    local = readable(warehouse)
    if local is None:
        return None
    con = duckdb.connect(local, read_only=True)
    try:
        return con.execute(TOP_EVENTS_SQL, [run_id, limit]).fetchall()
    except duckdb.CatalogException:
        return None
    finally:
        con.close()


def events_markdown(run_id: str, events: list[tuple[Any, ...]] | None) -> str:
    if events is None:
        return f"# Run {run_id}\n\nNo events table in this warehouse yet."
    if not events:
        return f"# Run {run_id}\n\nNo new events in this run."
    head = ("| CAMEO | PLOVER | source | target | trigger | date | mentions | documents |\n"
            "|---|---|---|---|---|---|---:|---:|")
    body = "\n".join("| " + " | ".join("" if v is None else str(v).replace("|", "/") for v in r)
                     + " |" for r in events)
    return f"# Top new events of run {run_id}\n\n{head}\n{body}\n"


def record_artifacts(summary: RunSummary) -> None:
    create_table_artifact(key="etl-run", table=summary_rows(summary),
                          description=f"ETL run {summary.run_id} into {summary.warehouse}")
    events = top_new_events(summary.warehouse, summary.run_id)
    create_markdown_artifact(key="etl-top-events",
                             markdown=events_markdown(summary.run_id, events),
                             description=f"Top new events of run {summary.run_id}")
