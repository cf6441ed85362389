"""When the local Prefect server goes away in the middle of a run.

A flow run's tasks report to the server through events, which do not wait for it, so the
data work goes on without it; the flow run's own calls (its final state, artifacts) would
each retry for about a minute (Prefect's client backoff) and then fail the command, with the
flow run left Running on the server for good. Instead the flow checks the server once its
data is safe (right after the load), and when it is gone ends at once with ServerGone, which
says what was kept; the command prints that line. The next start of the server marks the
flow runs it left behind crashed (flows.prefect_server.ensure_server).

Only a server on this machine's loopback is checked: it is the one `wirehouse` starts, and
one that refuses connections there is gone, not slow. A remote API keeps Prefect's retries.
"""

from __future__ import annotations

import logging
import urllib.parse

from prefect.settings import get_current_settings

from flows.prefect_server import healthy
from wirehouse.core.errors import RunStopped

# A loaded machine can be slow to answer; a server that is gone refuses at once.
HEALTH_TIMEOUT_S = 10.0


class ServerGone(RunStopped):
    """The local Prefect server stopped answering during the run; the message says what the
    run kept and what to do."""


def local_api_url() -> str | None:
    """The API this process reports to, if it is a server on the loopback."""
    url = get_current_settings().api.url
    host = urllib.parse.urlsplit(str(url)).hostname if url else None
    return str(url) if host in ("127.0.0.1", "localhost", "::1") else None


def end_if_server_gone(kept: str) -> None:
    """Raise ServerGone when the local server this run reports to no longer answers;
    ``kept`` says what the run has made safe by now."""
    url = local_api_url()
    if url is None or healthy(url, timeout=HEALTH_TIMEOUT_S):
        return
    # The flow run's remaining calls to the server (its end state) fail at once instead of
    # retrying against a server that is gone. These are the settings of this run's context
    # (`wirehouse run` enters them for the run), so later runs are not affected.
    # Nor are the run's last log lines shipped to it (the console has them); those queued
    # already fail in Prefect's log worker, which then writes its error to stderr unless
    # the logging module's handler errors are off (for the whole process, which has lost
    # its server and is ending).
    settings = get_current_settings()
    settings.client.max_retries = 0
    settings.logging.to_api.enabled = False
    logging.raiseExceptions = False
    raise ServerGone(
        f"the Prefect server at {url.removesuffix('/api')} stopped answering during this "
        f"run; {kept}. The flow run could not record its end: the next `wirehouse server "
        "start` (or `wirehouse run`) starts a server and marks it crashed")


def gone_in(exc: BaseException) -> ServerGone | None:
    """The ServerGone behind ``exc``, if any: the flow engine raises its own failure to
    report the flow run's end while handling ours."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ServerGone):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
