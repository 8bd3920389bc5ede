"""Welch's t-test for comparing runs across seeds, without SciPy.

Benchmarks compare a handful of seeds per arm with unequal variances, so the test is Welch's: the
statistic t = (mean_a − mean_b) / sqrt(var_a/n_a + var_b/n_b) with the Welch–Satterthwaite degrees
of freedom, and its p-value from Student's t distribution, P(T > t) = I_x(ν/2, 1/2) / 2 with
x = ν / (ν + t²) for t > 0, where I is the regularised incomplete beta function (evaluated by its
continued fraction, modified Lentz method).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["WelchResult", "incomplete_beta", "student_t_sf", "welch_t_test"]


def _beta_fraction(a: float, b: float, x: float, eps: float = 1e-15, max_terms: int = 10_000) -> float:
    """The continued fraction 1 / (1 + d1 / (1 + d2 / (1 + …))) of I_x(a, b), by the modified Lentz method."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, max_terms + 1):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),  # even term d_2m
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),  # odd term d_2m+1
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < eps:
            return result
    return result


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b) for a, b > 0 and 0 <= x <= 1."""
    if not (a > 0 and b > 0):
        raise ValueError(f"a and b must be > 0, got {a}, {b}")
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"x must lie in [0, 1], got {x}")
    if x in (0.0, 1.0):
        return x
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):  # the fraction converges fast here; use the symmetry otherwise
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def student_t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with `df` (> 0, not necessarily whole) degrees of freedom."""
    if not df > 0:
        raise ValueError(f"df must be > 0, got {df}")
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t))
    return tail if t >= 0 else 1.0 - tail


@dataclass(frozen=True)
class WelchResult:
    """Welch's t statistic, its degrees of freedom and the p-value of the chosen alternative."""

    t: float
    df: float
    p: float
    alternative: str


def welch_t_test(a: Sequence[float], b: Sequence[float], alternative: str = "greater") -> WelchResult:
    """Welch's t-test of mean(a) against mean(b); NaN values are dropped.

    `alternative`: "greater" (H1: mean a > mean b), "less" or "two-sided". With fewer than two values
    in either group the result is NaN. When both groups have zero variance the p-value is 0 or 1
    (means differ in the tested direction or not) and NaN for equal means.
    """
    if alternative not in ("greater", "less", "two-sided"):
        raise ValueError(f"alternative must be 'greater', 'less' or 'two-sided', got {alternative!r}")
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if x.size < 2 or y.size < 2:
        return WelchResult(math.nan, math.nan, math.nan, alternative)
    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    diff = float(x.mean() - y.mean())
    if vx + vy == 0.0:
        if diff == 0.0:
            return WelchResult(math.nan, math.nan, math.nan, alternative)
        t = math.copysign(math.inf, diff)
        df = float(x.size + y.size - 2)
    else:
        t = diff / math.sqrt(vx + vy)
        df = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    if alternative == "greater":
        p = student_t_sf(t, df)
    elif alternative == "less":
        p = student_t_sf(-t, df)
    else:
        p = min(1.0, 2.0 * student_t_sf(abs(t), df))
    return WelchResult(float(t), float(df), float(p), alternative)
