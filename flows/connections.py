"""Where the PostgreSQL export's connection comes from: a name, resolved in the process that
exports, so the password is never a flow parameter (readable through the API), never in argv
(`ps`), and never in a log line or an artifact.

A name is one of:
- ``env``: the DSN in WIREHOUSE_PG_DSN, or in the file WIREHOUSE_PG_DSN_FILE names (of the
  process that runs the export: the `wirehouse` command, or the `wirehouse schedule` /
  worker process for deployed runs);
- a DSN or URL without a password (``host=db user=bi dbname=news``): libpq takes the password
  from PGPASSFILE / ~/.pgpass or PGPASSWORD of that process;
- anything else: the name of a Prefect Secret block holding the DSN (`prefect block create
  secret`), read through the API the run talks to.
A DSN that carries a password is refused as a name.
"""

from __future__ import annotations

import os
from typing import cast

from psycopg.conninfo import conninfo_to_dict

ENV = "env"


class ConnectionNameError(ValueError):
    """A name that does not resolve to a DSN, or a DSN given where a name belongs."""


def _looks_like_dsn(name: str) -> bool:
    return "=" in name or "://" in name


def postgres_dsn(name: str) -> str:
    """The DSN ``name`` stands for (module docstring)."""
    if name == ENV:
        return _from_environment()
    if _looks_like_dsn(name):
        try:
            parts = conninfo_to_dict(name)
        except Exception:  # noqa: BLE001 - its message may quote the DSN: not passed on
            raise ConnectionNameError("not a valid PostgreSQL DSN or URL") from None
        if parts.get("password"):
            raise ConnectionNameError(
                "the DSN carries a password: a flow parameter and a command line are readable "
                "by others. Put it in WIREHOUSE_PG_DSN, WIREHOUSE_PG_DSN_FILE, ~/.pgpass "
                "(PGPASSFILE) or a Prefect Secret block, and pass the name instead")
        return name
    from prefect.blocks.system import Secret

    try:
        block = Secret.load(name, _sync=True)  # type: ignore[call-arg]
        value = cast(Secret[str], block).get()
    except ValueError as exc:
        raise ConnectionNameError(f"no Prefect Secret block named {name!r} (and it is not "
                                  f"{ENV!r} or a DSN): {exc}") from None
    return str(value)


def _from_environment() -> str:
    dsn = os.environ.get("WIREHOUSE_PG_DSN")
    if dsn:
        return dsn
    path = os.environ.get("WIREHOUSE_PG_DSN_FILE")
    if path:
        with open(path, encoding="utf-8") as fh:
            return fh.read().strip()
    raise ConnectionNameError("set WIREHOUSE_PG_DSN or WIREHOUSE_PG_DSN_FILE for the "
                              f"connection named {ENV!r}")


def scrub(message: str, dsn: str) -> str:
    """``message`` with the DSN's password (and the DSN itself) replaced by ***."""
    secrets = [dsn]
    try:
        password = conninfo_to_dict(dsn).get("password")
    except Exception:  # noqa: BLE001 - a DSN that does not parse has no password to find
        password = None
    if password:
        secrets.append(str(password))
    for secret in secrets:
        message = message.replace(secret, "***")
    return message
