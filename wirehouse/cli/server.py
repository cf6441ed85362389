"""`wirehouse server start|status|stop`: this checkout's local Prefect server (with its UI),
which `wirehouse run` starts when there is none (flows.prefect_server)."""

from __future__ import annotations

import typer

from wirehouse.cli.app import app

server_app = typer.Typer(help="This checkout's local Prefect server (API and UI on "
                              "127.0.0.1), which `wirehouse run` starts and reuses.",
                         no_args_is_help=True, epilog="Example: wirehouse server status")
app.add_typer(server_app, name="server")


@server_app.command("start", epilog="Example: wirehouse server start")
def server_start() -> None:
    """Start the local Prefect server (or say where it runs already)."""
    from flows.prefect_server import configured_api_url, ensure_server, prefect_home, secret_path

    if url := configured_api_url():
        typer.echo(f"PREFECT_API_URL is set: runs talk to {url}; no local server is started")
        return
    server = ensure_server()
    typer.echo(f"{'started' if server.started else 'already running'}: {server.ui_url} "
               f"(pid {server.pid}, state in {prefect_home()})")
    typer.echo(f"the UI asks for a password: it is in {secret_path()}")
    if crashed := server.crashed_note():
        typer.echo(crashed)
    typer.echo(server.note())


@server_app.command("status", epilog="Example: wirehouse server status")
def server_status() -> None:
    """Print the local server's URL and process id, or that none is running."""
    from flows.prefect_server import configured_api_url, prefect_home, running_server

    if url := configured_api_url():
        typer.echo(f"PREFECT_API_URL is set: runs talk to {url}; no local server is used")
        return
    server = running_server()
    typer.echo(f"running: {server.ui_url} (pid {server.pid}, state in {prefect_home()})"
               if server else f"not running (state in {prefect_home()})")


@server_app.command("stop", epilog="Example: wirehouse server stop")
def server_stop() -> None:
    """Stop the local server this checkout started (the next `wirehouse run` starts one)."""
    from flows.prefect_server import configured_api_url, running_server, stop_server

    server = None if configured_api_url() else running_server()
    if server is None:
        typer.echo("not running")
    else:
        stop_server(server)
        typer.echo(f"stopped the server at {server.ui_url} (pid {server.pid})")
