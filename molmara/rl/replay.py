"""Experience replay: a memory of the best unique molecules so far, and a draw from it each step.

Two modes, each its reference's order and draw (`ReplayConfig.mode`):

- `"reinvent4"` (REINVENT 4's inception, `memories/inception.py`): the batch's molecules are added first,
  then up to `sample_size` entries are drawn uniformly at random.
- `"pmo"` (PMO's REINVENT, mol_opt `main/reinvent/run.py` and `data_structs.Experience`): once the memory
  holds more than `sample_size` entries, `sample_size` of them are drawn without replacement with
  probability proportional to reward + 1e-10; then the batch's molecules are added.

In both, a molecule already in the memory keeps its first entry; the memory is sorted by reward, highest
first (ties keep their order of arrival), and cut to its size. What is stored is the reward after the batch
rules (`molmara.rl.rewards`: repeats and the diversity filter), and each entry also keeps the SMILES as
sampled, which is what the agent's likelihood is taken of.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

ReplayMode = Literal["reinvent4", "pmo"]

PMO_EPSILON = 1e-10
"""Added to every reward before PMO's proportional draw (mol_opt's), so that zero-reward entries can be drawn."""


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

    def sample(self, n: int, rng: np.random.Generator, weighted: bool = False) -> tuple[list[str], np.ndarray]:
        """Up to `n` distinct entries: their sampled SMILES and rewards. Uniform, or (`weighted`) with
        probability proportional to reward + `PMO_EPSILON` (negative rewards count as 0)."""
        if not self.items or n <= 0:
            return [], np.zeros(0)
        entries = list(self.items.values())
        p = None
        if weighted:
            weights = np.clip(np.array([reward for reward, _ in entries], dtype=np.float64), 0.0, None) + PMO_EPSILON
            p = weights / weights.sum()
        chosen = rng.choice(len(entries), size=min(n, len(entries)), replace=False, p=p)
        return [entries[i][1] for i in chosen], np.array([entries[i][0] for i in chosen], dtype=np.float64)

    def step(
        self, mode: ReplayMode, n: int, rng: np.random.Generator, canonical: list[str], rewards, sampled: list[str]
    ) -> tuple[list[str], np.ndarray]:
        """One step's add and draw in the order of `mode` (see the module docstring); returns the draw."""
        if mode == "pmo":
            drawn = self.sample(n, rng, weighted=True) if len(self) > n else ([], np.zeros(0))
            self.add(canonical, rewards, sampled)
            return drawn
        self.add(canonical, rewards, sampled)
        return self.sample(n, rng)

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
