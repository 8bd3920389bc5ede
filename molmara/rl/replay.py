"""Experience replay as REINVENT 4's inception (`memories/inception.py`): the best unique molecules so far.

Each step the batch's molecules are added first (with the reward after the duplicate rule and the
diversity filter), then the replay sample is drawn. A molecule already in the memory keeps its first
entry; the memory is sorted by reward, highest first (ties keep their order of arrival), and cut to its
size. Each entry also keeps the SMILES as sampled, which is what the agent's likelihood is taken of.
"""

from __future__ import annotations

import numpy as np


class ReplayMemory:
    """The `size` highest-rewarded unique molecules: canonical SMILES → (reward, SMILES as sampled)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: dict[str, tuple[float, str]] = {}

    def add(self, canonical: list[str], rewards: np.ndarray, sampled: list[str]) -> None:
        """Add molecules not in the memory yet; keep the best `size` (NaN rewards are never added)."""
        if self.size <= 0:
            return
        for key, reward, smiles in zip(canonical, rewards, sampled, strict=True):
            if key is not None and key not in self.items and np.isfinite(reward):
                self.items[key] = (float(reward), smiles)
        if len(self.items) > self.size:
            ranked = sorted(self.items.items(), key=lambda kv: -kv[1][0])  # stable: ties keep arrival order
            self.items = dict(ranked[: self.size])

    def sample(self, n: int, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
        """Up to `n` distinct entries drawn at random: their sampled SMILES and rewards."""
        if not self.items or n <= 0:
            return [], np.zeros(0)
        entries = list(self.items.values())
        chosen = rng.choice(len(entries), size=min(n, len(entries)), replace=False)
        return [entries[i][1] for i in chosen], np.array([entries[i][0] for i in chosen], dtype=np.float64)

    def state(self) -> list[list]:
        """The entries in order, for a checkpoint."""
        return [[key, reward, smiles] for key, (reward, smiles) in self.items.items()]

    def load_state(self, state) -> None:
        """Restore from `state()`; an older checkpoint's {canonical: reward} encodes the canonical SMILES."""
        if isinstance(state, dict):
            self.items = {key: (float(reward), key) for key, reward in state.items()}
        else:
            self.items = {key: (float(reward), smiles) for key, reward, smiles in state}

    def __len__(self) -> int:
        return len(self.items)
