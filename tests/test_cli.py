"""The `wirehouse` command on a real warehouse."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from wirehouse.cli import app
from wirehouse.cli import run as run_command
from wirehouse.core.settings import Settings
from wirehouse.extract import host

runner = CliRunner()


def test_sql_formats(seeded: Settings) -> None:
    q = "SELECT name, country_iso3 FROM marts.entities WHERE name = 'Zhao Bentang'"
    out = runner.invoke(app, ["sql", q, "--warehouse", seeded.warehouse, "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == [{"name": "Zhao Bentang", "country_iso3": "CHN"}]
    out = runner.invoke(app, ["sql", q, "--warehouse", seeded.warehouse, "--format", "csv"])
    assert out.output.splitlines() == ["name,country_iso3", "Zhao Bentang,CHN"]
    out = runner.invoke(app, ["sql", q, "--warehouse", seeded.warehouse])
    assert "Zhao Bentang" in out.output


def test_sql_is_read_only(seeded: Settings) -> None:
    out = runner.invoke(app, ["sql", "DELETE FROM raw.documents", "--warehouse",
                              seeded.warehouse])
    assert out.exit_code == 1
    assert "read-only" in out.output.lower()


def test_sql_without_warehouse(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = runner.invoke(app, ["sql", "SELECT 1", "--warehouse", str(tmp_path / "none.duckdb")])
    assert out.exit_code != 0


def test_eval_entities_beats_bare_spacy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from conftest import CORPORA

    out = runner.invoke(app, ["eval", "entities",
                              str(CORPORA / "uner-en-pud" / "en_pud_news.conll")])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["documents"] == 215
    assert set(report["per_type"]) == {"PER", "ORG", "LOC"}
    assert report["overall"]["f1"] > 56.1  # bare spaCy on this file


def test_conll_reader_iob1_and_iob2(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from wirehouse.evaluate.entities import read_conll

    f = tmp_path / "x.conll"
    f.write_text("-DOCSTART- O\n\nJohn I-PER\nSmith I-PER\nvisited O\nNew B-LOC\nYork I-LOC\n"
                 "\nParis I-LOC\nBerlin B-LOC\n")
    (doc,) = list(read_conll(str(f)))
    got = {(doc.text[s:e], t) for s, e, t in doc.spans}
    assert got == {("John Smith", "PER"), ("New York", "LOC"), ("Paris", "LOC"),
                   ("Berlin", "LOC")}


def test_duckdb_cli_reads_the_warehouse(seeded: Settings) -> None:
    """The duckdb CLI installed with the project opens the file read-only, as the README says."""
    import subprocess
    import sys
    from pathlib import Path

    cli = Path(sys.executable).parent / "duckdb"
    out = subprocess.run([str(cli), "-readonly", "-csv", seeded.warehouse,
                          "SELECT count(*) AS n FROM marts.entities"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["n", "17"]


def test_run_over_unchanged_sources_starts_no_flow(seeded: Settings,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import PROJECT_ROOT, record_host_starts

    # With two cores the extraction host starts before the check; nothing to extract kills it.
    monkeypatch.setattr(run_command, "get_settings", lambda: seeded.with_(n_process=2))
    started = record_host_starts(monkeypatch, "wirehouse.extract.host.start_host")
    seeds = str(PROJECT_ROOT / "seeds" / "*.txt")
    out = runner.invoke(app, ["run", seeds, "--warehouse", seeded.warehouse, "--no-progress"])
    assert out.exit_code == 0, out.output
    assert out.output.startswith("nothing new or changed in 1 input(s)")
    assert "no flow run started" in out.output
    assert len(started) == 1 and started[0].proc.poll() is not None
    assert host.running_host() is None
