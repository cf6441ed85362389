"""What every document passes before it is staged, whatever format it came from.

Its text must be storable (UTF-8: a JSON ``\\ud800`` escape gives a lone surrogate that
Parquet refuses, which used to fail the whole run); its declared language is normalised, so
"en-US" reaches the English pipeline like "en"; and its body must fit what spaCy can parse:
the parser and NER need roughly 1 GB of memory per 100,000 characters (spaCy's own E088
figure), so a longer body is split into parts at paragraph, then sentence, then word
boundaries (``WIREHOUSE_LONG_DOCUMENTS=split``, each part a document of its own, ``#part=N``
in its uri) or quarantined (``=quarantine``, reason ``too_long``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import fields, replace

from wirehouse.core.documents import RawDocument, Rejected
from wirehouse.ingest.bounds import unicode_problem
from wirehouse.ingest.language import normalise_declared

# Where a part may end, best first: a paragraph break, a sentence end, a space.
_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"(?<=[.!?])\s+"), re.compile(r"\s+"))


def checked_document(doc: RawDocument, max_chars: int,
                     split: bool) -> Iterator[RawDocument | Rejected]:
    """The document ready to stage, its parts, or the reason it cannot be staged."""
    problem = unicode_problem(*(getattr(doc, f.name) for f in fields(doc)))
    if problem:
        yield Rejected(doc.uri, "invalid_unicode", problem)
        return
    if doc.language:
        doc = replace(doc, language=normalise_declared(doc.language))
    if len(doc.body) <= max_chars:
        yield doc
    elif not split:
        yield Rejected(doc.uri, "too_long", f"{len(doc.body)} characters, over the "
                       f"{max_chars} that WIREHOUSE_MAX_DOC_CHARS allows (set "
                       "WIREHOUSE_LONG_DOCUMENTS=split to load it in parts)")
    else:
        sep = "&" if "#" in doc.uri else "#"
        for n, part in enumerate(split_body(doc.body, max_chars), 1):
            yield replace(doc, uri=f"{doc.uri}{sep}part={n}", body=part, doc_id="")


def split_body(body: str, max_chars: int) -> list[str]:
    """``body`` cut into parts of at most ``max_chars`` characters, each at the last
    paragraph break that keeps it under the limit, else the last sentence end, else the last
    space, else hard; whitespace at the cuts is dropped."""
    parts: list[str] = []
    start = 0
    while len(body) - start > max_chars:
        window = body[start:start + max_chars + 1]
        cut = next((m for pattern in _BREAKS
                    for m in reversed(list(pattern.finditer(window)))
                    if m.start() > max_chars // 2 and m.start() <= max_chars), None)
        end, resume = (start + cut.start(), start + cut.end()) if cut else (
            start + max_chars, start + max_chars)
        parts.append(body[start:end])
        start = resume
    parts.append(body[start:])
    return [p for p in (p.strip() for p in parts) if p]
