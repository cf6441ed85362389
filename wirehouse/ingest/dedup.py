"""Near-duplicate clusters: syndicated copies of one wire story share a cluster id.

Exact duplicates already share a doc_id (hash of the normalised body). Syndicated copies do not:
each outlet changes the headline, trims or adds a paragraph. MinHash over word shingles with LSH
finds them without comparing every pair. The index is persisted so a story seen today joins the
cluster of the copy loaded last week.

The signatures are datasketch's MinHash, scheme "affine32" (SHA-1 of each shingle, the
MurmurHash3 finalizer, then a*h+b in uint32), computed here with numpy: importing datasketch
pulls in scipy (its LSH sizes bands by numerical integration) and cost 0.9 s of every run
with a new document, on the way to extraction. tests/test_dedup.py checks the signatures and
the band layout against datasketch itself, so indexes saved before stay valid.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from functools import lru_cache

import numpy as np

from wirehouse.core.documents import normalise_body
from wirehouse.lake import storage

NUM_PERM = 128
# Estimated Jaccard similarity of shingle sets above which two bodies are one story. A wire
# copy with a paragraph added stays well above it; distinct stories on one topic score < 0.1.
THRESHOLD = 0.5
# LSH bands x rows: what datasketch's MinHashLSH picks for THRESHOLD and NUM_PERM (equal
# weights on false positives and negatives); the test recomputes it.
BANDS, ROWS = 25, 5
# Word 5-grams: long enough that shared boilerplate phrases do not make stories similar.
SHINGLE = 5
# Fixed seed and scheme so the hash functions, and thus saved signatures, agree across runs.
_SEED = 1
_SCHEME = "affine32"
# Shorter bodies are templates ("Qtly div 12 cts vs 12 cts prior. Pay April One"): near-identical
# words, different companies. They stay their own cluster; exact copies still share a doc_id.
MIN_WORDS = 25
_WORD = re.compile(r"\w+", re.UNICODE)
_U32 = np.uint32


def signature(body: str) -> np.ndarray | None:
    """The body's MinHash (NUM_PERM uint32 values), or None for a body too short to tell."""
    words = _WORD.findall(normalise_body(body).lower())
    if len(words) < MIN_WORDS:
        return None
    shingles = {" ".join(words[i:i + SHINGLE]).encode("utf-8")
                for i in range(len(words) - SHINGLE + 1)}
    hv = np.fromiter((int.from_bytes(hashlib.sha1(s).digest()[:4], "little") for s in shingles),
                     dtype=_U32, count=len(shingles))
    a, b = _permutations()
    # uint32 arithmetic: the wraparound is the modulo 2^32 of the affine scheme.
    return (_fmix32(hv).reshape(-1, 1) * a + b).min(axis=0)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's finalizer, a bijection on uint32 that spreads structured inputs."""
    h = h ^ (h >> _U32(16))
    h = h * _U32(0x85EBCA6B)
    h = h ^ (h >> _U32(13))
    h = h * _U32(0xC2B2AE35)
    return h ^ (h >> _U32(16))


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The NUM_PERM affine hash functions, drawn as datasketch draws them from _SEED (odd a)."""
    gen = np.random.RandomState(_SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=_U32) * _U32(2) + _U32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=_U32)
    return a, b


def _bands(sig: np.ndarray) -> list[bytes]:
    return [sig[i * ROWS:(i + 1) * ROWS].tobytes() for i in range(BANDS)]


class NearDuplicateIndex:
    """doc_id -> cluster id, with the MinHash signatures needed to place new documents."""

    def __init__(self) -> None:
        # One table per band: band values -> doc_ids. Two bodies are candidates when any
        # band matches.
        self._tables: list[defaultdict[bytes, list[str]]] = [defaultdict(list)
                                                             for _ in range(BANDS)]
        self._order: list[str] = []          # insertion order decides the "earliest" member
        self._cluster: dict[str, str] = {}
        self._rank: dict[str, int] = {}
        self._signatures: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._order)

    def _add(self, doc_id: str, cluster: str, sig: np.ndarray | None) -> None:
        self._rank[doc_id] = len(self._order)
        self._order.append(doc_id)
        self._cluster[doc_id] = cluster
        if sig is not None:
            self._signatures[doc_id] = sig
            for table, band in zip(self._tables, _bands(sig), strict=True):
                table[band].append(doc_id)

    def _candidates(self, sig: np.ndarray) -> set[str]:
        found: set[str] = set()
        for table, band in zip(self._tables, _bands(sig), strict=True):
            found.update(table.get(band, ()))
        return found

    def cluster_for(self, doc_id: str, body: str) -> str:
        """Cluster id: the doc_id of the earliest near-duplicate seen (itself if none).

        A doc_id already indexed keeps its cluster, so re-running a batch changes nothing.
        """
        if doc_id in self._cluster:
            return self._cluster[doc_id]
        sig = signature(body)
        cluster = doc_id
        if sig is not None:
            # LSH returns candidates only; the estimated Jaccard check removes its false hits.
            matches = [c for c in self._candidates(sig)
                       if float(np.mean(self._signatures[c] == sig)) >= THRESHOLD]
            if matches:
                earliest = min(matches, key=self._rank.__getitem__)
                cluster = self._cluster[earliest]
        self._add(doc_id, cluster, sig)
        return cluster

    def merge(self, other: NearDuplicateIndex) -> int:
        """Add ``other``'s documents this index lacks, with the clusters ``other`` gave them
        (their rows were staged with those); returns how many were added. Two runs that
        started from the same saved index each add their own documents: merged, the kept
        index has both runs' (two near-copies ingested by two concurrent runs keep the
        clusters each run gave them: neither run could see the other's)."""
        added = 0
        for doc_id in other._order:
            if doc_id not in self._cluster:
                self._add(doc_id, other._cluster[doc_id], other._signatures.get(doc_id))
                added += 1
        return added

    def save(self, path: str) -> None:
        """Write atomically: a crash mid-write must not lose the clusters of earlier runs."""
        with_sig = [d for d in self._order if d in self._signatures]
        sigs = (np.stack([self._signatures[d] for d in with_sig]) if with_sig
                else np.zeros((0, NUM_PERM), dtype=np.uint64))
        with storage.atomic_write(path) as fh:
            np.savez_compressed(
                fh,
                doc_ids=np.array(self._order, dtype=str),
                clusters=np.array([self._cluster[d] for d in self._order], dtype=str),
                has_sig=np.array([d in self._signatures for d in self._order], dtype=bool),
                signatures=sigs.astype(np.uint64),
                num_perm=np.array([NUM_PERM]),
                scheme=np.array([_SCHEME]),
            )

    @classmethod
    def load(cls, path: str) -> NearDuplicateIndex:
        """The saved index, or an empty one if the file does not exist yet (first run)."""
        index = cls()
        if not storage.exists(path):
            return index
        # Plain arrays only (no pickle): the file is data, never code.
        with storage.open_read(path) as fh, np.load(fh, allow_pickle=False) as data:
            saved = (int(data["num_perm"][0]), str(data["scheme"][0]))
            if saved != (NUM_PERM, _SCHEME):
                raise ValueError(f"{path}: saved with (num_perm, scheme)={saved}, this version "
                                 f"uses {(NUM_PERM, _SCHEME)}; delete it to rebuild")
            # Saved as uint64 (the file format predates this module computing them itself).
            sigs = iter(data["signatures"].astype(_U32))
            for doc_id, cluster, has_sig in zip(data["doc_ids"], data["clusters"],
                                                data["has_sig"], strict=True):
                index._add(str(doc_id), str(cluster), next(sigs) if has_sig else None)
        return index
