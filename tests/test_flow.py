"""The real Prefect flow, run under one session-wide test harness."""

from __future__ import annotations

from pathlib import Path

import duckdb
from conftest import PROJECT_ROOT, make_settings


def test_etl_flow_runs_and_reruns(prefect_harness: None, tmp_path: Path) -> None:
    from flows.etl import etl

    settings = make_settings(tmp_path)
    src = [str(PROJECT_ROOT / "seeds" / "*.txt")]
    first = etl(sources=src, warehouse=settings.warehouse, lake=settings.lake)
    assert first.documents_read == 1 and first.documents_new == 1
    assert first.rows_total["documents"] == 1 and first.rows_total["mentions"] > 50
    assert list(Path(settings.lake, "mentions").glob(f"{first.run_id}-*.parquet"))

    second = etl(sources=src, warehouse=settings.warehouse, lake=settings.lake)
    assert second.documents_skipped == 1 and second.documents_new == 0
    assert second.rows_total == {}  # nothing to load: the warehouse is untouched
    con = duckdb.connect(settings.warehouse, read_only=True)
    assert con.execute("SELECT count(*) FROM raw.documents").fetchone() == (1,)
    con.close()
