"""The ETL's stages called one after another in this process, without Prefect.

What tests and benchmarks use to build a warehouse quickly: the same library entries the flow
calls (ingest, extract per batch, load), with no task runner, cache or API in between.
"""

from __future__ import annotations

from datetime import datetime

from wirehouse.core.documents import Known
from wirehouse.core.settings import Settings
from wirehouse.extract.batch import extract_batch
from wirehouse.extract.nlp import extraction_signature
from wirehouse.ingest.stage import IngestResult, ingest
from wirehouse.warehouse.load import collect_files


def extract_sources(
    sources: list[str], run_id: str, settings: Settings, started_at: datetime,
    known: Known | None = None, force: bool = False,
) -> tuple[IngestResult, dict[str, list[str]]]:
    """Ingest and extract: the staged run and its Parquet files by table, ready for
    wirehouse.warehouse.load.publish."""
    signature = extraction_signature(settings.model, settings.reference_dir)
    ingested = ingest(sources, run_id, settings, known or Known(), signature, started_at, force)
    outputs = [extract_batch(path, run_id, settings, f"{i:05d}")
               for i, path in enumerate(ingested.batches)]
    return ingested, collect_files(ingested.sources_file, ingested.quarantine_files,
                                      outputs)
