"""A random sample of event mentions to review, and the precision it estimates, with its
confidence interval: marks an analyst chooses to make are not a sample of anything."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class Estimate:
    sample: int
    reviewed: int
    right: int

    @property
    def precision(self) -> float | None:
        return self.right / self.reviewed if self.reviewed else None

    def wilson(self, z: float = 1.96) -> tuple[float, float] | None:
        """Wilson score interval (95 % by default): honest at small n and near 0 or 1, where
        the normal approximation's bounds leave [0, 1]."""
        n = self.reviewed
        if not n:
            return None
        p = self.right / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)

    def describe(self) -> str:
        if not self.reviewed:
            return f"none of the {self.sample} sampled mentions reviewed yet"
        low, high = self.wilson() or (0.0, 0.0)
        return (f"precision {self.precision:.1%} over {self.reviewed} of {self.sample} "
                f"sampled mentions reviewed (95% Wilson interval {low:.1%} to {high:.1%})")


def draw(warehouse: str, n: int, seed: int) -> list[str]:
    """n event mentions drawn uniformly without replacement: the same warehouse and seed give
    the same sample on any machine (Python's Mersenne Twister over the sorted ids)."""
    con = duckdb.connect(warehouse, read_only=True)
    try:
        ids = [r[0] for r in con.execute(
            "SELECT event_mention_id FROM raw.event_mentions ORDER BY 1").fetchall()]
    finally:
        con.close()
    return sorted(random.Random(seed).sample(ids, min(n, len(ids))))


def estimate(warehouse: str, sample: list[str]) -> Estimate:
    """Precision over the sampled mentions that have a verdict (each one's latest)."""
    con = duckdb.connect(warehouse, read_only=True)
    try:
        con.execute("CREATE TEMP TABLE sample (event_mention_id VARCHAR)")
        con.executemany("INSERT INTO sample VALUES (?)", [[i] for i in sample])
        try:
            row = con.execute("""
                SELECT count(*), count(*) FILTER (WHERE verdict = 'right')
                FROM (SELECT event_mention_id, arg_max(verdict, reviewed_at) AS verdict
                      FROM raw.reviews GROUP BY event_mention_id)
                SEMI JOIN sample USING (event_mention_id)""").fetchone()
        except duckdb.CatalogException:  # a warehouse from before raw.reviews
            row = (0, 0)
    finally:
        con.close()
    return Estimate(len(sample), int(row[0]), int(row[1])) if row else Estimate(len(sample), 0, 0)


def events_of(warehouse: str, mentions: list[str]) -> list[str]:
    """The events the sampled mentions report: the review report shows those."""
    con = duckdb.connect(warehouse, read_only=True)
    try:
        con.execute("CREATE TEMP TABLE sample (event_mention_id VARCHAR)")
        con.executemany("INSERT INTO sample VALUES (?)", [[i] for i in mentions])
        return [r[0] for r in con.execute(
            # staging's event_id is the marts' (raw's, or coder id @ doc_id).
            "SELECT DISTINCT event_id FROM staging.event_mentions SEMI JOIN sample "
            "USING (event_mention_id) ORDER BY 1").fetchall()]
    finally:
        con.close()
