"""`wirehouse run` on a terminal: one bar per stage that the workers advance document by
document, Prefect's log lines above the bars (never inside one), and Ctrl-C mid-batch."""

from __future__ import annotations

import os
import pty
import re
import select
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import PROJECT_ROOT, prefect_env
from test_flow import reuters_sample

LOG_LINE = rb"\d\d:\d\d:\d\d\.\d{3} \| "


def _lines(screen: bytes) -> bytes:
    """The terminal output with every cursor move, line erase and carriage return as a line
    break and other escape sequences (colours) dropped: what is on one line here was
    written on one line of the screen."""
    moved = re.sub(rb"\r|\x1b\[[0-9;]*[ABEFGHK]", b"\n", screen)
    return re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", moved)


def _extract_progress(screen: bytes) -> list[tuple[int, int]]:
    """(done, of) of every extract bar drawn."""
    return [(int(done), int(of)) for done, of in
            re.findall(rb"extract\s+\S*\s+(\d+)/(\d+) docs", _lines(screen))]


@pytest.mark.parametrize("cores", ["2", "1"])
def test_ctrl_c_mid_batch_stops_the_run_at_once(cores: str, local_server_home: Path,
                                                 tmp_path: Path) -> None:
    """A run of one 150-document batch, interrupted as soon as its bar shows a document
    extracted: it exits 130 with the one line that says what is left, before the batch is
    done (no lake file of it), and takes its extraction processes with it. On two cores the
    extraction host and its workers extract; on one, the run's own process."""
    source = reuters_sample(tmp_path / "docs.jsonl", 150)
    lake = tmp_path / "lake"
    env = prefect_env(local_server_home, WIREHOUSE_N_PROCESS=cores, COLUMNS="120")
    argv = [sys.executable, "-m", "wirehouse.cli", "run", source, "--warehouse",
            str(tmp_path / "wh.duckdb"), "--lake", str(lake), "--batch-size", "150"]
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command on a terminal of its own
        try:
            os.chdir(PROJECT_ROOT)
            os.execve(sys.executable, argv, env)
        finally:
            os._exit(127)
    screen = b""
    started = psutil.Process(pid)
    interrupted_at = None
    extraction: list[psutil.Process] = []
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            screen += data
        if interrupted_at is None and any(0 < done < of for done, of in
                                          _extract_progress(screen)):
            extraction = started.children(recursive=True)
            os.write(fd, b"\x03")  # Ctrl-C: SIGINT to the terminal's foreground group
            interrupted_at = time.monotonic()
    _, status = os.waitpid(pid, 0)
    stopped_in = time.monotonic() - (interrupted_at or 0)
    text = _lines(screen).decode(errors="replace")
    assert interrupted_at is not None, text[-3000:]
    assert os.waitstatus_to_exitcode(status) == 130, text[-3000:]
    assert "interrupted, nothing loaded; finished batches are kept for the next run" in text
    assert not list(lake.glob("documents/*.parquet"))  # the batch was not finished
    assert not (tmp_path / "wh.duckdb").exists()
    assert extraction or cores == "1"  # the host and its workers, all gone with the run
    _, alive = psutil.wait_procs(extraction, timeout=30)
    assert not alive, [p.cmdline() for p in alive]
    # Log lines start lines of their own: none follows a bar on its line.
    assert not re.search(rb"\xe2\x94\x81[^\n]*" + LOG_LINE, _lines(screen))
    print(f"stopped {stopped_in:.1f} s after Ctrl-C")
