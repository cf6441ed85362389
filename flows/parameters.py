"""Which paths a flow run of a deployment may name: the deployment owner's allow-list.

Whoever can create a flow run through the API chooses its parameters, so a path parameter
is a request, not an order: read this file into that warehouse. A run of a deployment may
name the sources, lake and warehouse that prefect.yaml declares for the flow's deployments
(read from the file in this checkout, not from the API), or paths under the folders (or URL
prefixes) listed in WIREHOUSE_ALLOWED_SOURCES / WIREHOUSE_ALLOWED_OUTPUTS of the process
that serves them. A parameter left empty takes the serving process's own setting, which is
the owner's. Runs started by `wirehouse run` (no deployment) are the user's own and are not
confined.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from pathlib import Path

from flows.schedule import DEFAULT_CONFIG, read_deployments
from wirehouse.core.settings import Settings
from wirehouse.ingest.discover import within


class ParameterNotAllowed(ValueError):
    """A path parameter outside what the deployment's owner allows."""


def _absolute(path: str) -> str:
    """Resolved as discovery resolves it: against the working directory, symlinks followed."""
    return path if "://" in path else os.path.realpath(path)


def _roots(listed: str) -> list[str]:
    return [_absolute(p) for p in listed.split(os.pathsep) if p.strip()]


def _declared(entrypoint: str, config: Path) -> dict[str, list[str]]:
    """The paths prefect.yaml gives the deployments of ``entrypoint``, by parameter."""
    out: dict[str, list[str]] = {"sources": [], "lake": [], "warehouse": []}
    for spec in read_deployments(config):
        if spec.get("entrypoint") != entrypoint:
            continue
        params = spec.get("parameters") or {}
        out["sources"] += [str(s) for s in params.get("sources") or []]
        for name in ("lake", "warehouse"):
            if params.get(name):
                out[name].append(str(params[name]))
    return out


def _glob_root(pattern: str) -> str:
    """The folder a source (path, folder or glob) reads under."""
    head = pattern
    while glob.has_magic(head):
        head = os.path.dirname(head)
    return _absolute(head or ".")


def deployment_config(settings: Settings) -> Path:
    """The prefect.yaml the serving process read its deployments from (`wirehouse schedule
    --config` sets WIREHOUSE_DEPLOYMENT_CONFIG for the runs it serves), else the checkout's."""
    return Path(settings.deployment_config) if settings.deployment_config else DEFAULT_CONFIG


def allowed_source_roots(settings: Settings, entrypoint: str = "flows/etl.py:etl",
                         config: Path | None = None) -> tuple[str, ...]:
    """Every folder a deployment run may read under (the discovery confines each file's real
    path to these, symlinks included)."""
    config = config or deployment_config(settings)
    declared = _declared(entrypoint, config)["sources"]
    return tuple([_glob_root(s) for s in declared] + _roots(settings.allowed_sources))


def check_paths(sources: Iterable[str] | None, lake: str | None, warehouse: str | None,
                settings: Settings, entrypoint: str = "flows/etl.py:etl",
                config: Path | None = None) -> tuple[str, ...]:
    """The allowed source roots, after checking every path parameter of a deployment run;
    ParameterNotAllowed names the first one outside them."""
    config = config or deployment_config(settings)
    declared = _declared(entrypoint, config)
    roots = allowed_source_roots(settings, entrypoint, config)
    for source in sources or []:
        if source not in declared["sources"] and not any(
                within(_absolute(source), root) for root in _roots(settings.allowed_sources)):
            raise ParameterNotAllowed(
                f"source {source!r} is not one this deployment may read: prefect.yaml "
                "declares " + (", ".join(declared["sources"]) or "none") + "; the owner can "
                "allow more folders in WIREHOUSE_ALLOWED_SOURCES of the serving process")
    outputs = _roots(settings.allowed_outputs)
    for name, value in (("lake", lake), ("warehouse", warehouse)):
        if value is None or value in declared[name]:
            continue
        if not any(within(_absolute(value), root) for root in outputs):
            raise ParameterNotAllowed(
                f"{name} {value!r} is not one this deployment may write: prefect.yaml declares "
                + (", ".join(declared[name]) or "none") + "; the owner can allow folders in "
                "WIREHOUSE_ALLOWED_OUTPUTS of the serving process")
    return roots


def deployment_run() -> bool:
    """Whether this flow run was created for a deployment (through the API, by anyone who
    may create runs), not called by `wirehouse run` or Python in this process."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    return bool(ctx and ctx.flow_run and ctx.flow_run.deployment_id)
