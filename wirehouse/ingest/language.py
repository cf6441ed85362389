"""Per-document language, so non-English documents are kept but not sent to the English pipeline.

py3langid (a maintained fork of langid.py, naive Bayes over byte n-grams, model shipped in the
package) is deterministic and about ten times faster than langdetect, which cost 7 ms a
document and was most of the ingest stage. The candidate set is the living languages with an
ISO 639-1 code: the model's extra labels (Nigerian Pidgin, "no linguistic content", Volapük,
Latin...) were what it chose for Reuters commodity tables, which are English.
"""

from __future__ import annotations

import re
from array import array
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from wirehouse.core.cache import Arrays, Codec, cached, package_versions

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

# Enough text to decide reliably; detection cost grows with length, accuracy barely does.
HEAD_CHARS = 2000
# Below this many letters any detector guesses: better unknown.
MIN_LETTERS = 12
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_NOT_LIVING = frozenset({"eo", "vo", "la", "sa", "ia", "ie", "io"})


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    # Unpacking the model's LZMA archive is 0.4 s of every extracting process.
    model = MODEL_DIR / MODEL_FILE
    stat = model.stat()
    return cached("langid", [*package_versions("py3langid"), f"{stat.st_size}:{stat.st_mtime_ns}",
                             ",".join(sorted(_NOT_LIVING))], _build_identifier, _IDENTIFIER_CODEC)


def _build_identifier() -> LanguageIdentifier:
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE)
    ident.set_languages([c for c in ident.nb_classes
                         if len(c) == 2 and c not in _NOT_LIVING])
    return ident


def _dump_identifier(ident: LanguageIdentifier) -> tuple[Any, Arrays]:
    """The whole model (as set_languages keeps it) and the languages it is restricted to."""
    ptc, pc, classes = ident._full_model
    data = {"classes": classes, "languages": ident.nb_classes, "norm_probs": ident._norm_probs,
            "min_confidence": ident.min_confidence, "nextmove": ident.tk_nextmove.typecode,
            "row": ident.tk_row.typecode}
    return data, {"ptc": ptc, "pc": pc, "output": np.asarray(ident.tk_output, dtype=np.int64),
                  "nextmove": np.frombuffer(ident.tk_nextmove, dtype=np.uint8),
                  "row": np.frombuffer(ident.tk_row, dtype=np.uint8)}


def _load_identifier(data: Any, arrays: Arrays) -> LanguageIdentifier:
    from py3langid.langid import LanguageIdentifier

    nextmove, row = array(data["nextmove"]), array(data["row"])
    nextmove.frombytes(arrays["nextmove"])
    row.frombytes(arrays["row"])
    ident = LanguageIdentifier(arrays["ptc"], arrays["pc"], data["classes"], nextmove,
                               arrays["output"].tolist(), data["norm_probs"],
                               data["min_confidence"], tk_row=row)
    ident.set_languages(data["languages"])
    return ident


_IDENTIFIER_CODEC: Codec[LanguageIdentifier] = Codec(_dump_identifier, _load_identifier)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when there is too little text to tell."""
    head = text[:HEAD_CHARS]
    if len(_LETTER.findall(head)) < MIN_LETTERS:
        return None
    code, _score = _identifier().classify(head)
    return str(code)


@lru_cache(maxsize=256)
def normalise_declared(declared: str) -> str:
    """A language as a source declares it, as the ISO 639-1 code the pipeline compares:
    BCP 47 tags, ISO 639-2/3 codes and English names ("en-US", "EN", "en_GB", "eng",
    "English") -> "en". What is not a known language is kept as declared, stripped."""
    import pycountry  # its tables load on first use: only runs with declared languages pay

    text = declared.strip()
    primary = text.replace("_", "-").split("-", 1)[0].lower()
    found = None
    if len(primary) == 2:
        found = pycountry.languages.get(alpha_2=primary)
    elif len(primary) == 3:
        found = (pycountry.languages.get(alpha_3=primary)
                 or pycountry.languages.get(bibliographic=primary))
    if found is None:
        found = pycountry.languages.get(name=text)
    code = getattr(found, "alpha_2", None)
    return str(code) if code else text
