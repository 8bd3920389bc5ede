"""Top-k experience replay (REINVENT's "inception"): the best unique molecules seen so far."""

from __future__ import annotations

import numpy as np


class ReplayMemory:
    """Keeps the `size` highest-scoring unique SMILES; `sample` draws some of them for the next loss."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: dict[str, float] = {}

    def add(self, smiles: list[str | None], scores: np.ndarray) -> None:
        if self.size <= 0:
            return
        for s, score in zip(smiles, scores, strict=True):
            if s is not None and np.isfinite(score) and score > self.items.get(s, -np.inf):
                self.items[s] = float(score)
        if len(self.items) > self.size:
            best = sorted(self.items.items(), key=lambda kv: (-kv[1], kv[0]))[: self.size]
            self.items = dict(best)

    def sample(self, n: int, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
        if not self.items or n <= 0:
            return [], np.zeros(0)
        keys = sorted(self.items)
        chosen = rng.choice(len(keys), size=min(n, len(keys)), replace=False)
        picked = [keys[i] for i in chosen]
        return picked, np.array([self.items[s] for s in picked])

    def __len__(self) -> int:
        return len(self.items)
