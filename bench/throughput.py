"""Throughput of the ETL beside bare spaCy on the same documents, in one run.

    .venv/bin/python bench/throughput.py [--docs 1000] [--no-scale]

Measures, side by side on the first N Reuters-21578 articles:
  bare   spaCy nlp.pipe, same model/components/n_process, output discarded: words/s
  cold   `wirehouse run` into a fresh warehouse: words/s, seconds per stage, peak RSS
         (bare and cold alternate --repeat times, 5 by default; medians reported). As a
         user's runs do, each is forked from the kept run process (flows.forkserver) and
         attaches to the extraction host (wirehouse.resident) that the run before it left;
         one more pair first times a run that starts both (cold_new_host)
  warm   the same command again with nothing changed: wall seconds (its no-op check finds
         nothing to do and starts no flow run; warm_flow runs the flow anyway, --no-check)
  scale  cold runs at N and 4N documents: peak RSS of each; at 4N also bare beside it
         (cold_vs_bare_4n, one pair: the fixed part of a run against a longer parse)
  empty  `wirehouse run` over an empty folder: wall seconds (and empty_flow, --no-check)
prints one JSON object and writes it into bench/RESULTS.md (section "Throughput").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
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
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]  # this checkout's wirehouse, as the runs
from results import update_section, write_sample  # noqa: E402

WIREHOUSE = [sys.executable, "-m", "wirehouse.cli"]


def bodies(path: Path) -> list[str]:
    from wirehouse.core.documents import RawDocument
    from wirehouse.ingest.discover import read_inputs

    seen: set[str] = set()
    out = []
    for d in read_inputs([str(path)], 5 * 1024 * 1024):
        if isinstance(d, RawDocument) and d.doc_id not in seen:
            seen.add(d.doc_id)
            out.append(d.body)
    return out


def bare(texts: list[str]) -> dict[str, float]:
    from wirehouse.core.settings import get_settings
    from wirehouse.extract.nlp import load_pipeline

    s = get_settings()
    nlp = load_pipeline(s.model, s.reference_dir)
    words = sum(len(t.split()) for t in texts)
    cpu0 = _cpu_s(resource.RUSAGE_SELF) + _cpu_s(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, n_process=s.n_process, batch_size=s.nlp_batch_size):
        pass
    secs = time.perf_counter() - t0
    cpu = _cpu_s(resource.RUSAGE_SELF) + _cpu_s(resource.RUSAGE_CHILDREN) - cpu0
    return {"words": words, "seconds": secs, "words_per_s": words / secs,
            "n_process": s.n_process, "cpu_s": cpu}


def _cpu_s(who: int) -> float:
    """User plus system CPU seconds; for RUSAGE_CHILDREN, of every descendant reaped so far
    (the host and its parse workers included: each parent waits for its children)."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _hosts() -> list[psutil.Process]:
    """Processes a run leaves behind that are not its children: none since no process is kept
    between runs (the Prefect server aside, which is not part of a run)."""
    return []


def _hosts_cpu_s(hosts: list[psutil.Process]) -> float:
    """CPU seconds of the hosts and of the workers they have reaped."""
    total = 0.0
    for proc in hosts:
        try:
            t = proc.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


class PeakRSS(threading.Thread):
    """Sum of RSS over a process and its children (and the kept processes, with their
    children: the extraction host's workers, the kept run process's forked run; pages a fork
    shares with its parent count in both), sampled every 250 ms (a sample costs ~3 ms of
    CPU, taken from the run it measures; the peak lasts the whole extraction)."""

    def __init__(self, pid: int, hosts: list[psutil.Process]) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.hosts = hosts
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                for host in self.hosts:
                    procs += [host, *host.children(recursive=True)]
                # Once each: a kept host a forked run started is also a grandchild of the
                # kept run process.
                unique = {p.pid: p for p in procs}.values()
                self.peak = max(self.peak, sum(p.memory_info().rss for p in unique))
            except psutil.Error:
                pass
            time.sleep(0.25)


def etl(source: Path, work: Path, *options: str) -> dict[str, Any]:
    cmd = [*WIREHOUSE, "run", str(source), "--warehouse", str(work / "wh.duckdb"),
           "--lake", str(work / "lake"), *options]
    hosts = _hosts()
    cpu0 = _cpu_s(resource.RUSAGE_CHILDREN) + _hosts_cpu_s(hosts)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=ROOT)
    rss = PeakRSS(proc.pid, hosts)
    rss.start()
    output, _ = proc.communicate()
    wall = time.perf_counter() - t0
    # A run that imported Prefect itself starts the kept run process as it ends: its imports
    # are this run's CPU (not its wall time), and not the next measurement's.
    # A host this run started and left is counted from here on by the next run; what it
    # used in this one is this run's too.
    started = [h for h in _hosts() if h.pid not in {p.pid for p in hosts}]
    cpu = _cpu_s(resource.RUSAGE_CHILDREN) + _hosts_cpu_s(hosts + started) - cpu0
    rss.stop.set()
    rss.join()
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{output[-3000:]}")
    stages = {k: float(v) for k, v in re.findall(r"(\w+) ([\d.]+)",
                                                 _line(output, "seconds:"))}
    # What the run spends outside its stages: interpreter and imports, the no-op check,
    # Prefect's import and flow run creation, artifacts, exit.
    return {"wall_s": wall, "stages_s": stages, "outside_stages_s": wall - sum(stages.values()),
            "peak_rss_mb": rss.peak / 2**20, "cpu_s": cpu}


def _median(runs: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return sorted(runs, key=lambda r: r[key])[len(runs) // 2]


def _line(output: str, prefix: str) -> str:
    return next((ln for ln in output.splitlines() if ln.startswith(prefix)), "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--no-scale", action="store_true", help="skip the 4N run")
    ap.add_argument("--repeat", type=int, default=5, help="bare/cold pairs (median)")
    ap.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sample = write_sample(args.docs, work)
        texts = bodies(sample)
        words = sum(len(t.split()) for t in texts)
        result: dict[str, Any] = {"docs": len(texts), "words": words,
                                  "cores": os.cpu_count(), "python": sys.version.split()[0],
                                  "date": datetime.now(UTC).date().isoformat()}
        # The long-lived local Prefect server is started once, on first use, and reused: its
        # start (~10 s) belongs to no run, so it is up before the runs are timed.
        server_start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from flows.prefect_server import ensure_server; "
                        "ensure_server()"], cwd=ROOT, check=True)
        result["server_ready_s"] = time.perf_counter() - server_start
        # A run that starts its extraction host (the first of a session, or after
        # WIREHOUSE_HOST_IDLE_S without runs): one pair, so its cost is on record.
        first_bare = bare(texts)
        first = etl(sample, work / "new-host")
        result["cold_new_host"] = {**first, "bare_s": first_bare["seconds"]}
        result["cold_new_host_vs_bare"] = first_bare["seconds"] / first["wall_s"]
        # bare and cold alternate, median of each: this machine's speed drifts by 10-20%
        # over minutes, which one pair would read as a difference between the two.
        bares, colds = [], []
        for i in range(args.repeat):
            bares.append(bare(texts))
            colds.append(etl(sample, work / f"n{i}"))
        result["bare"] = _median(bares, "words_per_s")
        result["bare"]["all_words_per_s"] = [b["words_per_s"] for b in bares]
        cold = _median(colds, "wall_s")
        cold["all_wall_s"] = [c["wall_s"] for c in colds]
        cold["words_per_s"] = words / cold["wall_s"]
        # CPU seconds of the whole run beside bare spaCy's: what the ETL adds to the parse,
        # whichever process and stage it falls in (the host reads ahead, so the extract
        # stage's wall time no longer separates the parse from the rest). On 2 busy cores
        # the wall time is about half the CPU time plus the moments when one core idles.
        cold["added_cpu_s"] = cold["cpu_s"] - result["bare"]["cpu_s"]
        cold["idle_core_s"] = 2 * cold["wall_s"] - cold["cpu_s"]
        result["cold"] = cold
        result["warm"] = etl(sample, work / "n0")
        result["warm_flow"] = etl(sample, work / "n0", "--no-check")
        empty_dir = work / "empty"
        empty_dir.mkdir()
        result["empty_run_s"] = etl(empty_dir, work / "empty-wh")["wall_s"]
        result["empty_flow_s"] = etl(empty_dir, work / "empty-wh", "--no-check")["wall_s"]
        result["cold_vs_bare"] = cold["words_per_s"] / result["bare"]["words_per_s"]
        # Each bare run against the cold run right after it, in the same minute of the
        # machine's drift: the spread of these is the noise in the figure above.
        pairs = sorted(b["seconds"] / c["wall_s"] for b, c in zip(bares, colds, strict=True))
        result["pair_ratios"] = pairs
        result["warm_vs_cold"] = result["warm"]["wall_s"] / cold["wall_s"]
        if not args.no_scale:
            big = write_sample(4 * args.docs, work)
            big_bare = bare(bodies(big))
            big_cold = etl(big, work / "4n")
            result["scale"] = {"rss_n_mb": cold["peak_rss_mb"],
                               "rss_4n_mb": big_cold["peak_rss_mb"],
                               "bare_4n_s": big_bare["seconds"], "cold_4n_s": big_cold["wall_s"],
                               "cold_4n_stages_s": big_cold["stages_s"]}
            result["rss_4n_vs_n"] = result["scale"]["rss_4n_mb"] / cold["peak_rss_mb"]
            result["cold_vs_bare_4n"] = big_bare["seconds"] / big_cold["wall_s"]
    print(json.dumps(result, indent=1))
    if not args.no_write:
        update_section("Throughput", _markdown(result, args))


def _markdown(r: dict[str, Any], args: argparse.Namespace) -> str:
    targets = [("cold_vs_bare", ">=", 0.85), ("warm_vs_cold", "<=", 0.10),
               ("rss_4n_vs_n", "<=", 1.25), ("empty_run_s", "<=", 5.0)]
    rows = []
    for key, op, target in targets:
        if key in r:
            ok = r[key] >= target if op == ">=" else r[key] <= target
            verdict = "met" if ok else "NOT met"
            rows.append(f"| `{key}` | {r[key]:.3f} | {op} {target} | {verdict} |")
    cmd = "    .venv/bin/python bench/throughput.py" + (f" --docs {args.docs}"
                                                       if args.docs != 1000 else "")
    return "\n".join([
        f"{r['docs']} Reuters-21578 articles ({r['words']} words), {r['cores']} cores, "
        f"Python {r['python']}, {r['date']}.",
        "",
        "| ratio | measured | target | |", "|---|---|---|---|", *rows,
        "",
        f"Median of {len(r['cold']['all_wall_s'])} alternating bare/cold pairs. "
        f"bare spaCy: {r['bare']['words_per_s']:.0f} words/s (n_process={r['bare']['n_process']}; "
        f"all: {', '.join(f'{w:.0f}' for w in r['bare']['all_words_per_s'])}); "
        f"cold ETL: {r['cold']['words_per_s']:.0f} words/s, {r['cold']['wall_s']:.1f} s wall "
        f"(all: {', '.join(f'{w:.1f}' for w in r['cold']['all_wall_s'])}), "
        f"stages {r['cold']['stages_s']}, outside the stages "
        f"{r['cold']['outside_stages_s']:.1f} s, peak RSS {r['cold']['peak_rss_mb']:.0f} MB. "
        f"CPU: bare {r['bare']['cpu_s']:.1f} s, cold {r['cold']['cpu_s']:.1f} s (the ETL adds "
        f"{r['cold']['added_cpu_s']:.1f} s; a core idled {r['cold']['idle_core_s']:.1f} s of "
        f"the run). Each bare run against the cold run after it: "
        f"{', '.join(f'{p:.3f}' for p in r['pair_ratios'])}. "
        f"Warm rerun {r['warm']['wall_s']:.1f} s (no flow run started; through a flow run "
        f"anyway, --no-check: {r['warm_flow']['wall_s']:.1f} s); empty source "
        f"{r['empty_run_s']:.1f} s (--no-check: {r['empty_flow_s']:.1f} s). "
        f"Each cold run above was forked from the kept run process (flows.forkserver) and "
        f"attached to the extraction host (wirehouse.resident) that the run before it left. "
        f"One that starts both (the first after WIREHOUSE_HOST_IDLE_S without runs; one "
        f"pair): {r['cold_new_host']['wall_s']:.1f} s "
        f"beside bare's {r['cold_new_host']['bare_s']:.1f} s, "
        f"`cold_new_host_vs_bare` {r['cold_new_host_vs_bare']:.3f}."
        + (f" At 4N ({4 * args.docs} articles, one pair): bare {r['scale']['bare_4n_s']:.1f} s, "
           f"cold {r['scale']['cold_4n_s']:.1f} s, `cold_vs_bare_4n` "
           f"{r['cold_vs_bare_4n']:.3f}." if "scale" in r else ""),
        "", "Command:", "", cmd, "", "Raw figures:", "", "```json", json.dumps(r, indent=1),
        "```",
    ])


if __name__ == "__main__":
    main()
