"""A load that waits for another load of the same warehouse says so every few seconds and
whom it waits for; one that gives up (WIREHOUSE_LOCK_TIMEOUT) is one line and exit status 2,
from `wirehouse review import` and from `wirehouse run`'s Prefect flow. The lock is held by
another process, as a running load holds it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SEED

from wirehouse.core.settings import PROJECT_ROOT

HOLDER_RUN = "20261204T140211Z-holder"
HOLD = """
import sys
from wirehouse.warehouse.store import writer_lock
with writer_lock(sys.argv[1], sys.argv[2]):
    print("held", flush=True)
    sys.stdin.readline()
"""
GAVE_UP = re.compile(r"wirehouse: (\S+) is being loaded by the run " + HOLDER_RUN
                     + r" started at \d\d:\d\d by pid (\d+); gave up after waiting 4 s; "
                     r"run again once it is done, or raise WIREHOUSE_LOCK_TIMEOUT "
                     r"\(0: wait as long as it takes\)")


@pytest.fixture
def held_lock(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """A warehouse path whose writer lock another process holds, and that process's pid."""
    wh = str(tmp_path / "wh.duckdb")
    holder = subprocess.Popen([sys.executable, "-c", HOLD, wh, HOLDER_RUN],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdin is not None
    try:
        assert holder.stdout.readline().strip() == "held"
        yield wh, holder.pid
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)


def wirehouse(args: list[str], tmp_path: Path, wh: str,
              **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wirehouse.cli", *args], cwd=PROJECT_ROOT, capture_output=True,
        text=True, timeout=600,
        env={**os.environ, "COLUMNS": "200", "WIREHOUSE_WAREHOUSE": wh,
             "WIREHOUSE_LAKE": str(tmp_path / "lake"), "WIREHOUSE_LOCK_TIMEOUT": "4",
             "WIREHOUSE_REPORT": "off", "PREFECT_HOME": str(tmp_path / "prefect"), **env})


def gave_up(out: subprocess.CompletedProcess[str], wh: str, pid: int) -> None:
    assert out.returncode == 2, out
    assert "Traceback" not in out.stderr, out.stderr
    last = out.stderr.strip().splitlines()[-1]
    found = GAVE_UP.fullmatch(last)
    assert found, out.stderr
    assert found.groups() == (wh, str(pid))
    # Said at once and again every few seconds (5 s), with whom it waits for.
    waiting = f"waiting for the run {HOLDER_RUN} started at "
    assert out.stderr.count(waiting) >= 1, out.stderr
    assert f"by pid {pid} to finish loading {wh}" in out.stderr


def test_review_import_gives_up_waiting_in_one_line(tmp_path: Path,
                                                    held_lock: tuple[str, int]) -> None:
    wh, pid = held_lock
    export = tmp_path / "reviews.json"
    export.write_text(json.dumps({"format": "wirehouse-reviews", "version": 1, "reviews": [
        {"event_mention_id": "m1", "verdict": "right", "reviewer": "ana",
         "reviewed_at": "2026-12-04T12:00:00Z"}]}), encoding="utf-8")
    out = wirehouse(["review", "import", str(export)], tmp_path, wh)
    gave_up(out, wh, pid)
    assert not Path(wh).exists()


def test_a_flow_run_gives_up_waiting_in_one_line(prefect_harness: None, tmp_path: Path,
                                                 held_lock: tuple[str, int]) -> None:
    """The load task is not retried after it gave up (it waited already), the flow run fails
    with the timeout, and the command says it in one line."""
    from prefect.settings import PREFECT_API_URL

    wh, pid = held_lock
    out = wirehouse(["run", str(SEED), "--no-progress"], tmp_path, wh,
                    PREFECT_API_URL=str(PREFECT_API_URL.value()), WIREHOUSE_N_PROCESS="1")
    gave_up(out, wh, pid)
    assert "Retry 1/" not in out.stderr, out.stderr  # Prefect's note of a retry
    assert not Path(wh).exists()
