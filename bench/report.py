"""The HTML report: time to write it and its size at about 1k, 10k and 100k events, and how
fast it opens in headless Chromium at 10k events.

    .venv/bin/python bench/report.py [--events 1000 10000 100000] [--reps 3] [--opens 5]
                                     [--work DIR] [--no-write]

1. build: bench/queries.py's warehouse (real extraction of --docs Reuters articles plus the
   seeds, replicated into stories) at each size, with about 1.65 event mentions per event;
2. write: `wirehouse report` run as a user runs it (a fresh process, imports included),
   --reps times, median wall and CPU seconds; the file's size and what it is made of;
3. open (at the size nearest 10k events): the report opened --opens times, each in a new
   Chromium profile (no code cache), network off; first contentful paint, the table ready,
   every chart drawn (the page's own performance marks). Beside it, in the same browser
   runs, a page of the same size that is only text: the ratio is what the report's
   scripts add to opening a file that big.

Prints one JSON object and writes the section "HTML report" of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from argparse import Namespace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import duckdb  # noqa: E402
import queries  # noqa: E402
from results import update_section  # noqa: E402

SECTION = "HTML report"
MENTIONS_PER_EVENT = 1.65  # bench/queries.py's stories: 100k mentions gave 60.5k events
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,1000")


def build_warehouse(events: int, work: Path, docs: int) -> tuple[str, int]:
    """bench/queries.py's warehouse of about ``events`` events in work/events-N (kept: a
    second run reuses it); every size shares one extraction of the Reuters articles."""
    folder = work / f"events-{events}"
    warehouse = folder / "bench.duckdb"
    if not warehouse.exists():
        folder.mkdir(parents=True, exist_ok=True)
        shared, own = work / f"extracted-{docs}", folder / f"extracted-{docs}"
        if shared.exists() and not own.exists():
            own.symlink_to(shared)
        info = queries.build(Namespace(
            events=round(events * MENTIONS_PER_EVENT), docs=docs, runs=1, years=5,
            wire_share=0.3, part_events=125_000, all_docs=False, seed=7), folder)
        warehouse = Path(info["warehouse"])
        if not shared.exists():
            own.rename(shared)
            own.symlink_to(shared)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute("SELECT count(*) FROM marts.events").fetchone()
    finally:
        con.close()
    return str(warehouse), int(row[0]) if row else 0


def write_once(warehouse: str, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one `wirehouse report` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "wirehouse.cli", "report", "--warehouse", warehouse,
                    "--out", str(out)], check=True, capture_output=True, cwd=ROOT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def parts(path: Path) -> dict[str, int]:
    text = path.read_text(encoding="utf-8")
    found = {m.group(1): len(m.group(2)) for m in re.finditer(
        r'<script type="application/(?:octet-stream|json)" id="([\w-]+)">(.*?)</script>',
        text, re.S)}
    figures = sum(v for k, v in found.items() if k.startswith("figure-"))
    out = {k: v for k, v in found.items() if not k.startswith("figure-")}
    out["figures"] = figures
    out["rest"] = len(text) - sum(out.values())
    return out


def _browser(profile: str) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    return driver


def open_once(page: Path, wait_for: str | None) -> dict[str, float]:
    profile = tempfile.mkdtemp(prefix="wh-bench-chromium-")
    driver = _browser(profile)
    try:
        driver.execute_cdp_cmd("Performance.enable", {"timeDomain": "threadTicks"})
        driver.get(page.as_uri())
        deadline = time.monotonic() + 120
        while wait_for and time.monotonic() < deadline:
            if driver.execute_script(f"return document.body.getAttribute('{wait_for}')"):
                break
            time.sleep(0.05)
        marks = driver.execute_script("""
            const out = {};
            for (const p of performance.getEntriesByType('paint')) out[p.name] = p.startTime;
            for (const m of performance.getEntriesByType('mark')) out[m.name] = m.startTime;
            return out;""")
        out = {k: round(v / 1000, 3) for k, v in marks.items()}
        # CPU seconds of the page's main thread and of its renderer process until ready:
        # what opening costs whatever else the machine is doing.
        metrics = {m["name"]: m["value"] for m in
                   driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]}
        out.update({"main_thread_cpu": round(metrics.get("ThreadTime", 0.0), 3),
                    "renderer_cpu": round(metrics.get("ProcessTime", 0.0), 3),
                    "script_s": round(metrics.get("ScriptDuration", 0.0), 3)})
        return out
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def blank_like(report: Path, out: Path) -> Path:
    """A page as big as the report that is only text: what opening that many bytes costs."""
    size = report.stat().st_size
    line = "lorem ipsum dolor sit amet " * 3 + "\n"
    out.write_text("<!DOCTYPE html><html><body><h1>blank</h1><pre>"
                   + line * (size // len(line)) + "</pre></body></html>", encoding="utf-8")
    return out


def measure_open(report: Path, work: Path, opens: int) -> dict[str, Any]:
    blank = blank_like(report, work / "blank.html")
    runs: dict[str, list[dict[str, float]]] = {"report": [], "blank": []}
    for _ in range(opens):  # alternated, so both see the same machine
        runs["report"].append(open_once(report, "data-ready"))
        runs["blank"].append(open_once(blank, None))

    def median(kind: str, key: str) -> float | None:
        values = [r[key] for r in runs[kind] if key in r]
        return round(statistics.median(values), 3) if values else None

    fcp, blank_fcp = median("report", "first-contentful-paint"), median("blank",
                                                                     "first-contentful-paint")
    return {
        "opens": opens,
        "first_contentful_paint_s": fcp,
        "table_ready_s": median("report", "wirehouse:table-ready"),
        "plotly_loaded_s": median("report", "wirehouse:plotly-loaded"),
        "charts_drawn_s": median("report", "wirehouse:charts-drawn"),
        "main_thread_cpu_s": median("report", "main_thread_cpu"),
        "renderer_cpu_s": median("report", "renderer_cpu"),
        "blank_main_thread_cpu_s": median("blank", "main_thread_cpu"),
        "blank_same_size_fcp_s": blank_fcp,
        "fcp_vs_blank": round(fcp / blank_fcp, 2) if fcp and blank_fcp else None,
        "runs": runs,
    }


def markdown(r: dict[str, Any]) -> str:
    lines = [
        f"`.venv/bin/python {r['command']}` on {r['date']} ({r['cores']} cores shared with "
        f"other work: load average {r['load_average']} at the start, so wall times are "
        "several times the CPU times). Warehouses from bench/queries.py (real extraction of "
        "200 Reuters articles and the seed, replicated into stories); `wirehouse report` run "
        "as a user runs it, in a fresh process (imports included), median of "
        f"{r['reps']} runs.",
        "",
        "| events | with their sentences | report size | evidence part | written in (wall) "
        "| CPU |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for s in r["sizes"]:
        evidence_mb = s["parts"].get("evidence-data", 0) / 1e6
        lines.append(f"| {s['events']:,} | {s['events_with_evidence']:,} | "
                     f"{s['bytes'] / 1e6:.2f} MB | {evidence_mb:.2f} MB | "
                     f"{s['write_wall_s']:.2f} s | {s['write_cpu_s']:.2f} s |")
    fixed = r["sizes"][0]["parts"]
    o = r["open"]
    lines += [
        "",
        f"Every report carries {fixed['plotly-src'] / 1e6:.2f} MB of plotly.js and "
        f"{(fixed['datatables-src'] + fixed['rest']) / 1e6:.2f} MB of DataTables, page and "
        f"styles (gzip+base64), and {fixed['world-outline'] / 1e6:.2f} MB of world outline; "
        "the rest grows with the events: the evidence (sentences, offsets, documents) by "
        "about 0.1 MB per 1,000 events up to `--max-evidence` (20,000), the charts' "
        "aggregates by little.",
        "",
        f"Opened at {o['events']:,} events in headless Chromium, {o['opens']} times, each in a "
        "new profile (no code cache), network off, medians: **first contentful paint "
        f"{o['first_contentful_paint_s']} s** ({o['fcp_vs_blank']}x a plain text page of the "
        f"same size, {o['blank_same_size_fcp_s']} s, opened alternately); plotly.js loaded "
        f"{o['plotly_loaded_s']} s, every chart drawn {o['charts_drawn_s']} s, events table "
        f"ready {o['table_ready_s']} s (wall, on the loaded machine). CPU until all of that: "
        f"{o['main_thread_cpu_s']} s on the page's main thread, {o['renderer_cpu_s']} s in "
        f"its renderer process (the text page: {o['blank_main_thread_cpu_s']} s).",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    ap.add_argument("--docs", type=int, default=200, help="Reuters articles to extract")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--opens", type=int, default=5)
    ap.add_argument("--work", help="work folder (kept: warehouses are reused)")
    ap.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = ap.parse_args()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="wh-report-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "command": "bench/report.py " + " ".join(sys.argv[1:]), "cores": os.cpu_count(),
        "date": datetime.now(UTC).date().isoformat(),
        "load_average": round(os.getloadavg()[0], 1), "reps": args.reps, "sizes": []}
    try:
        pages = {}
        for n in args.events:
            warehouse, events = build_warehouse(n, work, args.docs)
            out = work / f"report-{n}.html"
            timings = [write_once(warehouse, out) for _ in range(args.reps)]
            meta = json.loads(re.search(r'id="report-meta">(.*?)</script>',
                                        out.read_text(encoding="utf-8"), re.S).group(1))
            result["sizes"].append({
                "events": events, "events_with_evidence": meta["events_with_evidence"],
                "bytes": out.stat().st_size, "parts": parts(out),
                "write_wall_s": round(statistics.median(t[0] for t in timings), 3),
                "write_cpu_s": round(statistics.median(t[1] for t in timings), 3)})
            pages[events] = out
        nearest = min(pages, key=lambda e: abs(e - 10_000))
        result["open"] = {"events": nearest, **measure_open(pages[nearest], work, args.opens)}
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, indent=1))
    if not args.no_write:
        update_section(SECTION, markdown(result))


if __name__ == "__main__":
    main()
