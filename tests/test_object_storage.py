"""Lake and warehouse on object storage: the real flow against a real S3 server.

moto's ThreadedMotoServer speaks the S3 HTTP API on 127.0.0.1; s3fs (and so pyarrow, DuckDB
and Prefect's result storage, all through fsspec) reach it through AWS_ENDPOINT_URL, the way
a user points the project at MinIO or another S3-compatible store.

The flow runs once into s3:// and once into local paths (module fixture); the tests read what
those runs left. Tests that run the flow again keep the warehouse's rows as they were.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import PROJECT_ROOT, make_settings
from test_flow import RUN_COLUMNS, count_calls, table_rows

from wirehouse.core.settings import Settings

# Mart columns that record when a run saw a document, like the raw tables' RUN_COLUMNS.
WHEN_SEEN = RUN_COLUMNS | {"date_added", "DATEADDED"}

s3fs = pytest.importorskip("s3fs")
moto_server = pytest.importorskip("moto.server")

SEEDS = [str(PROJECT_ROOT / "seeds" / "*.txt")]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@dataclass
class Runs:
    fs: Any                 # s3fs.S3FileSystem on the moto server
    bucket: str
    remote: Settings        # lake and warehouse on s3://
    local: Settings         # the same run into local paths
    run_id: str
    tmp: Path
    monkeypatch: pytest.MonkeyPatch


def use_s3(monkeypatch: pytest.MonkeyPatch, endpoint: str, tmp: Path) -> Any:
    """Credentials and endpoint the usual way, from the environment, for every fsspec user."""
    for name, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                        "XDG_CACHE_HOME": str(tmp / "xdg-cache")}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    s3fs.S3FileSystem.clear_instance_cache()  # fsspec reuses instances made before the env
    return s3fs.S3FileSystem()


@pytest.fixture(scope="module")
def runs(prefect_harness: None, s3_endpoint: str,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    from flows.etl import etl

    tmp = tmp_path_factory.mktemp("object-storage")
    with pytest.MonkeyPatch.context() as mp:
        fs = use_s3(mp, s3_endpoint, tmp)
        bucket = f"wirehouse-{uuid.uuid4().hex[:8]}"
        fs.mkdir(bucket)
        remote = make_settings(tmp).with_(lake=f"s3://{bucket}/lake", cache_dir=str(tmp / "cache"),
                                          warehouse=f"s3://{bucket}/warehouse/wirehouse.duckdb")
        local = make_settings(tmp / "local")
        # cache_dir is a setting, not a flow parameter.
        mp.setattr("flows.etl.get_settings", lambda: remote)
        summary = etl(sources=SEEDS, warehouse=remote.warehouse, lake=remote.lake)
        etl(sources=SEEDS, warehouse=local.warehouse, lake=local.lake)
        assert summary.documents_new == 1
        yield Runs(fs, bucket, remote, local, summary.run_id, tmp, mp)


def download(runs: Runs, name: str) -> str:
    target = str(runs.tmp / name)
    runs.fs.get_file(f"{runs.bucket}/warehouse/wirehouse.duckdb", target)
    return target


def marts_rows(warehouse: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every mart's rows, sorted, without the per-run columns."""
    con = duckdb.connect(warehouse, read_only=True)
    try:
        out = {}
        for (name,) in con.execute("SELECT table_name FROM information_schema.tables WHERE "
                                   "table_schema = 'marts' ORDER BY 1").fetchall():
            cols = [c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                "'marts' AND table_name = ? ORDER BY ordinal_position", [name]).fetchall()
                if c not in WHEN_SEEN]
            out[name] = con.execute(f"SELECT {', '.join(cols)} FROM marts.{name} "
                                    "ORDER BY ALL").fetchall()
        return out
    finally:
        con.close()


def test_parquet_objects_are_written_under_the_lake_prefix(runs: Runs) -> None:
    lake = f"{runs.bucket}/lake"
    for table in ("documents", "mentions", "entities", "event_mentions", "quotations"):
        files = runs.fs.glob(f"{lake}/{table}/{runs.run_id}-*.parquet")
        assert files, table
        with runs.fs.open(files[0], "rb") as fh:
            assert fh.read(4) == b"PAR1"
    assert runs.fs.exists(f"{lake}/_state/neardup.idx")  # kept for the next run
    assert not runs.fs.exists(f"{lake}/_staging/{runs.run_id}")  # dropped after the load
    assert runs.fs.ls(f"{lake}/_cache/extract")  # the batch cache records, for every worker


def test_warehouse_object_equals_a_local_run(runs: Runs) -> None:
    published = download(runs, "published.duckdb")
    expected = table_rows(runs.local.warehouse)
    assert expected["documents"] and expected["mentions"] and expected["event_mentions"]
    assert table_rows(published) == expected
    marts = marts_rows(runs.local.warehouse)
    assert marts["events"] and marts["entities"]
    assert marts_rows(published) == marts


def test_second_run_over_unchanged_sources_skips_everything(
        runs: Runs, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.etl import etl

    key = f"{runs.bucket}/warehouse/wirehouse.duckdb"
    before = runs.fs.info(key, refresh=True)["ETag"]
    calls = count_calls(monkeypatch)
    again = etl(sources=SEEDS, warehouse=runs.remote.warehouse, lake=runs.remote.lake)
    assert again.documents_skipped == 1 and again.documents_new == 0
    assert again.rows_total == {} and calls == []
    assert runs.fs.info(key, refresh=True)["ETag"] == before  # not published again
    assert not runs.fs.glob(f"{runs.bucket}/lake/documents/{again.run_id}-*")


def test_sql_command_reads_the_warehouse_object(runs: Runs) -> None:
    from typer.testing import CliRunner

    from wirehouse.cli import app

    out = CliRunner().invoke(app, ["sql", "SELECT count(*) AS n FROM raw.documents",
                                   "--warehouse", runs.remote.warehouse, "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == [{"n": 1}]


def test_lost_warehouse_is_rebuilt_from_cached_batches_in_the_lake(
        runs: Runs, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch cache lives on object storage: with the warehouse object gone, the run
    stages the document again and its batch comes from the cache, not from the model."""
    from flows.etl import etl

    expected = table_rows(download(runs, "before-loss.duckdb"))
    runs.fs.rm_file(f"{runs.bucket}/warehouse/wirehouse.duckdb")
    calls = count_calls(monkeypatch)
    rebuilt = etl(sources=SEEDS, warehouse=runs.remote.warehouse, lake=runs.remote.lake)
    assert rebuilt.documents_new == 1 and calls == []
    assert table_rows(download(runs, "rebuilt.duckdb")) == expected


def test_maintenance_compacts_the_lake_and_rewrites_the_warehouse_object(runs: Runs) -> None:
    from flows.etl import etl
    from flows.maintenance import maintenance

    expected = table_rows(download(runs, "before-maintenance.duckdb"))
    etl(sources=SEEDS, warehouse=runs.remote.warehouse, lake=runs.remote.lake, force=True)
    lake = f"{runs.bucket}/lake"
    assert len(runs.fs.glob(f"{lake}/mentions/*.parquet")) == 2  # two runs' small files
    report = maintenance(warehouse=runs.remote.warehouse, lake=runs.remote.lake)
    after = runs.fs.glob(f"{lake}/mentions/*.parquet")
    assert len(after) == 1 and after[0].rsplit("/", 1)[1].startswith("compacted-")
    assert report["lake files after"] < report["lake files before"]
    assert report["warehouse bytes after"] > 0
    assert not runs.fs.glob(f"{lake}/_state/compaction/*.json")
    assert table_rows(download(runs, "after-maintenance.duckdb")) == expected


def test_publish_refuses_to_overwrite_a_version_another_writer_published(
        runs: Runs, tmp_path: Path) -> None:
    from wirehouse.warehouse.store import ConcurrentPublish
    from wirehouse.warehouse.store import next_object_version as next_version

    key = f"{runs.bucket}/race/w.duckdb"
    runs.fs.pipe(key, b"first")
    cache = str(tmp_path / "cache")
    with pytest.raises(ConcurrentPublish, match="published by another writer"), \
            next_version(f"s3://{key}", "t1", cache) as (tmp, current):
        assert current is not None and Path(current).read_bytes() == b"first"
        Path(tmp).write_bytes(b"mine")
        runs.fs.pipe(key, b"theirs")  # another machine publishes meanwhile
    assert runs.fs.cat(key) == b"theirs"
    with next_version(f"s3://{key}", "t2", cache) as (tmp, current):
        assert current is not None and Path(current).read_bytes() == b"theirs"
        Path(tmp).write_bytes(b"mine")
    assert runs.fs.cat(key) == b"mine"
    assert not list(Path(cache).rglob("*.tmp"))


def test_extraction_host_writes_the_same_rows_to_object_storage(runs: Runs) -> None:
    """With two cores extraction runs in the host process (wirehouse.extract.host), which reaches
    the bucket through the environment it inherits."""
    from conftest import record_host_starts

    from flows.etl import etl

    prefix = f"s3://{runs.bucket}/host"
    settings = runs.remote.with_(lake=f"{prefix}/lake", warehouse=f"{prefix}/wh.duckdb",
                                 n_process=2)
    runs.monkeypatch.setattr("flows.etl.get_settings", lambda: settings)
    started = record_host_starts(runs.monkeypatch, "flows.etl.start_host")
    summary = etl(sources=SEEDS, warehouse=settings.warehouse, lake=settings.lake)
    assert summary.documents_new == 1 and len(started) == 1
    assert runs.fs.glob(f"{runs.bucket}/host/lake/mentions/{summary.run_id}-*.parquet")
    published = str(runs.tmp / "host.duckdb")
    runs.fs.get_file(f"{runs.bucket}/host/wh.duckdb", published)
    assert table_rows(published) == table_rows(runs.local.warehouse)
    assert marts_rows(published) == marts_rows(runs.local.warehouse)


@pytest.mark.parametrize("runner", ["process", "dask"])
def test_worker_processes_write_the_same_rows_to_object_storage(
        runs: Runs, tmp_path: Path, runner: str) -> None:
    """Batches on Prefect's process pool (spawned workers) or on a Dask cluster (a local one
    of two worker processes, started inside the run): the workers reach the bucket through
    the environment they start with, and each writes its own batch's objects."""
    if runner == "dask":
        pytest.importorskip("prefect_dask")
    from conftest import run_library
    from test_flow import reuters_sample

    from flows.etl import etl

    source = reuters_sample(tmp_path / "sample.jsonl", 4)
    prefix = f"s3://{runs.bucket}/{runner}"
    settings = runs.remote.with_(lake=f"{prefix}/lake", warehouse=f"{prefix}/wh.duckdb",
                                 task_runner=runner, n_process=2)
    runs.monkeypatch.setattr("flows.etl.get_settings", lambda: settings)
    summary = etl(sources=[source], warehouse=settings.warehouse, lake=settings.lake,
                  batch_size=2)
    assert summary.documents_new == 4
    parts = runs.fs.glob(f"{runs.bucket}/{runner}/lake/documents/{summary.run_id}-*.parquet")
    assert len(parts) == 2  # one per batch
    local = make_settings(tmp_path / "local")
    run_library(local, [source])
    published = str(runs.tmp / f"{runner}.duckdb")
    runs.fs.get_file(f"{runs.bucket}/{runner}/wh.duckdb", published)
    assert table_rows(published) == table_rows(local.warehouse)


def test_memory_lake_gives_the_same_rows(runs: Runs, tmp_path: Path) -> None:
    """Any fsspec filesystem serves as the lake (memory:// here, in one process)."""
    from conftest import run_library

    settings = make_settings(tmp_path).with_(lake=f"memory://wirehouse-{uuid.uuid4().hex}/lake")
    run_library(settings, SEEDS)
    assert table_rows(settings.warehouse) == table_rows(runs.local.warehouse)


@pytest.mark.parametrize(("lake", "warehouse", "message"), [
    ("s3://no-such-bucket-{u}/lake", "s3://{b}/w.duckdb",
     r"lake s3://no-such-bucket-\w+/lake: bucket 'no-such-bucket-\w+' does not exist"),
    ("s3://{b}/lake", "s3://no-such-bucket-{u}/w.duckdb",
     r"warehouse s3://no-such-bucket-\w+/w.duckdb: bucket 'no-such-bucket-\w+' does not exist"),
    ("nosuchprotocol://{b}/lake", "s3://{b}/w.duckdb", r"not a storage URL fsspec knows"),
    ("s3://", "s3://{b}/w.duckdb", r"lake s3://: the URL names no bucket"),
])
def test_bad_url_or_missing_bucket_fails_the_run_plainly(
        runs: Runs, monkeypatch: pytest.MonkeyPatch, lake: str, warehouse: str,
        message: str) -> None:
    from flows.etl import etl
    from wirehouse.lake.storage import StorageError

    u = uuid.uuid4().hex[:8]
    with pytest.raises(StorageError, match=message):
        etl(sources=SEEDS, lake=lake.format(b=runs.bucket, u=u),
            warehouse=warehouse.format(b=runs.bucket, u=u))
    assert not runs.fs.exists(f"{runs.bucket}/w.duckdb")
