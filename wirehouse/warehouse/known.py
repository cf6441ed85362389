"""What the warehouse already holds of a run's inputs: the incremental check.

A run skips documents the warehouse has with the current extraction signature, and records
only new locations and new rejected inputs. The inputs are looked up a chunk at a time by a
join inside DuckDB (wirehouse.ingest.stage.classify asks for each chunk), so memory follows
the chunk, not the warehouse: reading every doc_id and location into Python sets cost
seconds and gigabytes at millions of documents.
"""

from __future__ import annotations

from collections.abc import Collection

import duckdb

from wirehouse.core.documents import Known
from wirehouse.warehouse.store import readable


class WarehouseIndex:
    """The published warehouse as a wirehouse.core.documents.KnownSource. Each lookup opens
    the file and closes it: a connection kept open would pin a version that a later load in
    the same process turns into its spare."""

    def __init__(self, warehouse: str, cache_dir: str | None = None) -> None:
        self.path = readable(warehouse, cache_dir)

    def restrict(self, doc_ids: Collection[str], locations: Collection[tuple[str, str]],
                 rejections: Collection[str]) -> Known:
        """What the warehouse holds of these documents, locations and rejected inputs."""
        if self.path is None or not (doc_ids or locations or rejections):
            return Known()
        con = duckdb.connect(self.path, read_only=True)
        # Lists as parameters (unnested in SQL), not Arrow tables: registering one imports
        # pyarrow.dataset, seconds of a no-op run.
        docs, uris = [d for d, _ in locations], [u for _, u in locations]
        try:
            documents = con.execute(
                "SELECT doc_id, extractor_version || '|' || model FROM raw.documents "
                "WHERE doc_id IN (SELECT unnest($ids::VARCHAR[]))",
                {"ids": list(doc_ids)}).fetchall() if doc_ids else []
            seen = con.execute(
                "SELECT doc_id, uri FROM raw.document_sources SEMI JOIN (SELECT "
                "unnest($docs::VARCHAR[]) AS doc_id, unnest($uris::VARCHAR[]) AS uri) "
                "USING (doc_id, uri)", {"docs": docs, "uris": uris}).fetchall() if docs else []
            rejected = con.execute(
                "SELECT quarantine_id FROM raw.quarantine "
                "WHERE quarantine_id IN (SELECT unnest($ids::VARCHAR[]))",
                {"ids": list(rejections)}).fetchall() if rejections else []
        except duckdb.CatalogException:  # a file that holds no warehouse yet
            return Known()
        finally:
            con.close()
        return Known(dict(documents), frozenset((d, u) for d, u in seen),
                     frozenset(r[0] for r in rejected))


def known_inputs(warehouse: str, cache_dir: str | None = None) -> WarehouseIndex:
    """The published warehouse to look inputs up in; a file DuckDB cannot open (not a
    warehouse, unreadable) raises its duckdb.Error here, before any input is read."""
    index = WarehouseIndex(warehouse, cache_dir)
    if index.path is not None:
        duckdb.connect(index.path, read_only=True).close()
    return index
