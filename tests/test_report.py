"""The HTML report without a browser: one self-contained file, evidence that matches the
warehouse's offsets, the --since/--country scope, the CLI, and the flow task's artifacts."""

from __future__ import annotations

import base64
import gzip
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from wirehouse.cli import app
from wirehouse.core.settings import Settings
from wirehouse.report import Scope, write_report
from wirehouse.report.evidence import sentence_bounds


def payload(html: str) -> dict[str, Any]:
    packed = re.search(r'id="evidence-data">(.*?)</script>', html, re.S)
    assert packed
    return json.loads(gzip.decompress(base64.b64decode(packed.group(1))))


@pytest.mark.parametrize(("body", "span", "sentence"), [
    ("One. Two met Three here. Four.", (5, 8), "Two met Three here."),
    ("Alpha said \"yes.\" Beta agreed.", (18, 22), "Beta agreed."),
    ("Title line\nMinisters met in Rome", (11, 20), "Ministers met in Rome"),
    ("No end at all", (3, 6), "No end at all"),
])
def test_sentence_found_around_the_spans(body: str, span: tuple[int, int], sentence: str) -> None:
    start, end = sentence_bounds(body, *span)
    assert body[start:end] == sentence


def test_spans_never_cut(tmp_path: Path) -> None:
    # A boundary inside the spans (an abbreviation) must not cut them out of the sentence.
    body = "Talks ended. The U.S. envoy met Iran's minister."
    start, end = sentence_bounds(body, 13, 48)
    assert start <= 13 and end >= 48


def test_report_is_one_file_with_the_warehouse_evidence(report_warehouse: str,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    written = write_report(report_warehouse, out)
    html = out.read_text(encoding="utf-8")
    assert written.bytes == out.stat().st_size
    # Self-contained: nothing is fetched, no script or stylesheet points outside the file.
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=", html)
    data = payload(html)
    con = duckdb.connect(report_warehouse, read_only=True)
    try:
        rows = con.execute("""
            SELECT em.event_mention_id, em.source_start_char, em.source_end_char,
                   em.target_start_char, em.target_end_char, em.trigger_start, em.trigger_end,
                   d.body, em.sentence_start, em.sentence_end
            FROM raw.event_mentions em JOIN raw.documents d USING (doc_id)""").fetchall()
        events = con.execute("SELECT count(*) FROM marts.events").fetchone()
    finally:
        con.close()
    assert events and len(data["events"]["event_id"]) == events[0] == written.events
    m = data["mentions"]
    index = {mid: i for i, mid in enumerate(m["id"])}
    assert set(index) == {r[0] for r in rows}
    for mid, ss, se, ts, te, gs, ge, body, sent_start, sent_end in rows:
        i = index[mid]
        sentence, offset = data["sentences"][m["sentence"][i]], m["offset"][i]
        assert body[offset:offset + len(sentence)] == sentence
        # The sentence shown is the one the coder read (its stored offsets).
        assert (offset, offset + len(sentence)) == (sent_start, sent_end)
        for got, want in ((m["source"][i], (ss, se)), (m["target"][i], (ts, te)),
                          (m["trigger"][i], (gs, ge))):
            if want[0] is None:
                assert got is None
                continue
            assert tuple(got) == want
            # Every span lies inside the sentence shown, so it can be highlighted there.
            assert offset <= want[0] and want[1] <= offset + len(sentence)
    # The sentence shown holds every named entity spaCy put in the same sentence.
    con = duckdb.connect(report_warehouse, read_only=True)
    try:
        named = con.execute("""
            SELECT em.event_mention_id, min(m.start_char), max(m.end_char)
            FROM raw.event_mentions em JOIN raw.mentions m USING (doc_id, sentence_index)
            GROUP BY 1""").fetchall()
    finally:
        con.close()
    assert named
    for mid, first, last in named:
        i = index[mid]
        offset, size = m["offset"][i], len(data["sentences"][m["sentence"][i]])
        assert offset <= first and last <= offset + size


def test_scope_since_and_country(report_warehouse: str, tmp_path: Path) -> None:
    con = duckdb.connect(report_warehouse, read_only=True)
    try:
        country = con.execute("SELECT source_country FROM marts.events WHERE source_country "
                              "IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
                              ).fetchone()
        want = con.execute("SELECT count(*) FROM marts.events WHERE ? IN (source_country, "
                           "target_country, place_country)", [country[0] if country else ""]
                           ).fetchone()
    finally:
        con.close()
    assert country and want
    by_country = write_report(report_warehouse, tmp_path / "c.html",
                              Scope(countries=(country[0],)))
    assert by_country.events == want[0]
    later = write_report(report_warehouse, tmp_path / "s.html", Scope(since=date(2100, 1, 1)))
    assert later.events == 0  # an empty report still writes, with its charts' notes


def test_cli_report(report_warehouse: str, tmp_path: Path) -> None:
    out = tmp_path / "cli.html"
    result = CliRunner().invoke(app, ["report", "--warehouse", report_warehouse, "--out",
                                      str(out), "--since", "2000-01-01"])
    assert result.exit_code == 0, result.output
    assert out.exists() and "events" in result.output
    bad = CliRunner().invoke(app, ["report", "--warehouse", report_warehouse, "--country",
                                   "Cuba", "--out", str(out)])
    assert bad.exit_code != 0 and "ISO 3166 alpha-3" in bad.output


def test_flow_task_writes_the_report_and_links_it(prefect_harness: None,
                                                  report_settings: Settings,
                                                  tmp_path: Path) -> None:
    from prefect import flow
    from prefect.artifacts import Artifact

    from flows.report import report_after_load

    out = tmp_path / "after-load.html"

    @flow
    def after_load(settings: Settings) -> str | None:
        return report_after_load(settings)

    assert after_load(report_settings.with_(report=str(out))) == str(out)
    assert out.exists()
    link = Artifact.get("events-report")
    summary = Artifact.get("events-report-summary")
    assert link is not None and summary is not None
    assert out.resolve().as_uri() in str(link.data)
    assert "events" in str(summary.data)
    assert after_load(report_settings.with_(report="off")) is None
