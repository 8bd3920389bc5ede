"""Closed-form optimal policies of KL-regularised RL over a finite set of outcomes.

For outcomes y with rewards R(y) and reference log-probabilities log π_ref(y) (normalised over the
set here):

- reverse KL, max E_π[R] − β·KL(π‖π_ref):   G_β(y) ∝ π_ref(y)·exp(R(y)/β)         (`gibbs_target`)
- forward KL, max E_π[R] − β·KL(π_ref‖π):   G(y) = β·π_ref(y) / (Λ − R(y)),  Λ > max R the
  normaliser, solved numerically                                                      (`forward_kl_target`)
- MARA: the same targets with MARA's augmented rewards, which make the reverse-KL target uniform over
  every outcome with R ≥ τ                                                             (`mara_target`)

Used by the tests, the mode-collapse notebook and the app's explainer.
"""

from __future__ import annotations

import numpy as np

from molmara.rl.mara import augment


def _check(rewards, ref_logp, beta: float) -> tuple[np.ndarray, np.ndarray]:
    r = np.asarray(rewards, dtype=np.float64)
    logp = np.asarray(ref_logp, dtype=np.float64)
    if r.shape != logp.shape or r.ndim != 1 or r.size == 0:
        raise ValueError(
            f"rewards and ref_logp must be non-empty 1-D arrays of one length, got {r.shape}, {logp.shape}"
        )
    if not (np.isfinite(r).all() and np.isfinite(logp).all()):
        raise ValueError("rewards and ref_logp must be finite")
    if not beta > 0:
        raise ValueError(f"beta must be > 0, got {beta}")
    return r, logp - np.logaddexp.reduce(logp)


def gibbs_target(rewards, ref_logp, beta: float) -> np.ndarray:
    """Reverse-KL optimum π_ref·exp(R/β), normalised."""
    r, logp = _check(rewards, ref_logp, beta)
    logits = logp + r / beta
    return np.exp(logits - np.logaddexp.reduce(logits))


def _solve_normaliser(r: np.ndarray, pi: np.ndarray, beta: float, tol: float) -> float:
    """Λ with Σ β·π/(Λ − R) = 1 by bisection on (max R, max R + β], where the sum falls from +∞ to ≤ 1."""
    low, high = float(r.max()), float(r.max()) + beta
    for _ in range(400):
        middle = 0.5 * (low + high)
        if middle <= low or middle >= high:  # the interval cannot shrink further in float64
            return middle
        total = float(np.sum(beta * pi / (middle - r)))
        if abs(total - 1.0) <= tol:
            return middle
        low, high = (middle, high) if total > 1.0 else (low, middle)
    return 0.5 * (low + high)


def forward_kl_normaliser(rewards, ref_logp, beta: float, tol: float = 1e-12) -> float:
    """Λ of the forward-KL target: the number above max R that makes the target sum to 1 (to `tol`)."""
    r, logp = _check(rewards, ref_logp, beta)
    return _solve_normaliser(r, np.exp(logp), beta, tol)


def forward_kl_target(rewards, ref_logp, beta: float, tol: float = 1e-12) -> np.ndarray:
    """Forward-KL optimum β·π_ref/(Λ − R), Λ solved so that it sums to 1 within `tol`."""
    r, logp = _check(rewards, ref_logp, beta)
    pi = np.exp(logp)
    return beta * pi / (_solve_normaliser(r, pi, beta, tol) - r)


def mara_target(rewards, ref_logp, beta: float, tau: float | str, divergence: str = "reverse") -> np.ndarray:
    """The optimum under MARA's augmented rewards (anchor chosen over the whole outcome set)."""
    r, logp = _check(rewards, ref_logp, beta)
    augmented = augment(r, logp, tau, beta).rewards
    if divergence == "reverse":
        return gibbs_target(augmented, logp, beta)
    if divergence == "forward":
        return forward_kl_target(augmented, logp, beta)
    raise ValueError(f"divergence must be 'reverse' or 'forward', got {divergence!r}")
