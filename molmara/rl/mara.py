"""MARA — Mode Anchored Reward Augmentation (GX-Chen et al., ICLR 2026, Algorithm 1).

Per sampled batch, with threshold τ and KL coefficient β:

1. the anchor z is, among samples with R ≥ τ, the one with the highest reference log-likelihood;
2. every sample y with R(y) ≥ τ gets R̄(y) = R(z) + β·(log π_ref(z) − log π_ref(y));
3. samples below τ keep R; a batch with no sample at or above τ is unchanged.

The reverse-KL target π_ref·exp(R̄/β) is then the same for every sample at or above τ — uniform over
the good region — and unchanged below it. NaN rewards (invalid molecules) are never at or above τ
and stay NaN. Ties in log π_ref are broken by the higher reward, then the lower index.

`eligible` restricts which rows set τ (a percentile is taken over them) and which may be the anchor;
`rescaled` says which rows at or above τ get R̄ (by default the eligible ones). The trainer takes τ and
the anchor from the on-policy, valid, in-budget, first-copy molecules only, and also rescales replayed
molecules at or above τ (see `molmara.rl.rewards`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

_PERCENTILE = re.compile(r"^p(\d+(?:\.\d+)?)$")


class MaraError(ValueError):
    """Bad MARA settings (τ, β)."""


@dataclass(frozen=True)
class Augmented:
    """Augmented rewards of a batch and what MARA did to it."""

    rewards: np.ndarray
    anchor: int | None
    """Index of the anchor z, or None when no sample reached τ."""
    threshold: float
    """The numeric τ used for this batch (a percentile resolves per batch)."""
    above: np.ndarray
    """Mask of the samples at or above τ (their rewards were rescaled)."""


def parse_tau(tau: float | str) -> float | str:
    """Validate τ: a finite number, or a percentile string 'pNN' with 0 <= NN <= 100."""
    if isinstance(tau, str):
        match = _PERCENTILE.match(tau.strip().lower())
        if not match or not 0 <= float(match.group(1)) <= 100:
            raise MaraError(f"tau must be a number or a percentile like 'p90', got {tau!r}")
        return tau.strip().lower()
    if isinstance(tau, bool) or not isinstance(tau, (int, float)) or not math.isfinite(tau):
        raise MaraError(f"tau must be a finite number or a percentile like 'p90', got {tau!r}")
    return float(tau)


def resolve_tau(tau: float | str, rewards: np.ndarray) -> float:
    """The numeric threshold for this batch: τ itself, or the percentile of the finite rewards given."""
    tau = parse_tau(tau)
    if isinstance(tau, float):
        return tau
    valid = rewards[np.isfinite(rewards)]
    return float(np.percentile(valid, float(tau[1:]))) if valid.size else math.inf


def anchored_reward(anchor_reward: float, anchor_logp: float, logp: np.ndarray, beta: float) -> np.ndarray:
    """R̄(y) = R(z) + β·(log π_ref(z) − log π_ref(y)): the reward that gives y the anchor's target."""
    return anchor_reward + beta * (anchor_logp - logp)


def augment(
    rewards,
    ref_logp,
    tau: float | str,
    beta: float,
    eligible: np.ndarray | None = None,
    rescaled: np.ndarray | None = None,
) -> Augmented:
    """MARA's augmented rewards R̄ for one batch (numpy arrays or torch tensors in, numpy out).

    `eligible`: rows that set a percentile τ and may anchor (default: all). `rescaled`: rows that get R̄
    when at or above τ (default: the eligible rows); the anchor is a row that is both.
    """
    if not (isinstance(beta, (int, float)) and math.isfinite(beta) and beta > 0):
        raise MaraError(f"beta must be a positive number, got {beta!r}")
    r = _as_numpy(rewards)
    logp = _as_numpy(ref_logp)
    if r.shape != logp.shape or r.ndim != 1:
        raise MaraError(f"rewards and ref_logp must be 1-D arrays of one length, got {r.shape} and {logp.shape}")
    finite = np.isfinite(r) & np.isfinite(logp)
    eligible = finite if eligible is None else finite & np.asarray(eligible, dtype=bool)
    rescaled = eligible if rescaled is None else finite & np.asarray(rescaled, dtype=bool)
    threshold = resolve_tau(tau, r[eligible])
    candidates = np.flatnonzero(eligible & rescaled & (r >= threshold))  # the anchor is rescaled like the rest
    out = r.copy()
    if not candidates.size:
        return Augmented(out, None, threshold, np.zeros(r.shape, dtype=bool))
    # highest log π_ref; ties → higher reward → lower index (lexsort sorts by the last key first)
    order = np.lexsort((candidates, -r[candidates], -logp[candidates]))
    anchor = int(candidates[order[0]])
    above = rescaled & (r >= threshold)
    out[above] = anchored_reward(r[anchor], logp[anchor], logp[above], beta)
    return Augmented(out, anchor, threshold, above)


def _as_numpy(values) -> np.ndarray:
    if hasattr(values, "detach"):  # a torch tensor, known by its method so that this module loads without torch
        return values.detach().cpu().double().numpy()
    return np.asarray(values, dtype=np.float64)
