"""The events report: one self-contained HTML file (charts, the events table, the evidence of
every event, the review marks) written from the warehouse; and the review loop's import,
sample and estimate. The flow and the CLI call ``write_report``."""

from wirehouse.report.data import Scope
from wirehouse.report.page import Written, write_report

__all__ = ["Scope", "Written", "write_report"]
