"""The Typer application every command module registers on, and options they share."""

from __future__ import annotations

from typing import Annotated

import typer

from wirehouse.cli.plain_help import PlainHelpGroup

app = typer.Typer(
    help="News articles to a queryable event warehouse.", no_args_is_help=True,
    cls=PlainHelpGroup, pretty_exceptions_enable=False, add_completion=False,
    epilog="Example: wirehouse run 'seeds/*.txt' --warehouse warehouse/wirehouse.duckdb")


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option(
        "--debug", help="Show the traceback of an error (also WIREHOUSE_DEBUG=1).")] = False,
) -> None:
    """News articles to a queryable event warehouse."""
    # --debug is read by wirehouse.cli.entry before the command line is parsed; it is
    # declared here so that it is accepted and listed in `wirehouse --help`.


WarehouseOpt = Annotated[str | None, typer.Option(
    metavar="PATH", help="DuckDB file or URL (WIREHOUSE_WAREHOUSE).")]
