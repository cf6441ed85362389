"""Staging folders of killed or failed runs are removed by the next run; a live run's are not
(issue 21)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from conftest import make_settings
from test_dedup import UNRELATED, WIRE

from wirehouse.core.documents import Known
from wirehouse.core.settings import Settings
from wirehouse.ingest import lake_state
from wirehouse.ingest.stage import finish_ingest, ingest

# A run that stages its documents and then waits (killed by the test), in its own process.
_RUN = """
import sys, time
from datetime import UTC, datetime
sys.path.insert(0, {tests!r})
from conftest import make_settings
from pathlib import Path
from wirehouse.core.documents import Known
from wirehouse.ingest.stage import ingest
settings = make_settings(Path({tmp!r}))
ingest([{source!r}], "killed-run", settings, Known(), "sig", datetime.now(UTC))
print("staged", flush=True)
time.sleep(600)
"""


def _run(settings: Settings, folder: Path, run_id: str, body: str) -> None:
    folder.mkdir()
    (folder / f"{run_id}.txt").write_text(body, encoding="utf-8")
    finish_ingest(ingest([str(folder)], run_id, settings, Known(), "sig", datetime.now(UTC)),
                  settings)


def test_a_killed_runs_staging_is_removed_by_the_next_run(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    staging = Path(settings.lake, "_staging")
    source = tmp_path / "killed"
    source.mkdir()
    (source / "wire.txt").write_text(WIRE, encoding="utf-8")
    code = _RUN.format(tests=str(Path(__file__).parent), tmp=str(tmp_path), source=str(source))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "staged"
        assert list((staging / "killed-run").rglob("*.parquet"))
        # Alive: a run meanwhile leaves its staging alone.
        _run(settings, tmp_path / "during", "run-during", UNRELATED)
        assert (staging / "killed-run").is_dir()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    # Killed: the next run removes what it left, and its own staging goes as it finishes.
    _run(settings, tmp_path / "after", "run-after", UNRELATED + " Later.")
    assert sorted(p.name for p in staging.iterdir()) == []


def test_staging_without_a_lock_is_removed_only_when_old(tmp_path: Path) -> None:
    """Folders from before the locks: removed once untouched for a day."""
    settings = make_settings(tmp_path)
    staging = Path(settings.lake, "_staging")
    for run_id in ("old-run", "recent-run"):
        (staging / run_id / "documents").mkdir(parents=True)
        (staging / run_id / "documents" / "part.parquet").write_bytes(b"staged")
    day_ago = time.time() - lake_state.UNLOCKED_STALE_SECONDS - 60
    for p in (staging / "old-run").rglob("*"):
        os.utime(p, (day_ago, day_ago))
    os.utime(staging / "old-run", (day_ago, day_ago))
    assert lake_state.remove_stale_staging(settings) == ["old-run"]
    assert sorted(p.name for p in staging.iterdir()) == ["recent-run"]
