"""Marts that cost what a load changed: each mart is one SELECT (``sql/20_marts/<mart>.sql``)
with a declared key in the ``.toml`` beside it, and the loader rebuilds only the rows whose
key the load touched (delete + insert), as dbt's incremental models do::

    [marts.events]
    materialized = "incremental"     # or "view"
    unique_key = ["event_id"]
    changed_keys = "SELECT event_id FROM changed.event_mentions"
    new_keys_from = ["event_mentions", "documents", "document_sources", "entities"]

``changed_keys`` selects the keys whose rows a load may change (all the key columns, or a
leading part such as the month of a monthly ranking: then every row of it is rebuilt). It
reads ``changed.<name>``: for a staging view, its rows of the documents the load brought,
as they were before the load and as they are after (a key that loses its last row is
deleted); for an earlier mart, ``changed.marts_<mart>``, its rows of the keys that load
rebuilt, before and after. The keys land in the temporary table ``touched``.

Lines of the SELECT that end in ``-- incremental`` are kept only in an incremental build:
they narrow the mart's inputs to the touched keys. DuckDB neither pushes a key filter through
a GROUP BY into the scans nor turns a semi-join into a scan filter (the scan reads every
column of every row), so the model says where the filter goes, as dbt's ``is_incremental()``.

``new_keys_from`` names the inputs whose rows of the load hold every row of a key the mart
did not have before (a new event is reported only by new documents): those keys are computed
from the load's rows alone, without reading the warehouse; keys the mart has are rebuilt from
the whole inputs (through the ``-- incremental`` lines).

A mart is rebuilt in full when its files changed since it was built, when a mart it reads was
rebuilt in full, or when staging, the reference data or the contract changed (the loader
asks); the maintenance flow (``python -m flows.maintenance``) rebuilds them all.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import duckdb

_CHANGED = re.compile(r"\bchanged\.(\w+)\b")
_MART_REF = re.compile(r"\bmarts\.(\w+)\b")
_INCREMENTAL_LINE = re.compile(r"--\s*incremental\s*$")
KINDS = ("view", "incremental")
ENVIRONMENT = "(environment)"  # model_state row of what every mart depends on
STATE_DDL = ("CREATE TABLE IF NOT EXISTS raw.model_state (name VARCHAR PRIMARY KEY, "
             "sql_hash VARCHAR NOT NULL, built_at TIMESTAMPTZ NOT NULL)")


class ModelError(ValueError):
    """A mart whose SQL or declaration is missing or wrong."""


class DuplicateKeys(RuntimeError):
    """A mart's SELECT gave two rows for one key: the load is not published."""


@dataclass(frozen=True)
class Mart:
    name: str
    kind: str  # view or incremental
    select: str
    unique_key: tuple[str, ...] = ()
    changed_keys: str = ""
    new_keys_from: tuple[str, ...] = ()
    sum_columns: tuple[str, ...] = ()  # strategy "sum": maintained by adding the load's rows

    @property
    def sql_hash(self) -> str:
        text = "\n".join([self.kind, *self.unique_key, self.changed_keys, *self.new_keys_from,
                          *self.sum_columns, self.select])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def full_select(self) -> str:
        return "\n".join(line for line in self.select.splitlines()
                         if not _INCREMENTAL_LINE.search(line))

    def changed_inputs(self) -> set[str]:
        return set(_CHANGED.findall(self.changed_keys))

    def depends_on(self) -> set[str]:
        """The marts this one reads."""
        found = set(_MART_REF.findall(self.select + "\n" + self.changed_keys))
        found |= {n.removeprefix("marts_") for n in self.changed_inputs() | {*self.new_keys_from}
                  if n.startswith("marts_")}
        return found - {self.name}

    def from_changes(self, side: str = "new") -> str:
        """The incremental SELECT over the load's rows of ``new_keys_from`` only: the rows
        after the load (``new``) or the rows it replaced (``old``)."""
        sql = self.select
        for name in self.new_keys_from:
            old = (rf"\bmarts\.{name.removeprefix('marts_')}\b" if name.startswith("marts_")
                   else rf"\bstaging\.{name}\b")
            sql = re.sub(old, f"changed_{side}__{name}", sql)
        return sql


def parse_mart(path: Path) -> Mart:
    """The mart of ``sql/20_marts/<name>.sql`` and the declaration in ``<name>.toml``."""
    declared = path.with_suffix(".toml")
    try:
        with open(declared, "rb") as fh:
            entry = tomllib.load(fh).get("marts", {}).get(path.stem, {})
    except FileNotFoundError:
        raise ModelError(f"{path}: no {declared.name} beside it declaring the mart") from None
    except tomllib.TOMLDecodeError as exc:
        raise ModelError(f"{declared}: {exc}") from exc
    kind = entry.get("materialized", "")
    if kind not in KINDS:
        raise ModelError(f"{declared}: [marts.{path.stem}] materialized must be one of "
                         f"{KINDS}, not {kind!r}")
    select = path.read_text(encoding="utf-8").strip().rstrip(";")
    if re.match(r"(--[^\n]*\n|\s)*CREATE\b", select, re.I):
        raise ModelError(f"{path}: a mart file is one SELECT; the loader creates the object")
    key = tuple(entry.get("unique_key", ()))
    changed = str(entry.get("changed_keys", "")).strip()
    if kind == "incremental" and not (key and changed):
        raise ModelError(f"{declared}: an incremental mart declares unique_key and changed_keys")
    sums = tuple(entry.get("sum_columns", ()))
    from_changes = tuple(entry.get("new_keys_from", ()))
    if sums and not from_changes:
        raise ModelError(f"{declared}: sum_columns needs new_keys_from (the rows that add up)")
    return Mart(path.stem, kind, select, key, changed, from_changes, sums)


def marts(sql_dir: str) -> list[Mart]:
    """The marts in dependency order (each after the marts it reads)."""
    found = {m.name: m for m in (parse_mart(p)
                                 for p in sorted(Path(sql_dir, "20_marts").glob("*.sql")))}
    sorter = TopologicalSorter({n: m.depends_on() & found.keys() for n, m in found.items()})
    try:
        sorter.prepare()
    except CycleError as exc:
        raise ModelError(f"marts read each other in a cycle: {exc.args[1]}") from exc
    ordered: list[Mart] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        ordered += [found[n] for n in ready]
        sorter.done(*ready)
    return ordered


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _match(keys: tuple[str, ...], left: str, right: str) -> str:
    # Keys may be null (an event with no date still has a daily row): null matches null.
    return " AND ".join(f"{left}.{_q(k)} IS NOT DISTINCT FROM {right}.{_q(k)}" for k in keys)


def _rebind(sql: str, touched: str) -> str:
    sql = _CHANGED.sub(lambda m: f"changed__{m.group(1)}", sql)
    return re.sub(r"\btouched\b", touched, sql)


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {relation}").fetchone()
    return int(row[0]) if row else 0


def kind_of(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> str | None:
    row = con.execute(
        "SELECT 'TABLE' FROM duckdb_tables() WHERE database_name = current_database() AND "
        "schema_name = ? AND table_name = ? UNION ALL SELECT 'VIEW' FROM duckdb_views() WHERE "
        "database_name = current_database() AND schema_name = ? AND view_name = ?",
        [schema, name, schema, name]).fetchone()
    return str(row[0]) if row else None


def build_full(con: duckdb.DuckDBPyConnection, mart: Mart) -> None:
    have, want = kind_of(con, "marts", mart.name), "VIEW" if mart.kind == "view" else "TABLE"
    if have and have != want:
        con.execute(f"DROP {have} marts.{_q(mart.name)} CASCADE")
    try:
        con.execute(f"CREATE OR REPLACE {want} marts.{_q(mart.name)} AS\n{mart.full_select()}")
    except duckdb.Error as exc:
        raise ModelError(f"sql/20_marts/{mart.name}.sql: {exc}") from exc
    if mart.kind == "incremental":
        _refuse_duplicates(con, mart, f"marts.{_q(mart.name)}")


def _refuse_duplicates(con: duckdb.DuckDBPyConnection, mart: Mart, relation: str) -> None:
    keys = ", ".join(_q(k) for k in mart.unique_key)
    dup = con.execute(f"SELECT {keys} FROM {relation} GROUP BY ALL HAVING count(*) > 1 LIMIT 3"
                      ).fetchall()
    if dup:
        raise DuplicateKeys(f"marts.{mart.name}: several rows for {mart.unique_key} = {dup}; "
                            "a mart's SELECT gives one row per key")


def build_incremental(con: duckdb.DuckDBPyConnection, mart: Mart, keep_changes: bool) -> int:
    """Rebuild the rows of the keys ``changed_keys`` selects; returns how many keys. With
    ``keep_changes`` the mart's rows of those keys, before and after, stay readable as
    ``changed.marts_<mart>`` (and after only, ``changed_new__marts_<mart>``) for later marts."""
    touched, new = f"touched__{mart.name}", f"rows_new__{mart.name}"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {touched} AS "
                f"SELECT DISTINCT * FROM ({_rebind(mart.changed_keys, touched)})")
    have = {d[0] for d in con.execute(f"SELECT * FROM {touched} LIMIT 0").description or []}
    on = tuple(k for k in mart.unique_key if k in have)
    if not on:
        raise ModelError(f"marts.{mart.name}: changed_keys selects none of {mart.unique_key}")
    n = _count(con, touched)
    try:
        if n == 0:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {new} AS "
                        f"SELECT * FROM marts.{_q(mart.name)} LIMIT 0")
        elif mart.sum_columns:
            _add_up(con, mart, on, touched, new)
        elif mart.new_keys_from:
            # Keys the mart has are rebuilt from the warehouse, the others from the load's rows.
            existing = f"existing__{mart.name}"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {existing} AS SELECT t.* FROM {touched} "
                        f"AS t SEMI JOIN marts.{_q(mart.name)} AS s ON {_match(on, 's', 't')}")
            con.execute(f"""CREATE OR REPLACE TEMP TABLE {new} AS
                SELECT s.* FROM ({_rebind(mart.from_changes(), touched)}) AS s
                SEMI JOIN {touched} AS t ON {_match(on, 's', 't')}
                ANTI JOIN {existing} AS x ON {_match(on, 's', 'x')}""")
            # A key the mart lacks that the load's rows do not give either may still have
            # rows elsewhere (an event left out while every report was reviewed wrong, whose
            # review changed): it is rebuilt from the warehouse too.
            con.execute(f"""INSERT INTO {existing} SELECT t.* FROM {touched} AS t
                ANTI JOIN {existing} AS x ON {_match(on, 't', 'x')}
                ANTI JOIN {new} AS s ON {_match(on, 't', 's')}""")
            if _count(con, existing):
                con.execute(f"""INSERT INTO {new} BY NAME
                    SELECT s.* FROM ({_rebind(mart.select, existing)}) AS s
                    SEMI JOIN {existing} AS t ON {_match(on, 's', 't')}""")
        else:
            con.execute(f"""CREATE OR REPLACE TEMP TABLE {new} AS
                SELECT s.* FROM ({_rebind(mart.select, touched)}) AS s
                SEMI JOIN {touched} AS t ON {_match(on, 's', 't')}""")
    except duckdb.Error as exc:
        raise ModelError(f"sql/20_marts/{mart.name}.sql (incremental): {exc}") from exc
    _refuse_duplicates(con, mart, new)
    delete = (f"DELETE FROM marts.{_q(mart.name)} AS m USING {touched} AS t "
              f"WHERE {_match(on, 'm', 't')}")
    if keep_changes:
        old = con.execute(delete + " RETURNING m.*").arrow()
        con.register(f"deleted__{mart.name}", old)
        con.execute(f"CREATE OR REPLACE TEMP TABLE changed_old__marts_{mart.name} AS "
                    f"SELECT * FROM deleted__{mart.name}")
        con.unregister(f"deleted__{mart.name}")
        con.execute(f"CREATE OR REPLACE TEMP VIEW changed__marts_{mart.name} AS SELECT * FROM "
                    f"changed_old__marts_{mart.name} UNION ALL BY NAME SELECT * FROM {new}")
        con.execute(f"CREATE OR REPLACE TEMP VIEW changed_new__marts_{mart.name} AS "
                    f"SELECT * FROM {new}")
    elif n:
        con.execute(delete)
    if n:
        con.execute(f"INSERT INTO marts.{_q(mart.name)} BY NAME SELECT * FROM {new}")
    return n


def _add_up(con: duckdb.DuckDBPyConnection, mart: Mart, on: tuple[str, ...], touched: str,
            new: str) -> None:
    """Strategy "sum": a key's ``sum_columns`` are its rows in the mart plus what the SELECT
    gives over the load's rows minus what it gives over the rows the load replaced; its other
    columns are the SELECT's over the load's rows (current names) or kept. No row of the
    warehouse is read but the mart's own rows of those keys. Keys the load has no rows for
    (the pairs of a renamed entity) are rebuilt from the warehouse; a key whose first sum
    falls to zero has no rows left and is deleted."""
    plus, minus, had, rest = (f"{part}__{mart.name}" for part in ("plus", "minus", "had", "rest"))
    for name, side in ((plus, "new"), (minus, "old")):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT s.* "
                    f"FROM ({_rebind(mart.from_changes(side), touched)}) AS s "
                    f"SEMI JOIN {touched} AS t ON {_match(on, 's', 't')}")
    key_list = ", ".join(_q(k) for k in on)
    changed = f"(SELECT {key_list} FROM {plus} UNION SELECT {key_list} FROM {minus})"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {had} AS SELECT s.* FROM marts.{_q(mart.name)} "
                f"AS s SEMI JOIN {changed} AS t ON {_match(on, 's', 't')}")
    cols = [d[0] for d in con.execute(f"SELECT * FROM {had} LIMIT 0").description or []]
    # One aggregate over the three row sets, not outer joins: keys may be null, and a join
    # on null-safe expressions of two relations is a nested loop.
    picked = []
    for c in map(_q, cols):
        if c.strip('"') in mart.sum_columns:
            picked.append(f"sum(CASE WHEN side__ = 'minus' THEN -{c} ELSE {c} END) AS {c}")
        elif c.strip('"') not in on:
            picked.append(f"arg_max_null({c}, CASE side__ WHEN 'plus' THEN 2 "
                          f"WHEN 'had' THEN 1 ELSE 0 END) AS {c}")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {new} AS
        SELECT {key_list}, {', '.join(picked)}
        FROM (SELECT 'had' AS side__, * FROM {had}
              UNION ALL BY NAME SELECT 'plus' AS side__, * FROM {plus}
              UNION ALL BY NAME SELECT 'minus' AS side__, * FROM {minus})
        GROUP BY {key_list}
        HAVING sum(CASE WHEN side__ = 'minus' THEN -{_q(mart.sum_columns[0])}
                        ELSE {_q(mart.sum_columns[0])} END) > 0""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {rest} AS SELECT t.* FROM {touched} AS t "
                f"ANTI JOIN {changed} AS c ON {_match(on, 't', 'c')}")
    if _count(con, rest):
        con.execute(f"""INSERT INTO {new} BY NAME
            SELECT s.* FROM ({_rebind(mart.select, rest)}) AS s
            SEMI JOIN {rest} AS t ON {_match(on, 's', 't')}""")


def refresh(con: duckdb.DuckDBPyConnection, sql_dir: str, full: bool) -> dict[str, str]:
    """Bring every mart up to date with the raw tables; returns how each was built.

    ``full``: rebuild every mart. Otherwise a mart is rebuilt in full when its files changed
    since it was built or it reads a mart rebuilt in full, and else incrementally from the
    load's ``changed__*`` relations (wirehouse.warehouse.load.load_files)."""
    con.execute(STATE_DDL)
    built = dict(con.execute("SELECT name, sql_hash FROM raw.model_state").fetchall())
    ordered = marts(sql_dir)
    wanted = {n for m in ordered for n in (*m.changed_inputs(), *m.new_keys_from)}
    how: dict[str, str] = {}
    for mart in ordered:
        redo = (full or built.get(mart.name) != mart.sql_hash
                or kind_of(con, "marts", mart.name) is None
                or any(how.get(dep) == "full" for dep in mart.depends_on()))
        if mart.kind == "view":
            if redo:
                build_full(con, mart)
            how[mart.name] = "view"
        elif redo:
            build_full(con, mart)
            how[mart.name] = "full"
        else:
            n = build_incremental(con, mart, keep_changes=f"marts_{mart.name}" in wanted)
            how[mart.name] = f"{n} keys"
        if redo:
            con.execute("INSERT OR REPLACE INTO raw.model_state VALUES (?, ?, now())",
                        [mart.name, mart.sql_hash])
    for name in set(built) - {m.name for m in ordered} - {ENVIRONMENT}:
        kind = kind_of(con, "marts", name)  # a mart whose file was removed
        if kind:
            con.execute(f"DROP {kind} marts.{_q(name)} CASCADE")
        con.execute("DELETE FROM raw.model_state WHERE name = ?", [name])
    return how
