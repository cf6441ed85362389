"""Mistakes the person running wirehouse can fix.

A ``UserError``'s message says what is wrong and what to do. The command line prints it as
one line and exits 2, without a traceback; anything else is a fault and keeps its traceback
(`wirehouse --debug`). The subclasses also derive from the built-in error they replace, so
code that catches ``FileNotFoundError`` or ``ValueError`` keeps working.
"""

from __future__ import annotations


class UserError(Exception):
    """Wrong input, a wrong path or setting, a busy resource: the message says what to do."""


class NoInputError(UserError, FileNotFoundError):
    """A source path, folder or glob that matches nothing."""


class SettingsError(UserError, ValueError):
    """A setting (WIREHOUSE_* variable or flag value) that cannot be used."""


class RunStopped(RuntimeError):
    """A run that a fault outside the user's hands stopped early, at a point where nothing is
    lost: the message says what the run kept and what to do. The command line prints it as
    one line and exits 1, with Prefect's console log of the flow run's end left out."""
