"""A flow run of a deployment may name only the paths its owner allows (#21): prefect.yaml's
declared values and WIREHOUSE_ALLOWED_SOURCES / _OUTPUTS of the serving process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from conftest import SEED, make_settings

from flows.parameters import ParameterNotAllowed, check_paths
from wirehouse.core.documents import RawDocument, Rejected
from wirehouse.ingest.discover import InputLimits, read_inputs


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "prefect.yaml"
    config.write_text(yaml.safe_dump({"deployments": [{
        "name": "incremental", "entrypoint": "flows/etl.py:etl",
        "parameters": {"sources": ["seeds/*.txt"], "lake": "warehouse/lake",
                       "warehouse": "warehouse/wirehouse.duckdb"}}]}))
    return config


def test_declared_and_listed_paths_pass_others_do_not(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = _config(tmp_path)
    settings = make_settings(tmp_path, allowed_sources=str(tmp_path / "drop"),
                             allowed_outputs=str(tmp_path / "out"))
    roots = check_paths(["seeds/*.txt", str(tmp_path / "drop" / "x.jsonl")], None,
                        "warehouse/wirehouse.duckdb", settings, config=config)
    assert roots == (str(tmp_path / "seeds"), str(tmp_path / "drop"))
    check_paths(None, str(tmp_path / "out" / "lake"), str(tmp_path / "out" / "w.duckdb"),
                settings, config=config)
    for sources, lake, warehouse, what in [
            (["/etc/shadow"], None, None, "source '/etc/shadow'"),
            ([str(tmp_path / "drop-other")], None, None, "source"),
            (["seeds/../../etc"], None, None, "source"),
            (None, "/tmp/attacker/lake", None, "lake"),
            (None, None, str(tmp_path / "outside.duckdb"), "warehouse")]:
        with pytest.raises(ParameterNotAllowed, match=what):
            check_paths(sources, lake, warehouse, settings, config=config)


def test_symlink_out_of_an_allowed_folder_is_quarantined(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "ok.txt").write_bytes(SEED.read_bytes())
    secret = tmp_path / "private" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("Root only\n\nThe password is hunter2 and must stay here.\n")
    (drop / "leak.txt").symlink_to(secret)
    out = list(read_inputs([str(drop)], 5_000_000, None, InputLimits(allowed=(str(drop),))))
    docs = [o for o in out if isinstance(o, RawDocument)]
    [refused] = [o for o in out if isinstance(o, Rejected)]
    assert [Path(d.uri).name for d in docs] == ["ok.txt"]
    assert refused.reason == "outside_allowed_paths" and refused.uri.endswith("leak.txt")
    assert "hunter2" not in refused.message + refused.first_bytes.decode()
    # Without an allow-list (the user's own `wirehouse run`) the link is followed.
    assert len([o for o in read_inputs([str(drop)], 5_000_000) if isinstance(o, RawDocument)]) == 2


def test_a_deployment_run_outside_the_allow_list_fails_before_reading(
        prefect_harness: None, tmp_path: Path) -> None:
    """A real flow run of a real deployment, with the parameters an attacker would pass."""
    from prefect.client.orchestration import get_client
    from prefect.flow_engine import run_flow
    from prefect.states import State

    from flows.etl import etl

    target = tmp_path / "attacker"
    with get_client(sync_client=True) as client:
        deployment_id = etl.to_deployment(name="hostile-test").apply()
        flow_run = client.create_flow_run_from_deployment(
            deployment_id, parameters={"sources": [str(SEED)],
                                       "warehouse": str(target / "w.duckdb"),
                                       "lake": str(target / "lake")})
    state = run_flow(etl, flow_run=flow_run, parameters=flow_run.parameters,
                     return_type="state")
    assert isinstance(state, State) and state.is_failed()
    with pytest.raises(ParameterNotAllowed, match="not one this deployment may read"):
        state.result()
    assert not target.exists() and not os.path.exists(str(target / "lake"))
