"""Near-duplicate clusters: syndicated copies of one wire story share a cluster id.

Exact duplicates already share a doc_id (hash of the normalised body). Syndicated copies do not:
each outlet changes the headline, trims or adds a paragraph. MinHash over word shingles with LSH
(datasketch) finds them without comparing every pair. The index is persisted so a story seen
today joins the cluster of the copy loaded last week.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from wirehouse import storage
from wirehouse.documents import normalise_body

NUM_PERM = 128
# Estimated Jaccard similarity of shingle sets above which two bodies are one story. A wire
# copy with a paragraph added stays well above it; distinct stories on one topic score < 0.1.
THRESHOLD = 0.5
# Word 5-grams: long enough that shared boilerplate phrases do not make stories similar.
SHINGLE = 5
# Fixed seed and scheme so the hash functions, and thus saved signatures, agree across runs and
# datasketch upgrades (2.0 changed the default scheme; signatures of two schemes do not compare).
_SEED = 1
# Shorter bodies are templates ("Qtly div 12 cts vs 12 cts prior. Pay April One"): near-identical
# words, different companies. They stay their own cluster; exact copies still share a doc_id.
MIN_WORDS = 25
_SCHEME = "affine32"
_WORD = re.compile(r"\w+", re.UNICODE)


def _minhash(body: str) -> MinHash | None:
    words = _WORD.findall(normalise_body(body).lower())
    if len(words) < MIN_WORDS:
        return None
    shingles = {" ".join(words[i:i + SHINGLE]).encode("utf-8")
                for i in range(len(words) - SHINGLE + 1)}
    mh = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME, permutations=_permutations())
    mh.update_batch(list(shingles))
    return mh


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The hash functions of (NUM_PERM, _SEED, _SCHEME), drawn once: MinHash draws them
    again for every object otherwise, a third of the cost of a document (measured)."""
    a, b = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME).permutations
    return a, b


class NearDuplicateIndex:
    """doc_id -> cluster id, with the MinHash signatures needed to place new documents."""

    def __init__(self) -> None:
        self._lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        self._order: list[str] = []          # insertion order decides the "earliest" member
        self._cluster: dict[str, str] = {}
        self._rank: dict[str, int] = {}
        self._signatures: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._order)

    def _add(self, doc_id: str, cluster: str, mh: MinHash | LeanMinHash | None) -> None:
        self._rank[doc_id] = len(self._order)
        self._order.append(doc_id)
        self._cluster[doc_id] = cluster
        if mh is not None:
            self._signatures[doc_id] = mh.hashvalues
            self._lsh.insert(doc_id, mh)

    def cluster_for(self, doc_id: str, body: str) -> str:
        """Cluster id: the doc_id of the earliest near-duplicate seen (itself if none).

        A doc_id already indexed keeps its cluster, so re-running a batch changes nothing.
        """
        if doc_id in self._cluster:
            return self._cluster[doc_id]
        mh = _minhash(body)
        cluster = doc_id
        if mh is not None:
            # LSH returns candidates only; the estimated Jaccard check removes its false hits.
            sig = mh.hashvalues
            matches = [c for c in self._lsh.query(mh)
                       if float(np.mean(self._signatures[c] == sig)) >= THRESHOLD]
            if matches:
                earliest = min(matches, key=self._rank.__getitem__)
                cluster = self._cluster[earliest]
        self._add(doc_id, cluster, mh)
        return cluster

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
            sigs = iter(data["signatures"])
            for doc_id, cluster, has_sig in zip(data["doc_ids"], data["clusters"],
                                                data["has_sig"], strict=True):
                # LeanMinHash skips generating permutations: loading 20k signatures takes
                # about a second instead of ten.
                mh = (LeanMinHash(seed=_SEED, hashvalues=next(sigs), scheme=_SCHEME)
                      if has_sig else None)
                index._add(str(doc_id), str(cluster), mh)
        return index
