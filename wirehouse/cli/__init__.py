"""The `wirehouse` command: a thin layer over the library and the flows.

One module per command group; each registers its commands on ``app`` when imported here. A
new command is a new module and one import line. Commands import what is heavy (Prefect,
spaCy, psycopg) in their own bodies, so `wirehouse sql`, `--help` and the no-op check of
`wirehouse run` never pay for them. The console script is ``main`` (wirehouse.cli.entry):
the app, with a user's mistakes printed as one line.
"""

from wirehouse.cli import evaluate, export, report, run, schedule, server, sql, superset
from wirehouse.cli.app import app
from wirehouse.cli.entry import main

__all__ = ["app", "evaluate", "export", "main", "report", "run", "schedule", "server", "sql",
           "superset"]
