"""The events report written after each load, and its Prefect artifacts (a link and a
summary) in the flow run."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact

from wirehouse.core.settings import Settings
from wirehouse.lake.storage import is_remote
from wirehouse.report import Written, write_report
from wirehouse.warehouse.store import readable


def report_path(settings: Settings) -> Path | None:
    """Where the report goes: WIREHOUSE_REPORT, else report.html beside a local warehouse;
    None when it is off or the warehouse is on object storage and no path is set."""
    if settings.report == "off":
        return None
    if settings.report:
        return Path(settings.report)
    if is_remote(settings.warehouse):
        return None
    return Path(settings.warehouse).with_name("report.html")


@task(name="report")
def report_after_load(settings: Settings) -> str | None:
    """Write the report of the warehouse just published; returns its path."""
    out = report_path(settings)
    if out is None:
        get_run_logger().info("no report written (WIREHOUSE_REPORT=%r, warehouse %s)",
                              settings.report, settings.warehouse)
        return None
    local = readable(settings.warehouse, settings.cache_dir or None)
    if local is None:
        raise FileNotFoundError(f"no warehouse at {settings.warehouse}")
    written = write_report(local, out)
    record_artifacts(written)
    get_run_logger().info("report: %s (%.1f MB, %d events)", written.path,
                          written.bytes / 1e6, written.events)
    return str(written.path)


def record_artifacts(written: Written) -> None:
    uri = written.path.resolve().as_uri()
    create_link_artifact(key="events-report", link=uri, link_text="events report (HTML)",
                         description="The events, the sentences behind them, and the "
                                     "review loop. Opens with no network.")
    create_markdown_artifact(key="events-report-summary", markdown=(
        f"**[Events report]({uri})** (`{written.path}`): {written.events} events, "
        f"{written.events_with_evidence} with their sentences ({written.mentions} mentions); "
        f"{written.bytes / 1e6:.1f} MB, written in {written.seconds:.1f} s. Mark mentions "
        "there, export the marks, and load them with `wirehouse review import FILE`."),
        description="The events report of this run's warehouse.")
