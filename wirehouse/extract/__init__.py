"""Extract: one staged batch through spaCy, entities, events, quotations, amounts and tone, out
as lake Parquet files (one per table).

Entry: ``wirehouse.extract.batch.extract_batch`` (in the flow, through ``host``: the run's
extraction process, which loads the model while ingest reads). ``pool`` shares a batch among
forked workers; ``nlp`` loads the pipeline; ``entities`` and ``countries`` resolve names;
``events/`` codes who did what to whom (a new event field is a column in core/contract.py and
a value in ``events/coder.py``).
"""
