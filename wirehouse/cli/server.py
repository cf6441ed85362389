"""`wirehouse server status|stop`: the local Prefect server that `wirehouse run` starts."""

from __future__ import annotations

import typer

from wirehouse.cli.app import app

server_app = typer.Typer(help="The local Prefect server that `wirehouse run` starts and "
                              "reuses.", no_args_is_help=True,
                        epilog="Example: wirehouse server status")
app.add_typer(server_app, name="server")


@server_app.command("status", epilog="Example: wirehouse server status")
def server_status() -> None:
    """Print the local server's URL and process id, or that none is running."""
    from flows.prefect_server import configured_api_url, running_server

    if url := configured_api_url():
        typer.echo(f"PREFECT_API_URL is set: runs talk to {url}; no local server is used")
        return
    server = running_server()
    typer.echo(f"running: {server.url} (pid {server.pid})" if server else "not running")


@server_app.command("stop", epilog="Example: wirehouse server stop")
def server_stop() -> None:
    """Stop the local server (the next `wirehouse run` starts a new one)."""
    from flows.prefect_server import configured_api_url, running_server, stop_server

    server = None if configured_api_url() else running_server()
    if server is None:
        typer.echo("not running")
    else:
        stop_server(server)
        typer.echo(f"stopped the server at {server.url} (pid {server.pid})")
