"""Where a cold run's CPU goes, second by second, by process: what bench/throughput.py's
``added_cpu_s`` and ``idle_core_s`` add up.

    .venv/bin/python bench/cpu_timeline.py [--docs 1000] [--new-host]

Runs `wirehouse run` once into a fresh warehouse (after one run that leaves the extraction host
and the kept run process loaded, unless --new-host) and samples every 0.1 s the CPU seconds of
each process involved: the command's own process (``cli``), the run's flow process forked by
the kept run process (``flow``; with WIREHOUSE_HOST_IDLE_S=0 the flow runs in ``cli``), the
kept processes themselves (``host``: the extraction host, and the kept run process while it
starts), the host's parse workers, and the local Prefect server. Prints one line per second
(cores busy by each; ``idle`` is what is left of 2 cores) and the totals.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
from results import write_sample  # noqa: E402

from flows.forkserver import wait_until_ready  # noqa: E402
from wirehouse.resident import running_hosts, stop_hosts  # noqa: E402

WIREHOUSE = [sys.executable, "-m", "wirehouse.cli", "run"]


def _server_pid() -> int | None:
    from flows.server import ensure_server

    return ensure_server().pid


def _role(proc: psutil.Process, cli: int, server: int | None) -> str:
    if proc.pid == cli:
        return "cli"
    if server is not None and server in (proc.pid, proc.ppid()):
        return "server"
    command = " ".join(proc.cmdline())
    parent = " ".join(psutil.Process(proc.ppid()).cmdline())
    if "flows.forkserver" in command:
        # A child of the kept run process is the run's flow process; the kept one itself
        # (its imports, when the run starts it) is counted with the hosts.
        return "flow" if "flows.forkserver" in parent else "host"
    if "wirehouse.workers" in command and "wirehouse.workers" in parent:
        return "worker"  # forked by the host
    return "host"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--new-host", action="store_true",
                    help="time a run that starts its extraction host")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sample = write_sample(args.docs, work)
        server = _server_pid()
        stop_hosts()
        if not args.new_host:
            subprocess.run([*WIREHOUSE, str(sample), "--warehouse", str(work / "a.duckdb"),
                            "--lake", str(work / "a"), "--no-progress"], cwd=ROOT, check=True,
                           capture_output=True)
            wait_until_ready()  # the kept run process that run started, importing
        hosts = {int(h["pid"]) for h in running_hosts()}
        t0 = time.perf_counter()
        run = subprocess.Popen([*WIREHOUSE, str(sample), "--warehouse", str(work / "b.duckdb"),
                                "--lake", str(work / "b"), "--no-progress"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        cli = psutil.Process(run.pid)
        start: dict[int, float] = {}  # CPU a process had used before the run (the hosts')
        last: dict[int, float] = {}
        roles: dict[int, str] = {}
        busy: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        while run.poll() is None:
            procs = [cli]
            for pid in [*hosts, *([server] if server else [])]:
                try:
                    procs.append(psutil.Process(pid))
                except psutil.Error:
                    continue
            for proc in list(procs):
                with contextlib.suppress(psutil.Error):
                    procs += proc.children(recursive=True)
            procs = list({p.pid: p for p in procs}.values())  # a kept host may be a child too
            second = int(time.perf_counter() - t0)
            for proc in procs:
                try:
                    t = proc.cpu_times()
                    roles.setdefault(proc.pid, _role(proc, run.pid, server))
                except psutil.Error:
                    continue
                used = t.user + t.system
                if proc.pid not in start:
                    start[proc.pid] = used if proc.pid in hosts or proc.pid == server else 0.0
                    last[proc.pid] = start[proc.pid]
                busy[second][roles[proc.pid]] += used - last[proc.pid]
                last[proc.pid] = used
            time.sleep(0.1)
        wall = time.perf_counter() - t0
        output = run.stdout.read() if run.stdout else ""
        stop_hosts()
    if run.returncode:
        raise SystemExit(output[-3000:])
    cores = os.cpu_count() or 1
    names = ("cli", "flow", "host", "worker", "server")
    totals: dict[str, float] = defaultdict(float)
    print(f"{'s':>4} " + " ".join(f"{n:>6}" for n in (*names, "idle")))
    for second in sorted(busy):
        row = busy[second]
        for name in names:
            totals[name] += row[name]
        span = min(1.0, wall - second)  # the last second is partly after the run
        idle = max(0.0, cores * span - sum(row.values()))
        totals["idle"] += idle
        print(f"{second:>4} " + " ".join(f"{row[n]:6.2f}" for n in names) + f" {idle:6.2f}")
    print(f"wall {wall:.1f} s; CPU s " + ", ".join(f"{n} {totals[n]:.1f}" for n in names)
          + f"; idle core-s {totals['idle']:.1f}")
    print(next((ln for ln in output.splitlines() if ln.startswith("seconds:")), ""))


if __name__ == "__main__":
    main()
