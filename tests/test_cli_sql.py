"""`wirehouse sql` as a user calls it: the installed command, SQL from an argument, a file or
standard input, values printed as they are, and nothing read but the warehouse."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wirehouse.cli import app
from wirehouse.core.settings import PROJECT_ROOT, Settings

QUERIES = sorted((PROJECT_ROOT / "sql" / "queries").glob("*.sql"))
README = (PROJECT_ROOT / "README.md").read_text()
runner = CliRunner()


def wirehouse(*args: str, cwd: Path = PROJECT_ROOT, stdin: str | None = None,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The console script's code path (wirehouse.cli.entry), in a process of its own."""
    return subprocess.run([sys.executable, "-m", "wirehouse.cli", *args], cwd=cwd,
                          input=stdin, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200", **(env or {})})


def test_readme_shows_the_file_form_of_the_worked_queries() -> None:
    assert ".venv/bin/wirehouse sql --file sql/queries/01_china_with_venezuela_and_cuba.sql" \
        in README
    assert '"$(cat sql/queries/' not in README  # the form that broke on the leading `--`


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.name)
def test_every_worked_query_runs_as_the_readme_writes_it(seeded: Settings, path: Path) -> None:
    rel = path.relative_to(PROJECT_ROOT)
    out = wirehouse("sql", "--file", str(rel), "--warehouse", seeded.warehouse,
                    "--format", "csv")
    assert out.returncode == 0, out.stderr
    header = out.stdout.splitlines()[0]
    assert "," in header and not header.startswith("--")
    # The same query pasted as an argument starts with its `--` comment: still the query.
    pasted = subprocess.run(
        ["bash", "-c", f'"{sys.executable}" -m wirehouse.cli sql "$(cat {rel})" '
                       f'--warehouse "{seeded.warehouse}" --format csv'],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert pasted.returncode == 0, pasted.stderr
    assert pasted.stdout == out.stdout
    piped = wirehouse("sql", "-", "--warehouse", seeded.warehouse, "--format", "csv",
                      stdin=path.read_text())
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == out.stdout


def test_values_are_printed_verbatim_not_as_markup(seeded: Settings) -> None:
    q = "SELECT '[/]' AS \"[bold]col\", '[red]x[/red]' AS b, ':smile: [link=x]y' AS c"
    out = runner.invoke(app, ["sql", q, "--warehouse", seeded.warehouse])
    assert out.exit_code == 0, out.output
    for text in ("[/]", "[bold]col", "[red]x[/red]", ":smile: [link=x]y"):
        assert text in out.output


@pytest.mark.parametrize("query", ["INSTALL httpfs", "INSTALL httpfs FROM core", "LOAD httpfs",
                                   "FROM read_csv('/etc/hostname')",
                                   "FROM 'https://example.invalid/x.parquet'"])
def test_nothing_but_the_warehouse_is_read(seeded: Settings, query: str) -> None:
    out = wirehouse("sql", query, "--warehouse", seeded.warehouse)
    assert out.returncode == 1
    assert "Permission Error" in out.stderr, out.stderr
    assert "reads the warehouse only" in out.stderr
    assert "Could not establish connection" not in out.stderr
    assert "Failed to download" not in out.stderr


def test_outside_the_repository_says_where_it_looked(tmp_path: Path) -> None:
    out = wirehouse("sql", "SELECT 1", cwd=tmp_path,
                    env={"WIREHOUSE_WAREHOUSE": "warehouse/wirehouse.duckdb"})
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1
    assert str(tmp_path / "warehouse" / "wirehouse.duckdb") in out.stderr
    assert "--warehouse" in out.stderr and "WIREHOUSE_WAREHOUSE" in out.stderr
    assert "run `wirehouse run` first" not in out.stderr


@pytest.mark.parametrize("args", [
    ["sql", "SELECT 1", "--warehouse", "README.md"],              # not a DuckDB file
    ["sql", "SELECT 1", "--warehouse", "/nonexistent/wh.duckdb"],  # no file
    ["sql", "--file", "/nonexistent/query.sql"],                   # no query file
    ["sql"],                                                        # no query at all
    ["sql", "SELECT 1", "--format", "xml"],                         # bad flag value
])
def test_mistakes_are_one_line_and_exit_2(args: list[str]) -> None:
    out = wirehouse(*args)
    assert out.returncode == 2, out
    assert out.stdout == ""
    assert re.fullmatch(r"wirehouse: [^\n]+\n", out.stderr), out.stderr


def test_a_failing_query_says_why_and_exits_1(seeded: Settings) -> None:
    out = wirehouse("sql", "SELECT nope FROM marts.events", "--warehouse", seeded.warehouse)
    assert out.returncode == 1
    assert 'column "nope"' in out.stderr.lower()
    assert "Traceback" not in out.stderr
