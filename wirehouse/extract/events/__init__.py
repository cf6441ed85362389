"""Event coding: per sentence, a trigger verb from the verb dictionary (``codebook``), its
source and target actors read off the parse (``participants``, ``actors``), the date
(``dates``) and place; ``coder.extract_events`` is the entry."""
