"""Throughput of the whole `wirehouse run` beside bare spaCy on the same documents, in one run.

    .venv/bin/python bench/throughput.py [--docs 5000] [--pairs 3] [--no-scale] [--no-write]
                                         [--compare NAME=PATH[,VAR=VALUE...]]...

On the first N Reuters-21578 articles (5,000 by default), side by side:
  scale  bare spaCy (nlp.pipe: same model, components and n_process, output discarded)
         and a cold `wirehouse run` (a new process, a new warehouse and lake, nothing kept
         from an earlier run; the local Prefect server is up, as it is after a user's first
         run) alternate, --pairs times. scale_vs_bare = bare's median seconds over the
         run's median; each pair's own ratio shows the noise.
  warm   the same command again with nothing changed: warm_vs_cold = its wall time over
         the median cold run's (the no-op check finds nothing and starts no flow run).
  empty  `wirehouse run` over an empty folder: empty_run_s, wall seconds.
  rss    a cold run over 4N articles (as many as the corpus has, 19,779): rss_4n_vs_n = its
         peak RSS over the median cold run's (the run and every process it starts).
A run's CPU seconds are its own and its descendants' (the extraction host and its workers);
the Prefect server's are not counted. --compare adds another checkout's cold `wirehouse run`
to each pair (its code first on PYTHONPATH, this venv, its own PREFECT_HOME and local server,
VAR=VALUE in its environment), e.g. the code before a change: NAME_vs_bare beside
scale_vs_bare, in the same minutes of the machine's load.
Prints one JSON object and writes it into bench/RESULTS.md (section "Throughput").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
from results import update_section, write_sample  # noqa: E402

TARGETS = [("scale_vs_bare", ">=", 0.90), ("warm_vs_cold", "<=", 0.10),
           ("rss_4n_vs_n", "<=", 1.25), ("empty_run_s", "<=", 5.0)]


def bodies(path: Path) -> list[str]:
    """The texts a run extracts: each distinct document's body, as ingest reads it."""
    from wirehouse.core.documents import RawDocument
    from wirehouse.ingest.discover import read_inputs

    seen: set[str] = set()
    out = []
    for d in read_inputs([str(path)], 5 * 1024 * 1024):
        if isinstance(d, RawDocument) and d.doc_id not in seen:
            seen.add(d.doc_id)
            out.append(d.body)
    return out


def _cpu_s(who: int) -> float:
    """User plus system CPU seconds; for RUSAGE_CHILDREN, of every descendant reaped so far
    (each process waits for the ones it started)."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def bare(texts: list[str]) -> dict[str, float]:
    from wirehouse.core.settings import get_settings
    from wirehouse.extract.nlp import load_pipeline

    s = get_settings()
    nlp = load_pipeline(s.model, s.reference_dir)
    cpu0 = _cpu_s(resource.RUSAGE_SELF) + _cpu_s(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, n_process=s.n_process, batch_size=s.nlp_batch_size):
        pass
    secs = time.perf_counter() - t0
    cpu = _cpu_s(resource.RUSAGE_SELF) + _cpu_s(resource.RUSAGE_CHILDREN) - cpu0
    return {"seconds": secs, "n_process": s.n_process, "cpu_s": cpu,
            "load_avg": os.getloadavg()[0]}


class PeakRSS(threading.Thread):
    """Sum of RSS over a process and its descendants (pages a fork shares with its parent
    count in both), sampled every 250 ms (a sample costs a few ms of CPU, taken from the run
    it measures; the peak lasts the whole extraction)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs))
            except psutil.Error:
                pass
            time.sleep(0.25)


class Checkout:
    """The code whose `wirehouse run` is timed, and the environment it runs in."""

    def __init__(self, name: str, path: Path, env: dict[str, str]) -> None:
        self.name, self.path, self.env = name, path.resolve(), env

    @classmethod
    def parse(cls, spec: str, work: Path) -> Checkout:
        name, _, rest = spec.partition("=")
        path, *variables = rest.split(",")
        env = dict(v.split("=", 1) for v in variables)
        env.setdefault("PREFECT_HOME", str(work / f"prefect-home-{name}"))
        return cls(name, Path(path), env)


def etl(checkout: Checkout, source: Path, work: Path) -> dict[str, Any]:
    """One `wirehouse run` in a process of its own: wall and CPU seconds, the seconds per
    stage it reports, peak RSS."""
    cmd = [sys.executable, "-m", "wirehouse.cli", "run", str(source), "--warehouse",
           str(work / "wh.duckdb"), "--lake", str(work / "lake"), "--no-progress"]
    env = {**os.environ, **checkout.env, "PYTHONPATH": os.pathsep.join(
        [str(checkout.path), *filter(None, [os.environ.get("PYTHONPATH")])])}
    cpu0 = _cpu_s(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=checkout.path, env=env)
    rss = PeakRSS(proc.pid)
    rss.start()
    output, _ = proc.communicate()
    wall = time.perf_counter() - t0
    cpu = _cpu_s(resource.RUSAGE_CHILDREN) - cpu0
    rss.stop.set()
    rss.join()
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{output[-3000:]}")
    seconds = next((ln for ln in output.splitlines() if ln.startswith("seconds:")), "")
    stages = {k: float(v) for k, v in re.findall(r"(\w+) ([\d.]+)", seconds)}
    return {"wall_s": wall, "stages_s": stages, "peak_rss_mb": rss.peak / 2**20, "cpu_s": cpu,
            "load_avg": os.getloadavg()[0]}


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def measure(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    this = Checkout("cold", ROOT, {})
    others = [Checkout.parse(spec, work) for spec in args.compare]
    sample = write_sample(args.docs, work)
    texts = bodies(sample)
    r: dict[str, Any] = {
        "docs": len(texts), "words": sum(len(t.split()) for t in texts),
        "cores": os.cpu_count(), "python": sys.version.split()[0],
        "date": datetime.now(UTC).date().isoformat(), "commit": _commit(ROOT),
        "compared": {c.name: {"path": str(c.path), "commit": _commit(c.path), "env": c.env}
                     for c in others}}
    # Untimed: starts the local Prefect server if none is up (once per checkout, as a
    # user's first run does) and brings the model files into the page cache, as bare had.
    for checkout in (this, *others):
        etl(checkout, ROOT / "seeds", work / f"first-{checkout.name}")
    rounds = []
    for i in range(args.pairs):
        rounds.append({"bare": bare(texts), **{c.name: etl(c, sample, work / f"{c.name}{i}")
                                               for c in (this, *others)}})
    r["rounds"] = rounds
    bare_s = _median([x["bare"]["seconds"] for x in rounds])
    for c in (this, *others):
        key = "scale" if c is this else c.name
        r[f"{key}_vs_bare"] = bare_s / _median([x[c.name]["wall_s"] for x in rounds])
        r[f"{key}_pair_ratios"] = sorted(x["bare"]["seconds"] / x[c.name]["wall_s"]
                                         for x in rounds)
    r["bare_s"] = bare_s
    r["cold_s"] = cold_s = _median([x["cold"]["wall_s"] for x in rounds])
    r["warm"] = etl(this, sample, work / "cold0")
    r["warm_vs_cold"] = r["warm"]["wall_s"] / cold_s
    empty = work / "empty"
    empty.mkdir()
    r["empty_run_s"] = etl(this, empty, work / "empty-wh")["wall_s"]
    if not args.no_scale:
        big = write_sample(4 * args.docs, work)
        r["scale"] = {"docs": len(bodies(big)), **etl(this, big, work / "4n")}
        r["rss_4n_vs_n"] = r["scale"]["peak_rss_mb"] / _median(
            [x["cold"]["peak_rss_mb"] for x in rounds])
    for c in others:  # the servers started in the Prefect homes made for them here
        if Path(c.env["PREFECT_HOME"]).parent == work:
            _stop_server(Path(c.env["PREFECT_HOME"]))
    return r


def _stop_server(home: Path) -> None:
    """Stop the local server recorded in ``home`` (any version's state file names its pid;
    it runs in a process group of its own)."""
    try:
        pid = int(json.loads((home / "wirehouse-server.json").read_text())["pid"])
        os.killpg(pid, signal.SIGTERM)
    except (OSError, ValueError, KeyError):
        pass


def _commit(path: Path) -> str:
    return subprocess.run(["git", "-C", str(path), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=5000)
    ap.add_argument("--pairs", type=int, default=3, help="bare/cold pairs (median)")
    ap.add_argument("--no-scale", action="store_true", help="skip the 4N run")
    ap.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    ap.add_argument("--compare", action="append", default=[], metavar="NAME=PATH[,VAR=VALUE]",
                    help="also time this checkout's run in each pair (repeatable)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(args, Path(tmp))
    print(json.dumps(result, indent=1))
    if not args.no_write:
        update_section("Throughput", _markdown(result, args))


def _markdown(r: dict[str, Any], args: argparse.Namespace) -> str:
    rows = []
    for key, op, target in TARGETS:
        if key in r:
            ok = r[key] >= target if op == ">=" else r[key] <= target
            rows.append(f"| `{key}` | {r[key]:.3f} | {op} {target} | "
                        f"{'met' if ok else 'NOT met'} |")
    cold = [x["cold"] for x in r["rounds"]]
    bares = [x["bare"] for x in r["rounds"]]

    def each(values: list[Any], fmt: str) -> str:
        return ", ".join(fmt.format(v) for v in values)

    cmd = "    .venv/bin/python bench/throughput.py" + (
        f" --docs {args.docs}" if args.docs != 5000 else "") + (
        f" --pairs {args.pairs}" if args.pairs != 3 else "") + "".join(
        f" --compare {c}" for c in args.compare)
    loads = [f"{x['bare']['load_avg']:.1f}/{x['cold']['load_avg']:.1f}" for x in r["rounds"]]
    compared = "".join(
        f" `{name}` ({c['commit']}, {c['env']}): `{name}_vs_bare` {r[name + '_vs_bare']:.3f}, "
        f"pairs {each(r[name + '_pair_ratios'], '{:.3f}')}, runs "
        f"{each([x[name]['wall_s'] for x in r['rounds']], '{:.1f} s')}."
        for name, c in r["compared"].items())
    scale = (f" {r['scale']['docs']} articles: {r['scale']['wall_s']:.1f} s, peak RSS "
             f"{r['scale']['peak_rss_mb']:.0f} MB." if "scale" in r else "")
    return "\n".join([
        f"{r['docs']} Reuters-21578 articles ({r['words']} words), {r['cores']} cores, "
        f"Python {r['python']}, {r['date']}, commit {r['commit']}.",
        "",
        "| ratio | measured | target | |", "|---|---|---|---|", *rows,
        "",
        f"Median of {len(cold)} alternating bare/cold pairs: bare spaCy {r['bare_s']:.1f} s "
        f"(n_process={bares[0]['n_process']}), cold `wirehouse run` {r['cold_s']:.1f} s. "
        f"Each pair's own ratio: {each(r['scale_pair_ratios'], '{:.3f}')}. "
        f"Cold runs: {each([c['wall_s'] for c in cold], '{:.1f} s')}; their stages (seconds "
        f"from the start of ingest: extraction overlaps it) "
        f"{'; '.join(str(c['stages_s']) for c in cold)}; CPU "
        f"{each([c['cpu_s'] for c in cold], '{:.0f} s')} (bare: "
        f"{each([b['cpu_s'] for b in bares], '{:.0f} s')}); peak RSS "
        f"{each([c['peak_rss_mb'] for c in cold], '{:.0f} MB')}. Load average (1 min) at "
        f"the end of each bare/cold measurement: {', '.join(loads)}. Warm rerun "
        f"{r['warm']['wall_s']:.1f} s; empty source {r['empty_run_s']:.1f} s.{scale}"
        f"{compared}",
        "", "Command:", "", cmd, "", "Raw figures:", "", "```json", json.dumps(r, indent=1),
        "```",
    ])


if __name__ == "__main__":
    main()
