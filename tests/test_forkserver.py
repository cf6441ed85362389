"""`wirehouse run` handed to the kept run process (flows.forkserver): the forked run works in
the command's folder, environment and umask, writes to its stdout and stderr, loads what a
run in its own process loads, and its exit status and signals go through."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from conftest import CORPORA, SEED, make_settings
from test_flow import table_rows, use_settings

from flows.etl import etl
from wirehouse import resident


@pytest.fixture
def env(prefect_harness: None) -> Iterator[dict[str, str]]:
    """The environment of a `wirehouse` command that keeps processes (60 s) and talks to
    the session's Prefect server; whatever it kept is stopped afterwards."""
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(WIREHOUSE_HOST_IDLE_S="60", WIREHOUSE_N_PROCESS="1",
               PREFECT_API_URL=str(PREFECT_API_URL.value()))
    yield env
    resident.stop_hosts()


def _wirehouse(env: dict[str, str], cwd: Path, *args: str, umask: int = 0o022
               ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wirehouse.cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          preexec_fn=lambda: os.umask(umask))


def _kept_run_process() -> dict[str, object]:
    """The kept run process: started as the first run ends, it lists itself at once."""
    deadline = time.monotonic() + 30
    while not (kept := [h for h in resident.running_hosts() if h.get("role") == "runs"]):
        assert time.monotonic() < deadline, "no kept run process"
        time.sleep(0.05)
    [state] = kept
    return state


def _forked(state: dict[str, object]) -> list[str]:
    folder = resident.runtime_dir()
    assert folder is not None
    log = (folder / f"{state['key']}.log").read_text()
    return [line for line in log.splitlines() if line.startswith("forkserver: run ")]


def test_runs_are_forked_in_the_commands_folder_environment_and_umask(
        env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    out = _wirehouse(env, first, "run", str(SEED), "--warehouse", "wh.duckdb", "--lake", "lake",
                     "--no-progress")
    assert out.returncode == 0, out.stdout + out.stderr
    # The first run imports Prefect itself and leaves the kept process for the next ones.
    state = _kept_run_process()
    assert _forked(state) == []
    # The next one is forked, and what it prints reaches the command's stdout.
    out = _wirehouse(env, first, "run", str(SEED), "--warehouse", "wh.duckdb", "--lake", "lake",
                     "--no-progress")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "nothing new or changed in 1 input(s)" in out.stdout
    assert len(_forked(state)) == 1

    # Another folder, another umask, a WIREHOUSE_* setting of its own: all the run's.
    out = _wirehouse({**env, "WIREHOUSE_BATCH_SIZE": "7"}, second, "run", str(SEED),
                     "--warehouse", "wh.duckdb", "--lake", "lake", "--no-progress",
                     umask=0o077)
    assert out.returncode == 0, out.stdout + out.stderr
    assert _kept_run_process()["pid"] == state["pid"]
    assert len(_forked(state)) == 2
    assert "top entities of this run:" in out.stdout
    assert (second / "wh.duckdb").stat().st_mode & 0o777 == 0o600
    assert (first / "wh.duckdb").stat().st_mode & 0o777 == 0o644

    # What a run in its own process loads.
    own = make_settings(tmp_path / "own")
    use_settings(monkeypatch, own)
    etl(sources=[str(SEED)], warehouse=own.warehouse, lake=own.lake)
    assert table_rows(str(second / "wh.duckdb")) == table_rows(own.warehouse)
    assert table_rows(str(first / "wh.duckdb")) == table_rows(own.warehouse)

    # A failing run: its error on the command's stderr, its exit status the command's.
    out = _wirehouse(env, first, "run", "nothing-here.txt", "--no-progress")
    assert out.returncode == 1
    assert "no input matches 'nothing-here.txt'" in out.stderr
    assert len(_forked(state)) == 3
    status = _wirehouse(env, first, "server", "status")
    assert f"kept run process (pid {state['pid']}" in status.stdout


def test_a_signal_to_the_command_reaches_its_run(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    with gzip.open(CORPORA / "reuters21578" / "reuters21578.jsonl.gz", "rt") as src:
        source.write_text("".join(line for _, line in zip(range(300), src, strict=False)))
    # The kept process first (left by a first run).
    warm = _wirehouse(env, tmp_path, "run", str(SEED), "--warehouse", "w0.duckdb", "--lake",
                      "l0", "--no-progress")
    assert warm.returncode == 0, warm.stdout + warm.stderr
    state = _kept_run_process()
    command = subprocess.Popen(
        [sys.executable, "-m", "wirehouse.cli", "run", str(source), "--warehouse", "w1.duckdb",
         "--lake", "l1", "--no-progress"], env=env, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while not _forked(state) and time.monotonic() < deadline:
        time.sleep(0.1)
    run_pid = int(_forked(state)[0].split()[2].rstrip(":"))
    run = psutil.Process(run_pid)
    assert run.ppid() == state["pid"]
    time.sleep(2)  # into the flow run
    # Ctrl-Z stops the command and its run; `fg` (SIGCONT to the command) goes on with both.
    command.send_signal(signal.SIGTSTP)
    _wait_for_status(run, psutil.STATUS_STOPPED)
    _wait_for_status(psutil.Process(command.pid), psutil.STATUS_STOPPED)
    command.send_signal(signal.SIGCONT)
    _wait_for_status(run, psutil.STATUS_RUNNING, psutil.STATUS_SLEEPING, psutil.STATUS_DISK_SLEEP)
    command.send_signal(signal.SIGINT)
    output, _ = command.communicate(timeout=300)
    assert command.returncode == 130, output  # as from a run in the command's own process
    assert "aborted by an interrupt signal" in output
    assert not psutil.pid_exists(run_pid) or psutil.Process(run_pid).status() == "zombie"
    assert not (tmp_path / "w1.duckdb").exists()  # nothing loaded
    assert _kept_run_process()["pid"] == state["pid"]  # kept for the next run


def _wait_for_status(proc: psutil.Process, *statuses: str) -> None:
    deadline = time.monotonic() + 10
    while proc.status() not in statuses:
        assert time.monotonic() < deadline, f"{proc.pid} is {proc.status()}, not {statuses}"
        time.sleep(0.02)
