"""The reference data the coders read: CSV tables in a reference folder (seeds/reference).

One reader for all of them, so every table is found and decoded the same way. The folder is
WIREHOUSE_REFERENCE_DIR unless extraction says otherwise (``use``): extraction is called with
a Settings whose reference_dir also goes into the extraction signature, and the lexicons must
come from that same folder. What the coders build from the tables is cached once per process
and folder (``per_folder``).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from wirehouse.core.settings import get_settings

F = TypeVar("F", bound=Callable[..., Any])

_folder: str | None = None
_caches: list[Any] = []


def folder() -> str:
    """The reference folder the coders read now."""
    return _folder or get_settings().reference_dir


def use(reference_dir: str) -> None:
    """Read the reference tables from ``reference_dir`` from now on; what was built from
    another folder is dropped."""
    global _folder
    if os.path.realpath(reference_dir) != os.path.realpath(folder()):
        for cached in _caches:
            cached.cache_clear()
    _folder = str(reference_dir)


def per_folder(maxsize: int = 1) -> Callable[[F], F]:
    """lru_cache for what is built from the reference tables: cleared when ``use`` switches
    to another folder."""

    def wrap(fn: F) -> F:
        cached = lru_cache(maxsize=maxsize)(fn)
        _caches.append(cached)
        return cached  # type: ignore[return-value]

    return wrap


def read_reference_csv(name: str) -> list[dict[str, str]]:
    """The rows of reference table ``name`` (e.g. "cameo_codes.csv"), as dicts."""
    path = Path(folder()) / name
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
