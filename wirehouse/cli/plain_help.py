"""Help without Typer's type tags.

Typer prints a type after every parameter (`--force <bool>`, `--warehouse <str>`), which makes
a flag look as if it took a value. Here a flag shows nothing and an option that takes a value
shows its metavar (`--warehouse PATH`), so each such option names one.
"""

from __future__ import annotations

import types
from typing import Any

import typer.core
from typer import _click


def _metavar_only(param: _click.core.Parameter, ctx: _click.Context) -> str | None:
    return None if param.param_type_name == "argument" else param.metavar


def _plain_param(param: _click.core.Parameter) -> None:
    param.display_type_rich = types.MethodType(_metavar_only, param)  # type: ignore[attr-defined]


def _plain(command: _click.core.Command) -> None:
    for param in command.params:
        _plain_param(param)
    help_option = command.get_help_option

    def get_help_option(ctx: _click.Context) -> typer.core.TyperOption | None:
        option = help_option(ctx)
        if option is not None:
            _plain_param(option)
        return option

    command.get_help_option = get_help_option  # type: ignore[method-assign]
    for sub in getattr(command, "commands", {}).values():
        _plain(sub)


class PlainHelpGroup(typer.core.TyperGroup):
    """The root command group. Typer builds every subcommand before the root, so on
    construction it walks the whole tree and gives each parameter, --help included, the
    plain display."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _plain(self)
