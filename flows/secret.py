"""The local secret of this Prefect home: one random value, readable by its owner only.

The local Prefect API server is started with it as its credentials and the clients the
project starts send it (flows.prefect_server); cached task results in the lake are signed
with it (flows.task_runners), so a record planted by someone else is refused. One secret per
PREFECT_HOME, so two checkouts with their own homes do not share it.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

SECRET_FILE = "wirehouse-secret"


class InsecureSecret(RuntimeError):
    """The secret file exists but others can read or replace it."""


def local_secret(home: Path) -> str:
    """The secret kept in ``home``/wirehouse-secret, created (mode 0600) on first use."""
    path = home / SECRET_FILE
    home.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or (
                info.st_mode & 0o077):
            raise InsecureSecret(
                f"{path} must be a regular file owned by you with mode 0600 (chmod 600 it, "
                "or delete it to have a new one made)") from None
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value
        raise InsecureSecret(f"{path} is empty: delete it to have a new one made") from None
    value = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value + "\n")
    return value
