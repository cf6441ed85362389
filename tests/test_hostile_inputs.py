"""A hostile-input corpus (tests/hostile_corpus.py, generated here, no committed blobs) in one
folder beside good documents of every format, run through `wirehouse run` (a real flow run,
the real model, a real warehouse) (#21). For every case: the run succeeds, every good
document is loaded, the bad input is in raw.quarantine with its reason; the run's peak RSS
and time stay under the bounds below (figures in bench/RESULTS.md)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
import time

import duckdb
import hostile_corpus
import psutil
import pytest

# Bounds for the whole run over the corpus (31 good documents, ~20,000 bad lines, a 1.2M
# character text split in 13 parts, 260 MB of gzipped newlines, 64 MB gzip bomb...). Peak
# RSS is the sum over the run's processes (the command, extraction host, its workers).
MAX_PEAK_RSS_MB = 2500
MAX_SECONDS = 600
_NUMBER = re.compile(r"report number (\d+)")


def _peak_rss(pid: int, stop: threading.Event, peak: list[int]) -> None:
    try:
        root = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    while not stop.is_set():
        total = 0
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for proc in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                total += proc.memory_info().rss
        peak[0] = max(peak[0], total)
        time.sleep(0.05)


def run_cli(args: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str],
                                                            float, int]:
    """`wirehouse ARGS` in a subprocess: (result, seconds, peak RSS of its process tree)."""
    t0 = time.perf_counter()
    # Root reads any folder whatever its mode: without the two capabilities that allow it,
    # an unreadable folder is unreadable to root too.
    drop = (["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]
            if os.geteuid() == 0 else [])
    proc = subprocess.Popen([*drop, sys.executable, "-m", "wirehouse.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stop, peak = threading.Event(), [0]
    watcher = threading.Thread(target=_peak_rss, args=(proc.pid, stop, peak), daemon=True)
    watcher.start()
    try:
        out, err = proc.communicate(timeout=MAX_SECONDS * 2)
    finally:
        stop.set()
        watcher.join()
    seconds = time.perf_counter() - t0
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), seconds, peak[0]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from prefect.testing.utilities import prefect_test_harness

    tmp = tmp_path_factory.mktemp("hostile")
    corpus, sockets = hostile_corpus.build(tmp)
    env = {**os.environ, "PREFECT_HOME": str(tmp / "prefect-home"),
           "WIREHOUSE_HOST_IDLE_S": "0", "WIREHOUSE_N_PROCESS": "1"}
    args = ["run", str(corpus.folder), *corpus.explicit, "--warehouse", str(tmp / "wh.duckdb"),
            "--lake", str(tmp / "lake"), "--no-progress"]
    try:
        with prefect_test_harness(server_startup_timeout=120):
            from prefect.settings import PREFECT_API_URL

            env["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
            first, seconds, peak = run_cli(args, env)
            again, again_seconds, _ = run_cli(args, env)
    finally:
        for sock in sockets:
            sock.close()
        (corpus.folder / "locked").chmod(0o700)  # so the temporary folder can be removed
    return {"corpus": corpus, "first": first, "seconds": seconds, "peak": peak,
            "again": again, "again_seconds": again_seconds, "warehouse": str(tmp / "wh.duckdb")}


def _query(warehouse: str, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_the_run_succeeds_within_bounds(hostile_run: dict[str, object]) -> None:
    first = hostile_run["first"]
    assert isinstance(first, subprocess.CompletedProcess)
    assert first.returncode == 0, first.stderr[-4000:]
    seconds, peak = hostile_run["seconds"], hostile_run["peak"]
    assert isinstance(seconds, float) and isinstance(peak, int)
    print(f"hostile corpus: {seconds:.0f} s, peak RSS {peak / 2**20:.0f} MB")
    assert seconds < MAX_SECONDS
    assert 0 < peak < MAX_PEAK_RSS_MB * 2**20


def test_every_good_document_is_loaded(hostile_run: dict[str, object]) -> None:
    corpus = hostile_run["corpus"]
    assert isinstance(corpus, hostile_corpus.Corpus)
    # Every made-up article ends with its own number; HTML extraction reflows the text.
    loaded = {int(n) for (b,) in _query(str(hostile_run["warehouse"]),
                                        "SELECT body FROM raw.documents")
              for n in _NUMBER.findall(str(b))}
    missing = [case for case, body in corpus.good.items()
               if int(_NUMBER.findall(body)[-1]) not in loaded]
    assert missing == []
    # ... and extracted: the declared en-US / EN / eng / en_GB / English ones too.
    rows = _query(str(hostile_run["warehouse"]), """
        SELECT d.source_uri, count(m.mention_id) FROM raw.documents d
        LEFT JOIN raw.mentions m USING (doc_id) WHERE d.source_uri LIKE '%languages.jsonl%'
        GROUP BY 1 ORDER BY 1""")
    assert all(n > 0 for uri, n in rows if "lang-" in str(uri) and any(
        tag in str(uri) for tag in ("en-US", "EN", "eng", "en_GB", "English"))), rows


def test_every_bad_input_is_quarantined_with_its_reason(hostile_run: dict[str, object]) -> None:
    corpus = hostile_run["corpus"]
    assert isinstance(corpus, hostile_corpus.Corpus)
    rows = _query(str(hostile_run["warehouse"]),
                  "SELECT uri, record, reason FROM raw.quarantine")
    missing = [e.case for e in corpus.expected if not any(
        e.uri_contains in str(uri) and reason == e.reason
        and (e.record is None or record == e.record) for uri, record, reason in rows)]
    assert missing == []


def test_long_text_is_split_and_names_are_lossless(hostile_run: dict[str, object]) -> None:
    uris = [str(u) for (u,) in _query(str(hostile_run["warehouse"]),
                                      "SELECT uri FROM raw.document_sources")]
    parts = sorted(u for u in uris if "long.txt#part=" in u)
    assert len(parts) >= 12
    [odd] = [u for u in uris if "caf" in u]
    assert odd.startswith("file://") and odd.endswith("/caf%E9-%FF.txt")


def test_unsupported_declared_languages_are_counted(hostile_run: dict[str, object]) -> None:
    first = hostile_run["first"]
    assert isinstance(first, subprocess.CompletedProcess)
    assert "does not process (kept, not extracted): de 1, fr 1, xx-nonsense 1" in first.stdout


def test_an_unchanged_hostile_folder_is_a_no_op(hostile_run: dict[str, object]) -> None:
    again = hostile_run["again"]
    assert isinstance(again, subprocess.CompletedProcess)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "nothing new or changed" in again.stdout
