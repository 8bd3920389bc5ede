"""What counts as a hit in a run, defined once for the trainer, the reports and the app.

A run's hit score is its `hit_threshold`; when that is not set, its τ when τ is a number; when τ is a
percentile ("p90"), `DEFAULT_TAU`. Light on purpose: the metrics layer reads it without torch or pydantic.
"""

from __future__ import annotations

DEFAULT_TAU = 0.8
"""τ when a run config does not set one, and the hit score of a run whose τ is a percentile."""


def hit_score(hit_threshold: float | None, tau: float | str | None) -> float:
    """The score at or above which a molecule of a run is a hit."""
    if hit_threshold is not None:
        return float(hit_threshold)
    if isinstance(tau, (int, float)) and not isinstance(tau, bool):
        return float(tau)
    return DEFAULT_TAU
