"""The actor lexicon: known people and organisations with their country and CAMEO role.

Read by entity resolution (a name the lexicon knows gets its country and role when the text
leaves them out) and by the actor coder. Names are compared folded (case and accents).
"""

from __future__ import annotations

import unicodedata

from wirehouse.core.reference import per_folder, read_reference_csv


def fold(text: str) -> str:
    if text.isascii():
        return text.casefold().strip()  # NFKD and the filter below leave ASCII as it is
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold().strip()


@per_folder()
def actor_lexicon() -> tuple[dict[str, tuple[str | None, str | None]], dict[str, tuple]]:
    """(folded name -> (country, role), exact-case short acronyms -> (country, role))."""
    folded: dict[str, tuple[str | None, str | None]] = {}
    exact: dict[str, tuple[str | None, str | None]] = {}
    for row in read_reference_csv("actor_lexicon.csv"):
        value = (row["country"] or None, row["role"] or None)
        name = row["name"].strip()
        # Short all-caps names ("UN", "WHO", "AU") are words in lower case: exact case only.
        if name.isupper() and len(name) <= 5:
            exact[name] = value
        else:
            folded[fold(name)] = value
    return folded, exact


def lookup_actor(text: str) -> tuple[str | None, str | None] | None:
    folded, exact = actor_lexicon()
    text = text.strip()
    if text.startswith(("the ", "The ")):
        text = text[4:]
    return exact.get(text) or folded.get(fold(text))
