"""The HTML report in a real browser (Debian's Chromium driven by its chromedriver), network
off: every chart drawn, an event's sentence with its three spans at the stored offsets, a
review mark kept across a reload and exported, and the export loaded into raw.reviews. The
screenshot is left in the test's tmp_path (printed with -s)."""

from __future__ import annotations

import base64
import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from typer.testing import CliRunner

from wirehouse.cli import app
from wirehouse.report import Scope, write_report

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
# What Chromium needs here (root, no GPU, no network): the brief's flags.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,1000")
CHARTS = ("loaded-by-day", "loaded-by-source", "quarantine", "events-over-time",
          "events-by-root", "events-by-plover", "dyads", "map", "top-actors", "top-entities")


@pytest.fixture()
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail("Chromium and chromedriver are needed: apt-get install chromium "
                    "chromium-driver (.ci/run installs them)")
    profile = tempfile.mkdtemp(prefix="wh-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {
            "behavior": "allow", "downloadPath": str(tmp_path / "downloads")})
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver: webdriver.Chrome, attribute: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if driver.execute_script(f"return document.body.getAttribute('{attribute}')"):
            return
        time.sleep(0.1)
    errors = [e["message"] for e in driver.get_log("browser")]
    raise AssertionError(f"the report never set {attribute}; console: {errors}")


def network_requests(driver: webdriver.Chrome) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if url.startswith(("http:", "https:", "ws:", "wss:", "ftp:")):
                urls.append(url)
    return urls


def full_screenshot(driver: webdriver.Chrome, path: Path) -> None:
    height = driver.execute_script("return document.body.scrollHeight")
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))


def event_with_three_spans(warehouse: str) -> dict[str, Any]:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        rel = con.execute("""
            SELECT em.event_id, em.event_mention_id, em.source_start_char, em.source_end_char,
                   em.target_start_char, em.target_end_char, em.trigger_start, em.trigger_end,
                   d.body
            FROM staging.event_mentions em JOIN raw.documents d USING (doc_id)
            WHERE em.has_actor AND em.source_start_char IS NOT NULL
              AND em.target_start_char IS NOT NULL
              AND em.trigger_start IS NOT NULL
            ORDER BY em.event_mention_id LIMIT 1""")
        row = rel.fetchone()
        assert row, "the test warehouse has no mention with source, target and trigger"
        return dict(zip([d[0] for d in rel.description], row, strict=True))
    finally:
        con.close()


def spans(mention: WebElement, kind: str) -> tuple[int, int, str]:
    marks = mention.find_elements(By.CSS_SELECTOR, f"mark.{kind}")
    assert marks, f"no {kind} highlighted"
    starts = [int(m.get_attribute("data-start") or -1) for m in marks]
    ends = [int(m.get_attribute("data-end") or -1) for m in marks]
    return min(starts), max(ends), "".join(m.text for m in marks)


def test_report_in_chromium(report_warehouse: str, tmp_path: Path,
                            browser: webdriver.Chrome) -> None:
    out = tmp_path / "report.html"
    written = write_report(report_warehouse, out, Scope())
    assert written.events > 0 and out.stat().st_size == written.bytes
    browser.get(out.as_uri())
    wait_for(browser, "data-ready")

    drawn = browser.execute_script("""
        return [...document.querySelectorAll('div.plot')].map(div => [div.id.slice(4),
            div.querySelectorAll('svg.main-svg g.trace path, svg.main-svg g.trace .point')
               .length]);""")
    assert {name for name, _ in drawn} == set(CHARTS)
    assert all(n > 0 for _, n in drawn), f"charts drawn empty: {drawn}"

    wanted = event_with_three_spans(report_warehouse)
    search = browser.find_element(By.CSS_SELECTOR, "#events .dt-search input")
    search.send_keys(wanted["event_id"])
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-event-id="{wanted["event_id"]}"]')
    row.click()
    mention = browser.find_element(
        By.CSS_SELECTOR, f'#evidence [data-mention-id="{wanted["event_mention_id"]}"]')
    body = wanted["body"]
    for kind, start, end in (("source", "source_start_char", "source_end_char"),
                             ("target", "target_start_char", "target_end_char"),
                             ("trigger", "trigger_start", "trigger_end")):
        s, e, text = spans(mention, kind)
        assert (s, e) == (wanted[start], wanted[end]), kind
        assert text == body[s:e], kind
    full_screenshot(browser, tmp_path / "report.png")
    print(f"screenshot: {tmp_path / 'report.png'}")

    browser.find_element(By.ID, "reviewer").send_keys("tester\n")
    mention.find_element(By.CSS_SELECTOR, 'button[data-verdict="wrong_target"]').click()
    browser.refresh()
    wait_for(browser, "data-table-ready")
    kept = browser.execute_script("return window.wirehouseReport.reviews()")
    assert kept[wanted["event_mention_id"]]["verdict"] == "wrong_target"
    assert kept[wanted["event_mention_id"]]["reviewer"] == "tester"
    browser.find_element(By.ID, "export-reviews").click()
    downloads = tmp_path / "downloads"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not list(downloads.glob("*.json")):
        time.sleep(0.1)
    exported = json.loads(next(downloads.glob("*.json")).read_text(encoding="utf-8"))
    assert [r["event_mention_id"] for r in exported["reviews"]] == [wanted["event_mention_id"]]
    assert network_requests(browser) == []

    # The exported file, loaded the way a user loads it, lands in raw.reviews.
    copy = tmp_path / "wh.duckdb"
    shutil.copyfile(report_warehouse, copy)
    result = CliRunner().invoke(app, ["review", "import", str(next(downloads.glob("*.json"))),
                                      "--warehouse", str(copy), "--lake", str(tmp_path / "lake")])
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(copy), read_only=True)
    try:
        rows = con.execute("SELECT event_mention_id, verdict, reviewer, extractor_version "
                           "FROM raw.reviews").fetchall()
        version = con.execute("SELECT d.extractor_version FROM raw.event_mentions "
                              "JOIN raw.documents d USING (doc_id) WHERE event_mention_id = ?",
                              [wanted["event_mention_id"]]).fetchone()
    finally:
        con.close()
    assert version and rows == [(wanted["event_mention_id"], "wrong_target", "tester",
                                 version[0])]
