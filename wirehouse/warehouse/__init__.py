"""The DuckDB warehouse: load a run's lake files, build the sql/ models, run the checks and
publish the result atomically.

Entry: ``wirehouse.warehouse.load.publish``. ``models`` applies sql/ (a new mart is a file in
sql/20_marts/ with its column docs in a .toml beside it) and runs the checks; ``comments`` and
``docs`` document every object; ``store`` is the published file (lock, rename or upload);
``postgres`` copies it into PostgreSQL; ``maintenance`` compacts; ``run_summary`` reports a run.
"""
