"""The `wirehouse` command: a thin layer over the library and the flows."""

from __future__ import annotations

import atexit
import csv
import gc
import json
import os
import sys
from contextlib import AbstractContextManager, nullcontext
from typing import Annotated, Any

import typer

from wirehouse import workers
from wirehouse.documents import Known
from wirehouse.settings import Settings, get_settings

# duckdb and fsspec are imported by the commands that use them: `wirehouse run` starts its
# extraction host before anything else, and every 0.1 s before that is on its way.

app = typer.Typer(help="News articles to a queryable event warehouse.", no_args_is_help=True)
eval_app = typer.Typer(help="Measure extraction against gold files.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

WarehouseOpt = Annotated[str | None, typer.Option(help="DuckDB file (WIREHOUSE_WAREHOUSE).")]


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
    if sys.argv[1:2] == ["run"]:  # the command line's own command, not a caller's app()
        from flows.forkserver import delegate

        # Prefect and the flow are imported already there (~2.5 s of CPU a run). The first
        # run imports them itself, and leaves that process for the next ones.
        code = delegate(sys.argv[1:], settings)
        if code is not None:
            raise typer.Exit(code)
    host = None
    if workers.wanted(settings) and (check or force):
        # The model loads on the other core from now on, while the sources are checked,
        # Prefect is imported (~2 s) and ingest reads (instead of from ingest's first staged
        # document on). A check that finds nothing to extract stops it again.
        host = workers.start_host(settings)
    if check and not force:
        try:
            known, signature = _warehouse_state(settings)
            if host is not None:
                # Which documents are new is all reading ahead needs of what the warehouse
                # holds: the host starts now, not after the check (~0.3 s per 1,000 docs).
                # Over unchanged sources it finds nothing either, and is released below.
                host.extract_ahead(sources, settings, Known(documents=known.documents),
                                   signature, force=False)
            # The no-op check: over unchanged sources it costs a read and a hash of each
            # input instead of Prefect's import and a flow run.
            from wirehouse.ingest import pending_work

            pending = pending_work(sources, settings, known, signature)
        except BaseException:
            workers.stop_host(kill=True)
            raise
        if not pending.extracts:
            workers.stop_host(kill=True)
        if pending.reason is None:
            typer.echo(f"nothing new or changed in {pending.inputs} input(s) of "
                       f"{' '.join(sources)}: {settings.warehouse} left as it is, no flow run "
                       "started (--force re-extracts, --no-check runs the flow anyway)")
            return
    elif host is not None:
        host.extract_ahead(sources, settings, Known(), "", force=True)  # every one is stale

    from flows.etl import etl
    from flows.server import ensure_server, using
    from wirehouse.progress import TerminalProgress
    from wirehouse.report import render, top_entities

    with nullcontext() if ephemeral else using(ensure_server()), \
            TerminalProgress(enabled=show_progress), _attached_run_settings():
        summary = etl(sources=sources, warehouse=warehouse, lake=lake,
                      batch_size=batch_size, force=force, publish_dsn=publish_dsn)
    typer.echo(render(summary, top_entities(summary.warehouse, summary.run_id)))
    from flows.forkserver import keep_for_next_runs

    keep_for_next_runs(settings)  # this run imported Prefect itself: the next need not
    # At exit, Python's collector walking the heap Prefect and pydantic leave behind took
    # ~0.6 s; with that heap frozen out of its reach, ~0.1 s. (At exit, not here: a test
    # calling this command keeps its process.)
    atexit.register(gc.freeze)


def _warehouse_state(settings: Settings) -> tuple[Known, str]:
    """What the no-op check compares the sources with: the warehouse's contents and the
    extraction signature."""
    from wirehouse.load import known_inputs
    from wirehouse.nlp import extraction_signature

    known = known_inputs(settings.warehouse, settings.cache_dir, keep=True)
    return known, extraction_signature(settings.model, settings.reference_dir)


def _attached_run_settings() -> AbstractContextManager[object]:
    """Prefect settings for a flow run attached to this terminal: no flow-run heartbeats
    (unless PREFECT_FLOWS_HEARTBEAT_FREQUENCY is set). Heartbeats let a server mark a run
    whose process vanished as crashed; this process reports its own end, Ctrl-C included,
    and emitting and stopping the heartbeat thread cost ~0.8 s a run (measured).
    Deployed and scheduled runs keep them."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    if "PREFECT_FLOWS_HEARTBEAT_FREQUENCY" in os.environ:
        return nullcontext()
    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


server_app = typer.Typer(help="The local Prefect server and the extraction hosts that "
                              "`wirehouse run` starts and reuses.", no_args_is_help=True)
app.add_typer(server_app, name="server")


def _host_line(state: dict[str, Any]) -> str:
    if state.get("role") == "runs":
        doing = "Prefect imported; forks each run" if state.get("ready") else "importing"
        return f"kept run process (pid {state['pid']}, {doing})"
    return f"extraction host (pid {state['pid']}, {state['model']}, {state['reference_dir']})"


@server_app.command("status")
def server_status() -> None:
    """Print the local server's URL and process id, or that none is running; and the
    extraction hosts and the run process kept between runs (WIREHOUSE_HOST_IDLE_S)."""
    from flows.server import configured_api_url, running_server
    from wirehouse.resident import running_hosts

    if url := configured_api_url():
        typer.echo(f"PREFECT_API_URL is set: runs talk to {url}; no local server is used")
    else:
        server = running_server()
        typer.echo(f"running: {server.url} (pid {server.pid})" if server else "not running")
    for state in running_hosts():
        typer.echo(f"running: {_host_line(state)}")


@server_app.command("stop")
def server_stop() -> None:
    """Stop the local server (the next `wirehouse run` starts a new one, ~10 s), the
    extraction hosts (the next run loads the model again, ~2.5 s) and the kept run process
    (the next run imports Prefect again, ~2.5 s)."""
    from flows.server import configured_api_url, running_server, stop_server
    from wirehouse.resident import stop_hosts

    server = None if configured_api_url() else running_server()
    if server is None:
        typer.echo("not running")
    else:
        stop_server(server)
        typer.echo(f"stopped the server at {server.url} (pid {server.pid})")
    for state in stop_hosts():
        typer.echo(f"stopped the {_host_line(state)}")


@app.command()
def schedule(
    deployment: Annotated[list[str] | None, typer.Option(
        "--deployment", "-d", help="Serve only this deployment (repeatable).")] = None,
    config: Annotated[str | None, typer.Option(help="prefect.yaml to read.")] = None,
    interval: Annotated[float | None, typer.Option(
        help="Replace every cron schedule by this many seconds (to try schedules out).")] = None,
    limit: Annotated[int | None, typer.Option(help="Most flow runs at once.")] = None,
) -> None:
    """Run the schedules of prefect.yaml on this machine (prefect.serve, no work pool).

    Starts a local Prefect server on 127.0.0.1 unless PREFECT_API_URL is set, and stops the
    server it started on exit (Ctrl-C or SIGTERM).
    """
    from pathlib import Path

    from flows.serve import DEFAULT_CONFIG, serve_schedules

    serve_schedules(Path(config) if config else DEFAULT_CONFIG, deployment or (), interval,
                    limit)
    # Everything is stopped, the server we started included. Prefect's background workers
    # that ship logs and events to the API would now retry against that stopped server and
    # held interpreter exit for over a minute (seen in CI), so leave without waiting for them.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run (read-only).")],
    warehouse: WarehouseOpt = None,
    format: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """Run a read-only query against the warehouse and print the result."""
    import duckdb

    from wirehouse.warehouse_store import readable

    path = warehouse or get_settings().warehouse
    local = readable(path)
    if local is None:
        raise typer.BadParameter(f"no warehouse at {path}: run `wirehouse run` first")
    con = duckdb.connect(local, read_only=True)
    try:
        rel = con.execute(query)
        cols = [d[0] for d in rel.description or []]
        rows = rel.fetchall()
    except duckdb.Error as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        con.close()
    _print_rows(cols, rows, format)


def _print_rows(cols: list[str], rows: list[tuple[Any, ...]], fmt: str) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(cols)
        writer.writerows(rows)
    elif fmt == "json":
        typer.echo(json.dumps([dict(zip(cols, r, strict=True)) for r in rows], default=str,
                              ensure_ascii=False, indent=1))
    elif fmt == "table":
        from rich.console import Console
        from rich.table import Table

        table = Table(*cols)
        for r in rows:
            table.add_row(*("" if v is None else str(v) for v in r))
        Console().print(table)
    else:
        raise typer.BadParameter("--format must be table, csv or json")


@eval_app.command("entities")
def eval_entities(file: Annotated[str, typer.Argument(help="CoNLL-2003 format file.")]) -> None:
    """Exact-span NER precision/recall/F1 of the entity stage on a CoNLL file."""
    from wirehouse.evaluate import evaluate_entities

    typer.echo(json.dumps(evaluate_entities(file, get_settings()), indent=1))


@eval_app.command("events")
def eval_events(file: Annotated[str, typer.Argument(help="PLOVER gold JSONL file.")]) -> None:
    """Event-type precision/recall/F1 and actor country accuracy on PLOVER gold sentences."""
    from wirehouse.evaluate_events import evaluate_events

    typer.echo(json.dumps(evaluate_events(file, get_settings().model), indent=1))


publish_app = typer.Typer(help="Copy the warehouse into other databases.", no_args_is_help=True)
app.add_typer(publish_app, name="publish")


@publish_app.command("postgres")
def publish_postgres_cmd(
    dsn: Annotated[str, typer.Option(envvar="WIREHOUSE_PG_DSN",
                                     help="libpq DSN or URL of the target database.")],
    include_raw: Annotated[bool, typer.Option(help="Also copy the raw schema.")] = False,
    warehouse: WarehouseOpt = None,
) -> None:
    """Copy ref and marts (optionally raw) into PostgreSQL, swapped in atomically."""
    from wirehouse.publish import publish_postgres
    from wirehouse.warehouse_store import readable

    path = warehouse or get_settings().warehouse
    if readable(path) is None:
        raise typer.BadParameter(f"no warehouse at {path}: run `wirehouse run` first")
    result = publish_postgres(path, dsn, include_raw=include_raw)
    for name, n in sorted(result.rows.items()):
        typer.echo(f"{name}\t{n}")


if __name__ == "__main__":
    app()
