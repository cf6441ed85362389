"""The `wirehouse` command: a thin layer over the library and the flows.

One module per command group; each registers its commands on ``app`` when imported here. A
new command is a new module and one import line. Commands import what is heavy (Prefect,
spaCy, psycopg) in their own bodies, so `wirehouse sql`, `--help` and the no-op check of
`wirehouse run` never pay for them.
"""

from wirehouse.cli import evaluate, export, report, run, schedule, server, sql
from wirehouse.cli.app import app

__all__ = ["app", "evaluate", "export", "report", "run", "schedule", "server", "sql"]

if __name__ == "__main__":
    app()
