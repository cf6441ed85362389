"""The extract cache in the lake holds data only, and only records signed with this Prefect
home's secret are read (flows.task_runners.BatchCache, #21)."""

from __future__ import annotations

import base64
import json
import os
import pickle
from pathlib import Path

import pytest
from conftest import make_settings
from test_flow import count_calls, reuters_sample, use_settings

from flows.task_runners import BatchCache


class _Touch:
    """Pickled, it runs ``touch <path>`` when loaded: what the planted records carry."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self) -> tuple[object, tuple[str, ...]]:
        return (os.system, (f"touch {self.path}",))


def _outputs(lake: Path) -> dict[str, str]:
    files = {}
    for table in ("documents", "mentions"):
        path = lake / table / f"run-{table}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PAR1")
        files[table] = str(path)
    return files


def test_record_round_trip_and_every_forgery_refused(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    cache = BatchCache(str(lake), b"secret-a")
    outputs = _outputs(lake)
    cache.put("extract-1", outputs)
    assert cache.get("extract-1") == outputs
    record = lake / "_cache" / "extract" / "extract-1.json"

    # Another secret (another user's Prefect home): not ours.
    assert BatchCache(str(lake), b"secret-b").get("extract-1") is None
    # The same record under another batch's name: refused (the name is signed too).
    (record.parent / "extract-2.json").write_bytes(record.read_bytes())
    assert cache.get("extract-2") is None
    # Content changed, MAC kept.
    mac, _, payload = record.read_bytes().partition(b"\n")
    forged = {**json.loads(payload), "mentions": "/etc/shadow"}
    record.write_bytes(mac + b"\n" + json.dumps(forged, sort_keys=True).encode())
    assert cache.get("extract-1") is None
    # Signed, but naming files outside the lake: not used either.
    cache.put("extract-3", {"documents": "/etc/shadow"})
    assert cache.get("extract-3") is None
    # A record whose files compaction moved is stale.
    cache.put("extract-4", outputs)
    Path(outputs["mentions"]).unlink()
    assert cache.get("extract-4") is None


def test_planted_pickle_and_prefect_records_never_run(
        prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The attack of #21: a cache record planted in a lake runs a command when read. Plant
    one under every name the cache could read (ours, and Prefect's own result records with
    a pickle and with a JSON serializer whose object hook is subprocess.run); run the flow
    twice; nothing runs and every batch is extracted or read from our own records."""
    from flows.etl import etl

    settings = make_settings(tmp_path, task_runner="thread", batch_size=2)
    use_settings(monkeypatch, settings)
    source = reuters_sample(tmp_path / "docs.jsonl", 4)
    marker = tmp_path / "pwned"
    blob = base64.encodebytes(pickle.dumps(_Touch(marker))).decode()
    prefect_pickle = json.dumps({"metadata": {"serializer": {"type": "pickle"},
                                              "storage_key": "x"}, "result": blob})
    prefect_json = json.dumps({"metadata": {"serializer": {
        "type": "json", "object_decoder": "subprocess.run"}, "storage_key": "x"},
        "result": json.dumps({"touch": 1, str(marker): 1})})
    calls = count_calls(monkeypatch)
    import flows.etl

    real_publish = flows.etl.publish

    def failing_publish(*args: object, **kwargs: object) -> object:
        raise OSError("disk went away")

    # A first run extracts and caches both batches, then fails to load: nothing is loaded.
    monkeypatch.setattr(flows.etl, "publish", failing_publish)
    monkeypatch.setattr(flows.etl, "load", flows.etl.load.with_options(retries=0))
    with pytest.raises(OSError, match="disk went away"):
        etl(sources=[source], warehouse=settings.warehouse, lake=settings.lake)
    assert sorted(calls) == ["00000", "00001"]
    records = sorted((Path(settings.lake) / "_cache" / "extract").iterdir())
    assert len(records) == 2
    for record in records:  # overwrite our records with planted ones
        record.write_text(prefect_pickle)
    prefect_dir = Path(settings.lake) / "_prefect"
    prefect_dir.mkdir()
    for record in records:
        (prefect_dir / record.stem).write_text(prefect_json)

    monkeypatch.setattr(flows.etl, "publish", real_publish)
    calls.clear()
    summary = etl(sources=[source], warehouse=settings.warehouse, lake=settings.lake)
    assert not marker.exists()
    assert sorted(calls) == ["00000", "00001"]  # the planted records were ignored
    assert summary.rows_total["documents"] == 4
    cache = BatchCache.of(settings)
    assert all(cache.get(record.stem) for record in records)  # and replaced by signed ones

    # The planted records are live: Prefect's own reader runs them (why it is not used).
    from prefect._internal.result_records import ResultRecord

    ResultRecord.deserialize(prefect_pickle.encode())
    assert marker.exists()
    marker.unlink()
    ResultRecord.deserialize(prefect_json.encode())  # subprocess.run(the dict): its keys as argv
    assert marker.exists()
