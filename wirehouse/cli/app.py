"""The Typer application every command module registers on, and options they share."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="News articles to a queryable event warehouse.", no_args_is_help=True)

WarehouseOpt = Annotated[str | None, typer.Option(help="DuckDB file (WIREHOUSE_WAREHOUSE).")]
