"""Converters from the PETRARCH2 / Phoenix coding dictionaries (MIT) to the project's lexicon
tables under seeds/reference/petrarch2/, and the lookups that read those tables.

Each converter is ``convert(source_dir, out_dir) -> (written paths, problems)``: it reads the
dictionary files in ``source_dir`` (../shared/reference/petrarch2) and writes its tables and the
licence into ``out_dir``; lines it cannot read are returned as problems ("file:line: why"), not
raised. ``python -m wirehouse.extract.dictionaries`` runs them all.
"""
