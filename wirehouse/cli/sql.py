"""`wirehouse sql`: a read-only query against the warehouse, printed as a table, CSV or JSON."""

from __future__ import annotations

import csv
import json
import sys
from typing import Annotated, Any

import duckdb
import typer

from wirehouse.cli.app import WarehouseOpt, app
from wirehouse.core.settings import get_settings
from wirehouse.warehouse.store import readable


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run (read-only).")],
    warehouse: WarehouseOpt = None,
    format: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """Run a read-only query against the warehouse and print the result."""
    path = warehouse or get_settings().warehouse
    local = readable(path)
    if local is None:
        raise typer.BadParameter(f"no warehouse at {path}: run `wirehouse run` first")
    con = duckdb.connect(local, read_only=True)
    try:
        rel = con.execute(query)
        cols = [d[0] for d in rel.description or []]
        rows = rel.fetchall()
    except duckdb.Error as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        con.close()
    print_rows(cols, rows, format)


def print_rows(cols: list[str], rows: list[tuple[Any, ...]], fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(cols)
        writer.writerows(rows)
    elif fmt == "json":
        typer.echo(json.dumps([dict(zip(cols, r, strict=True)) for r in rows], default=str,
                              ensure_ascii=False, indent=1))
    elif fmt == "table":
        from rich.console import Console
        from rich.table import Table

        table = Table(*cols)
        for r in rows:
            table.add_row(*("" if v is None else str(v) for v in r))
        Console().print(table)
    else:
        raise typer.BadParameter("--format must be table, csv or json")
