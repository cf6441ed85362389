"""The SQL side of the warehouse: reference tables, the sql/ models, and the checks.

Models are one object per file: ``sql/10_staging/<view>.sql`` and ``sql/20_marts/<mart>.sql``,
applied folder by folder; within a folder a model that reads another (``marts.events`` in
``top_actors_monthly.sql``) is applied after it, so a new mart is one new file.
"""

from __future__ import annotations

import csv
import re
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb
import pyarrow as pa

from wirehouse.core.contract import TABLES
from wirehouse.warehouse.comments import apply_comments

# Code columns keep their leading zeros ("010" is not 10).
_TEXT_COLUMNS = ("code", "iso3", "iso2", "numeric")


class CheckFailed(RuntimeError):
    """A data-quality check returned rows; the message shows them."""


def sql_files(sql_dir: str, kind: str = "models") -> list[Path]:
    """Models (everything but checks/ and queries/) in the order they are applied, or the
    checks or queries in path order."""
    root = Path(sql_dir)
    if kind != "models":
        return sorted((root / kind).glob("*.sql"))
    models = sorted(p for p in root.rglob("*.sql")
                    if p.relative_to(root).parts[0] not in ("checks", "queries"))
    ordered: list[Path] = []
    for folder in sorted({p.parent for p in models}):
        ordered += _dependency_order([p for p in models if p.parent == folder])
    return ordered


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


def apply_sql(con: duckdb.DuckDBPyConnection, sql_dir: str) -> None:
    for path in sql_files(sql_dir):
        try:
            con.execute(path.read_text(encoding="utf-8"))
        except duckdb.Error as exc:
            raise RuntimeError(f"{path}: {exc}") from exc
    # CREATE OR REPLACE drops comments, so they are re-applied after every model build.
    apply_comments(con, sql_dir)


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


def run_checks(con: duckdb.DuckDBPyConnection, sql_dir: str, limit: int = 10,
               scope: str = "SELECT doc_id FROM raw.documents") -> None:
    """Each check selects offending rows; any row fails the load with the rows shown.

    ``scope`` selects the doc_ids whose per-document properties (offsets slicing the body) are
    checked, as the temp view ``check_documents``: a load checks only the documents it
    replaced, since rows of other documents passed when they were loaded and reading every
    body again made each publish of a million-event warehouse ~13 s slower.
    """
    con.execute(f"CREATE OR REPLACE TEMP VIEW check_documents AS {scope}")
    failures = []
    checks = contract_checks() + [(p.name, p.read_text(encoding="utf-8"))
                                  for p in sql_files(sql_dir, "checks")]
    for name, sql in checks:
        rel = con.execute(sql)
        cols = [d[0] for d in rel.description or []]
        rows = rel.fetchmany(limit + 1)
        if rows:
            shown = "\n".join("    " + ", ".join(f"{c}={v!r}" for c, v in zip(cols, r, strict=True))
                              for r in rows[:limit])
            more = " (and more)" if len(rows) > limit else ""
            failures.append(f"  {name}: offending rows{more}:\n{shown}")
    if failures:
        raise CheckFailed("data-quality checks failed:\n" + "\n".join(failures))


def contract_checks() -> list[tuple[str, str]]:
    """(name, SQL) of the checks every contract table gets from its declaration: its key is
    unique, and its required text columns are never null or empty (an empty key would
    silently merge rows). Zero rows = pass, like the checks in sql/checks/."""
    checks = []
    for table in TABLES.values():
        key = ", ".join(table.key)
        checks.append((f"raw.{table.name}: key ({key}) unique",
                       f"SELECT {key}, count(*) AS n FROM raw.{table.name} "
                       f"GROUP BY ALL HAVING count(*) > 1"))
        required = [f.name for f in table.schema
                    if not f.nullable and pa.types.is_string(f.type)]
        if required:
            empty = " OR ".join(f"coalesce({c}, '') = ''" for c in required)
            checks.append((f"raw.{table.name}: {', '.join(required)} not null or empty",
                           f"SELECT {key} FROM raw.{table.name} WHERE {empty}"))
    return checks
