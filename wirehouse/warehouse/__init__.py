"""The DuckDB warehouse: load a run's lake files at the cost of the run's batch, keep the marts
up to date by key, run the checks and publish the result atomically.

Entry: ``wirehouse.warehouse.load.publish``. ``raw`` loads the raw tables, ``marts`` builds the
marts of sql/20_marts (one SELECT each, declared in the .toml beside it), ``models`` applies
staging and runs the checks, ``spare`` and ``store`` are the published file (lock, spare,
rename or upload), ``known`` answers the incremental check; ``comments`` and ``docs`` document
every object; ``postgres`` copies it into PostgreSQL; ``maintenance`` compacts and rebuilds;
``run_summary`` reports a run. Why loads work this way: DESIGN.md beside this file.
"""
