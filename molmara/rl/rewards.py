"""A batch's rewards and loss mask, built in one place and one documented order.

The rules are REINVENT 4's (`runmodes/samplers/sampler.py`, `scoring/compute_scores.py`,
`runmodes/RL/reward.py`, `memories/diversity_filter.py`), then MARA:

1. **invalid** SMILES → reward 0, in the loss (the loss pulls them back towards the prior);
2. **over budget** (not scored: the oracle budget is spent) → out of the loss;
3. **oracle failure** on a valid molecule (NaN score) → out of the loss (the scoring service does not
   cache it as the molecule's score);
4. **repeats**: the second and later copies of a canonical SMILES in the batch follow `duplicates`:
   `"zero"` (REINVENT 4, default) → reward 0 and in the loss; `"drop"` (Saturn) → out of the loss;
   `"keep"` (ablation only) → the full score;
5. **diversity filter** (when on) over the molecules still scored, in batch order;
6. **MARA** (when on): τ (a percentile is taken over these rows) and the anchor come from the *on-policy,
   valid, in-budget, first-copy, scored* molecules only. Every in-loss row at or above τ whose reward is the
   oracle's — those molecules, a kept repeat, and a replayed molecule — gets the anchor's target; a row
   that a rule set to 0 (invalid, a zeroed repeat, a filtered molecule) is never lifted. Replayed rows
   never move τ and never anchor: they are off-policy, and MARA's target is defined on the current batch.

Steps 1–5 are `batch_rewards`; replay (REINVENT 4 order: add the batch's scored first copies with these
rewards, then draw) sits between it and step 6, `mara_rewards`. The diversity filter passed in is the
only state either function changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from molmara.rl.filters import ScaffoldDiversityFilter
from molmara.rl.mara import Augmented, augment

DuplicatePolicy = Literal["zero", "drop", "keep"]
DUPLICATE_POLICIES: tuple[str, ...] = ("zero", "drop", "keep")


@dataclass(frozen=True)
class BatchRewards:
    """Steps 1–5 for the sampled batch (one entry per sequence)."""

    rewards: np.ndarray
    """The reward of each row before MARA; NaN where the row is out of the loss."""
    in_loss: np.ndarray
    duplicate: np.ndarray
    """Second and later copies of a canonical SMILES in the batch."""
    filtered: np.ndarray
    """Rows the diversity filter set to 0."""
    eligible: np.ndarray
    """On-policy, valid, in-budget, first-copy, scored rows: what MARA's τ and anchor are taken from."""
    liftable: np.ndarray
    """In-loss rows whose reward is the oracle's (MARA may rescale them)."""


def duplicate_mask(canonical: list[str | None]) -> np.ndarray:
    """True for the second and later copies of each canonical SMILES (None is never a copy)."""
    seen: set[str] = set()
    out = np.zeros(len(canonical), dtype=bool)
    for i, smiles in enumerate(canonical):
        if smiles is None:
            continue
        out[i] = smiles in seen
        seen.add(smiles)
    return out


def batch_rewards(
    canonical: list[str | None],
    scores: np.ndarray,
    over_budget: np.ndarray,
    scaffolds: list[str | None],
    duplicates: DuplicatePolicy = "zero",
    diversity_filter: ScaffoldDiversityFilter | None = None,
) -> BatchRewards:
    """Steps 1–5 of the module docstring: rewards and loss mask of a sampled batch."""
    if duplicates not in DUPLICATE_POLICIES:
        raise ValueError(f"duplicates must be one of {', '.join(DUPLICATE_POLICIES)}, got {duplicates!r}")
    scores = np.asarray(scores, dtype=np.float64)
    over_budget = np.asarray(over_budget, dtype=bool)
    invalid = np.array([c is None for c in canonical], dtype=bool)
    failed = ~invalid & ~over_budget & ~np.isfinite(scores)
    repeat = duplicate_mask(canonical) & ~over_budget & ~failed

    rewards = np.where(invalid, 0.0, scores)
    in_loss = ~over_budget & ~failed
    rewards[~in_loss] = np.nan
    if duplicates == "zero":
        rewards[repeat] = 0.0
    elif duplicates == "drop":
        rewards[repeat] = np.nan
        in_loss &= ~repeat

    scored = in_loss & ~invalid & ~(repeat & (duplicates == "zero"))
    filtered = np.zeros(len(canonical), dtype=bool)
    if diversity_filter is not None:
        rows = np.flatnonzero(scored)
        after = diversity_filter.apply(rewards[rows], [canonical[i] for i in rows], [scaffolds[i] for i in rows])
        filtered[rows] = (after == 0.0) & (rewards[rows] != 0.0)
        rewards[rows] = after
    eligible = scored & ~repeat
    liftable = scored & ~filtered
    return BatchRewards(rewards, in_loss, repeat, filtered, eligible, liftable)


def mara_rewards(
    batch: BatchRewards,
    replay_rewards: np.ndarray,
    prior_logp: np.ndarray,
    tau: float | str,
    beta: float,
) -> Augmented:
    """Step 6 over the batch's rows followed by the replayed rows (`prior_logp` covers both, in that order)."""
    replay_rewards = np.asarray(replay_rewards, dtype=np.float64)
    rewards = np.concatenate([batch.rewards, replay_rewards])
    on_policy = np.zeros(len(replay_rewards), dtype=bool)
    eligible = np.concatenate([batch.eligible, on_policy])
    liftable = np.concatenate([batch.liftable, np.isfinite(replay_rewards)])
    return augment(rewards, prior_logp, tau, beta, eligible=eligible, rescaled=liftable)
