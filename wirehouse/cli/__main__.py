"""`python -m wirehouse.cli`: the same command as `wirehouse`."""

from wirehouse.cli import app

app()
