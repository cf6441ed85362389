"""`wirehouse run`: the ETL flow over files, folders and globs, once, from the command line."""

from __future__ import annotations

import atexit
import gc
import os
from contextlib import AbstractContextManager, nullcontext
from typing import Annotated

import typer

from wirehouse.cli.app import WarehouseOpt, app
from wirehouse.core.documents import KnownSource
from wirehouse.core.progress import TerminalProgress
from wirehouse.core.settings import Settings, get_settings
from wirehouse.extract import host
from wirehouse.extract.nlp import extraction_signature
from wirehouse.ingest.stage import pending_work
from wirehouse.warehouse.known import known_inputs
from wirehouse.warehouse.run_summary import render, top_entities


@app.command()
def run(
    paths: Annotated[list[str] | None, typer.Argument(help="Files, folders, globs.")] = None,
    warehouse: WarehouseOpt = None,
    lake: Annotated[str | None, typer.Option(help="Parquet lake folder.")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Documents per batch.")] = None,
    force: Annotated[bool, typer.Option(help="Re-extract unchanged documents.")] = False,
    ephemeral: Annotated[bool, typer.Option(
        help="Use Prefect's temporary per-run API server (slow start) instead of the "
             "long-lived local one.")] = False,
    show_progress: Annotated[bool, typer.Option("--progress/--no-progress",
                                                help="Progress bar on a terminal.")] = True,
    check: Annotated[bool, typer.Option(
        "--check/--no-check",
        help="First read the sources without Prefect and start no flow run when nothing "
             "in them is new or changed.")] = True,
    publish_dsn: Annotated[str | None, typer.Option(
        envvar="WIREHOUSE_PG_DSN",
        help="After loading, copy ref and marts into this PostgreSQL database.")] = None,
) -> None:
    """Run the ETL flow over PATHS (default: seeds/*.txt) into the warehouse.

    Talks to PREFECT_API_URL when set; otherwise to a local Prefect server that the first run
    starts (127.0.0.1, state in $PREFECT_HOME/wirehouse-server.json) and later runs reuse.
    """
    sources = paths or ["seeds/*.txt"]
    settings = get_settings().with_(warehouse=warehouse, lake=lake, batch_size=batch_size)
    if host.wanted(settings) and (check or force):
        # The model loads on the other core from now on, while the sources are checked and
        # ingest reads (instead of from ingest's first staged document on). A check that
        # finds nothing to extract stops it again.
        host.start_host(settings)
    if check and not force:
        try:
            known, signature = _warehouse_state(settings)
            # The no-op check: over unchanged sources it costs a read and a hash of each
            # input instead of a flow run.
            pending = pending_work(sources, settings, known, signature)
        except BaseException:
            host.stop_host(kill=True)
            raise
        if not pending.extracts:
            host.stop_host(kill=True)
        if pending.reason is None:
            typer.echo(f"nothing new or changed in {pending.inputs} input(s) of "
                       f"{' '.join(sources)}: {settings.warehouse} left as it is, no flow run "
                       "started (--force re-extracts, --no-check runs the flow anyway)")
            return

    # Imported only once there is work: Prefect's import costs seconds of CPU, and the
    # no-op check above exists so that unchanged sources never pay it.
    from flows.etl import etl
    from flows.prefect_server import ensure_server, using

    with nullcontext() if ephemeral else using(ensure_server()), \
            TerminalProgress(enabled=show_progress), _attached_run_settings():
        summary = etl(sources=sources, warehouse=warehouse, lake=lake,
                      batch_size=batch_size, force=force, publish_dsn=publish_dsn)
    typer.echo(render(summary, top_entities(summary.warehouse, summary.run_id)))
    # At exit, Python's collector walking the heap Prefect and pydantic leave behind is slow;
    # with that heap frozen out of its reach, the exit is quick. (At exit, not here: a test
    # calling this command keeps its process.)
    atexit.register(gc.freeze)


def _warehouse_state(settings: Settings) -> tuple[KnownSource, str]:
    """What the no-op check compares the sources with: the warehouse's contents and the
    extraction signature."""
    known = known_inputs(settings.warehouse, settings.cache_dir)
    return known, extraction_signature(settings.model, settings.reference_dir)


def _attached_run_settings() -> AbstractContextManager[object]:
    """Prefect settings for a flow run attached to this terminal: no flow-run heartbeats
    (unless PREFECT_FLOWS_HEARTBEAT_FREQUENCY is set). Heartbeats let a server mark a run
    whose process vanished as crashed; this process reports its own end, Ctrl-C included.
    Deployed and scheduled runs keep them."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    if "PREFECT_FLOWS_HEARTBEAT_FREQUENCY" in os.environ:
        return nullcontext()
    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})
