"""The diversity-filter baseline (REINVENT's identical Murcko scaffold filter) and the collapse detector."""

from __future__ import annotations

import logging
from collections import Counter, deque

import numpy as np

log = logging.getLogger("molmara.rl")


class ScaffoldDiversityFilter:
    """Molecules whose Murcko scaffold already holds `bucket_size` good molecules score 0.

    This is what chemists use today against mode collapse; molmara keeps it as a baseline for MARA.
    """

    def __init__(self, bucket_size: int = 25, min_score: float = 0.4) -> None:
        self.bucket_size = bucket_size
        self.min_score = min_score
        self.buckets: Counter[str] = Counter()

    def apply(self, scores: np.ndarray, scaffolds: list[str | None]) -> np.ndarray:
        """Filtered scores for one batch (in order, so later duplicates in a batch see earlier ones)."""
        out = scores.copy()
        for i, (score, scaffold) in enumerate(zip(scores, scaffolds, strict=True)):
            if scaffold is None or not np.isfinite(score) or score < self.min_score:
                continue
            if self.buckets[scaffold] >= self.bucket_size:
                out[i] = 0.0
            else:
                self.buckets[scaffold] += 1
        return out

    def state(self) -> dict:
        return {"buckets": dict(self.buckets)}

    def load_state(self, state: dict) -> None:
        self.buckets = Counter(state["buckets"])


class CollapseDetector:
    """Counts consecutive steps with low batch uniqueness or too few new hit scaffolds."""

    def __init__(self, min_batch_uniqueness: float, min_new_scaffolds: int, patience: int) -> None:
        self.min_batch_uniqueness = min_batch_uniqueness
        self.min_new_scaffolds = min_new_scaffolds
        self.patience = patience
        self.recent: deque[bool] = deque(maxlen=patience)

    def update(self, batch_uniqueness: float, new_hit_scaffolds: int) -> str | None:
        """A warning message when the last `patience` steps all looked collapsed, else None."""
        low = batch_uniqueness < self.min_batch_uniqueness or new_hit_scaffolds < self.min_new_scaffolds
        self.recent.append(low)
        if len(self.recent) == self.patience and all(self.recent):
            self.recent.clear()
            return (
                f"possible mode collapse: for {self.patience} steps batch uniqueness stayed below "
                f"{self.min_batch_uniqueness} or fewer than {self.min_new_scaffolds} new hit scaffolds appeared"
            )
        return None
