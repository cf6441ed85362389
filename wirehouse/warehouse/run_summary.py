"""What a run did, in words a user reads at the end of `wirehouse run`: its documents, its top
events and actors, the inputs it set aside and why, and where to look next.

Everything but the counts is read back from the published warehouse, restricted to the rows
this run wrote (``run_id``), so a two-document run reports two documents' events, not the
warehouse's.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from datetime import date
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
    # The HTML events report written after the load (wirehouse.report), when one was.
    events_report: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# The 20 CAMEO root categories as a verb in the past tense and the word that joins it to a
# target: "Turkey (TURGOV) disapproved of the Netherlands (NLDGOV): Accuse".
ROOT_VERBS: dict[str, tuple[str, str]] = {
    "01": ("made a statement", "about"), "02": ("appealed", "to"),
    "03": ("expressed intent to cooperate", "with"), "04": ("consulted", ""),
    "05": ("cooperated diplomatically", "with"), "06": ("cooperated materially", "with"),
    "07": ("provided aid", "to"), "08": ("yielded", "to"), "09": ("investigated", ""),
    "10": ("made demands", "of"), "11": ("disapproved", "of"), "12": ("rejected", ""),
    "13": ("threatened", ""), "14": ("protested", "against"),
    "15": ("showed force", "against"), "16": ("reduced relations", "with"),
    "17": ("coerced", ""), "18": ("assaulted", ""), "19": ("fought", ""),
    "20": ("used mass violence", "against"),
}


@dataclass(frozen=True)
class RunEvent:
    """One event this run reported, with the names to say it in words."""

    event_date: date | None
    reported: date | None
    source_name: str | None
    source_code: str | None
    target_name: str | None
    target_code: str | None
    root_code: str
    event_name: str
    articles: int

    def words(self) -> str:
        verb, joiner = ROOT_VERBS.get(self.root_code, ("acted", "towards"))
        when = (f"{self.event_date}" if self.event_date
                else f"reported {self.reported}" if self.reported else "undated")
        who = _actor(self.source_name, self.source_code) or "someone"
        whom = _actor(self.target_name, self.target_code)
        action = f"{verb} {joiner} {whom}".replace("  ", " ") if whom else verb
        n = f"{self.articles} article{'s' if self.articles != 1 else ''}"
        return f"{when} {who} {action}: {self.event_name}, {n}"


@dataclass(frozen=True)
class RunActor:
    code: str
    name: str | None
    events: int


@dataclass(frozen=True)
class SetAside:
    """An input the run quarantined or skipped, with why."""

    uri: str
    record: int | None
    reason: str
    message: str | None


@dataclass
class RunReport:
    summary: RunSummary
    events: list[RunEvent] = field(default_factory=list)
    actors: list[RunActor] = field(default_factory=list)
    set_aside: list[SetAside] = field(default_factory=list)
    flow_run_url: str | None = None
    html_report: str | None = None


# Events with a report (mention) from this run, by the articles of this run that report them
# (near-duplicate copies of one story count once).
RUN_EVENTS_SQL = """
WITH run_mentions AS (
    -- staging's event_id is the key of marts.events (raw's, or coder id @ doc_id).
    SELECT em.event_id, coalesce(d.cluster_id, d.doc_id) AS article
    FROM staging.event_mentions AS em JOIN raw.documents AS d USING (doc_id)
    WHERE em.run_id = $run_id
), per_event AS (
    SELECT event_id, count(DISTINCT article) AS articles FROM run_mentions GROUP BY event_id
)
SELECT e.event_date, CAST(e.first_seen AS DATE), e.source_name, e.source_code, e.target_name,
       e.target_code, e.root_code,
       regexp_replace(coalesce(c.name, e.event_code), ', not specified below$', ''),
       p.articles
FROM per_event AS p
JOIN marts.events AS e USING (event_id)
LEFT JOIN ref.cameo_codes AS c ON c.code = e.event_code
ORDER BY p.articles DESC, (e.source_code IS NOT NULL AND e.target_code IS NOT NULL) DESC,
         e.num_mentions DESC, e.event_date DESC NULLS LAST, e.event_id
LIMIT $limit
"""

# Actors (CAMEO codes) of this run's event reports, as source or target.
RUN_ACTORS_SQL = """
WITH sides AS (
    SELECT event_id, source_code AS code, source_entity_id AS entity_id, doc_id
    FROM raw.event_mentions WHERE run_id = $run_id AND source_code IS NOT NULL
    UNION ALL
    SELECT event_id, target_code, target_entity_id, doc_id
    FROM raw.event_mentions WHERE run_id = $run_id AND target_code IS NOT NULL
)
SELECT s.code, mode(en.name), count(DISTINCT s.event_id) AS events
FROM sides AS s
LEFT JOIN raw.entities AS en ON en.doc_id = s.doc_id AND en.entity_id = s.entity_id
GROUP BY s.code
ORDER BY events DESC, s.code
LIMIT $limit
"""

SET_ASIDE_SQL = """
SELECT uri, record, reason, message FROM raw.quarantine
WHERE run_id = $run_id ORDER BY reason, uri, record
"""


def read_report(summary: RunSummary, limit: int = 10) -> RunReport:
    """The run's events, actors and set-aside inputs, read from the published warehouse."""
    report = RunReport(summary)
    report.html_report = summary.events_report
    local = readable(summary.warehouse)
    if local is None:
        return report
    con = duckdb.connect(local, read_only=True)
    try:
        params = {"run_id": summary.run_id, "limit": limit}
        report.events = [RunEvent(*row) for row in con.execute(RUN_EVENTS_SQL, params).fetchall()]
        report.actors = [RunActor(*row) for row in con.execute(RUN_ACTORS_SQL, params).fetchall()]
        report.set_aside = [SetAside(*row) for row in
                            con.execute(SET_ASIDE_SQL, {"run_id": summary.run_id}).fetchall()]
    finally:
        con.close()
    return report


def render(report: RunReport, verbose: bool = False) -> str:
    s = report.summary
    where = s.warehouse if "://" in s.warehouse else os.path.abspath(s.warehouse)
    lines = [
        f"run {s.run_id} -> {where}",
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
    if report.events:
        lines.append("top events of this run:")
        lines += [f"  {e.words()}" for e in report.events]
    if report.actors:
        lines.append("top actors of this run:")
        lines += [f"  {_actor(a.name, a.code)}: {a.events} event{'s' if a.events != 1 else ''}"
                  for a in report.actors]
    lines += _set_aside_lines(report.set_aside, verbose)
    lines.append("next:")
    lines.append(f"  query:   wirehouse sql 'FROM marts.events LIMIT 10' --warehouse {where}")
    if report.flow_run_url:
        lines.append(f"  prefect: {report.flow_run_url}")
    if report.html_report:
        lines.append(f"  report:  {report.html_report}")
    return "\n".join(lines)


def _set_aside_lines(items: list[SetAside], verbose: bool) -> list[str]:
    if not items:
        return []
    by_reason: dict[str, int] = {}
    for item in items:
        by_reason[item.reason] = by_reason.get(item.reason, 0) + 1
    lines = ["set aside (raw.quarantine): " + ", ".join(
        f"{reason} {n}" for reason, n in sorted(by_reason.items(), key=lambda kv: -kv[1]))
        + ("" if verbose else " (--verbose lists them)")]
    if verbose:
        lines += [f"  {i.reason}: {i.uri}{'' if i.record is None else f' #{i.record}'}"
                  f"{f' ({i.message})' if i.message else ''}" for i in items]
    return lines


def _actor(name: str | None, code: str | None) -> str:
    if name and code:
        return f"{name} ({code})"
    return name or code or ""

