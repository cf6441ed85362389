"""The spaCy pipeline: loaded once per process, run in batches with nlp.pipe."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from wirehouse import EXTRACTOR_VERSION

if TYPE_CHECKING:  # spaCy's import costs seconds: a run with nothing to extract never pays it
    from spacy.language import Language
    from spacy.tokens import Doc

# Components the extraction reads; anything else a swapped-in model carries is disabled.
NEEDED = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner")


@lru_cache(maxsize=2)
def load_model(name: str, patterns_file: str | None = None) -> Language:
    """Load the pipeline by name (any installed spaCy package or path) plus our entity patterns.

    The patterns run before the statistical NER so that known names (platforms it keeps
    calling people, for instance) get the right label; they are data, not code. After the NER,
    wirehouse.extract.ruler fills in known names and cuts and types every name by evidence.
    """
    import spacy

    # Imported with spaCy, which it builds on: a run with nothing to extract imports neither.
    from wirehouse.extract.ruler import add_name_pipes

    try:
        nlp = spacy.load(name)
    except OSError as exc:
        raise RuntimeError(
            f"spaCy model {name!r} is not installed: pip install it or set WIREHOUSE_MODEL"
        ) from exc
    for comp in nlp.pipe_names:
        if comp not in NEEDED:
            nlp.disable_pipe(comp)
    if patterns_file and Path(patterns_file).exists() and "ner" in nlp.pipe_names:
        ruler = nlp.add_pipe("entity_ruler", name="wirehouse_patterns", before="ner",
                             config={"overwrite_ents": True})
        lines = Path(patterns_file).read_text(encoding="utf-8").splitlines()
        ruler.add_patterns([json.loads(ln) for ln in lines if ln.strip()])  # type: ignore[attr-defined]
        add_name_pipes(nlp, Path(patterns_file).parent)
    return nlp


def load_pipeline(model: str, reference_dir: str) -> Language:
    """The model plus the entity patterns kept with the reference data."""
    return load_model(model, str(Path(reference_dir) / "entity_patterns.jsonl"))


def model_version(nlp: Language) -> str:
    return f"{nlp.meta.get('name', 'unknown')}-{nlp.meta.get('version', '0')}"


def model_id(name: str) -> str:
    """model_version() of an installed package or model folder, read from its meta.json
    without loading (or importing) spaCy."""
    folder = Path(name)
    if not (folder / "meta.json").exists():
        spec = importlib.util.find_spec(name.replace("-", "_"))
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(
                f"spaCy model {name!r} is not installed: pip install it or set WIREHOUSE_MODEL")
        folder = Path(next(iter(spec.submodule_search_locations)))
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    return f"{meta.get('name', 'unknown')}-{meta.get('version', '0')}"


@lru_cache(maxsize=8)
def extractor_version(reference_dir: str) -> str:
    """EXTRACTOR_VERSION plus a hash of the lexicons and patterns: editing the reference data
    changes what extraction yields, so it makes loaded documents stale like a code change."""
    digest = hashlib.sha256()
    for path in sorted(Path(reference_dir).rglob("*")):  # petrarch2/ included
        if path.suffix in (".csv", ".jsonl") and path.is_file():
            digest.update(path.relative_to(reference_dir).as_posix().encode())
            digest.update(path.read_bytes())
    return f"{EXTRACTOR_VERSION}+{digest.hexdigest()[:8]}"


def extraction_signature(model: str, reference_dir: str) -> str:
    """What an extraction depends on besides the text; stored as extractor_version|model."""
    return f"{extractor_version(reference_dir)}|{model_id(model)}"


def pipe(
    nlp: Language,
    items: Iterable[tuple[str, str]],
    n_process: int = 1,
    batch_size: int = 64,
) -> Iterator[tuple[Doc, str]]:
    """(text, doc_id) pairs in, (Doc, doc_id) out, in input order."""
    yield from nlp.pipe(items, as_tuples=True, n_process=n_process, batch_size=batch_size)
