"""The console script: runs the app and turns what a user can get wrong into one line.

A mistake the user can fix (a path that matches nothing, a warehouse that cannot be opened, a
URL no filesystem knows, a bad flag value, a held lock) prints one line that says what to do
and exits 2. Anything else is a fault: one line too, exit 1. `--debug` (anywhere before a
`--`) or WIREHOUSE_DEBUG=1 shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from wirehouse.cli.app import app
from wirehouse.core.errors import UserError

USER_ERROR = 2


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = _take_debug(args) or os.environ.get("WIREHOUSE_DEBUG", "") not in ("", "0")
    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="wirehouse", standalone_mode=False)
    except NoArgsIsHelpError:
        code = 0  # the help is printed already: Rich's help prints as the error is made
    except ClickException as exc:
        if debug:
            raise
        where = exc.ctx.command_path if isinstance(exc, UsageError) and exc.ctx else ""
        hint = f" (`{where} --help` shows the options)" if where else ""
        _fail(exc.format_message() + hint, exc.exit_code)
    except UserError as exc:
        if debug:
            raise
        _fail(str(exc), USER_ERROR)
    except typer.Abort:
        _fail("aborted", 1)
    except Exception as exc:
        if debug:
            raise
        _fail(f"{type(exc).__name__}: {exc} (`wirehouse --debug ...` or WIREHOUSE_DEBUG=1 "
              "shows the traceback)", 1)
    sys.exit(code if isinstance(code, int) else 0)


def _take_debug(args: list[str]) -> bool:
    """Remove `--debug` from the arguments (before any `--`); True when it was there."""
    end = args.index("--") if "--" in args else len(args)
    found = "--debug" in args[:end]
    args[:end] = [a for a in args[:end] if a != "--debug"]
    return found


def _fail(message: str, code: int) -> None:
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    typer.echo("wirehouse: " + " ".join(lines), err=True)
    sys.exit(code)
