"""`wirehouse schedule`: the deployments of prefect.yaml served on this machine."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from wirehouse.cli.app import app


@app.command(epilog="Example: wirehouse schedule --interval 60")
def schedule(
    deployment: Annotated[list[str] | None, typer.Option(
        "--deployment", "-d", metavar="NAME",
        help="Serve only this deployment (repeatable).")] = None,
    config: Annotated[str | None, typer.Option(
        metavar="PATH", help="prefect.yaml to read.")] = None,
    interval: Annotated[float | None, typer.Option(
        metavar="SECONDS",
        help="Replace every cron schedule by this many seconds (to try schedules out).")] = None,
    limit: Annotated[int | None, typer.Option(metavar="N", help="Most flow runs at once.")] = None,
) -> None:
    """Run the schedules of prefect.yaml on this machine (prefect.serve, no work pool).

    Starts a local Prefect server on 127.0.0.1 unless PREFECT_API_URL is set, and stops the
    server it started on exit (Ctrl-C or SIGTERM).
    """
    from flows.schedule import DEFAULT_CONFIG, serve_schedules

    serve_schedules(Path(config) if config else DEFAULT_CONFIG, deployment or (), interval,
                    limit)
    # Everything is stopped, the server we started included. Prefect's background workers
    # that ship logs and events to the API would now retry against that stopped server and
    # held interpreter exit for over a minute (seen in CI), so leave without waiting for them.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
