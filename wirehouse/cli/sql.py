"""`wirehouse sql`: a read-only query against the warehouse, printed as a table, CSV or JSON."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
import typer.core
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer import _click

from wirehouse.cli.app import WarehouseOpt, app
from wirehouse.core.errors import UserError
from wirehouse.core.settings import get_settings
from wirehouse.warehouse.store import readable

# A query reads the warehouse and nothing else: no extension is installed or loaded (from the
# network or from anywhere), no other file is read or written. The duckdb CLI does the rest.
READ_ONLY_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "access_mode": "READ_ONLY",
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "enable_external_access": False,
}


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class SqlCommand(typer.core.TyperCommand):
    """Takes SQL text that starts with a `--` comment as the query, not as an unknown option,
    so `wirehouse sql "$(cat query.sql)"` works: an option name never holds a space or a line
    break, and such an argument is moved after `--`, where only arguments are read."""

    def parse_args(self, ctx: _click.Context, args: list[str]) -> list[str]:
        if "--" not in args:
            text = [a for a in args if a.startswith("-") and any(c.isspace() for c in a)]
            if text:
                args = [a for a in args if a not in text] + ["--", *text]
        return super().parse_args(ctx, args)


@app.command(cls=SqlCommand,
             epilog="Example: wirehouse sql --file sql/queries/02_dyad_cooperation.sql "
                    "--format csv")
def sql(
    query: Annotated[str | None, typer.Argument(
        metavar="SQL", show_default=False,
        help="The query; - reads it from standard input.")] = None,
    file: Annotated[Path | None, typer.Option(
        "--file", "-f", metavar="PATH", help="Read the query from this file.")] = None,
    warehouse: WarehouseOpt = None,
    format: Annotated[Format, typer.Option(
        "--format", metavar="FORMAT", help="table (the default), csv or json.")] = Format.table,
) -> None:
    """Run a read-only query against the warehouse and print the result."""
    text = query_text(query, file)
    con = connect_read_only(warehouse or get_settings().warehouse)
    try:
        rel = con.execute(text)
        cols = [d[0] for d in rel.description or []]
        rows = rel.fetchall()
    except duckdb.Error as exc:
        typer.echo(f"error: {exc}", err=True)
        if isinstance(exc, duckdb.PermissionException):
            typer.echo("(`wirehouse sql` reads the warehouse only: no other file, no extension; "
                       ".venv/bin/duckdb does the rest)", err=True)
        raise typer.Exit(1) from exc
    finally:
        con.close()
    print_rows(cols, rows, format)


def query_text(query: str | None, file: Path | None) -> str:
    """The SQL from the argument, from --file, or from standard input for `-`."""
    if (query is None) == (file is None):
        raise UserError("give the query as an argument, with --file PATH, or as - to read it "
                        "from standard input (`wirehouse sql --help` shows an example)")
    if file is not None:
        try:
            return file.read_text()
        except OSError as exc:
            raise UserError(f"cannot read --file {file}: {exc.strerror or exc}") from exc
    return sys.stdin.read() if query == "-" else str(query)


def connect_read_only(path: str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse at ``path`` (a local copy of a URL's object),
    or a UserError that says which file was looked for and how to point at another."""
    local = readable(path)
    if local is None:
        where = path if "://" in path else str(Path(path).absolute())
        raise UserError(f"no warehouse at {where}: pass --warehouse PATH or set "
                        "WIREHOUSE_WAREHOUSE (`wirehouse run` makes one)")
    try:
        return duckdb.connect(local, config=READ_ONLY_CONFIG)
    except duckdb.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"cannot open {local} as a DuckDB warehouse: {reason}") from exc


def print_rows(cols: list[str], rows: list[tuple[Any, ...]], fmt: Format | str) -> None:
    """Values as they are: a table cell is text, never Rich markup (`[/]`, `[bold]`)."""
    fmt = Format(fmt)
    if fmt is Format.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(cols)
        writer.writerows(rows)
    elif fmt is Format.json:
        typer.echo(json.dumps([dict(zip(cols, r, strict=True)) for r in rows], default=str,
                              ensure_ascii=False, indent=1))
    else:
        table = Table()
        for col in cols:
            table.add_column(Text(col))
        for r in rows:
            table.add_row(*(Text("" if v is None else str(v)) for v in r))
        Console(highlight=False).print(table)
