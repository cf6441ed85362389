"""`python -m wirehouse.cli`: the same command as `wirehouse`."""

from wirehouse.cli.entry import main

main()
