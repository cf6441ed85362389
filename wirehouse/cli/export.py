"""`wirehouse export postgres`: copy the warehouse into PostgreSQL for Postgres-only BI tools."""

from __future__ import annotations

from typing import Annotated

import typer

from wirehouse.cli.app import WarehouseOpt, app
from wirehouse.core.settings import get_settings
from wirehouse.warehouse.store import readable

export_app = typer.Typer(help="Copy the warehouse into other databases.", no_args_is_help=True,
                         epilog="Example: WIREHOUSE_PG_DSN=postgresql://bi@localhost/news "
                                "wirehouse export postgres")
app.add_typer(export_app, name="export")


@export_app.command("postgres", epilog="Example: WIREHOUSE_PG_DSN=postgresql://bi@localhost/news "
                                        "wirehouse export postgres --to env --include-raw")
def export_postgres(
    to: Annotated[str, typer.Option(
        "--to", metavar="NAME",
        help="The database: 'env' (WIREHOUSE_PG_DSN or WIREHOUSE_PG_DSN_FILE), a "
        "Prefect Secret block name, or a DSN/URL without password (libpq reads ~/.pgpass). "
        "A password on the command line is refused: ps shows it to every user.")] = "env",
    include_raw: Annotated[bool, typer.Option(
        "--include-raw", help="Also copy the raw schema.")] = False,
    warehouse: WarehouseOpt = None,
) -> None:
    """Copy ref and marts (optionally raw) into PostgreSQL, swapped in atomically."""
    from flows.connections import ConnectionNameError, postgres_dsn, scrub
    from wirehouse.warehouse.postgres import copy_to_postgres

    try:
        dsn = postgres_dsn(to)
    except ConnectionNameError as exc:
        raise typer.BadParameter(str(exc), param_hint="--to") from None
    path = warehouse or get_settings().warehouse
    if readable(path) is None:
        raise typer.BadParameter(f"no warehouse at {path}: run `wirehouse run` first")
    try:
        result = copy_to_postgres(path, dsn, include_raw=include_raw)
    except Exception as exc:
        typer.echo(f"error: {type(exc).__name__}: {scrub(str(exc), dsn)}", err=True)
        raise typer.Exit(1) from None
    for name, n in sorted(result.rows.items()):
        typer.echo(f"{name}\t{n}")
