"""The SQL side of the warehouse: reference tables, staging views, and the checks.

Models are one object per file: ``sql/10_staging/<view>.sql`` (a CREATE VIEW each, applied in
dependency order) and ``sql/20_marts/<mart>.sql`` (one SELECT each, built and kept up to date
by wirehouse.warehouse.marts).
"""

from __future__ import annotations

import csv
import hashlib
import re
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb
import pyarrow as pa

from wirehouse.core.contract import TABLES

# Code columns keep their leading zeros ("010" is not 10).
_TEXT_COLUMNS = ("code", "iso3", "iso2", "numeric")


class CheckFailed(RuntimeError):
    """A data-quality check returned rows; the message shows them."""


def sql_files(sql_dir: str, kind: str = "staging") -> list[Path]:
    """The schemas file and staging views in the order they are applied (``staging``), or
    the marts, checks or queries in path order."""
    root = Path(sql_dir)
    if kind == "marts":
        return sorted((root / "20_marts").glob("*.sql"))
    if kind != "staging":
        return sorted((root / kind).glob("*.sql"))
    staging = sorted((root / "10_staging").glob("*.sql"))
    return sorted(root.glob("0*.sql")) + _dependency_order(staging)


def _dependency_order(files: list[Path]) -> list[Path]:
    """Files of one folder, each after the files whose object (schema.<stem>) it reads."""
    by_stem = {p.stem: p for p in files}
    graph = {
        p: {by_stem[name] for name in re.findall(r"\b(?:staging|marts)\.(\w+)", p.read_text())
            if name in by_stem and by_stem[name] != p}
        for p in files
    }
    sorter = TopologicalSorter(graph)
    sorter.prepare()
    ordered: list[Path] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        ordered += ready
        sorter.done(*ready)
    return ordered


def apply_staging(con: duckdb.DuckDBPyConnection, sql_dir: str) -> None:
    for path in sql_files(sql_dir, "staging"):
        try:
            con.execute(path.read_text(encoding="utf-8"))
        except duckdb.Error as exc:
            raise RuntimeError(f"{path}: {exc}") from exc


_STAGING_VIEW = re.compile(r"CREATE\s+OR\s+REPLACE\s+VIEW\s+staging\.(\w+)\s+AS", re.I)


def staged_rows(con: duckdb.DuckDBPyConnection, sql_dir: str, table: str, rows: str,
                name: str) -> None:
    """Temp view ``name``: the staging view of ``table`` over the raw-shaped relation
    ``rows`` instead of raw.<table> (a load's rows, without reading the warehouse); ``rows``
    itself where no staging file defines that view."""
    for path in sql_files(sql_dir, "staging"):
        text = path.read_text(encoding="utf-8")
        for match in _STAGING_VIEW.finditer(text):
            if match.group(1) == table:
                body = re.sub(rf"\braw\.{table}\b", rows, text[match.end():].split(";", 1)[0])
                con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {body}")
                return
    con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {rows}")


def tree_hash(paths: list[Path], extra: str = "") -> str:
    """One hash of the files' names and contents (and ``extra``)."""
    h = hashlib.sha256(extra.encode())
    for p in sorted(paths):
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def load_reference(con: duckdb.DuckDBPyConnection, reference_dir: str) -> list[str]:
    """Every CSV in the reference folder becomes ref.<file stem>, replaced on each load."""
    con.execute("CREATE SCHEMA IF NOT EXISTS ref")
    loaded = []
    for path in sorted(Path(reference_dir).glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh), [])
        types = {c: "VARCHAR" for c in header
                 if c in _TEXT_COLUMNS or c.endswith("_code") or c.endswith("_iso3")}
        types_sql = "{" + ", ".join(f"'{c}': '{t}'" for c, t in types.items()) + "}"
        con.execute(
            f"CREATE OR REPLACE TABLE ref.{path.stem} AS SELECT * FROM read_csv(?, header = true, "
            f"types = {types_sql})" if types else
            f"CREATE OR REPLACE TABLE ref.{path.stem} AS SELECT * FROM read_csv(?, header = true)",
            [str(path)],
        )
        loaded.append(path.stem)
    return loaded


def run_checks(con: duckdb.DuckDBPyConnection, sql_dir: str,
               rows: dict[str, str] | None = None, limit: int = 10) -> None:
    """Each check selects offending rows; any row fails the load with the rows shown.

    Checks read the rows under test as ``checked.<table>``: every row of the raw table, or
    with ``rows`` (table -> relation) the rows a load brings. A load replaces documents whole,
    so the rows of other documents passed when they were loaded; reading them all again made
    each publish cost the size of the warehouse (every body, every key).
    """
    for name in TABLES:
        source = (rows or {}).get(name) or f"raw.{name}"
        con.execute(f"CREATE OR REPLACE TEMP VIEW checked__{name} AS SELECT * FROM {source}")
    failures = []
    checks = contract_checks() + [(p.name, p.read_text(encoding="utf-8"))
                                  for p in sql_files(sql_dir, "checks")]
    for name, sql in checks:
        rel = con.execute(re.sub(r"\bchecked\.(\w+)\b", r"checked__\1", sql))
        cols = [d[0] for d in rel.description or []]
        found = rel.fetchmany(limit + 1)
        if found:
            shown = "\n".join("    " + ", ".join(f"{c}={v!r}" for c, v in zip(cols, r, strict=True))
                              for r in found[:limit])
            more = " (and more)" if len(found) > limit else ""
            failures.append(f"  {name}: offending rows{more}:\n{shown}")
    if failures:
        raise CheckFailed("data-quality checks failed:\n" + "\n".join(failures))


def contract_checks() -> list[tuple[str, str]]:
    """(name, SQL) of the checks every contract table gets from its declaration: its key is
    unique, and its required text columns are never null or empty (an empty key would
    silently merge rows). Zero rows = pass, like the checks in sql/checks/.

    Keys are unique among the rows checked and, for the rows a load brings, in the whole
    table: a table replaced by document is checked through raw.documents (a document loaded
    twice shows there), the others (sources, quarantine) by their own key."""
    checks = []
    for table in TABLES.values():
        key = ", ".join(table.key)
        checks.append((f"raw.{table.name}: key ({key}) unique",
                       f"SELECT {key}, count(*) AS n FROM checked.{table.name} "
                       f"GROUP BY ALL HAVING count(*) > 1"))
        if table.name == "documents" or not table.replace_by_doc:
            match = f"({key}) IN (SELECT ({key}) FROM checked.{table.name})" \
                if len(table.key) > 1 else f"{key} IN (SELECT {key} FROM checked.{table.name})"
            checks.append((f"raw.{table.name}: key ({key}) unique in the warehouse",
                           f"SELECT {key}, count(*) AS n FROM raw.{table.name} WHERE {match} "
                           f"GROUP BY ALL HAVING count(*) > 1"))
        required = [f.name for f in table.schema
                    if not f.nullable and pa.types.is_string(f.type)]
        if required:
            empty = " OR ".join(f"coalesce({c}, '') = ''" for c in required)
            checks.append((f"raw.{table.name}: {', '.join(required)} not null or empty",
                           f"SELECT {key} FROM checked.{table.name} WHERE {empty}"))
    return checks
