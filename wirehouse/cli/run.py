"""`wirehouse run`: the ETL flow over files, folders and globs, once, from the command line."""

from __future__ import annotations

import atexit
import gc
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Annotated

import duckdb
import typer

from wirehouse.cli.app import WarehouseOpt, app
from wirehouse.cli.terminal import run_display
from wirehouse.core.documents import KnownSource
from wirehouse.core.errors import RunStopped, UserError
from wirehouse.core.settings import Settings, get_settings
from wirehouse.extract import host
from wirehouse.extract.nlp import extraction_signature
from wirehouse.ingest.discover import discover
from wirehouse.ingest.stage import pending_work
from wirehouse.warehouse.known import known_inputs
from wirehouse.warehouse.run_summary import read_report, render


@app.command(epilog="Example: wirehouse run 'seeds/*.txt' dump.jsonl.gz --warehouse "
                     "warehouse/wirehouse.duckdb")
def run(
    paths: Annotated[list[str] | None, typer.Argument(
        metavar="PATHS", show_default=False, help="Files, folders, globs, URLs.")] = None,
    warehouse: WarehouseOpt = None,
    lake: Annotated[str | None, typer.Option(
        metavar="PATH", help="Parquet lake folder or URL (WIREHOUSE_LAKE).")] = None,
    batch_size: Annotated[int | None, typer.Option(
        metavar="N", help="Documents per batch (WIREHOUSE_BATCH_SIZE).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Re-extract unchanged documents.")] = False,
    ephemeral: Annotated[bool, typer.Option(
        "--ephemeral", help="Use Prefect's temporary per-run API server (slow start) "
                            "instead of the long-lived local one.")] = False,
    show_progress: Annotated[bool, typer.Option("--progress/--no-progress",
                                                help="Progress bar on a terminal.")] = True,
    check: Annotated[bool, typer.Option(
        "--check/--no-check",
        help="First read the sources without Prefect and start no flow run when nothing "
             "in them is new or changed.")] = True,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="List every input the run quarantined or skipped.")] = False,
    export_postgres: Annotated[str | None, typer.Option(
        metavar="NAME",
        help="After loading, copy ref and marts into this PostgreSQL database: 'env' "
             "(WIREHOUSE_PG_DSN or WIREHOUSE_PG_DSN_FILE), a Prefect Secret block name, or a "
             "DSN without password (~/.pgpass). Never a password: it would show in ps and "
             "the flow run's parameters.")] = None,
) -> None:
    """Run the ETL flow over PATHS (default: seeds/*.txt) into the warehouse.

    Talks to PREFECT_API_URL when set; otherwise to this checkout's local Prefect server,
    started if there is none and left running for the next runs (`wirehouse server`).
    """
    sources = paths or ["seeds/*.txt"]
    if export_postgres:
        from flows.connections import ConnectionNameError, postgres_dsn

        try:
            postgres_dsn(export_postgres)  # a name that does not resolve fails before the run
        except ConnectionNameError as exc:
            raise typer.BadParameter(str(exc), param_hint="--export-postgres") from None
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

    if not check or force:
        check_sources(sources)
        _warehouse_state(settings)  # a file that is no warehouse: one line, not a failed flow
    # Imported only once there is work: Prefect's import costs seconds of CPU, and the
    # no-op check above exists so that unchanged sources never pay it.
    from prefect.exceptions import CancelledRun
    from prefect.utilities.urls import url_for

    from flows.etl import etl
    from flows.prefect_server import ensure_server, using
    from flows.server_loss import gone_in

    try:
        server = None if ephemeral else ensure_server()
        if server is not None and (crashed := server.crashed_note()):
            typer.echo(crashed, err=True)
        with nullcontext() if server is None else using(server), \
                run_display(show_progress), _attached_run_settings(), \
                user_errors_off_the_console():
            state = etl(sources=sources, warehouse=warehouse, lake=lake, batch_size=batch_size,
                        force=force, export_postgres=export_postgres, return_state=True)
            # Prefect's temporary server is gone with the run: its UI has no page to show.
            flow_run_url = None if server is None else url_for(
                "flow-run", obj_id=state.state_details.flow_run_id)
            summary = state.result()
    except CancelledRun as stopped:  # Ctrl-C: the flow run says what it left (flows.etl)
        typer.echo(str(stopped), err=True)
        raise typer.Exit(130) from None
    except KeyboardInterrupt:  # before the flow run began, or after it ended
        typer.echo("interrupted; `wirehouse run` again does what is left", err=True)
        raise typer.Exit(130) from None
    except Exception as exc:
        if (gone := gone_in(exc)) is None:
            raise
        # One line, and no wait: Prefect's background workers would retry shipping logs
        # and events to the server that is gone before the interpreter exits.
        typer.echo(f"wirehouse: {gone}", err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)
    report = read_report(summary)
    report.flow_run_url = flow_run_url
    typer.echo(render(report, verbose=verbose))
    if server is not None and server.pid is not None:  # ours, left running for the next run
        typer.echo(server.note())
    # At exit, Python's collector walking the heap Prefect and pydantic leave behind is slow;
    # with that heap frozen out of its reach, the exit is quick. (At exit, not here: a test
    # calling this command keeps its process.)
    atexit.register(gc.freeze)


def _warehouse_state(settings: Settings) -> tuple[KnownSource, str]:
    """What the no-op check compares the sources with: the warehouse's contents and the
    extraction signature."""
    try:
        known = known_inputs(settings.warehouse, settings.cache_dir)
    except duckdb.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"cannot open the warehouse {settings.warehouse}: {reason} (point "
                        "--warehouse at a DuckDB file wirehouse wrote, or at a new path)") from exc
    return known, extraction_signature(settings.model, settings.reference_dir)


def check_sources(sources: list[str]) -> None:
    """Fail before any flow run when a source matches nothing (the no-op check does this
    on its way; without it, the flow would fail with Prefect's traceback on the console)."""
    for source in sources:
        next(iter(discover([source])), None)


@contextmanager
def user_errors_off_the_console() -> Iterator[None]:
    """A UserError raised in the flow is printed by wirehouse.cli.entry as one line; Prefect's
    console handler would print it first with its traceback. A RunStopped is printed by `run`
    as one line; from it on, the console is quiet (Prefect would log the flow run's failed
    end). (Prefect's API log keeps what reaches it.)"""
    loggers = [logging.getLogger(), *(logger for logger in
                                      logging.root.manager.loggerDict.values()
                                      if isinstance(logger, logging.Logger))]
    handlers = {h for logger in loggers for h in logger.handlers
                if isinstance(h, logging.StreamHandler)}
    quiet = _OneLineErrors()
    for handler in handlers:
        handler.addFilter(quiet)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(quiet)


class _OneLineErrors(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.stopped = False

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        self.stopped = self.stopped or isinstance(error, RunStopped)
        return not (self.stopped or isinstance(error, UserError))


def _attached_run_settings() -> AbstractContextManager[object]:
    """Prefect settings for a flow run attached to this terminal: no flow-run heartbeats
    (unless PREFECT_FLOWS_HEARTBEAT_FREQUENCY is set). Heartbeats let a server mark a run
    whose process vanished as crashed; this process reports its own end, Ctrl-C included.
    Deployed and scheduled runs keep them."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    if "PREFECT_FLOWS_HEARTBEAT_FREQUENCY" in os.environ:
        return nullcontext()
    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})
