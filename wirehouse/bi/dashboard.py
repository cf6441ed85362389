"""The starter dashboard: Superset's export format (YAML files under dashboard/), zipped with
the URI of the warehouse it is imported for."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

EXPORT = Path(__file__).with_name("dashboard")
SLUG = "wirehouse"
DATABASE_NAME = "wirehouse"
_PLACEHOLDER = "duckdb:///WAREHOUSE_PATH?access_mode=read_only"


def warehouse_uri(path: str | Path) -> str:
    """duckdb-engine's URI of a DuckDB file, read-only: `duckdb:///` + an absolute path (so
    four slashes), as Superset needs it (a relative path resolves against Superset's cwd)."""
    return f"duckdb:///{Path(path).resolve()}?access_mode=read_only"


def database_uuid() -> str:
    """The uuid the export gives the warehouse connection; register it under this one and the
    import finds it instead of adding a second connection."""
    text = (EXPORT / "databases" / "wirehouse.yaml").read_text()
    found = re.search(r"^uuid: (\S+)$", text, re.M)
    assert found, "databases/wirehouse.yaml has a uuid"
    return found.group(1)


def dashboard_zip(warehouse: str | Path) -> bytes:
    """The export as Superset's import takes it: one folder of YAML files in a zip, with the
    warehouse's URI in the database file."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, entry in _walk(EXPORT, ""):
            text = entry.read_text()
            if rel == "databases/wirehouse.yaml":
                text = text.replace(_PLACEHOLDER, warehouse_uri(warehouse))
            zf.writestr(f"wirehouse_dashboard/{rel}", text)
    return out.getvalue()


def _walk(folder: Path, prefix: str) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        rel = f"{prefix}{entry.name}"
        if entry.is_dir():
            found += _walk(entry, rel + "/")
        elif entry.name.endswith(".yaml"):
            found.append((rel, entry))
    return found
