"""Metrics a chemist reads to judge generated molecules."""

from molmara.metrics.distribution import internal_diversity, novelty, sample_quality, uniqueness, validity

__all__ = ["internal_diversity", "novelty", "sample_quality", "uniqueness", "validity"]
