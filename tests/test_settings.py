"""Settings come from WIREHOUSE_* variables, are frozen, and reject bad values clearly."""

from __future__ import annotations

import dataclasses

import pytest

from wirehouse.core.settings import Settings


def test_defaults_and_overrides() -> None:
    s = Settings.from_env({"WIREHOUSE_WAREHOUSE": "/tmp/x.duckdb", "WIREHOUSE_BATCH_SIZE": "7",
                           "WIREHOUSE_MODEL": "my_model"})
    assert (s.warehouse, s.batch_size, s.model) == ("/tmp/x.duckdb", 7, "my_model")
    assert s.n_process >= 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.batch_size = 3  # type: ignore[misc]


@pytest.mark.parametrize(("var", "value", "message"), [
    ("WIREHOUSE_BATCH_SIZE", "many", "must be an integer"),
    ("WIREHOUSE_N_PROCESS", "0", "N_PROCESS"),
    ("WIREHOUSE_TASK_RUNNER", "cluster", "TASK_RUNNER"),
    ("WIREHOUSE_JSONL_MAPPING", "{not json", "not JSON"),
])
def test_bad_values_are_refused(var: str, value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env({var: value})


def test_jsonl_mapping() -> None:
    s = Settings.from_env({"WIREHOUSE_JSONL_MAPPING": '{"text": "body"}'})
    assert s.jsonl_fields() == {"text": "body"}
