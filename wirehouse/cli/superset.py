"""`wirehouse superset`: Apache Superset over the warehouse, with the starter dashboard."""

from __future__ import annotations

import signal
import socket
import sys
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from wirehouse.bi import dashboard, site
from wirehouse.bi.api import SupersetApi
from wirehouse.cli.app import WarehouseOpt, app
from wirehouse.core.errors import UserError
from wirehouse.core.settings import default_cache_dir, get_settings
from wirehouse.lake.storage import is_remote


@app.command(epilog="Example: wirehouse superset --warehouse warehouse/wirehouse.duckdb "
                    "--port 8088")
def superset(
    warehouse: WarehouseOpt = None,
    port: Annotated[int, typer.Option(metavar="PORT", help="Port on 127.0.0.1.")] = 8088,
    home: Annotated[Path | None, typer.Option(
        metavar="PATH", help="Superset's own folder (metadata database, admin password, "
                             "log). Default: superset/ beside the warehouse.")] = None,
    dashboard_zip: Annotated[Path | None, typer.Option(
        "--dashboard-zip", metavar="PATH",
        help="Only write the dashboard export for this warehouse to PATH (for `superset "
             "import-dashboards -p PATH -u admin` in a Superset of your own) and exit.")] = None,
) -> None:
    """Serve the warehouse in Apache Superset on 127.0.0.1 with the starter dashboard.

    The first time, installs Superset 6.1 in a virtualenv of its own (a few minutes) and sets
    up its folder with a random admin password. Every time, registers the warehouse read-only
    (duckdb-engine), imports the dashboard and serves until Ctrl-C.
    """
    path = warehouse or get_settings().warehouse
    if is_remote(path):
        raise UserError(f"Superset reads a local DuckDB file and {path} is a URL: download "
                        "the file and pass --warehouse PATH")
    wh = Path(path).absolute()
    if not wh.is_file():
        raise UserError(f"no warehouse at {wh}: `make run` or `wirehouse run` makes one, "
                        "or pass --warehouse PATH")
    if dashboard_zip is not None:
        dashboard_zip.write_bytes(dashboard.dashboard_zip(wh))
        typer.echo(f"wrote {dashboard_zip} (database URI {dashboard.warehouse_uri(wh)})")
        return
    _check_port_free(port)
    where = site.SupersetSite(site.default_venv(get_settings().cache_dir or default_cache_dir()),
                              (home or wh.parent / "superset").absolute(), port)
    _serve(where, wh)


def _serve(where: site.SupersetSite, wh: Path) -> None:
    if not (where.venv / ".installed").exists():
        typer.echo(f"superset: installing Superset {site.SUPERSET_VERSION} with DuckDB "
                   f"{site.duckdb_version()} in {where.venv} (first time only: minutes)")
    site.install(where)
    if not (where.home / ".initialised").exists():
        typer.echo(f"superset: setting up {where.home} (metadata database, admin user)")
    site.initialise(where)
    # Ctrl-C and SIGTERM stop Superset in order, even where SIGINT came in ignored (a
    # command started in the background by a shell without job control).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    proc = site.start(where)
    try:
        api = SupersetApi(where.url, site.ADMIN, where.admin_password())
        uri = dashboard.warehouse_uri(wh)
        api.test_connection(uri)
        api.register_database(dashboard.DATABASE_NAME, uri, dashboard.database_uuid())
        typer.echo(f"superset: {uri} registered as {dashboard.DATABASE_NAME!r}")
        if api.has_dashboard(dashboard.SLUG):
            typer.echo("superset: the dashboard is there already and kept as it is (delete it "
                       "in Superset to have the starter one imported again)")
        else:
            api.import_dashboard(dashboard.dashboard_zip(wh))
            typer.echo("superset: starter dashboard imported")
        typer.echo(f"ready: {where.url}/superset/dashboard/{dashboard.SLUG}/ (user "
                   f"{site.ADMIN}, password in {where.home / 'admin-password'}); Ctrl-C stops it")
        sys.stdout.flush()
        proc.wait()
        raise UserError(f"Superset stopped by itself (exit {proc.returncode}); see {where.log}")
    except KeyboardInterrupt:
        pass
    finally:
        site.stop(proc)
    typer.echo("superset: stopped")


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # the same orderly stop as Ctrl-C


def _check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise UserError(f"port {port} on 127.0.0.1 is taken ({exc.strerror}): pass "
                            "--port with a free one") from exc
