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
                                        "wirehouse export postgres --include-raw")
def export_postgres(
    dsn: Annotated[str, typer.Option(envvar="WIREHOUSE_PG_DSN", metavar="DSN",
                                     help="libpq DSN or URL of the target database.")],
    include_raw: Annotated[bool, typer.Option(
        "--include-raw", help="Also copy the raw schema.")] = False,
    warehouse: WarehouseOpt = None,
) -> None:
    """Copy ref and marts (optionally raw) into PostgreSQL, swapped in atomically."""
    from wirehouse.warehouse.postgres import copy_to_postgres

    path = warehouse or get_settings().warehouse
    if readable(path) is None:
        raise typer.BadParameter(f"no warehouse at {path}: run `wirehouse run` first")
    result = copy_to_postgres(path, dsn, include_raw=include_raw)
    for name, n in sorted(result.rows.items()):
        typer.echo(f"{name}\t{n}")
