"""`wirehouse schedule`: run the deployments of prefect.yaml on this machine, no work pool.

prefect.yaml stays the one place where schedules and parameters are declared: `prefect deploy`
reads it for a shared server and workers, and this module reads the same file for
`prefect.serve`. Serving needs a real API (the temporary local-mode server cannot schedule),
so a local server is started unless PREFECT_API_URL is set, and stopped on exit.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from flows.prefect_server import ensure_server, stop_server, using
from wirehouse.core.settings import PROJECT_ROOT

DEFAULT_CONFIG = PROJECT_ROOT / "prefect.yaml"


def read_deployments(config: Path) -> list[dict[str, Any]]:
    with open(config, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    deployments = doc.get("deployments") or []
    if not isinstance(deployments, list):
        raise ValueError(f"{config}: 'deployments' must be a list")
    return deployments


def _load_flow(entrypoint: str, root: Path) -> Any:
    """flows/etl.py:etl -> the flow object (imported as a module of this package)."""
    path, _, name = entrypoint.partition(":")
    module = ".".join(Path(path).with_suffix("").parts)
    return getattr(importlib.import_module(module), name)


def build(spec: dict[str, Any], root: Path, interval: float | None = None) -> Any:
    """A RunnerDeployment from one prefect.yaml entry; ``interval`` replaces its schedules
    (to try a schedule out, and for the test)."""
    flow = _load_flow(spec["entrypoint"], root)
    kwargs: dict[str, Any] = {
        "name": spec["name"], "parameters": spec.get("parameters") or {},
        "description": spec.get("description"), "tags": spec.get("tags"),
    }
    limit = spec.get("concurrency_limit")
    if isinstance(limit, dict):
        from prefect.client.schemas.objects import ConcurrencyLimitConfig

        kwargs["concurrency_limit"] = ConcurrencyLimitConfig(**limit)
    elif limit is not None:
        kwargs["concurrency_limit"] = limit
    if interval is not None:
        kwargs["interval"] = timedelta(seconds=interval)
    else:
        crons = [s for s in spec.get("schedules") or [] if s.get("active", True)]
        if crons:
            from prefect.schedules import Cron

            kwargs["schedules"] = [Cron(s["cron"], timezone=s.get("timezone", "UTC"))
                                   for s in crons]
    return flow.to_deployment(**kwargs)


def serve_schedules(config: Path = DEFAULT_CONFIG, only: Sequence[str] = (),
                    interval: float | None = None, limit: int | None = None) -> None:
    """Serve the deployments until interrupted (Ctrl-C or SIGTERM)."""
    from prefect import serve

    specs = [d for d in read_deployments(config) if not only or d["name"] in only]
    if not specs:
        raise ValueError(f"no deployment named {', '.join(only)} in {config}")
    # The runs served here (subprocesses) check their path parameters against this file's
    # declarations (flows.parameters), the owner's, not the checkout's default.
    os.environ["WIREHOUSE_DEPLOYMENT_CONFIG"] = str(config.resolve())
    server = ensure_server()
    try:
        with using(server):
            print(f"Prefect server: {server.ui_url}"
                  + (" (started here, stopped on exit)" if server.started else ""))
            deployments = [build(spec, config.parent, interval) for spec in specs]
            # serve() returns on SIGINT/SIGTERM (the runner handles both), so the server we
            # started is always stopped below.
            serve(*deployments, limit=limit)
    finally:
        if server.started:
            stop_server(server)
