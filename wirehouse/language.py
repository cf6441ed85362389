"""Per-document language, so non-English documents are kept but not sent to the English pipeline.

langdetect is a maintained port of Google's language-detection; its sampling is random, so the
factory seed is fixed to make reruns agree. Only the head of the text is read: a couple of
thousand characters decide the language as well as the whole article and keep long documents
fast.
"""

from __future__ import annotations

import re

from langdetect import DetectorFactory, detect
from langdetect.lang_detect_exception import LangDetectException

DetectorFactory.seed = 0

# Enough text to decide reliably; detection cost grows with length, accuracy barely does.
HEAD_CHARS = 2000
# Below this many letters the detector guesses (it calls "OK" Turkish): better unknown.
MIN_LETTERS = 12
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when there is too little text to tell."""
    head = text[:HEAD_CHARS]
    if len(_LETTER.findall(head)) < MIN_LETTERS:
        return None
    # The seed is read when a detector is created; set it again in case other code changed it.
    DetectorFactory.seed = 0
    try:
        code: str = detect(head)
    except LangDetectException:
        return None
    # langdetect says "zh-cn"/"zh-tw"; the documents table holds bare ISO 639-1 codes.
    return code.split("-")[0].lower()
