"""The extraction host kept between runs (wirehouse.resident): the next run attaches to it,
in its own working directory, gets the rows a host of its own gives, and never shares it."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psutil
import pyarrow.parquet as pq
import pytest
from conftest import CORPORA, make_settings

from wirehouse import resident
from wirehouse.documents import Known
from wirehouse.ingest import ingest
from wirehouse.nlp import extraction_signature
from wirehouse.settings import Settings
from wirehouse.workers import start_host, stop_host


@pytest.fixture
def kept(tmp_path: Path) -> Iterator[Settings]:
    """Settings that keep hosts (60 s), on two cores; every host stopped afterwards."""
    yield make_settings(tmp_path, batch_size=100, n_process=2, host_idle_s=60)
    stop_host(kill=True)
    resident.stop_hosts()


def _staged(tmp_path: Path, settings: Settings, n: int = 30) -> str:
    source = tmp_path / "in.jsonl"
    with gzip.open(CORPORA / "reuters21578" / "reuters21578.jsonl.gz", "rt") as src:
        source.write_text("".join(line for _, line in zip(range(n), src, strict=False)))
    signature = extraction_signature(settings.model, settings.reference_dir)
    return ingest([str(source)], "run", settings, Known(), signature,
                  datetime(2026, 1, 1, tzinfo=UTC)).batches[0]


def _tables(files: dict[str, str], base: Path) -> dict[str, list[dict[str, object]]]:
    return {name: pq.read_table(base / path).to_pylist() for name, path in files.items()}


def test_the_next_run_attaches_to_the_kept_host(kept: Settings, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    staged = _staged(tmp_path, kept)
    first = start_host(kept)
    assert first.proc is not None  # started by this run, over pipes
    own = _tables(first.extract_batch(staged, "run", kept, "00000"), tmp_path)
    stop_host()
    assert first.proc.poll() is None  # still there, loaded

    # The next run works elsewhere, with a relative lake: the host takes on its directory.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    relative = kept.with_(lake="lake")
    second = start_host(relative)
    try:
        assert second.proc is None and second.pid == first.pid  # attached over the socket
        # Only one run at a time: another one meanwhile gets no kept host (it starts its own).
        assert resident.attach(relative) is None
        # As `wirehouse run` does: the host reads the sources ahead, then the batch comes.
        signature = extraction_signature(kept.model, kept.reference_dir)
        second.extract_ahead([str(tmp_path / "in.jsonl")], relative, Known(), signature,
                             force=False)
        _children(second.pid, 2)
        files = second.extract_batch(staged, "run", relative, "00000")
        assert second.read_ahead == len(own["documents"])
    finally:
        stop_host()
    assert all(Path(p).parts[0] == "lake" for p in files.values())
    assert _tables(files, elsewhere) == own
    assert [h["pid"] for h in resident.running_hosts()] == [first.pid]
    assert [h["pid"] for h in resident.stop_hosts()] == [first.pid]
    first.proc.wait(timeout=10)


def test_a_run_that_leaves_mid_batch_gets_its_batch_dropped(kept: Settings,
                                                            tmp_path: Path) -> None:
    """A run that goes away (Ctrl-C) while its batch is extracted: the kept host stops the
    workers and writes nothing for it, and the next run is served."""
    staged = _staged(tmp_path, kept, n=120)
    host = start_host(kept)
    host.extract_batch(staged, "warm", kept, "00000")  # the model is loaded, the host kept
    stop_host()
    host = start_host(kept)
    assert host.proc is None
    host._send.send(("extract", staged, "left", kept, "00001"))
    workers = _children(host.pid, 2)
    stop_host(kill=True)
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive
    again = start_host(kept)
    try:
        files = again.extract_batch(staged, "next", kept, "00002")
    finally:
        stop_host()
    assert all(Path(p).exists() for p in files.values())
    assert list(Path(kept.lake).rglob("next-00002*"))
    assert not list(Path(kept.lake).rglob("*left*"))  # nothing of the abandoned batch


def _children(pid: int, n: int) -> list[psutil.Process]:
    proc = psutil.Process(pid)
    for _ in range(600):
        children = proc.children()
        if len(children) == n:
            return children
        time.sleep(0.1)
    raise AssertionError(f"host {pid} has {len(proc.children())} workers, not {n}")


def test_a_run_with_nothing_to_do_leaves_no_host(kept: Settings) -> None:
    """`wirehouse run` starts the host before its check; a check that finds nothing to
    extract kills a host the run started (not one it attached to)."""
    host = start_host(kept)
    assert host.proc is not None
    stop_host(kill=True)
    assert host.proc.poll() is not None
    assert resident.running_hosts() == []


def test_starting_a_host_removes_files_of_hosts_that_are_gone(kept: Settings) -> None:
    folder = resident.runtime_dir()
    assert folder is not None
    gone = subprocess.Popen(["true"])
    gone.wait()
    for suffix in (".lock", ".sock", ".log"):
        (folder / f"0123456789abcdef{suffix}").touch()
    (folder / "0123456789abcdef.json").write_text(f'{{"pid": {gone.pid}}}')
    host = start_host(kept)
    stop_host(kill=True)
    assert host.proc is not None  # it was started, and its own files are there
    assert not list(folder.glob("0123456789abcdef.*"))


def test_a_kept_host_exits_when_idle(kept: Settings, tmp_path: Path) -> None:
    settings = kept.with_(host_idle_s=1)
    host = start_host(settings)
    host.extract_batch(_staged(tmp_path, settings, n=5), "run", settings, "00000")
    stop_host()
    assert host.proc is not None
    host.proc.wait(timeout=60)
    assert resident.running_hosts() == []
    assert not list(Path(os.environ["XDG_RUNTIME_DIR"], "wirehouse").glob("*.sock"))


def test_other_reference_data_or_code_means_another_host(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    copy = tmp_path / "reference"
    shutil.copytree(settings.reference_dir, copy)
    same = settings.with_(reference_dir=str(copy))
    key = resident.host_key(same)
    assert resident.host_key(same) == key
    lexicon = next(copy.glob("*.csv"))
    lexicon.write_text(lexicon.read_text() + "\n")
    from wirehouse.nlp import extractor_version

    extractor_version.cache_clear()
    assert resident.host_key(same) != key


def test_no_host_is_kept_when_told_not_to_or_without_a_private_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make_settings(tmp_path, n_process=2, host_idle_s=60)
    assert resident.attach(settings.with_(host_idle_s=0)) is None
    folder = resident.runtime_dir()
    assert folder is not None and not folder.stat().st_mode & 0o077
    # A socket folder others can enter is not used: what crosses the socket is pickled.
    shared = tmp_path / "shared"
    (shared / "wirehouse").mkdir(parents=True)
    (shared / "wirehouse").chmod(0o777)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(shared))
    assert resident.runtime_dir() is None
    assert resident.attach(settings) is None


def test_flow_runs_share_the_kept_host(kept: Settings, prefect_harness: None, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Two flow runs on two cores: the second attaches to the host the first left, and both
    load the rows of an in-process run."""
    from conftest import record_host_starts, run_library
    from test_flow import reuters_sample, table_rows, use_settings

    import flows.etl

    source = reuters_sample(tmp_path / "docs.jsonl", 20)
    single = make_settings(tmp_path / "single")
    run_library(single, [source])
    hosts = record_host_starts(monkeypatch, "flows.etl.start_host")
    for run in ("first", "second"):
        settings = kept.with_(warehouse=str(tmp_path / run / "wh.duckdb"),
                              lake=str(tmp_path / run / "lake"))
        use_settings(monkeypatch, settings)
        flows.etl.etl(sources=[source], warehouse=settings.warehouse, lake=settings.lake)
        assert table_rows(settings.warehouse) == table_rows(single.warehouse)
        assert hosts[-1].alive()  # left loaded for the next run
    first, second = hosts
    assert first.proc is not None and second.proc is None and second.pid == first.pid
