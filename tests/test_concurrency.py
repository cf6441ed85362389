"""Atomic publish under SIGKILL, and readers that are never blocked and never block.

Loads run in subprocesses (as the flow's do) over synthetic lake files, so the tests need no
NLP and can make the warehouse as big as wanted: WIREHOUSE_BENCH_DOCS=20000 measures the
copy-and-rename publish on a million mentions (the default keeps the suite fast).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import marts_equal_a_rebuild

from wirehouse.core.contract import to_table
from wirehouse.core.settings import PROJECT_ROOT
from wirehouse.warehouse.spare import spare_path

SQL = str(PROJECT_ROOT / "sql")
REF = str(PROJECT_ROOT / "seeds" / "reference")
BENCH_DOCS = int(os.environ.get("WIREHOUSE_BENCH_DOCS", "1500"))
CODES = [("040", 1, 1.0), ("043", 1, 2.8), ("051", 1, 3.4), ("071", 2, 7.4), ("112", 3, -2.0),
         ("190", 4, -10.0)]
COUNTRIES = ["CHN", "VEN", "CUB", "USA", "RUS", "BRA"]


def synthetic_files(lake: Path, run_id: str, first: int, n_docs: int) -> dict[str, list[str]]:
    """n_docs documents of 25 sentences with 2 mentions and 1 event each, as lake Parquet."""
    rng = random.Random(first)
    rows: dict[str, list[dict[str, Any]]] = {
        t: [] for t in ("documents", "mentions", "entities", "event_mentions")}
    for d in range(first, first + n_docs):
        doc_id, parts, pos, ents = f"doc{d:07d}", [], 0, {}
        for s in range(25):
            a, b = rng.randrange(2000), rng.randrange(2000)
            sent = f"Ent{a:04d} met Ent{b:04d}. "
            for name, off in ((f"Ent{a:04d}", 0), (f"Ent{b:04d}", 12)):
                ents[name] = ents.get(name, 0) + 1
                rows["mentions"].append({
                    "mention_id": f"{doc_id}-{pos + off}", "doc_id": doc_id, "entity_id": name,
                    "label": "PERSON", "text": name, "start_char": pos + off,
                    "end_char": pos + off + 7, "sentence_index": s, "run_id": run_id})
            code, quad, gold = CODES[(a + b) % len(CODES)]
            src, tgt = COUNTRIES[a % 6], COUNTRIES[b % 6]
            rows["event_mentions"].append({
                "event_mention_id": f"{doc_id}-e{s}", "event_id": f"{src}-{tgt}-{code}-{d % 97}",
                "doc_id": doc_id, "sentence_index": s, "source_code": src + "GOV",
                "source_country": src, "target_code": tgt, "target_country": tgt,
                "event_code": code, "base_code": code, "root_code": code[:2],
                "quad_class": quad, "goldstein": gold, "trigger_text": "met",
                "trigger_start": pos + 8, "trigger_end": pos + 11, "confidence": 0.8,
                "run_id": run_id})
            parts.append(sent)
            pos += len(sent)
        rows["documents"].append({
            "doc_id": doc_id, "body": "".join(parts), "title": f"Story {d}",
            "published_at": datetime(2024, 1 + d % 12, 1 + d % 28, tzinfo=UTC),
            "cluster_id": f"c{d // 2}", "source": f"src{d % 7}", "run_id": run_id})
        rows["entities"] += [{
            "doc_id": doc_id, "entity_id": n, "entity_type": "PERSON", "name": n,
            "num_mentions": k, "first_start_char": 0, "run_id": run_id} for n, k in ents.items()]
    files = {}
    for name, table_rows in rows.items():
        path = lake / f"{name}-{run_id}.parquet"
        pq.write_table(to_table(name, table_rows), path, compression="zstd")
        files[name] = [str(path)]
    return files


# A publish in its own process; KILL_AT names a step at which it SIGKILLs itself: before or
# after a stage of the load (replaying the load the spare misses is the first apply_load), or
# around the two renames of the publish (the spare over the published name, then the old
# published file to the spare's name).
RUNNER = textwrap.dedent("""
    import json, os, signal, sys
    import wirehouse.warehouse.load as load
    import wirehouse.warehouse.spare as spare
    wh, run_id, files, kill_at = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def wrap(name):
        real = getattr(load, name)
        calls = []
        def hooked(*a, **k):
            calls.append(1)
            if kill_at == f"before_{name}":
                die()
            out = real(*a, **k)
            if kill_at == f"after_{name}" or kill_at == f"after_{name}_{len(calls)}":
                die()
            return out
        setattr(load, name, hooked)

    for name in ("prepare", "load_files", "refresh", "run_checks", "apply_load"):
        wrap(name)
    real_replace, renames = os.replace, []
    def replace(src, dst):
        if dst.endswith((".duckdb", ".spare")):
            renames.append(dst)
            if kill_at == f"before_rename_{len(renames)}":
                die()
        real_replace(src, dst)
        if kill_at == f"after_rename_{len(renames)}":
            die()
    spare.os.replace = replace
    load.publish(wh, run_id, files, sys.argv[5], sys.argv[6])
""")


def start_publish(wh: str, run_id: str, files: dict[str, list[str]],
                  kill_at: str = "") -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", RUNNER, wh, run_id, json.dumps(files),
                             kill_at, SQL, REF])


def state(wh: str) -> tuple[Any, ...]:
    con = duckdb.connect(wh, read_only=True)
    try:
        one = con.execute("SELECT (SELECT count(*) FROM raw.documents), "
                          "(SELECT count(*) FROM raw.mentions), "
                          "(SELECT count(*) FROM marts.events), "
                          "(SELECT sum(num_mentions) FROM marts.events)").fetchone()
        assert one is not None
        return tuple(one)
    finally:
        con.close()


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A published warehouse of BENCH_DOCS documents and a second batch waiting to load."""
    tmp = tmp_path_factory.mktemp("concurrency")
    wh = str(tmp / "wh.duckdb")
    first = synthetic_files(tmp, "r1", 0, BENCH_DOCS)
    proc = start_publish(wh, "r1", first)
    assert proc.wait() == 0
    # A second load leaves the first version as the spare, one load behind: the next load
    # replays r1b into it, then loads its own batch.
    assert start_publish(wh, "r1b", synthetic_files(tmp, "r1b", BENCH_DOCS * 2, 10)).wait() == 0
    assert os.path.exists(spare_path(wh))
    second = synthetic_files(tmp, "r2", BENCH_DOCS, max(BENCH_DOCS // 10, 10))
    return {"tmp": tmp, "wh": wh, "second": second, "before": state(wh)}


def _fresh_copy(base: dict[str, Any], name: str) -> str:
    """The published warehouse and its spare under another name."""
    wh = str(base["tmp"] / f"{name}.duckdb")
    subprocess.run(["cp", base["wh"], wh], check=True)
    subprocess.run(["cp", spare_path(base["wh"]), spare_path(wh)], check=True)
    return wh


POINTS = ["before_prepare", "after_apply_load_1", "after_load_files", "after_refresh",
          "after_run_checks", "before_rename_1", "after_rename_1", "after_rename_2"]
PUBLISHED = {"after_rename_1", "after_rename_2"}


@pytest.mark.parametrize("kill_at", POINTS)
def test_sigkill_at_each_step_leaves_a_whole_warehouse(base: dict[str, Any], kill_at: str
                                                       ) -> None:
    wh = _fresh_copy(base, kill_at)
    proc = start_publish(wh, "r2", base["second"], kill_at)
    assert proc.wait() == -signal.SIGKILL
    # Killed before the rename: the old warehouse, whole. After it: the new one, whole.
    after = state(wh)
    if kill_at in PUBLISHED:
        assert after[0] > base["before"][0]
    else:
        assert after == base["before"]
    proc = start_publish(wh, "r2", base["second"])
    assert proc.wait() == 0
    expected = state(wh)
    assert expected[0] == base["before"][0] + len(pq.read_table(base["second"]["documents"][0]))
    assert not list(Path(wh).parent.glob(f"{Path(wh).name}.*.tmp*"))
    # The next load still finds a spare at a version it can use, and the result equals a
    # full rebuild of the marts from the raw tables.
    assert start_publish(wh, "r3", synthetic_files(base["tmp"], f"r3-{kill_at}",
                                                   BENCH_DOCS * 3, 5)).wait() == 0
    assert marts_equal_a_rebuild(wh)


def test_sigkill_at_random_times(base: dict[str, Any]) -> None:
    probe = _fresh_copy(base, "probe")
    t0 = time.perf_counter()
    assert start_publish(probe, "r2", base["second"]).wait() == 0
    full, new = time.perf_counter() - t0, state(probe)
    wh = _fresh_copy(base, "random")
    rng = random.Random(7)
    for _ in range(5):
        proc = start_publish(wh, "r2", base["second"])
        time.sleep(rng.uniform(0.05, 1.0) * full)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert state(wh) in (base["before"], new)  # opens, and is one whole state
    assert start_publish(wh, "r2", base["second"]).wait() == 0
    assert state(wh) == new


READER = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    print(con.execute("SELECT count(*) FROM raw.documents").fetchone()[0], flush=True)
    sys.stdin.readline()  # hold the connection until told
    print(con.execute("SELECT count(*) FROM raw.documents").fetchone()[0], flush=True)
""")


def test_open_reader_does_not_block_the_load(base: dict[str, Any]) -> None:
    wh = _fresh_copy(base, "held")
    reader = subprocess.Popen([sys.executable, "-c", READER, wh], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert reader.stdout is not None and reader.stdin is not None
    old = int(reader.stdout.readline())
    t0 = time.perf_counter()
    proc = start_publish(wh, "r2", base["second"])
    assert proc.wait(timeout=600) == 0
    took = time.perf_counter() - t0
    # The reader kept its snapshot all along; new connections see the new state.
    reader.stdin.write("\n")
    reader.stdin.flush()
    assert int(reader.stdout.readline()) == old
    assert reader.wait() == 0
    assert state(wh)[0] > old
    print(f"publish with a reader holding the file: {took:.2f}s")


def test_readers_during_a_load_see_the_last_published_state(base: dict[str, Any]) -> None:
    wh = _fresh_copy(base, "during")
    old = base["before"]
    proc = start_publish(wh, "r2", base["second"])
    seen, slowest = [], 0.0
    while proc.poll() is None:
        t0 = time.perf_counter()
        seen.append(state(wh))  # a new read-only connection each time
        slowest = max(slowest, time.perf_counter() - t0)
    assert proc.returncode == 0
    new = state(wh)
    assert seen and set(seen) <= {old, new} and seen[0] == old
    assert slowest < 5.0, f"a reader waited {slowest:.2f}s"


def test_measure_publish_cost(base: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    wh = _fresh_copy(base, "measure")
    size = os.path.getsize(wh)
    t0 = time.perf_counter()
    subprocess.run(["cp", wh, wh + ".copy"], check=True)
    copy = time.perf_counter() - t0
    os.remove(wh + ".copy")
    t0 = time.perf_counter()
    assert start_publish(wh, "r2", base["second"]).wait() == 0
    total = time.perf_counter() - t0
    docs, mentions, events, _ = state(wh)
    with capsys.disabled():
        print(f"\n[publish cost] {docs} docs, {mentions} mentions, {events} events, "
              f"{size / 1e6:.1f} MB: file copy {copy:.2f}s, incremental publish {total:.2f}s")
    assert total > copy
