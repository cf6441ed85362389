"""Ingest: sources in, staged Parquet batches of new or changed documents out.

Entry: ``wirehouse.ingest.stage.ingest`` (``pending_work`` is the no-op check, ``finish_ingest``
runs after a successful load). ``discover`` finds inputs, ``formats/`` holds one module per input
format (a new format is a module there and a line in ``discover.BYTE_READERS`` or
``STREAM_READERS``), ``language`` identifies a document's language, ``dedup`` clusters
near-duplicates.
"""
