"""The run summary speaks of the run it follows: its events and actors, not the warehouse's,
and the inputs it set aside by reason."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import CORPORA, SEED, make_settings, run_library

from wirehouse.core.settings import Settings
from wirehouse.warehouse.run_summary import RunEvent, RunSummary, read_report, render


def test_an_event_in_words() -> None:
    event = RunEvent(date(2017, 3, 14), None, "Turkey", "TURGOV", "the Netherlands", "NLDGOV",
                     "11", "Accuse", 3)
    assert event.words() == ("2017-03-14 Turkey (TURGOV) disapproved of the Netherlands "
                             "(NLDGOV): Accuse, 3 articles")
    undated = RunEvent(None, date(2017, 2, 9), None, "RUS", None, None, "01",
                       "Make statement", 1)
    assert undated.words() == "reported 2017-02-09 RUS made a statement: Make statement, 1 article"


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, str, str]:
    """The seed in one run; one news article and an empty file in the next."""
    tmp = tmp_path_factory.mktemp("two_runs")
    settings = make_settings(tmp)
    first = run_library(settings, [str(SEED)])["run_id"]
    second_in = tmp / "second"
    second_in.mkdir()
    with (CORPORA / "news-events-gold" / "dev_articles.jsonl").open() as f:
        article = json.loads(f.readlines()[1])  # a Trump-Russia article with events
    (second_in / "article.jsonl").write_text(json.dumps(article) + "\n")
    (second_in / "empty.txt").write_text("")
    second = run_library(settings, [str(second_in)])["run_id"]
    return settings, str(first), str(second)


def _run_counts(warehouse: str, run_id: str) -> dict[str, int]:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        rows = con.execute("""
            SELECT code, count(DISTINCT event_id) FROM (
                SELECT event_id, source_code AS code FROM raw.event_mentions WHERE run_id = $r
                UNION ALL
                SELECT event_id, target_code FROM raw.event_mentions WHERE run_id = $r)
            WHERE code IS NOT NULL GROUP BY code""", {"r": run_id}).fetchall()
    finally:
        con.close()
    return dict(rows)


def test_events_and_actors_are_the_runs_own(two_runs: tuple[Settings, str, str]) -> None:
    settings, first, second = two_runs
    report = read_report(RunSummary(second, settings.warehouse))
    own = _run_counts(settings.warehouse, second)
    assert report.events and report.actors
    assert {a.code: a.events for a in report.actors} == dict(
        sorted(own.items(), key=lambda kv: (-kv[1], kv[0]))[:10])
    # The seed's actors (Venezuela, Cuba) are the first run's, not this one's.
    first_only = set(_run_counts(settings.warehouse, first)) - set(own)
    assert first_only and not first_only & {a.code for a in report.actors}
    assert all(e.articles == 1 for e in report.events)  # one article in this run


def test_set_aside_inputs_by_reason(two_runs: tuple[Settings, str, str]) -> None:
    settings, first, second = two_runs
    report = read_report(RunSummary(second, settings.warehouse))
    assert [(Path(i.uri).name, i.reason) for i in report.set_aside] == [("empty.txt", "empty")]
    assert read_report(RunSummary(first, settings.warehouse)).set_aside == []
    short = render(report)
    assert "set aside (raw.quarantine): empty 1 (--verbose lists them)" in short
    assert "empty.txt" not in short
    assert "empty.txt" in render(report, verbose=True)


def test_render_says_where_to_look_next(two_runs: tuple[Settings, str, str],
                                        tmp_path: Path) -> None:
    settings, _, second = two_runs
    report = read_report(RunSummary(second, settings.warehouse))
    report.flow_run_url = "http://127.0.0.1:4200/runs/flow-run/0000"
    text = render(report)
    assert "top events of this run:" in text and "top actors of this run:" in text
    assert f"--warehouse {Path(settings.warehouse).resolve()}" in text
    assert "prefect: http://127.0.0.1:4200/runs/flow-run/0000" in text
    # A warehouse with nothing from this run id: counts only, no error.
    copy = tmp_path / "copy.duckdb"
    shutil.copy(settings.warehouse, copy)
    empty = read_report(RunSummary("no-such-run", str(copy)))
    assert (empty.events, empty.actors, empty.set_aside) == ([], [], [])
