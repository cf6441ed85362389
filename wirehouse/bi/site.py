"""A Superset of its own: a virtualenv, a home folder and a gunicorn on 127.0.0.1.

Superset 6.x needs SQLAlchemy < 2 and its own Flask stack, so it never shares the project's
environment: it gets a virtualenv of its own (kept in the cache folder, keyed by the versions
it holds) with `apache-superset[duckdb]` (duckdb-engine) and the project's own DuckDB release,
so that it reads the file the project writes.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

SUPERSET_VERSION = "6.1.0"
# Superset 6.1.0's own pins are loose: a fresh resolve picks Flask-Caching 2.5 (its metastore
# cache then fails at start) and omits rich and cachetools, which its CLI and its engine
# list import. The constraints are the set this recipe was tested with.
CONSTRAINTS = Path(__file__).with_name("superset-constraints.txt")
ADMIN = "admin"


class SupersetError(RuntimeError):
    """A step of the Superset recipe failed; the message says which and where its log is."""


@dataclass(frozen=True)
class SupersetSite:
    """Where one Superset lives: the virtualenv (shared by every home) and the home folder
    (metadata database, secret key, admin password, log)."""

    venv: Path
    home: Path
    port: int = 8088

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.home / "superset.log"

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def admin_password(self) -> str:
        return (self.home / "admin-password").read_text().strip()

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPERSET_", "FLASK_"))}
        env.update(SUPERSET_HOME=str(self.home), FLASK_APP="superset",
                   SUPERSET_CONFIG_PATH=str(self.home / "superset_config.py"),
                   PYTHONUNBUFFERED="1")
        return env


def default_venv(cache_dir: str) -> Path:
    """The virtualenv for this Superset release, the constraints and the project's DuckDB."""
    key = hashlib.sha256(
        f"{SUPERSET_VERSION} {duckdb_version()} {sys.version_info[:2]} "
        f"{CONSTRAINTS.read_text()}".encode()).hexdigest()[:10]
    return Path(cache_dir) / "superset" / f"venv-{SUPERSET_VERSION}-{key}"


def duckdb_version() -> str:
    """The DuckDB release the project writes with: Superset's must read the same files."""
    return metadata.version("duckdb")


def install(site: SupersetSite, python: str = sys.executable) -> bool:
    """Create the virtualenv and install Superset in it; False when it was there already."""
    done = site.venv / ".installed"
    if done.exists():
        return False
    site.venv.parent.mkdir(parents=True, exist_ok=True)
    _run([python, "-m", "venv", "--clear", str(site.venv)], "create Superset's virtualenv")
    _run([site.bin("python"), "-m", "pip", "install", "-q", "--upgrade", "pip"],
         "upgrade pip in Superset's virtualenv")
    _run([site.bin("python"), "-m", "pip", "install", "-q", "-c", str(CONSTRAINTS),
          f"apache-superset[duckdb]=={SUPERSET_VERSION}", f"duckdb=={duckdb_version()}",
          "rich", "cachetools"], "install Superset")
    done.touch()
    return True


CONFIG = '''\
# Written by wirehouse (wirehouse/bi/site.py); Superset reads it at start.
from pathlib import Path

_home = Path(__file__).parent
SECRET_KEY = (_home / "secret-key").read_text().strip()
SQLALCHEMY_DATABASE_URI = "sqlite:///" + str(_home / "superset.db")
'''


def initialise(site: SupersetSite) -> bool:
    """Configure the home folder, create the metadata database and the admin user; False when
    it was done already. The secret key and the admin password are random, mode 0600."""
    done = site.home / ".initialised"
    if done.exists():
        return False
    site.home.mkdir(parents=True, exist_ok=True)
    for name in ("secret-key", "admin-password"):
        path = site.home / name
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(32 if name == "admin-password" else 48) + "\n")
    (site.home / "superset_config.py").write_text(CONFIG)
    superset, env = site.bin("superset"), site.env()
    _run([superset, "db", "upgrade"], "create Superset's metadata database", env, site.log)
    _run([superset, "init"], "set up Superset's roles", env, site.log)
    # The password goes through the environment (Flask's CLI reads FLASK_<COMMAND>_<OPTION>),
    # not the command line, where any local user could read it.
    _run([superset, "fab", "create-admin", "--username", ADMIN, "--firstname", "wirehouse",
          "--lastname", "admin", "--email", "admin@localhost"], "create Superset's admin user",
         {**env, "FLASK_FAB_CREATE_ADMIN_PASSWORD": site.admin_password()}, site.log)
    done.touch()
    return True


def start(site: SupersetSite, timeout_s: float = 180.0) -> subprocess.Popen[bytes]:
    """Start gunicorn serving Superset on 127.0.0.1 and wait until it answers /health. It
    dies with this process (Linux: parent-death signal), so nothing outlives the command."""
    log = site.log.open("ab")
    proc = subprocess.Popen(
        [site.bin("gunicorn"), "--bind", f"127.0.0.1:{site.port}", "--workers", "1",
         "--threads", "4", "--timeout", "300", "--graceful-timeout", "10",
         "superset.app:create_app()"],
        env=site.env(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent)
    log.close()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SupersetError(f"Superset stopped while starting (exit {proc.returncode}); "
                                f"see {site.log}")
        try:
            with urllib.request.urlopen(site.url + "/health", timeout=5) as r:
                if r.status == 200:
                    return proc
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    stop(proc)
    raise SupersetError(f"Superset did not answer on {site.url} within {timeout_s:.0f} s; "
                        f"see {site.log}")


def stop(proc: subprocess.Popen[bytes], timeout_s: float = 20.0) -> None:
    """Stop gunicorn: SIGTERM (graceful), SIGKILL if it has not ended in timeout_s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _run(cmd: list[str], what: str, env: dict[str, str] | None = None,
         log: Path | None = None) -> None:
    with (log.open("ab") if log else open(os.devnull, "wb")) as out:
        result = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT if log else subprocess.PIPE)
    if result.returncode != 0:
        detail = f"see {log}" if log else (result.stderr or b"").decode(errors="replace")[-2000:]
        raise SupersetError(f"could not {what} (exit {result.returncode}): {detail}")
