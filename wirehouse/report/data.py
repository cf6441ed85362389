"""What the report shows, read from the warehouse in one read-only connection."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

Rows = list[tuple[Any, ...]]


@dataclass(frozen=True)
class Scope:
    """Which events the report covers."""

    since: date | None = None
    countries: tuple[str, ...] = ()
    # Only these events (a review sample's); empty: all.
    event_ids: tuple[str, ...] = ()
    max_evidence_events: int = 20_000

    def where(self, alias: str = "e") -> tuple[str, list[Any]]:
        clauses: list[str] = ["true"]
        params: list[Any] = []
        if self.since is not None:
            clauses.append(f"coalesce({alias}.event_date, {alias}.first_seen::DATE) >= ?")
            params.append(self.since)
        if self.countries:
            marks = ", ".join("?" for _ in self.countries)
            clauses.append(f"({alias}.source_country IN ({marks}) OR {alias}.target_country "
                           f"IN ({marks}) OR {alias}.place_country IN ({marks}))")
            params.extend(list(self.countries) * 3)
        if self.event_ids:
            clauses.append(f"{alias}.event_id IN ({', '.join('?' for _ in self.event_ids)})")
            params.extend(self.event_ids)
        return " AND ".join(clauses), params


@dataclass
class ReportData:
    generated_from: str
    totals: dict[str, int]
    loaded_by_day: Rows          # day, documents, events, entities
    documents_by_source: Rows    # source, documents, events, entities
    quarantine_by_reason: Rows   # reason, inputs
    events_by_day_quad: Rows     # period start, quad_class, events
    events_by_root: Rows         # root_code, root_name, quad_class, events, mean goldstein
    events_by_plover: Rows       # plover_type, quad_class, events
    dyads: Rows                  # source, target, events, mean goldstein
    places: Rows                 # place, country, lat, lon, events, mean goldstein
    top_actors: Rows             # actor name, code, events
    top_entities: Rows           # name, type, country, mentions, documents
    events: Rows = field(default_factory=list)
    event_columns: list[str] = field(default_factory=list)
    mentions: Rows = field(default_factory=list)
    mention_columns: list[str] = field(default_factory=list)
    documents: Rows = field(default_factory=list)
    code_names: dict[str, str] = field(default_factory=dict)
    period: str = "day"
    bulk_dates: tuple[date | None, date | None] = (None, None)
    events_in_scope: int = 0


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Rows:
    return con.execute(sql, params or []).fetchall()


def read(warehouse: str, scope: Scope) -> ReportData:
    # No progress bar: the report is written by the flow too, whose log it would fill.
    con = duckdb.connect(warehouse, read_only=True)
    try:
        con.execute("SET enable_progress_bar = false")
        return _read(con, warehouse, scope)
    finally:
        con.close()


def _read(con: duckdb.DuckDBPyConnection, warehouse: str, scope: Scope) -> ReportData:
    where, params = scope.where()
    # A warehouse from before the review loop has no review status.
    status = ("e.review_status" if _has(con, "marts", "events", "review_status")
              else "NULL::VARCHAR AS review_status")
    # The events in scope, once: every chart and the table read this temp table.
    con.execute(f"""
        CREATE TEMP TABLE scoped AS
        SELECT e.event_id, coalesce(e.event_date, e.first_seen::DATE) AS day, e.first_doc_id,
               e.source_name, e.source_code, e.source_country, e.target_name, e.target_code,
               e.target_country, e.event_code, e.root_code, e.quad_class, e.goldstein,
               e.plover_type, e.place_text, e.place_country, e.place_lat, e.place_lon,
               e.num_mentions, e.avg_confidence, {status}
        FROM marts.events AS e WHERE {where}""", params)
    con.execute("CREATE TEMP TABLE scoped_docs AS SELECT DISTINCT em.doc_id FROM "
                "staging.event_mentions em JOIN scoped USING (event_id)")
    all_docs = not scope.countries and scope.since is None and not scope.event_ids
    doc_filter = "" if all_docs else "WHERE doc_id IN (SELECT doc_id FROM scoped_docs)"
    totals = {
        "documents": _one(con, f"SELECT count(*) FROM staging.documents {doc_filter}"),
        "events": _one(con, "SELECT count(*) FROM scoped"),
        "event_mentions": _one(con, "SELECT count(*) FROM staging.event_mentions "
                                    "WHERE event_id IN (SELECT event_id FROM scoped)"),
        "entities": _one(con, f"SELECT count(DISTINCT entity_id) FROM staging.entities "
                              f"{doc_filter}"),
        "quarantined": _one(con, "SELECT count(*) FROM raw.quarantine"),
    }
    loaded_by_day = _rows(con, f"""
        WITH d AS (
            SELECT doc_id, min(first_seen)::DATE AS day FROM staging.document_sources
            {doc_filter} GROUP BY doc_id),
        ev AS (SELECT first_doc_id AS doc_id, count(*) AS n FROM scoped GROUP BY ALL),
        en AS (SELECT doc_id, count(*) AS n FROM staging.entities GROUP BY ALL)
        SELECT d.day, count(*), coalesce(sum(ev.n), 0)::BIGINT, coalesce(sum(en.n), 0)::BIGINT
        FROM d LEFT JOIN ev USING (doc_id) LEFT JOIN en USING (doc_id)
        GROUP BY d.day ORDER BY d.day""")
    documents_by_source = _rows(con, f"""
        WITH d AS (
            SELECT doc_id, coalesce(source, nullif(regexp_extract(url, '//([^/:]+)', 1), ''),
                                    'unknown') AS source
            FROM staging.documents {doc_filter}),
        ev AS (SELECT first_doc_id AS doc_id, count(*) AS n FROM scoped GROUP BY ALL),
        en AS (SELECT doc_id, count(*) AS n FROM staging.entities GROUP BY ALL)
        SELECT d.source, count(*), coalesce(sum(ev.n), 0)::BIGINT, coalesce(sum(en.n), 0)::BIGINT
        FROM d LEFT JOIN ev USING (doc_id) LEFT JOIN en USING (doc_id)
        GROUP BY d.source ORDER BY 2 DESC, 1 LIMIT 30""")
    quarantine_by_reason = _rows(con, "SELECT reason, count(*) FROM raw.quarantine "
                                      "GROUP BY ALL ORDER BY 2 DESC, 1")
    # The bulk of the dates sets the bar width; a few events dated decades back (an article
    # recalling 1933) would otherwise squeeze every bar into a line.
    low, high = con.execute("SELECT quantile_disc(day, 0.02), quantile_disc(day, 0.98) "
                            "FROM scoped").fetchone() or (None, None)
    span = (high - low).days if low and high else 0
    period = "day" if span <= 120 else "week" if span <= 3 * 365 else "month"
    events_by_day_quad = _rows(con, f"SELECT date_trunc('{period}', day)::DATE, quad_class, "
                                    f"count(*) FROM scoped WHERE day IS NOT NULL "
                                    f"GROUP BY ALL ORDER BY ALL")
    events_by_root = _rows(con, """
        SELECT s.root_code, coalesce(c.event_name, s.root_code), any_value(s.quad_class),
               count(*), avg(s.goldstein)
        FROM scoped s LEFT JOIN staging.cameo_codes c ON c.event_code = s.root_code
        GROUP BY ALL ORDER BY 1""")
    events_by_plover = _rows(con, "SELECT coalesce(plover_type, 'unmapped'), "
                                  "mode(quad_class), count(*) FROM scoped GROUP BY ALL "
                                  "ORDER BY 3 DESC")
    dyads = _rows(con, """
        SELECT source_country, target_country, count(*), avg(goldstein)
        FROM scoped WHERE source_country IS NOT NULL AND target_country IS NOT NULL
        GROUP BY ALL ORDER BY 3 DESC""")
    places = _rows(con, """
        SELECT any_value(place_text), place_country, round(place_lat, 3), round(place_lon, 3),
               count(*), avg(goldstein)
        FROM scoped WHERE place_lat IS NOT NULL
        GROUP BY place_country, round(place_lat, 3), round(place_lon, 3) ORDER BY 5 DESC""")
    top_actors = _rows(con, """
        WITH side AS (
            SELECT source_name AS name, source_code AS code FROM scoped
            WHERE source_name IS NOT NULL
            UNION ALL
            SELECT target_name, target_code FROM scoped WHERE target_name IS NOT NULL)
        SELECT name, mode(code), count(*) FROM side GROUP BY name ORDER BY 3 DESC, 1
        LIMIT 20""")
    top_entities = _rows(con, f"""
        SELECT arg_max(name, num_mentions), any_value(entity_type), mode(country_iso3),
               sum(num_mentions)::BIGINT, count(*)
        FROM staging.entities {doc_filter} GROUP BY entity_id ORDER BY 4 DESC LIMIT 20""")
    data = ReportData(warehouse, totals, loaded_by_day, documents_by_source,
                      quarantine_by_reason, events_by_day_quad, events_by_root,
                      events_by_plover, dyads, places, top_actors, top_entities)
    data.period, data.bulk_dates = period, (low, high)
    _read_evidence(con, scope, data)
    return data


def _has(con: duckdb.DuckDBPyConnection, schema: str, table: str,
         column: str | None = None) -> bool:
    row = con.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = ? "
                      "AND table_name = ? AND column_name = coalesce(?, column_name)",
                      [schema, table, column]).fetchone()
    return bool(row and row[0])


def _read_evidence(con: duckdb.DuckDBPyConnection, scope: Scope, data: ReportData) -> None:
    data.events_in_scope = data.totals["events"]
    # Verdicts already imported, shown beside each mention (a warehouse from before the
    # review loop has none).
    stored = ("marts.event_mention_reviews" if _has(con, "marts", "event_mention_reviews")
              else "(SELECT NULL::VARCHAR AS event_mention_id, NULL::VARCHAR AS verdict)")
    # The most recent events carry evidence when there are more than the cap.
    con.execute("CREATE TEMP TABLE shown AS SELECT event_id FROM scoped "
                "ORDER BY day DESC NULLS LAST, event_id LIMIT ?", [scope.max_evidence_events])
    rel = con.execute("""
        SELECT s.event_id, s.day, s.source_name, s.source_country, s.target_name,
               s.target_country, s.event_code, s.root_code, s.quad_class, s.goldstein,
               s.plover_type, s.place_text, s.num_mentions, s.avg_confidence,
               s.review_status
        FROM scoped s SEMI JOIN shown USING (event_id)
        ORDER BY s.day DESC NULLS LAST, s.event_id""")
    data.event_columns = [d[0] for d in rel.description]
    data.events = rel.fetchall()
    # The named-entity mentions of the same sentence (same sentence number) widen the span
    # the sentence must hold: "U.S." before the source is then not taken for a sentence end.
    rel = con.execute(f"""
        WITH em AS (
            SELECT em.* FROM staging.event_mentions em SEMI JOIN shown USING (event_id)),
        named AS (
            SELECT m.doc_id, m.sentence_index, min(m.start_char) AS named_start,
                   max(m.end_char) AS named_end
            FROM staging.mentions m SEMI JOIN (SELECT DISTINCT doc_id FROM em) USING (doc_id)
            GROUP BY ALL)
        SELECT em.event_mention_id, em.event_id, em.doc_id,
               em.source_start_char, em.source_end_char, em.target_start_char,
               em.target_end_char, em.trigger_start, em.trigger_end,
               em.sentence_start, em.sentence_end,
               em.date_text, em.confidence, em.event_code, d.extractor_version,
               rv.verdict AS stored_verdict, n.named_start, n.named_end
        FROM em JOIN staging.documents d USING (doc_id)
        LEFT JOIN named n USING (doc_id, sentence_index)
        LEFT JOIN {stored} AS rv USING (event_mention_id)
        ORDER BY em.event_id, em.confidence DESC, em.event_mention_id""")
    data.mention_columns = [d[0] for d in rel.description]
    data.mentions = rel.fetchall()
    data.code_names = dict(con.execute(
        "SELECT event_code, event_name FROM staging.cameo_codes WHERE event_code IN "
        "(SELECT event_code FROM scoped UNION SELECT root_code FROM scoped)").fetchall())
    data.documents = con.execute("""
        SELECT doc_id, title, coalesce(url, source_uri), source, published_at::DATE, body
        FROM staging.documents WHERE doc_id IN (
            SELECT DISTINCT em.doc_id FROM staging.event_mentions em JOIN shown USING (event_id))
        """).fetchall()


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0
