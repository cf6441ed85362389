"""Load cost against warehouse size: the same 1,000 new documents published into warehouses of
10k, 100k and 1M event mentions (10M with --with-10m), a no-op run, the incremental check.

    .venv/bin/python bench/load_scaling.py [--sizes 10000,100000,1000000] [--with-10m]

1. extract: the real extraction (as bench/queries.py) of the first --docs Reuters-21578
   articles (the material the warehouses are replicated from) and, separately, of the next
   --batch articles: the batch every size loads, as the JSONL a user hands `wirehouse run`;
2. build, per size: replicas of the base documents (bench/queries.py's Replicator: new
   doc_ids, shifted dates, wire copies) published through wirehouse.warehouse.load.publish in
   runs of about --part-events event mentions, then two loads of --batch replica documents each (the
   steady state of a schedule: each load finds the spare one load behind, bench/RESULTS.md);
3. measure, per size, each in a child process (its own peak RSS):
   - delta: publish of the batch's extracted files (new documents), seconds and peak RSS;
   - noop: `wirehouse run BATCH.jsonl` after the batch is loaded (nothing new), end to end;
   - check: the incremental check alone (read the batch, look it up in the warehouse),
     seconds and peak RSS.
Prints one JSON object; writes the section "Load scaling" of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from queries import (  # noqa: E402
    ANCHOR,
    Replicator,
    extract,
    only_event_documents,
    plan_replicas,
)
from results import REUTERS, update_section  # noqa: E402

from wirehouse.core.settings import Settings  # noqa: E402
from wirehouse.warehouse.load import environment_hash, publish  # noqa: E402
from wirehouse.warehouse.marts import ENVIRONMENT, marts  # noqa: E402
from wirehouse.warehouse.spare import spare_path  # noqa: E402

SECTION = "Load scaling"


def write_batch_sample(skip: int, n: int, out: Path) -> Path:
    """Reuters articles with text after the first ``skip``: documents the replicas never hold."""
    path = out / f"batch-{skip}-{n}.jsonl"
    seen = kept = 0
    with gzip.open(REUTERS, "rt", encoding="utf-8") as src, path.open("w") as dst:
        for line in src:
            if kept == n:
                break
            if not json.loads(line).get("text", "").strip():
                continue
            seen += 1
            if seen > skip:
                dst.write(line)
                kept += 1
    return path


def extract_batch(args: argparse.Namespace, work: Path) -> tuple[Path, dict[str, list[str]]]:
    """The batch as JSONL and its extracted contract files (extracted once, kept in --work)."""
    from flows.in_process import extract_sources

    sample = write_batch_sample(args.docs, args.batch, work)
    out = work / f"batch-files-{args.docs}-{args.batch}"
    if not out.exists():
        settings = Settings.from_env().with_(warehouse=str(work / "batch-extract.duckdb"),
                                             lake=str(work / "batch-lake"),
                                             jsonl_mapping=json.dumps({"published_at": "date"}))
        now = datetime.now(UTC)
        _, files = extract_sources([str(sample)], f"{now:%Y%m%dT%H%M%S%fZ}-bench-batch",
                                   settings, now)
        out.mkdir()
        for name, paths in files.items():
            pq.write_table(pa.concat_tables([pq.read_table(p) for p in paths]),
                           out / f"{name}.parquet")
    return sample, {p.stem: [str(p)] for p in sorted(out.glob("*.parquet"))}


def built_by_this_code(warehouse: str, settings: Settings) -> bool:
    """Whether the warehouse's marts were built by the SQL and code checked out now (else a
    load would rebuild them all in full)."""
    con = duckdb.connect(warehouse, read_only=True)
    try:
        state = dict(con.execute("SELECT name, sql_hash FROM raw.model_state").fetchall())
    finally:
        con.close()
    want = {m.name: m.sql_hash for m in marts(settings.sql_dir)}
    want[ENVIRONMENT] = environment_hash(settings.sql_dir, settings.reference_dir,
                                         settings.sql_variables())
    return all(state.get(k) == v for k, v in want.items())


def build(size: int, base: dict[str, pa.Table], args: argparse.Namespace,
          work: Path) -> dict[str, Any]:
    """A warehouse of about ``size`` event mentions, then two steady-state loads. A kept
    --work folder's warehouse built by older code gets a load with no files (every mart
    rebuilt, as after any change of the SQL) and two more steady-state loads."""
    folder = work / f"size-{size}"
    done = folder / "build.json"
    settings = Settings.from_env()
    per_replica = base["event_mentions"].num_rows
    docs_per_replica = base["documents"].num_rows
    n_replicas = max(1, math.ceil(size / per_replica))
    warm = max(1, round(args.batch / docs_per_replica))
    published = [p for p in base["documents"].column("published_at").to_pylist() if p]
    base_day = min(published).date() if published else ANCHOR
    built: dict[str, Any] = {}
    if done.exists():  # a kept --work folder: the warehouse is reused
        built = dict(json.loads(done.read_text()))
        built["warehouse"], built["lake"] = str(folder / "wh.duckdb"), str(folder / "lake")
        current = built_by_this_code(built["warehouse"], settings)
        if current and not args.warm_again:
            return built
    else:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    warehouse, lake = str(folder / "wh.duckdb"), str(folder / "lake")
    # Rounds of steady-state loads done: each uses new replicas (a load of documents the
    # warehouse holds already would be a re-extraction, not the steady state).
    rounds = int(built.get("warm_rounds", 1 if built else 0))
    plan = plan_replicas(n_replicas + 2 * warm * (rounds + 1), args.wire_share, args.years,
                         base_day, args.seed)
    rep = Replicator(base, plan)
    variables = settings.sql_variables()
    if built and not current:
        t0 = time.perf_counter()
        publish(warehouse, f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-rebuild", {},
                settings.sql_dir, settings.reference_dir, sql_variables=variables)
        built["rebuild_s"] = round(time.perf_counter() - t0, 1)
    elif not built:
        reps_per_part = max(1, args.part_events // per_replica)
        t0 = time.perf_counter()
        k = 0
        for r0 in range(0, n_replicas, reps_per_part):
            r1 = min(r0 + reps_per_part, n_replicas)
            run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-build-{k}"
            files = {name: [path]
                     for name, path in rep.write(lake, run_id, "00000", r0, r1).items()}
            publish(warehouse, run_id, files, settings.sql_dir, settings.reference_dir,
                    sql_variables=variables)
            k += 1
        built.update(build_s=round(time.perf_counter() - t0, 1), build_runs=k)
    warm_s = []
    for i in range(2):
        r0 = n_replicas + (2 * rounds + i) * warm
        run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-warm-{i}"
        files = {name: [path] for name, path in
                 rep.write(lake, run_id, "00000", r0, r0 + warm).items()}
        t = time.perf_counter()
        publish(warehouse, run_id, files, settings.sql_dir, settings.reference_dir,
                sql_variables=variables)
        warm_s.append(round(time.perf_counter() - t, 2))
    rep.con.close()
    con = duckdb.connect(warehouse, read_only=True)
    counts = {name: int(con.execute(f"SELECT count(*) FROM raw.{name}").fetchone()[0])  # type: ignore[index]
              for name in ("documents", "document_sources", "mentions", "event_mentions")}
    con.close()
    built.update(warehouse=warehouse, lake=lake, warm_loads_s=warm_s, warm_rounds=rounds + 1,
                 rows=counts, warehouse_mb=round(os.path.getsize(warehouse) / 2**20))
    done.write_text(json.dumps(built))
    return built


# One measurement in a child process: its peak RSS is the measurement's, not this process's.
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so a child would report
# at least this process's size.
CHILD = """
import json, sys, time
what, args = sys.argv[1], json.loads(sys.argv[2])
def hwm_mb():
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmHWM:")) / 1024
if what == "publish":
    from wirehouse.core.settings import Settings
    from wirehouse.warehouse.load import publish
    s = Settings.from_env()
    base, t = hwm_mb(), time.perf_counter()
    r = publish(args["warehouse"], args["run_id"], args["files"], s.sql_dir, s.reference_dir,
                sql_variables=s.sql_variables())
    extra = {"built_from": r.built_from, "marts": r.marts, "replayed": r.replayed}
elif what == "check":
    from wirehouse.core.settings import Settings
    from wirehouse.extract.nlp import extraction_signature
    from wirehouse.ingest.stage import pending_work
    from wirehouse.warehouse.known import known_inputs
    s = Settings.from_env().with_(jsonl_mapping=json.dumps({"published_at": "date"}))
    signature = extraction_signature(s.model, s.reference_dir)
    base, t = hwm_mb(), time.perf_counter()
    p = pending_work([args["source"]], s, known_inputs(args["warehouse"]), signature)
    extra = {"reason": p.reason, "inputs": p.inputs}
print(json.dumps({"s": time.perf_counter() - t, "rss_mb": hwm_mb(), "imports_rss_mb": base,
                  **extra}))
"""


def child(what: str, **kwargs: Any) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", CHILD, what, json.dumps(kwargs)], check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def noop_run(warehouse: str, lake: str, source: Path) -> dict[str, Any]:
    """`wirehouse run` over the loaded batch, end to end, as a user runs it."""
    env = {**os.environ, "WIREHOUSE_JSONL_MAPPING": json.dumps({"published_at": "date"})}
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "wirehouse.cli", "run", str(source),
                          "--warehouse", warehouse, "--lake", lake], capture_output=True,
                         text=True, cwd=ROOT, env=env)
    took = time.perf_counter() - t
    if out.returncode != 0 or "nothing new" not in out.stdout:
        raise RuntimeError(f"the no-op run did not report nothing new:\n{out.stdout}\n{out.stderr}")
    return {"s": round(took, 2)}


def measure_once(built: dict[str, Any], batch_files: dict[str, list[str]], source: Path,
                 scratch: Path) -> dict[str, Any]:
    """The three measurements on a copy of the built warehouse and its spare (each one loads
    the batch, so every repetition starts from the same state)."""
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    wh = str(scratch / "wh.duckdb")
    shutil.copyfile(built["warehouse"], wh)
    shutil.copyfile(spare_path(built["warehouse"]), spare_path(wh))
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-bench-delta"
    delta = child("publish", warehouse=wh, run_id=run_id, files=batch_files)
    check = child("check", warehouse=wh, source=str(source))
    noop = noop_run(wh, built["lake"], source)
    shutil.rmtree(scratch, ignore_errors=True)
    return {"delta_s": delta["s"], "delta_rss_mb": delta["rss_mb"],
            "delta_imports_rss_mb": delta["imports_rss_mb"], "built_from": delta["built_from"],
            "replayed": delta["replayed"], "marts": delta["marts"], "noop_s": noop["s"],
            "check_s": check["s"], "check_rss_mb": check["rss_mb"],
            "check_imports_rss_mb": check["imports_rss_mb"], "check_reason": check["reason"]}


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians of the repetitions; the last one's descriptive fields."""
    out: dict[str, Any] = {k: v for k, v in runs[-1].items() if not isinstance(v, float)}
    for k in ("delta_s", "delta_rss_mb", "delta_imports_rss_mb", "noop_s", "check_s",
              "check_rss_mb", "check_imports_rss_mb"):
        value = statistics.median(r[k] for r in runs)
        out[k] = round(value, 2) if k.endswith("_s") else round(value)
    out["delta_s_each"] = [round(r["delta_s"], 2) for r in runs]
    return out


def label(size: int) -> str:
    return f"{size // 1_000_000}m" if size >= 1_000_000 else f"{size // 1000}k"


def markdown(r: dict[str, Any], command: str) -> str:
    lines = [
        f"{r['cores']} cores, DuckDB {r['duckdb']}, {r['date']}. Each warehouse built through "
        f"wirehouse.warehouse.load.publish from replicas of {r['base_documents']} extracted "
        f"Reuters documents (bench/queries.py's replication), then two loads of "
        f"~{r['batch']} replica documents (steady state); measured: the publish of the same "
        f"{r['batch_documents']} new Reuters documents (extracted once), a no-op "
        "`wirehouse run` over them after they are loaded, and the incremental check alone.",
        "",
        "| size | event mentions | documents | MB | build s | delta s | delta RSS MB | "
        "no-op run s | check s | check RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, m in r["sizes"].items():
        b = m["build"]
        lines.append(
            f"| {size} | {b['rows']['event_mentions']:,} | {b['rows']['documents']:,} | "
            f"{b['warehouse_mb']:,} | {b['build_s']} | {m['delta_s']} | {m['delta_rss_mb']} | "
            f"{m['noop_s']} | {m['check_s']} | {m['check_rss_mb']} |")
    lines += ["", "Ratios: " + ", ".join(f"{k} {v}" for k, v in r["ratios"].items()) + ".",
              "", "Command:", "", "    " + command]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000",
                    help="event mention counts to build (comma separated)")
    ap.add_argument("--with-10m", action="store_true", help="also 10M event mentions (slow)")
    ap.add_argument("--docs", type=int, default=600, help="Reuters articles replicated")
    ap.add_argument("--batch", type=int, default=1000, help="documents in the measured batch")
    ap.add_argument("--part-events", type=int, default=250_000,
                    help="event mentions per build run")
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--wire-share", type=float, default=0.3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--reps", type=int, default=3, help="interleaved repetitions (median)")
    ap.add_argument("--work", help="work folder (kept); default a temporary one, removed")
    ap.add_argument("--warm-again", action="store_true",
                    help="two more steady-state loads into kept --work warehouses")
    ap.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] + ([10_000_000] if args.with_10m else [])
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="wirehouse-lbench-"))
    work.mkdir(parents=True, exist_ok=True)
    command = ".venv/bin/python bench/load_scaling.py" + (" --with-10m" if args.with_10m else "")
    try:
        base, _ = extract(args.docs, work)
        base = only_event_documents(base)
        source, batch_files = extract_batch(args, work)
        result: dict[str, Any] = {
            "cores": os.cpu_count(), "duckdb": duckdb.__version__,
            "date": datetime.now(UTC).date().isoformat(), "command": command,
            "base_documents": base["documents"].num_rows, "batch": args.batch,
            "batch_documents": pq.read_metadata(batch_files["documents"][0]).num_rows,
            "sizes": {}}
        builds = {label(size): build(size, base, args, work) for size in sizes}
        # Interleaved, size after size, --reps times: the machine's load falls on all sizes
        # alike, and the ratios compare medians measured side by side.
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in builds}
        for rep in range(args.reps):
            for name, built in builds.items():
                runs[name].append(measure_once(built, batch_files, source, work / "scratch"))
                print(json.dumps({name: runs[name][-1], "rep": rep}), file=sys.stderr,
                      flush=True)
        for name, built in builds.items():
            result["sizes"][name] = {"build": built, **summarize(runs[name])}
        m = result["sizes"]
        ratios: dict[str, float] = {}
        for big in ("1m", "10m"):
            if big in m and "10k" in m:
                ratios[f"delta_{big}_vs_10k"] = round(m[big]["delta_s"] / m["10k"]["delta_s"], 2)
                ratios[f"delta_rss_{big}_vs_10k"] = round(
                    m[big]["delta_rss_mb"] / m["10k"]["delta_rss_mb"], 2)
        if "1m" in m:
            ratios["noop_s_1m"] = m["1m"]["noop_s"]
        if "10m" in m:
            ratios["check_rss_mb_10m"] = m["10m"]["check_rss_mb"]
        result["ratios"] = ratios
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    for s in result["sizes"].values():
        s["build"].pop("warehouse")
        s["build"].pop("lake")
    print(json.dumps(result, indent=1, default=str))
    if not args.no_write:
        update_section(SECTION, markdown(result, command))


if __name__ == "__main__":
    main()
