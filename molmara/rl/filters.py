"""The diversity-filter baseline (REINVENT's identical Murcko scaffold filter) and the collapse detector."""

from __future__ import annotations

import logging
from collections import Counter, deque

import numpy as np

log = logging.getLogger("molmara.rl")


class ScaffoldDiversityFilter:
    """REINVENT 4's identical-Murcko-scaffold diversity filter, rule by rule (`memories/diversity_filter.py`).

    For each scored molecule, in batch order:
    1. a canonical SMILES already in the SMILES memory scores 0;
    2. a molecule that still scores at least `min_score` joins the SMILES memory and its scaffold's bucket
       (acyclic molecules share the scaffold "");
    3. once a bucket holds more than `bucket_size` molecules, each further one scores 0 (the first
       `bucket_size` keep their scores).
    Molecules below `min_score` are neither remembered nor counted. This is the baseline chemists use
    against mode collapse; molmara keeps it to compare MARA with.
    """

    def __init__(self, bucket_size: int = 25, min_score: float = 0.4) -> None:
        self.bucket_size = bucket_size
        self.min_score = min_score
        self.buckets: Counter[str] = Counter()
        self.smiles_memory: set[str] = set()

    def apply(self, scores: np.ndarray, canonical: list[str | None], scaffolds: list[str | None]) -> np.ndarray:
        """Filtered scores for one batch; NaN scores and rows without a canonical SMILES pass untouched."""
        out = np.array(scores, dtype=np.float64, copy=True)
        for i, (smiles, scaffold) in enumerate(zip(canonical, scaffolds, strict=True)):
            if smiles is None or not np.isfinite(out[i]):
                continue
            if smiles in self.smiles_memory:
                out[i] = 0.0
            if out[i] >= self.min_score:
                self.smiles_memory.add(smiles)
                bucket = scaffold or ""
                self.buckets[bucket] += 1
                if self.buckets[bucket] > self.bucket_size:
                    out[i] = 0.0
        return out

    def state(self) -> dict:
        return {"buckets": dict(self.buckets), "smiles_memory": sorted(self.smiles_memory)}

    def load_state(self, state: dict) -> None:
        self.buckets = Counter(state["buckets"])
        self.smiles_memory = set(state.get("smiles_memory", []))


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
