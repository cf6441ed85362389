"""The README's first hour, command by command, in a fresh copy of the repository.

Reads the ```console blocks of the README's "The first hour": each `$ ` line is a command, the
lines under it are what it prints. The commands run in order, with bash, in a copy of what a
clone holds (tracked files, and new files git does not ignore), whose .venv `make run` makes
itself. Each expected line must appear in the command's output (stdout and stderr), in order:
`...` stands for lines left out, `…` for any text within a line. A command whose expected
output starts with `wirehouse: ` is a documented mistake and must exit with status 2; every
other command must succeed. When a README command stops working, this test fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from wirehouse.core.settings import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
# `make run` in a fresh copy creates and installs .venv (pip, from its cache where it can).
COMMAND_TIMEOUT_S = 2400


def first_hour_steps(readme: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) of every console block in "The first hour"."""
    section = readme.split("\n## The first hour\n", 1)[1].split("\n## ", 1)[0]
    steps: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", section, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
    return steps


def missing_line(expected: list[str], output: list[str]) -> str | None:
    """The first expected line not found in order in ``output`` (None: all found)."""
    at = 0
    for line in expected:
        if line == "...":
            continue
        pattern = re.compile(".*".join(re.escape(part) for part in line.split("…")) + r"\s*")
        while at < len(output) and not pattern.fullmatch(output[at]):
            at += 1
        if at == len(output):
            return line
        at += 1
    return None


def test_the_walk_is_read_from_the_readme() -> None:
    steps = first_hour_steps(README.read_text())
    commands = [command for command, _ in steps]
    assert commands[0] == "make run" and commands.count("make run") == 2
    assert any("sql --file sql/queries/" in c for c in commands)
    assert missing_line(["a", "...", "c…e"], ["a", "b", "cde"]) is None
    assert missing_line(["a", "c"], ["c", "a"]) == "c"


def fresh_copy(dest: Path) -> Path:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=PROJECT_ROOT, capture_output=True,
                            check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = PROJECT_ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


def test_first_hour_walk(tmp_path: Path) -> None:
    clone = fresh_copy(tmp_path / "wirehouse")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WIREHOUSE_", "PREFECT_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), COLUMNS="200")
    try:
        for command, expected in first_hour_steps(README.read_text()):
            done = subprocess.run(["bash", "-c", command], cwd=clone, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=COMMAND_TIMEOUT_S)
            mistake = bool(expected) and expected[0].startswith("wirehouse: ")
            assert done.returncode == (2 if mistake else 0), f"$ {command}\n{done.stdout}"
            lost = missing_line(expected, done.stdout.splitlines())
            assert lost is None, f"$ {command}\nexpected: {lost!r}\ngot:\n{done.stdout}"
    finally:
        wirehouse = clone / ".venv" / "bin" / "wirehouse"
        if wirehouse.exists():  # the README stops the server; a failed step may not have
            subprocess.run([str(wirehouse), "server", "stop"], cwd=clone, env=env,
                           capture_output=True, timeout=120)

