"""The real Prefect flow, run under one session-wide test harness."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import CORPORA, PROJECT_ROOT, make_settings

from wirehouse.core.settings import Settings
from wirehouse.extract import host

REUTERS = CORPORA / "reuters21578" / "reuters21578.jsonl.gz"


def reuters_sample(path: Path, n: int, skip: int = 0) -> str:
    """n short Reuters articles as a JSONL source (short keeps the model time small)."""
    rows = []
    with gzip.open(REUTERS, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if 40 <= len(rec.get("text", "").split()) <= 150:
                rows.append(line)
            if len(rows) == n + skip:
                break
    path.write_text("".join(rows[skip:]), encoding="utf-8")
    return str(path)


# Columns that differ between two runs over the same documents by design.
RUN_COLUMNS = {"run_id", "first_seen", "last_seen", "seen_at"}


def table_rows(warehouse: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every raw table's rows, sorted, without the per-run columns."""
    from wirehouse.core.contract import TABLES

    con = duckdb.connect(warehouse, read_only=True)
    try:
        out = {}
        for name, table in TABLES.items():
            cols = ", ".join(f.name for f in table.schema if f.name not in RUN_COLUMNS)
            out[name] = con.execute(f"SELECT {cols} FROM raw.{name} ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def use_settings(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    # The task runner is a setting (environment), not a flow parameter.
    monkeypatch.setattr("flows.etl.get_settings", lambda: settings)


def count_calls(monkeypatch: pytest.MonkeyPatch, fail: set[str] | None = None) -> list[str]:
    """Record the extract_batch calls (thread runner: same process); fail the parts in
    ``fail`` (the caller may empty it later)."""
    import wirehouse.extract.batch

    real: Callable[..., dict[str, str]] = wirehouse.extract.batch.extract_batch
    calls: list[str] = []
    failing = fail if fail is not None else set()

    def wrapped(staged_path: str, run_id: str, settings: Settings, part: str,
                **options: Any) -> dict[str, str]:
        calls.append(part)
        if part in failing:
            raise ValueError("model blew up")
        return real(staged_path, run_id, settings, part, **options)

    monkeypatch.setattr(wirehouse.extract.batch, "extract_batch", wrapped)
    return calls


def test_etl_flow_runs_and_reruns(prefect_harness: None, tmp_path: Path) -> None:
    from prefect.artifacts import Artifact

    from flows.etl import etl

    settings = make_settings(tmp_path)
    src = [str(PROJECT_ROOT / "seeds" / "*.txt")]
    first = etl(sources=src, warehouse=settings.warehouse, lake=settings.lake)
    assert first.documents_read == 1 and first.documents_new == 1
    assert first.rows_total["documents"] == 1 and first.rows_total["mentions"] > 50
    assert list(Path(settings.lake, "mentions").glob(f"{first.run_id}-*.parquet"))
    assert set(first.seconds) == {"ingest", "extract", "load"}
    # The events report is written beside the warehouse, and the run summary points at it.
    assert first.events_report == str(Path(settings.warehouse).with_name("report.html"))
    assert Path(first.events_report).stat().st_size > 0

    second = etl(sources=src, warehouse=settings.warehouse, lake=settings.lake)
    assert second.documents_skipped == 1 and second.documents_new == 0
    assert second.rows_total == {}  # nothing to load: the warehouse is untouched
    con = duckdb.connect(settings.warehouse, read_only=True)
    assert con.execute("SELECT count(*) FROM raw.documents").fetchone() == (1,)
    con.close()

    latest = Artifact.get("etl-run")  # the second run's
    events = Artifact.get("etl-top-events")
    assert latest is not None and events is not None
    table: Any = json.loads(latest.data) if isinstance(latest.data, str) else latest.data
    items = {row["item"]: row["value"] for row in table}
    assert items["documents skipped (unchanged)"] == 1 and "seconds ingest" in items
    assert second.run_id in str(events.data)


def test_top_events_artifact_lists_the_runs_events(seeded: Settings) -> None:
    from flows.artifacts import events_markdown, top_new_events

    con = duckdb.connect(seeded.warehouse, read_only=True)
    run_id, n = con.execute("SELECT run_id, count(*) FROM raw.event_mentions GROUP BY 1").fetchone()  # type: ignore[misc]
    con.close()
    events = top_new_events(seeded.warehouse, run_id)
    assert events and sum(e[6] for e in events) <= n
    md = events_markdown(run_id, events)
    assert md.startswith(f"# Top new events of run {run_id}") and md.count("\n|") >= 3
    assert top_new_events(seeded.warehouse, "no-such-run") == []


def test_retried_flow_run_does_not_redo_finished_batches(
        prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import flows.etl

    settings = make_settings(tmp_path, task_runner="thread", batch_size=2)
    use_settings(monkeypatch, settings)
    source = reuters_sample(tmp_path / "docs.jsonl", 4)
    calls = count_calls(monkeypatch)
    publishes: list[str] = []
    real_publish = flows.etl.publish

    def flaky_publish(*args: Any, **kwargs: Any) -> Any:
        publishes.append(args[1])
        if len(publishes) == 1:
            raise OSError("disk went away")
        return real_publish(*args, **kwargs)

    monkeypatch.setattr(flows.etl, "publish", flaky_publish)
    monkeypatch.setattr(flows.etl, "load", flows.etl.load.with_options(retries=0))
    summary = flows.etl.etl.with_options(retries=1, retry_delay_seconds=0)(
        sources=[source], warehouse=settings.warehouse, lake=settings.lake)
    assert len(publishes) == 2 and publishes[0] == publishes[1]  # same run id on the retry
    assert sorted(calls) == ["00000", "00001"]  # the retry reused both finished batches
    assert summary.rows_total["documents"] == 4


def test_failed_batch_fails_the_run_and_rerun_redoes_only_it(
        prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.etl import etl
    from flows.extract_stage import BatchesFailed

    settings = make_settings(tmp_path, task_runner="thread", batch_size=2)
    use_settings(monkeypatch, settings)
    source = reuters_sample(tmp_path / "docs.jsonl", 4)
    fail = {"00001"}
    calls = count_calls(monkeypatch, fail)
    with pytest.raises(BatchesFailed,
                       match=r"(?s)1 of 2 batches failed.*batch 00001.*model blew up"):
        etl(sources=[source], warehouse=settings.warehouse, lake=settings.lake)
    assert not Path(settings.warehouse).exists()  # nothing loaded
    assert calls.count("00001") == 2  # the extract task's own retry

    calls.clear()
    fail.clear()
    summary = etl(sources=[source], warehouse=settings.warehouse, lake=settings.lake)
    assert calls == ["00001"]  # batch 00000 came from the cache in the lake
    assert summary.rows_total["documents"] == 4

    # force re-extracts everything, cache or not
    calls.clear()
    etl(sources=[source], warehouse=settings.warehouse, lake=settings.lake, force=True)
    assert sorted(calls) == ["00000", "00001"]


@pytest.mark.parametrize("runner", ["process", "thread"])
def test_task_runners_equal_in_process(runner: str, prefect_harness: None, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """On two cores, Prefect's process pool, and the thread runner with the extraction host
    (wirehouse.extract.host) that ingest starts, give the rows of an in-process run."""
    from conftest import record_host_starts, run_library

    import flows.etl

    source = reuters_sample(tmp_path / "docs.jsonl", 4)
    single = make_settings(tmp_path / "single")
    run_library(single, [source])
    multi = make_settings(tmp_path / "multi", task_runner=runner, batch_size=2)
    multi = multi.with_(n_process=2)
    use_settings(monkeypatch, multi)
    hosts = record_host_starts(monkeypatch, "flows.etl.start_host")
    flows.etl.etl(sources=[source], warehouse=multi.warehouse, lake=multi.lake)
    assert table_rows(multi.warehouse) == table_rows(single.warehouse)
    if runner == "thread":  # started by ingest, stopped after extraction
        assert len(hosts) == 1 and not hosts[0].alive()
    else:
        assert not hosts
    assert host.running_host() is None


def test_extraction_starts_while_ingest_reads_on(
        prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ingest hands each staged batch to its extract task at once: batch 00000 is extracted
    while ingest, which waits here for that after staging it, has the rest still to read; the
    rows are those of an in-process run."""
    import threading

    from conftest import run_library

    import flows.etl
    import wirehouse.extract.batch

    source = reuters_sample(tmp_path / "docs.jsonl", 6)
    single = make_settings(tmp_path / "single")
    run_library(single, [source])
    settings = make_settings(tmp_path / "streamed", task_runner="thread", batch_size=2)
    use_settings(monkeypatch, settings)
    first_done = threading.Event()
    waited: list[bool] = []
    real_extract = wirehouse.extract.batch.extract_batch
    real_stage = flows.etl.stage_batches

    def extract(staged_path: str, run_id: str, settings: Settings, part: str,
                **options: Any) -> dict[str, str]:
        out = real_extract(staged_path, run_id, settings, part, **options)
        if part == "00000":
            first_done.set()
        return out

    def stage(*args: Any, **kwargs: Any) -> Any:
        batches = real_stage(*args, **kwargs)
        yield next(batches)
        waited.append(first_done.wait(timeout=300))
        return (yield from batches)

    monkeypatch.setattr(wirehouse.extract.batch, "extract_batch", extract)
    monkeypatch.setattr(flows.etl, "stage_batches", stage)
    summary = flows.etl.etl(sources=[source], warehouse=settings.warehouse, lake=settings.lake)
    assert waited == [True]
    assert summary.rows_total["documents"] == 6
    assert table_rows(settings.warehouse) == table_rows(single.warehouse)
