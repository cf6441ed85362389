"""The extract stage on a Dask cluster gives the same rows as one process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_settings, run_library
from test_flow import reuters_sample, table_rows, use_settings

pytest.importorskip("prefect_dask")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster_address() -> Iterator[str]:
    # Two single-threaded worker processes: what the README recommends per machine.
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    try:
        yield str(cluster.scheduler_address)
    finally:
        cluster.close()


def test_dask_runner_equals_single_process(prefect_harness: None, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           cluster_address: str) -> None:
    from flows.etl import etl

    source = reuters_sample(tmp_path / "docs.jsonl", 6)
    single = make_settings(tmp_path / "single")
    run_library(single, [source])

    dask = make_settings(tmp_path / "dask", task_runner="dask", dask_address=cluster_address,
                         batch_size=2)
    use_settings(monkeypatch, dask)
    summary = etl(sources=[source], warehouse=dask.warehouse, lake=dask.lake)
    assert summary.documents_new == 6
    assert len(list(Path(dask.lake, "documents").glob("*.parquet"))) == 3  # one per batch
    expected = table_rows(single.warehouse)
    assert expected["documents"] and expected["mentions"]
    assert table_rows(dask.warehouse) == expected
