"""Welch's t-test for comparing benchmark arms across seeds (a handful of seeds each, unequal variances).

The statistic and p-value are SciPy's (`scipy.stats.ttest_ind(equal_var=False)`, NaN values dropped); two cases
a results table meets are stated here rather than left to SciPy's warnings: fewer than two values in a group
gives NaN, and two groups with no variance give p = 0 or 1 (the means differ in the tested direction or not), NaN
when the means are equal too.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

ALTERNATIVES = ("greater", "less", "two-sided")


@dataclass(frozen=True)
class WelchResult:
    """Welch's t statistic, its (Welch–Satterthwaite) degrees of freedom and the p-value of the alternative."""

    t: float
    df: float
    p: float
    alternative: str


def welch_t_test(a: Sequence[float], b: Sequence[float], alternative: str = "greater") -> WelchResult:
    """Welch's t-test of mean(a) against mean(b); `alternative` "greater" (H1: mean a > mean b), "less", "two-sided"."""
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be 'greater', 'less' or 'two-sided', got {alternative!r}")
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if x.size < 2 or y.size < 2:
        return WelchResult(math.nan, math.nan, math.nan, alternative)
    if x.var() == 0.0 and y.var() == 0.0:
        diff = float(x.mean() - y.mean())
        if diff == 0.0:
            return WelchResult(math.nan, math.nan, math.nan, alternative)
        wins = {"greater": diff > 0, "less": diff < 0, "two-sided": True}[alternative]
        return WelchResult(math.copysign(math.inf, diff), float(x.size + y.size - 2), 0.0 if wins else 1.0, alternative)
    with warnings.catch_warnings():  # one constant group (all seeds 0, say) is an answer here, not a precision loss
        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        result = stats.ttest_ind(x, y, equal_var=False, alternative=alternative)
    return WelchResult(float(result.statistic), float(result.df), float(result.pvalue), alternative)
