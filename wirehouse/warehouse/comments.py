"""Table and column documentation: one source for COMMENT ON and for sql/tables.md.

Raw tables are documented by the data contract (the loader comments them). Every staging view
and mart is documented in the ``.toml`` file beside the ``.sql`` file that builds it, and the
ref tables and shared column names in ``sql/catalog.toml``:

    [marts.events]
    doc = "One row per distinct event ..."
    [marts.events.columns]
    num_mentions = "Sentences that report the event."

A column without its own entry inherits, in this order: the contract doc of the same column
of the same-named raw table (staging views mirror raw tables), the ``[glossary]`` entry for
its name (shared names such as ``month`` or ``rank``), or the contract doc of that column name
when the contract uses it with one meaning. So a BI tool's schema browser and the README's
table reference say the same thing, and a column documented once is documented everywhere.

``python -m wirehouse.warehouse.docs`` regenerates sql/tables.md (wirehouse.warehouse.docs).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from wirehouse.core.contract import TABLES, field_doc

SCHEMAS = ("raw", "ref", "staging", "marts")
SCHEMA_DOCS = {
    "raw": ("Loaded from the Parquet lake; columns are the data contract "
            "(wirehouse/core/contract.py)."),
    "ref": "Reference data loaded from seeds/reference/*.csv on every load.",
    "staging": "Views over raw and ref that rename and cast only.",
    "marts": "Tables and views that answer questions; start here.",
}


@dataclass(frozen=True)
class Obj:
    schema: str
    name: str
    kind: str  # TABLE or VIEW
    comment: str | None


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def load_catalog(sql_dir: str) -> dict[str, Any]:
    """Every .toml under ``sql_dir`` merged into one {schema: {object: entry}} mapping."""
    catalog: dict[str, Any] = {}
    for path in sorted(Path(sql_dir).rglob("*.toml")):
        with open(path, "rb") as fh:
            for schema, entries in tomllib.load(fh).items():
                catalog.setdefault(schema, {}).update(entries)
    return catalog


def _contract_by_name() -> dict[str, str]:
    """Column name -> doc, for names the contract uses with a single meaning."""
    docs: dict[str, set[str]] = {}
    for table in TABLES.values():
        for f in table.schema:
            docs.setdefault(f.name, set()).add(field_doc(f))
    return {name: next(iter(d)) for name, d in docs.items() if len(d) == 1}


def column_doc(catalog: dict[str, Any], schema: str, table: str, column: str) -> str | None:
    entry = catalog.get(schema, {}).get(table, {})
    own = entry.get("columns", {}).get(column)
    if own:
        return str(own)
    raw = TABLES.get(table)
    if schema == "staging" and raw is not None and column in raw.schema.names:
        return field_doc(raw.schema.field(column))
    glossary = catalog.get("glossary", {}).get(column)
    if glossary:
        return str(glossary)
    return _contract_by_name().get(column)


def objects(con: duckdb.DuckDBPyConnection) -> list[Obj]:
    rows = con.execute(
        "SELECT schema_name, table_name, 'TABLE', comment FROM duckdb_tables() "
        "WHERE NOT internal AND database_name = current_database() "
        "UNION ALL SELECT schema_name, view_name, 'VIEW', comment FROM duckdb_views() "
        "WHERE NOT internal AND database_name = current_database() "
        "ORDER BY 1, 2").fetchall()
    order = {s: i for i, s in enumerate(SCHEMAS)}
    objs = [Obj(*r) for r in rows if r[0] in order]
    return sorted(objs, key=lambda o: (order[o.schema], o.name))


Column = tuple[str, str, str | None]  # name, DuckDB type, comment


def all_columns(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[Column]]:
    """(schema, table) -> columns in order; one catalog scan (a scan per object is slow)."""
    out: dict[tuple[str, str], list[Column]] = {}
    for schema, table, name, type_, comment in con.execute(
            "SELECT schema_name, table_name, column_name, data_type, comment "
            "FROM duckdb_columns() WHERE database_name = current_database() "
            "ORDER BY schema_name, table_name, column_index").fetchall():
        out.setdefault((schema, table), []).append((name, type_, comment))
    return out


def columns(con: duckdb.DuckDBPyConnection, obj: Obj) -> list[Column]:
    return [(r[0], r[1], r[2]) for r in con.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = ? AND table_name = ? "
        "ORDER BY column_index", [obj.schema, obj.name]).fetchall()]


def apply_comments(con: duckdb.DuckDBPyConnection, sql_dir: str) -> None:
    """COMMENT ON every documented object and column. Entries for objects that do not exist
    are skipped (a missing reference CSV must not fail a load); tests report them instead."""
    catalog = load_catalog(sql_dir)
    cols = all_columns(con)
    statements = []
    for obj in objects(con):
        if obj.schema == "raw" and obj.name in TABLES:
            continue  # the loader comments contract tables
        doc = catalog.get(obj.schema, {}).get(obj.name, {}).get("doc")
        # Tables kept from the previous load keep their comments: only changes are written.
        if doc and doc != obj.comment:
            statements.append(f"COMMENT ON {obj.kind} {obj.schema}.{obj.name} IS {_q(str(doc))}")
        for name, _type, current in cols.get((obj.schema, obj.name), []):
            cdoc = column_doc(catalog, obj.schema, obj.name, name)
            if cdoc and cdoc != current:
                statements.append(
                    f'COMMENT ON COLUMN {obj.schema}.{obj.name}."{name}" IS {_q(cdoc)}')
    if statements:
        con.execute(";\n".join(statements))


def undocumented(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Objects and columns without a comment, as schema.table[.column]."""
    missing = []
    for obj in objects(con):
        if not obj.comment:
            missing.append(f"{obj.schema}.{obj.name}")
        missing += [f"{obj.schema}.{obj.name}.{c}" for c, _t, doc in columns(con, obj) if not doc]
    return missing


def stale_entries(con: duckdb.DuckDBPyConnection, sql_dir: str) -> list[str]:
    """catalog.toml entries naming objects or columns the warehouse does not have."""
    have = {(o.schema, o.name): {c for c, _t, _d in columns(con, o)} for o in objects(con)}
    stale = []
    for schema, tables in load_catalog(sql_dir).items():
        if schema not in SCHEMAS:
            continue
        for table, entry in tables.items():
            cols = have.get((schema, table))
            if cols is None:
                stale.append(f"{schema}.{table}")
                continue
            stale += [f"{schema}.{table}.{c}" for c in entry.get("columns", {}) if c not in cols]
    return stale
