"""Table and column documentation: one source for COMMENT ON and for sql/tables.md.

Raw tables are documented by the data contract (the loader comments them). Everything else is
documented in ``sql/catalog.toml``, next to the SQL that builds it:

    [marts.events]
    doc = "One row per distinct event ..."
    [marts.events.columns]
    num_mentions = "Sentences that report the event."

A column without its own entry inherits, in this order: the contract doc of the same column
of the same-named raw table (staging views mirror raw tables), the ``[glossary]`` entry for
its name (shared names such as ``month`` or ``rank``), or the contract doc of that column name
when the contract uses it with one meaning. So a BI tool's schema browser and the README's
table reference say the same thing, and a column documented once is documented everywhere.

Run ``python -m wirehouse.catalog [OUT]`` to regenerate sql/tables.md; a test keeps it fresh.
"""

from __future__ import annotations

import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from wirehouse.contract import TABLES, field_doc

SCHEMAS = ("raw", "ref", "staging", "marts")
SCHEMA_DOCS = {
    "raw": "Loaded from the Parquet lake; columns are the data contract (wirehouse/contract.py).",
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
    path = Path(sql_dir) / "catalog.toml"
    if not path.exists():
        return {}
    with open(path, "rb") as fh:
        return tomllib.load(fh)


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


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def render_markdown(con: duckdb.DuckDBPyConnection) -> str:
    out = ["# Table reference", "",
           "Generated by `python -m wirehouse.catalog` from the warehouse comments (the data",
           "contract and `sql/catalog.toml`); do not edit by hand.", ""]
    for schema in SCHEMAS:
        objs = [o for o in objects(con) if o.schema == schema]
        if not objs:
            continue
        out += [f"## `{schema}`", "", SCHEMA_DOCS[schema], ""]
        for obj in objs:
            out += [f"### `{obj.schema}.{obj.name}` ({obj.kind.lower()})", "",
                    _cell(obj.comment), "", "| column | type | description |", "|---|---|---|"]
            out += [f"| `{c}` | {t} | {_cell(d)} |" for c, t, d in columns(con, obj)]
            out.append("")
    return "\n".join(out)


README_START = "<!-- tables:start (generated by python -m wirehouse.catalog) -->"
README_END = "<!-- tables:end -->"


def render_summary(con: duckdb.DuckDBPyConnection) -> str:
    """One line per table and view, for the README; the columns are in sql/tables.md."""
    out = ["| object | kind | what it holds |", "|---|---|---|"]
    for schema in SCHEMAS:
        out += [f"| `{o.schema}.{o.name}` | {o.kind.lower()} | {_cell(o.comment)} |"
                for o in objects(con) if o.schema == schema]
    return "\n".join(out)


def readme_with_summary(readme: str, summary: str) -> str:
    head, _, rest = readme.partition(README_START)
    _, _, tail = rest.partition(README_END)
    return f"{head}{README_START}\n{summary}\n{README_END}{tail}"


def build_reference_warehouse(path: str, sql_dir: str, reference_dir: str) -> None:
    """An empty warehouse with every object: what the table reference is generated from."""
    from wirehouse.load import publish

    publish(path, "catalog", {}, sql_dir, reference_dir)


def generate(out: str | None = None, readme: str | None = None) -> tuple[str, str]:
    """The table reference (sql/tables.md) and its README summary, from one warehouse."""
    from wirehouse.settings import get_settings

    settings = get_settings()
    with tempfile.TemporaryDirectory() as tmp:
        wh = str(Path(tmp) / "catalog.duckdb")
        build_reference_warehouse(wh, settings.sql_dir, settings.reference_dir)
        con = duckdb.connect(wh, read_only=True)
        try:
            text, summary = render_markdown(con), render_summary(con)
        finally:
            con.close()
    if out:
        Path(out).write_text(text, encoding="utf-8")
    if readme:
        path = Path(readme)
        path.write_text(readme_with_summary(path.read_text(encoding="utf-8"), summary),
                        encoding="utf-8")
    return text, summary


if __name__ == "__main__":
    from wirehouse.settings import PROJECT_ROOT

    generate(sys.argv[1] if len(sys.argv) > 1 else str(PROJECT_ROOT / "sql" / "tables.md"),
             str(PROJECT_ROOT / "README.md"))
