"""Near-duplicate clusters: syndicated copies share one, unrelated stories do not, across runs."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import numpy as np
from conftest import CORPORA

from wirehouse.core.documents import make_doc_id, normalise_body
from wirehouse.ingest.dedup import (
    BANDS,
    NUM_PERM,
    ROWS,
    SHINGLE,
    THRESHOLD,
    NearDuplicateIndex,
    signature,
)

WIRE = (
    "GENEVA (AP) - Negotiators from both sides met for a third day of talks in Geneva on "
    "Wednesday, trying to agree on a ceasefire that would allow aid convoys into the besieged "
    "city before winter sets in.\n\n"
    "The United Nations envoy said progress had been made on the exchange of prisoners but "
    "that the two delegations remained far apart on the withdrawal of heavy weapons from the "
    "front line.\n\n"
    "Diplomats said a draft agreement could be ready by the end of the week if the military "
    "commanders on both sides accepted the monitoring arrangements proposed by the mediators.\n\n"
    "Previous rounds of talks collapsed in the spring after a series of attacks on border "
    "villages, and relief agencies warned that food stocks in the city would run out within "
    "a month."
)
# The regional paper's copy: own headline (not part of the body), dateline dropped, a local
# paragraph appended.
SYNDICATED = WIRE.replace("GENEVA (AP) - ", "") + (
    "\n\nLocal aid groups in the region said they were preparing trucks of flour and medicine "
    "to join the first convoy as soon as a deal is signed."
)
UNRELATED = (
    "The city council approved a new budget on Tuesday that raises spending on schools and "
    "public transport while cutting the number of administrative posts at city hall.\n\n"
    "The mayor said the plan would keep property taxes unchanged for a third consecutive year, "
    "although opposition councillors argued the transport figures relied on optimistic forecasts "
    "of ticket sales and federal grants that have not yet been confirmed."
)


def _cluster(index: NearDuplicateIndex, body: str) -> str:
    return index.cluster_for(make_doc_id(body), body)


def test_syndicated_copy_joins_the_wire_cluster_unrelated_does_not() -> None:
    index = NearDuplicateIndex()
    wire_id = make_doc_id(WIRE)
    assert _cluster(index, WIRE) == wire_id  # a new story is its own cluster
    assert make_doc_id(SYNDICATED) != wire_id  # not an exact duplicate ...
    assert _cluster(index, SYNDICATED) == wire_id  # ... but the same story
    assert _cluster(index, UNRELATED) == make_doc_id(UNRELATED)
    assert _cluster(index, WIRE) == wire_id  # asking again changes nothing
    assert len(index) == 3


def test_cluster_id_is_the_earliest_member_in_input_order() -> None:
    index = NearDuplicateIndex()
    assert _cluster(index, SYNDICATED) == make_doc_id(SYNDICATED)
    assert _cluster(index, WIRE) == make_doc_id(SYNDICATED)


def test_clusters_survive_save_and_load(tmp_path: Path) -> None:
    path = tmp_path / "state" / "neardup.npz"
    missing = NearDuplicateIndex.load(str(path))
    assert len(missing) == 0  # first run: no file yet
    first = NearDuplicateIndex()
    _cluster(first, WIRE)
    _cluster(first, "Too short to shingle.")
    first.save(str(path))
    assert [p.name for p in path.parent.iterdir()] == ["neardup.npz"]  # no temp file left
    later = NearDuplicateIndex.load(str(path))
    assert len(later) == 2
    assert _cluster(later, SYNDICATED) == make_doc_id(WIRE)  # links to last run's cluster
    assert _cluster(later, UNRELATED) == make_doc_id(UNRELATED)
    later.save(str(path))
    assert len(NearDuplicateIndex.load(str(path))) == 4


def test_short_templates_are_not_clustered() -> None:
    index = NearDuplicateIndex()
    a = "Qtly div 12-1/2 cts vs 12-1/2 cts prior\n\nPay April One\n\nRecord March 13"
    b = "Qtly div 12-1/2 cts vs 12-1/2 cts prior\n\nPay April One\n\nRecord March 20"
    assert _cluster(index, a) == make_doc_id(a)
    assert _cluster(index, b) == make_doc_id(b)


def _reuters_bodies(n: int) -> list[str]:
    bodies: list[str] = []
    with gzip.open(CORPORA / "reuters21578" / "reuters21578.jsonl.gz", "rt") as fh:
        for line in fh:
            if len(bodies) == n:
                break
            body = json.loads(line).get("text") or ""
            if signature(body) is not None:
                bodies.append(body)
    return bodies


def test_signatures_and_bands_are_datasketchs() -> None:
    """dedup computes datasketch's MinHash itself (importing datasketch costs scipy's import,
    0.9 s a run); indexes saved by either must mean the same, and LSH must find the same
    candidates."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    assert (lsh.b, lsh.r) == (BANDS, ROWS)
    index = NearDuplicateIndex()
    bodies = _reuters_bodies(400)
    for i, body in enumerate(bodies):
        words = re.findall(r"\w+", normalise_body(body).lower())
        theirs = MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32")
        theirs.update_batch([" ".join(words[j:j + SHINGLE]).encode("utf-8")
                             for j in range(len(words) - SHINGLE + 1)])
        ours = signature(body)
        assert ours is not None and np.array_equal(ours, theirs.hashvalues), body[:60]
        key = f"d{i}"
        assert index._candidates(ours) == set(lsh.query(theirs)), body[:60]
        index._add(key, key, ours)
        lsh.insert(key, theirs)
    # Reuters repeats stories: the comparison above included real candidates.
    assert any(len(index._candidates(s)) > 1 for s in index._signatures.values())
