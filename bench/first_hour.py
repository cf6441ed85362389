"""How long a new user waits: `make run` on a fresh clone, and the Superset recipe coming up.

    .venv/bin/python bench/first_hour.py [--cold-superset]

Clones the repository's HEAD into a temporary folder and times, there:
- `make run`: a new .venv (pip installs the project, from pip's cache where it has the wheels)
  and the first run over seeds/ (it starts the local Prefect server);
- `make run` again: the no-op check over unchanged seeds;
- `wirehouse superset` until it prints "ready": a new Superset folder (metadata database,
  admin user), the warehouse registered, the dashboard imported. Superset's virtualenv is the
  one kept in the cache folder; with --cold-superset it is installed anew in a temporary cache
  folder, as on a machine that never ran it.
These are wall-clock times of one machine at one moment (other work on it slows them); they
are what a user waits, not ratios. Everything it starts is stopped before it ends.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    t0 = time.monotonic()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.monotonic() - t0


def superset_ready(clone: Path, env: dict[str, str]) -> float:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    proc = subprocess.Popen([str(clone / ".venv/bin/wirehouse"), "superset", "--port",
                             str(port)], cwd=clone, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("ready: "):
                return time.monotonic() - t0
        raise RuntimeError(f"wirehouse superset ended with {proc.wait()} before it was ready")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-superset", action="store_true",
                        help="install Superset's virtualenv anew (a temporary cache folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wirehouse-first-hour-") as tmp:
        clone = Path(tmp, "wirehouse")
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("WIREHOUSE_", "PREFECT_", "VIRTUAL_ENV", "PYTHON"))}
        env["PREFECT_HOME"] = str(Path(tmp, "prefect-home"))
        if args.cold_superset:
            env["WIREHOUSE_CACHE_DIR"] = str(Path(tmp, "cache"))
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone,
                              capture_output=True, text=True).stdout.strip()
        print(f"fresh clone of {head} in {clone}, {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}")
        try:
            print(f"make run (new .venv + first run): {timed(['make', 'run'], clone, env):.0f} s",
                  flush=True)
            print(f"make run again (no-op check):     {timed(['make', 'run'], clone, env):.1f} s",
                  flush=True)
            what = ("new virtualenv and folder" if args.cold_superset
                    else "kept virtualenv, new folder")
            print(f"wirehouse superset to ready ({what}): {superset_ready(clone, env):.0f} s")
        finally:
            subprocess.run([str(clone / ".venv/bin/wirehouse"), "server", "stop"], cwd=clone,
                           env=env, capture_output=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
