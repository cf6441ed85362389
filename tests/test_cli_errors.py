"""What a user gets wrong costs one line and exit status 2; `--debug` shows the traceback.
And every command's help names its flags plainly and shows an example."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer import _click
from typer.main import get_command
from typer.testing import CliRunner

from wirehouse.cli import app
from wirehouse.core.settings import PROJECT_ROOT

ONE_LINE = re.compile(r"wirehouse: [^\n]+\n")


def wirehouse(*args: str, env: dict[str, str] | None = None,
              cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wirehouse.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "200", **(env or {})})


@pytest.fixture
def scratch(tmp_path: Path) -> dict[str, str]:
    """Run settings that keep every file and server of these runs in tmp_path."""
    return {"WIREHOUSE_WAREHOUSE": str(tmp_path / "wh.duckdb"),
            "WIREHOUSE_LAKE": str(tmp_path / "lake"),
            "PREFECT_HOME": str(tmp_path / "prefect")}


@pytest.mark.parametrize("args", [
    ["run", "/nonexistent/article.txt"],                      # a path that is not there
    ["run", "/nonexistent/*.txt"],                            # a glob that matches nothing
    ["run", "/nonexistent/article.txt", "--no-check"],        # the same without the check
    ["run", "nosuchprotocol://bucket/news/"],                 # a URL no filesystem knows
    ["run", "seeds/", "--batch-size", "many"],                # a flag value of the wrong type
    ["run", "seeds/", "--no-such-flag"],                      # a flag that does not exist
    ["run", "seeds/*.txt", "--warehouse", "README.md"],       # a file that is no warehouse
])
def test_mistakes_are_one_line_and_exit_2(args: list[str], scratch: dict[str, str]) -> None:
    out = wirehouse(*args, env=scratch)
    assert out.returncode == 2, out
    assert ONE_LINE.fullmatch(out.stderr), out.stderr
    assert not Path(scratch["PREFECT_HOME"]).exists(), "no Prefect server for a mistake"


def test_a_bad_setting_is_one_line(scratch: dict[str, str]) -> None:
    out = wirehouse("run", "seeds/*.txt", env={**scratch, "WIREHOUSE_BATCH_SIZE": "lots"})
    assert out.returncode == 2
    assert ONE_LINE.fullmatch(out.stderr), out.stderr
    assert "WIREHOUSE_BATCH_SIZE" in out.stderr


@pytest.mark.parametrize("how", ["flag", "env"])
def test_debug_shows_the_traceback(how: str, scratch: dict[str, str]) -> None:
    args = ["--debug", "run", "/nonexistent/article.txt"] if how == "flag" else \
        ["run", "/nonexistent/article.txt"]
    env = scratch if how == "flag" else {**scratch, "WIREHOUSE_DEBUG": "1"}
    out = wirehouse(*args, env=env)
    assert out.returncode != 0
    assert "Traceback (most recent call last)" in out.stderr
    assert "NoInputError: no input matches" in out.stderr


def _commands(command: _click.core.Command, path: list[str]) -> list[list[str]]:
    found = [path]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found += _commands(sub, [*path, name])
    return found


COMMANDS = _commands(get_command(app), [])


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "wirehouse")
def test_help_names_flags_plainly_with_an_example(path: list[str]) -> None:
    out = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert not re.search(r"<[a-z][\w\[\], |]*>", out.output), out.output  # <bool>, <str>
    assert "Example: " in out.output, out.output


def test_no_arguments_prints_the_help_once() -> None:
    out = wirehouse()
    assert out.returncode == 0
    assert out.stdout.count("Usage: wirehouse") == 1
