"""Query latency of the marts and the worked queries on a warehouse of about a million events.

    .venv/bin/python bench/queries.py [--events 1000000] [--docs 400] [--runs 4] [--reps 5]

1. extract: the real extraction (ingest, then extract_batch per batch, as the flow calls them
   without Prefect) over the first --docs Reuters-21578 articles plus the seed documents;
2. replicate: the extracted rows are copied into replica documents (new doc_ids from
   wirehouse.core.documents.stable_id, dates shifted over --years years, every row id re-derived)
   until raw.event_mentions holds about --events rows. Replicas come in "stories": a share
   (--wire-share) of replicas are wire copies of the previous story (same dates, same event_ids,
   same near-duplicate cluster, another source), so events merge across documents as syndicated
   news does; the other replicas start a new story and their events are distinct;
3. load: the replicas are written as contract Parquet files (wirehouse.lake.parquet.write_rows)
   and published with wirehouse.warehouse.load.publish in --runs runs, as the ETL does (into
   the spare file, the marts' touched keys rebuilt, checks, rename); each run's publish time
   is reported (bench/load_scaling.py measures how a load's cost grows with the warehouse);
4. time: every object in the marts schema and every sql/queries/*.sql, the median of --reps
   runs after one warm-up, each beside a plain scan of the events table.

A mart is timed in the engine with every column computed and no transfer to Python
(`SELECT count(*), max(hash(COLUMNS(*))) FROM marts.x`); a worked query is run as a user runs it
(its full result fetched as Arrow). Two scans are the yardsticks: narrow
(`SELECT count(*), sum(goldstein)` over raw.event_mentions and marts.events) and wide
(`count(*), max(hash(COLUMNS(*)))` over the same, every column read).

Prints one JSON object and writes the section "Query latency (1M events)" of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from results import update_section, write_sample  # noqa: E402

from wirehouse.core.contract import TABLES  # noqa: E402
from wirehouse.core.documents import stable_id  # noqa: E402
from wirehouse.core.settings import Settings  # noqa: E402
from wirehouse.lake.parquet import write_rows  # noqa: E402
from wirehouse.warehouse.load import publish  # noqa: E402
from wirehouse.warehouse.models import sql_files  # noqa: E402

SEEDS = ROOT / "seeds" / "*.txt"
SECTION = "Query latency (1M events)"
DOC_TABLES = ("documents", "document_sources", "mentions", "entities", "event_mentions",
              "quotations", "amounts")
# Row id column of each replicated table (re-derived per replica from the new doc_id).
ROW_IDS = {"mentions": "mention_id", "event_mentions": "event_mention_id",
           "quotations": "quotation_id", "amounts": "amount_id"}
WIRE_SOURCES = ("Reuters", "Associated Press", "AFP", "Bloomberg", "dpa", "Xinhua", "EFE",
                "Kyodo", "ANSA", "Yonhap")
ANCHOR = date(2020, 1, 1)


# ----------------------------------------------------------------------------- 1. extract

def extract(n_docs: int, work: Path) -> tuple[dict[str, pa.Table], float]:
    """The flow's ingest and extract stages without Prefect (flows.in_process.extract_sources).
    Returns the extracted rows by table and the seconds."""
    from flows.in_process import extract_sources

    t0 = time.perf_counter()
    cache = work / f"extracted-{n_docs}"
    if cache.exists():  # a kept --work folder: the extraction is reused
        return {name: pq.read_table(cache / f"{name}.parquet", schema=TABLES[name].schema)
                for name in DOC_TABLES}, 0.0
    settings = Settings.from_env().with_(warehouse=str(work / "extract.duckdb"),
                                         lake=str(work / "extract-lake"),
                                         jsonl_mapping=json.dumps({"published_at": "date"}))
    now = datetime.now(UTC)
    run_id = f"{now:%Y%m%dT%H%M%S%fZ}-bench-extract"
    sample = write_sample(n_docs, work)
    _, files = extract_sources([str(sample), str(SEEDS)], run_id, settings, now)
    base = {name: pa.concat_tables([pq.read_table(p, schema=TABLES[name].schema)
                                    for p in files.get(name, [])])
            for name in DOC_TABLES}
    cache.mkdir()
    for name, table in base.items():
        pq.write_table(table, cache / f"{name}.parquet")
    return base, time.perf_counter() - t0



def only_event_documents(base: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Keep the documents that report at least one event (most Reuters-21578 articles are
    commodity and earnings reports with none): a million events of political news, not a
    million events hidden in thirty million commodity-price mentions."""
    con = duckdb.connect()
    con.register("em", base["event_mentions"])
    keep = {r[0] for r in con.execute("SELECT DISTINCT doc_id FROM em").fetchall()}
    con.close()
    out = {}
    for name, table in base.items():
        ids = table.column("doc_id").to_pylist()
        out[name] = table.filter(pa.array([d in keep for d in ids]))
    return out


# --------------------------------------------------------------------------- 2. replicate

def plan_replicas(n_replicas: int, wire_share: float, years: int, base_day: date,
                  seed: int) -> list[tuple[int, int, int, int, str | None]]:
    """(replica, story, copy, shift_days, source) per replica. A new story gets a random day in
    the --years years from ANCHOR; a wire copy repeats the previous story under another source."""
    rng = random.Random(seed)
    out: list[tuple[int, int, int, int, str | None]] = []
    story, copy, offset = -1, 0, 0
    for r in range(n_replicas):
        if story >= 0 and rng.random() < wire_share:
            copy += 1
        else:
            story, copy, offset = story + 1, 0, rng.randrange(years * 365)
        shift = (ANCHOR - base_day).days + offset
        out.append((r, story, copy, shift, None if copy == 0 else
                    WIRE_SOURCES[copy % len(WIRE_SOURCES)]))
    return out


def _sid(*parts: str) -> str:
    """wirehouse.core.documents.stable_id in SQL (checked against it in replicate())."""
    return "left(sha256(" + " || chr(31) || ".join(parts) + "), 16)"


# One SELECT per table over base row b, replica rp and its doc map dm; $run is the run id.
_REPLICA_SQL = {
    "documents": f"""
        SELECT b.* REPLACE (
            dm.new_doc_id AS doc_id,
            b.url || '#r' || rp.r AS url,
            coalesce(rp.source, b.source) AS source,
            b.published_at + to_days(rp.shift) AS published_at,
            b.source_uri || '#r' || rp.r AS source_uri,
            {_sid("coalesce(b.cluster_id, b.doc_id)", "'story'", "rp.story::VARCHAR")}
                AS cluster_id,
            $run AS run_id)
        FROM documents AS b JOIN dm USING (doc_id) JOIN rp USING (r)""",
    "document_sources": """
        SELECT b.* REPLACE (
            dm.new_doc_id AS doc_id,
            b.uri || '#r' || rp.r AS uri,
            coalesce(d.published_at + to_days(rp.shift),
                     TIMESTAMPTZ '1987-01-01 12:00:00+00' + to_days(rp.shift))
                + to_minutes(5 + 20 * rp.copy) AS first_seen,
            coalesce(d.published_at + to_days(rp.shift),
                     TIMESTAMPTZ '1987-01-01 12:00:00+00' + to_days(rp.shift))
                + to_minutes(5 + 20 * rp.copy) AS last_seen,
            $run AS run_id)
        FROM document_sources AS b JOIN documents AS d USING (doc_id)
        JOIN dm USING (doc_id) JOIN rp USING (r)""",
    "entities": """
        SELECT b.* REPLACE (dm.new_doc_id AS doc_id, $run AS run_id)
        FROM entities AS b JOIN dm USING (doc_id)""",
    "event_mentions": f"""
        SELECT b.* REPLACE (
            {_sid("dm.new_doc_id", "b.event_mention_id")} AS event_mention_id,
            {_sid("b.event_id", "'story'", "rp.story::VARCHAR")} AS event_id,
            dm.new_doc_id AS doc_id,
            (b.event_date + to_days(rp.shift))::DATE AS event_date,
            $run AS run_id)
        FROM event_mentions AS b JOIN dm USING (doc_id) JOIN rp USING (r)""",
}
for _name, _id in (("mentions", "mention_id"), ("quotations", "quotation_id"),
                   ("amounts", "amount_id")):
    _REPLICA_SQL[_name] = f"""
        SELECT b.* REPLACE ({_sid("dm.new_doc_id", "b." + _id)} AS {_id},
                            dm.new_doc_id AS doc_id, $run AS run_id)
        FROM {_name} AS b JOIN dm USING (doc_id)"""


class Replicator:
    """Writes the replicas of the base rows as contract Parquet files in the lake."""

    def __init__(self, base: dict[str, pa.Table],
                 plan: list[tuple[int, int, int, int, str | None]]) -> None:
        self.con = duckdb.connect()
        for name, table in base.items():
            self.con.register(name, table)
        self.doc_ids = base["documents"].column("doc_id").to_pylist()
        self.con.execute("CREATE TABLE replicas (r INTEGER, story INTEGER, copy INTEGER, "
                         "shift INTEGER, source VARCHAR)")
        self.con.executemany("INSERT INTO replicas VALUES (?, ?, ?, ?, ?)", plan)
        sample = self.con.execute(f"SELECT {_sid('?', '?')}", ["ab", "cd"]).fetchone()
        assert sample is not None and sample[0] == stable_id("ab", "cd")

    def write(self, lake: str, run_id: str, part: str, r0: int, r1: int) -> dict[str, str]:
        dm = pa.table({
            "doc_id": [d for _ in range(r0, r1) for d in self.doc_ids],
            "r": [r for r in range(r0, r1) for _ in self.doc_ids],
            "new_doc_id": [stable_id(d, "bench-replica", r)
                           for r in range(r0, r1) for d in self.doc_ids],
        })
        self.con.register("dm", dm)
        self.con.execute("CREATE OR REPLACE TEMP VIEW rp AS SELECT * FROM replicas "
                         f"WHERE r >= {r0} AND r < {r1}")
        out = {}
        for name in DOC_TABLES:
            schema = TABLES[name].schema
            rel = self.con.execute(_REPLICA_SQL[name].replace("$run", "$1"), [run_id])
            table = rel.to_arrow_table().select(schema.names).cast(schema)
            out[name] = write_rows(lake, name, table, run_id, part)
        self.con.unregister("dm")
        return out


# -------------------------------------------------------------------------------- 3. load

def build(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    base, extract_s = extract(args.docs, work)
    extracted = {k: v.num_rows for k, v in base.items()}
    if not args.all_docs:
        base = only_event_documents(base)
    per_replica = {k: v.num_rows for k, v in base.items()}
    n_replicas = math.ceil(args.events / per_replica["event_mentions"])
    published = [p for p in base["documents"].column("published_at").to_pylist() if p]
    base_day = min(published).date() if published else ANCHOR
    plan = plan_replicas(n_replicas, args.wire_share, args.years, base_day, args.seed)
    rep = Replicator(base, plan)

    warehouse, lake = str(work / "bench.duckdb"), str(work / "lake")
    for old in (warehouse, f"{warehouse}.wal", lake):  # a kept --work folder: start afresh
        if os.path.isdir(old):
            shutil.rmtree(old)
        elif os.path.exists(old):
            os.remove(old)
    settings = Settings.from_env()
    bounds = [round(i * n_replicas / args.runs) for i in range(args.runs + 1)]
    # Parts of about --part-events event mentions each, so no table is held whole in memory.
    reps_per_part = max(1, args.part_events // per_replica["event_mentions"])
    runs, write_s = [], 0.0
    for k in range(args.runs):
        run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-bench-{k}"
        tw = time.perf_counter()
        files: dict[str, list[str]] = {}
        for i, r0 in enumerate(range(bounds[k], bounds[k + 1], reps_per_part)):
            r1 = min(r0 + reps_per_part, bounds[k + 1])
            for name, path in rep.write(lake, run_id, f"{i:05d}", r0, r1).items():
                files.setdefault(name, []).append(path)
        write_s += time.perf_counter() - tw
        tp = time.perf_counter()
        result = publish(warehouse, run_id, files, settings.sql_dir, settings.reference_dir)
        seconds = time.perf_counter() - tp
        runs.append({"run": k, "replicas": bounds[k + 1] - bounds[k],
                     "inserted_event_mentions": result.inserted.get("event_mentions", 0),
                     "total_event_mentions": result.totals["event_mentions"],
                     "total_mentions": result.totals["mentions"],
                     "warehouse_mb": round(os.path.getsize(warehouse) / 2**20),
                     "publish_s": round(seconds, 2)})
        print(f"run {k}: {runs[-1]}", file=sys.stderr, flush=True)
    rep.con.close()
    build_s = round(time.perf_counter() - t0, 1)
    return {
        "warehouse": warehouse,
        "noop_publish_s": noop_publish(warehouse),
        "extract_s": round(extract_s, 1),
        "write_parquet_s": round(write_s, 1),
        "publish_s": round(sum(r["publish_s"] for r in runs), 1),
        "build_s": build_s,
        "extracted_rows": extracted,
        "rows_per_replica": per_replica,
        "replicas": n_replicas,
        "stories": plan[-1][1] + 1,
        "runs": runs,
    }


def noop_publish(warehouse: str) -> float:
    """A publish with no files: the fixed cost of a load (lock, spare, checks, rename)."""
    settings = Settings.from_env()
    t = time.perf_counter()
    publish(warehouse, f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-bench-noop", {}, settings.sql_dir,
            settings.reference_dir)
    return round(time.perf_counter() - t, 2)


def retime(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    warehouse = str(work / "bench.duckdb")
    return {"warehouse": warehouse, "noop_publish_s": noop_publish(warehouse)}


# -------------------------------------------------------------------------------- 4. time

def _median_s(con: duckdb.DuckDBPyConnection, sql: str, reps: int,
             fetch: bool) -> tuple[float, int]:
    def once() -> int:
        rel = con.execute(sql)
        if fetch:
            return rel.to_arrow_table().num_rows
        row = rel.fetchone()
        return int(row[0]) if row else 0
    rows = once()  # warm-up
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        once()
        times.append(time.perf_counter() - t)
    return statistics.median(times), rows


def time_queries(warehouse: str, reps: int) -> dict[str, Any]:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        full = "SELECT count(*), max(hash(COLUMNS(*))) FROM {}"
        narrow_sql = "SELECT count(*), sum(goldstein) FROM {}"
        scans = {}
        for label, sql in (
            ("narrow raw.event_mentions", narrow_sql.format("raw.event_mentions")),
            ("narrow marts.events", narrow_sql.format("marts.events")),
            ("wide raw.event_mentions", full.format("raw.event_mentions")),
            ("wide marts.events", full.format("marts.events")),
        ):
            s, n = _median_s(con, sql, reps, fetch=False)
            scans[label] = {"s": s, "rows": n}
        narrow = scans["narrow raw.event_mentions"]["s"]
        wide = scans["wide raw.event_mentions"]["s"]
        objects = con.execute(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_schema = 'marts' ORDER BY table_name").fetchall()
        timed = []
        for name, kind in objects:
            s, n = _median_s(con, full.format(f"marts.{name}"), reps, fetch=False)
            timed.append({"object": f"marts.{name}", "kind": kind.replace("BASE ", ""),
                          "rows": n, "s": s})
        for path in sql_files(str(ROOT / "sql"), "queries"):
            s, n = _median_s(con, path.read_text(encoding="utf-8"), reps, fetch=True)
            timed.append({"object": f"queries/{path.name}", "kind": "query", "rows": n, "s": s})
        for t in timed:
            t["vs_narrow_scan"] = t["s"] / narrow
            t["vs_wide_scan"] = t["s"] / wide
        return {"scans": scans, "timed": timed}
    finally:
        con.close()


def time_in_fresh_process(warehouse: str, reps: int) -> dict[str, Any]:
    """Time from a new process, as a BI client would, after the build's writes reach the disk:
    timed inside the building process the same queries ran 2-3x slower (its 3 GB of Arrow
    buffers and the file's dirty pages being flushed)."""
    import subprocess

    os.sync()
    out = subprocess.run([sys.executable, __file__, "--time-warehouse", warehouse,
                          "--reps", str(reps)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def compare(before: str, after: str, reps: int, rounds: int) -> dict[str, Any]:
    """Two warehouses timed side by side (fresh processes, alternating, ``rounds`` times):
    per object the median ms of each and after/before. For "no slower than before": the same
    data built by an earlier version (before) and by this one (after)."""
    runs: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
    for _ in range(rounds):
        for label, path in (("before", before), ("after", after)):
            runs[label].append(time_in_fresh_process(path, reps))
    out: dict[str, Any] = {}
    for label, timings in runs.items():
        for t in (x for run in timings for x in run["timed"]):
            out.setdefault(t["object"], {}).setdefault(label, []).append(t["s"])
    table = {}
    for name, got in sorted(out.items()):
        if "before" in got and "after" in got:
            b, a = statistics.median(got["before"]), statistics.median(got["after"])
            table[name] = {"before_ms": round(b * 1000, 1), "after_ms": round(a * 1000, 1),
                           "after_vs_before": round(a / b, 2)}
    return table


def table_counts(warehouse: str) -> dict[str, int]:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        names = [f"raw.{t}" for t in DOC_TABLES] + ["marts.events", "marts.entities"]
        counts = {n: int(con.execute(f"SELECT count(*) FROM {n}").fetchone()[0])  # type: ignore[index]
                  for n in names}
        counts["distinct event dates"] = int(con.execute(  # type: ignore[index]
            "SELECT count(DISTINCT event_date) FROM marts.events").fetchone()[0])
        return counts
    finally:
        con.close()


# ------------------------------------------------------------------------------ report

def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _command(args: argparse.Namespace) -> str:
    cmd = ".venv/bin/python bench/queries.py"
    for opt, default in (("events", 1_000_000), ("docs", 600), ("runs", 4), ("reps", 5)):
        if getattr(args, opt) != default:
            cmd += f" --{opt} {getattr(args, opt)}"
    return cmd


def _ms(s: float) -> str:
    return f"{s * 1000:.1f}" if s < 10 else f"{s * 1000:.0f}"


def markdown(r: dict[str, Any], args: argparse.Namespace) -> str:
    b, c = r["build"], r["counts"]
    scans = r["timing"]["scans"]
    lines = [
        f"{r['cores']} cores, DuckDB {r['duckdb']}, {r['date']}. Warehouse built through the "
        f"normal load path: {b['extracted_rows']['documents']} documents extracted "
        f"({args.docs} Reuters-21578 articles and the seed; {b['extract_s']} s), the "
        f"{b['rows_per_replica']['documents']} that report events replicated {b['replicas']} "
        f"times ({b['stories']} stories; {args.wire_share:.0%} of replicas are wire copies of "
        f"the previous story: same event ids, cluster and dates, another source) with dates "
        f"shifted over {args.years} years from {ANCHOR}, written as contract Parquet "
        f"({b['write_parquet_s']} s) and published in {args.runs} runs ({b['publish_s']} s). "
        f"Build {b['build_s']} s in all; peak RSS {r['peak_rss_mb']:.0f} MB.",
        "",
        "Rows: " + ", ".join(f"{k} {v:,}" for k, v in c.items()) + ".",
        "",
        "Publish time per run (into the spare, marts rebuilt by key, checks, rename):",
        "",
        "| run | event mentions after | mentions after | warehouse MB | publish s |",
        "|---|---|---|---|---|",
        *(f"| {x['run']} | {x['total_event_mentions']:,} | {x['total_mentions']:,} | "
          f"{x['warehouse_mb']:,} | {x['publish_s']} |" for x in b["runs"]),
        f"| no-op (no files) | | | | {b['noop_publish_s']} |",
        "",
        f"Median of {args.reps} after one warm-up. Marts: every column computed in the engine "
        "(`SELECT count(*), max(hash(COLUMNS(*))) FROM marts.x`); queries: the full result "
        "fetched as Arrow. Yardsticks: narrow scan `SELECT count(*), sum(goldstein) FROM "
        "raw.event_mentions` "
        f"{_ms(scans['narrow raw.event_mentions']['s'])} ms (of marts.events "
        f"{_ms(scans['narrow marts.events']['s'])} ms); wide scan (every column hashed) of "
        f"raw.event_mentions {_ms(scans['wide raw.event_mentions']['s'])} ms (of marts.events "
        f"{_ms(scans['wide marts.events']['s'])} ms).",
        "",
        "| object | kind | rows | ms | x narrow scan | x wide scan |",
        "|---|---|---|---|---|---|",
        *(f"| `{t['object']}` | {t['kind'].lower()} | {t['rows']:,} | {_ms(t['s'])} | "
          f"{t['vs_narrow_scan']:.1f} | {t['vs_wide_scan']:.2f} |" for t in r["timing"]["timed"]),
        "",
        "Command:",
        "",
        "    " + _command(args),
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000,
                    help="event mention rows (raw.event_mentions) to build, about")
    ap.add_argument("--docs", type=int, default=600, help="Reuters articles to extract")
    ap.add_argument("--runs", type=int, default=4, help="publish runs the load is split into")
    ap.add_argument("--reps", type=int, default=5, help="timed repetitions (median)")
    ap.add_argument("--years", type=int, default=5, help="years the stories are spread over")
    ap.add_argument("--wire-share", type=float, default=0.3,
                    help="share of replicas that are wire copies of the previous story")
    ap.add_argument("--part-events", type=int, default=125_000,
                    help="event mentions per Parquet part")
    ap.add_argument("--all-docs", action="store_true",
                    help="replicate every extracted document, not only those with events")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", help="work folder (kept); default a temporary one, removed")
    ap.add_argument("--retime", action="store_true",
                    help="with --work: keep its warehouse, run the checks by a "
                         "publish with no files, and time again (no RESULTS.md update)")
    ap.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    ap.add_argument("--time-warehouse", help=argparse.SUPPRESS)
    ap.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"),
                    help="time two built warehouses side by side and print the ratios")
    ap.add_argument("--rounds", type=int, default=3, help="with --compare: alternations")
    args = ap.parse_args()
    if args.compare:
        print(json.dumps(compare(*args.compare, args.reps, args.rounds), indent=1))
        return
    if args.time_warehouse:  # the timing child of time_in_fresh_process
        print(json.dumps(time_queries(args.time_warehouse, args.reps)))
        return
    if args.retime:
        if not args.work:
            ap.error("--retime needs --work")
        args.no_write = True

    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="wirehouse-qbench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        build_info = retime(args, work) if args.retime else build(args, work)
        result: dict[str, Any] = {
            "cores": os.cpu_count(), "duckdb": duckdb.__version__,
            "date": datetime.now(UTC).date().isoformat(), "command": _command(args),
            "build": build_info, "counts": table_counts(build_info["warehouse"]),
        }
        result["timing"] = time_in_fresh_process(build_info["warehouse"], args.reps)
        result["peak_rss_mb"] = round(_peak_rss_mb())
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    result["build"].pop("warehouse")
    print(json.dumps(result, indent=1, default=str))
    if not args.no_write:
        update_section(SECTION, markdown(result, args))


if __name__ == "__main__":
    main()
