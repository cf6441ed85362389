# The interpreter is a performance setting: spaCy runs ~1.5x faster on 3.12 than 3.11 here.
PYTHON ?= $(shell for v in 3.12 3.11; do \
	  for p in $$(command -v python$$v 2>/dev/null) \
	           $$(ls -d $$(pyenv root 2>/dev/null)/versions/$$v*/bin/python$$v 2>/dev/null | sort -rV); do \
	    "$$p" -c 'import sys' >/dev/null 2>&1 && { echo $$p; exit 0; }; \
	  done; \
	done; echo python3)
VENV := .venv
BIN := $(VENV)/bin
WAREHOUSE ?= warehouse/wirehouse.duckdb

.PHONY: run test lint serve superset clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/wirehouse run 'seeds/*.txt' --warehouse $(WAREHOUSE)

# The prefect.yaml schedules on this machine (local Prefect server on 127.0.0.1; Ctrl-C stops both).
serve: $(VENV)/.installed
	$(BIN)/wirehouse schedule

# Apache Superset on 127.0.0.1:8088 over the warehouse, with the starter dashboard (Ctrl-C stops
# it). The first time it installs Superset in a virtualenv of its own: a few minutes.
superset: $(VENV)/.installed
	$(BIN)/wirehouse superset --warehouse $(WAREHOUSE)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check wirehouse flows tests bench
	$(BIN)/mypy wirehouse flows
	$(BIN)/lint-imports

clean:
	rm -rf warehouse
