"""The reference data the coders read: CSV tables in WIREHOUSE_REFERENCE_DIR (seeds/reference).

One reader for all of them, so every table is found and decoded the same way; the callers
cache what they build from it (once per process).
"""

from __future__ import annotations

import csv
from pathlib import Path

from wirehouse.settings import get_settings


def read_reference_csv(name: str) -> list[dict[str, str]]:
    """The rows of reference table ``name`` (e.g. "cameo_codes.csv"), as dicts."""
    path = Path(get_settings().reference_dir) / name
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
