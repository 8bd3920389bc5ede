"""The benchmarks' Welch test: SciPy's statistic by hand, and the edge cases a results table meets."""

import math

import numpy as np
import pytest
from scipy import stats

from benchmarks.welch import welch_t_test


def test_welch_by_hand():
    a, b = [5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 4.0]
    va, vb = np.var(a, ddof=1) / 4, np.var(b, ddof=1) / 3
    t = (np.mean(a) - np.mean(b)) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / 3 + vb**2 / 2)
    result = welch_t_test(a, b)
    assert result.t == pytest.approx(t) and result.df == pytest.approx(df)
    assert result.p == pytest.approx(stats.t.sf(t, df)) and result.p < 0.02
    assert welch_t_test(a, b, "less").p == pytest.approx(1 - result.p)
    assert welch_t_test(a, b, "two-sided").p == pytest.approx(2 * result.p)
    assert welch_t_test(b, a, "greater").p == pytest.approx(1 - result.p)


def test_welch_edge_cases():
    assert math.isnan(welch_t_test([1.0], [1.0, 2.0]).p)  # one value: no variance estimate
    assert math.isnan(welch_t_test([1.0, float("nan")], [1.0, 2.0]).p)  # NaN dropped → one value
    assert welch_t_test([3.0, 3.0], [1.0, 1.0]).p == 0.0  # no variance, a real difference
    assert welch_t_test([1.0, 1.0], [3.0, 3.0]).p == 1.0
    assert welch_t_test([1.0, 1.0], [3.0, 3.0], "two-sided").p == 0.0
    assert math.isnan(welch_t_test([2.0, 2.0], [2.0, 2.0]).p)
    assert welch_t_test([2.0, 2.0], [1.0, 3.0]).p == pytest.approx(0.5)  # one group varies: SciPy's answer
    with pytest.raises(ValueError, match="alternative"):
        welch_t_test([1.0, 2.0], [1.0, 2.0], "bigger")
