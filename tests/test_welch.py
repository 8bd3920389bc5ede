"""Welch's t-test and its p-value from the incomplete beta function, checked against closed forms."""

import math

import numpy as np
import pytest

from molmara.metrics import incomplete_beta, student_t_sf, welch_t_test


def test_incomplete_beta_closed_forms():
    for x in (0.0, 0.1, 0.37, 0.5, 0.93, 1.0):
        assert incomplete_beta(1.0, 1.0, x) == pytest.approx(x, abs=1e-14)  # uniform
        assert incomplete_beta(2.0, 1.0, x) == pytest.approx(x**2, abs=1e-14)
        assert incomplete_beta(1.0, 3.0, x) == pytest.approx(1 - (1 - x) ** 3, abs=1e-14)
    # symmetry I_x(a, b) = 1 − I_{1−x}(b, a), on both branches of the continued fraction
    for a, b, x in ((0.7, 5.3, 0.2), (12.0, 0.5, 0.9), (30.0, 40.0, 0.45)):
        assert incomplete_beta(a, b, x) == pytest.approx(1 - incomplete_beta(b, a, 1 - x), abs=1e-13)
    with pytest.raises(ValueError):
        incomplete_beta(0.0, 1.0, 0.5)
    with pytest.raises(ValueError):
        incomplete_beta(1.0, 1.0, 1.5)


@pytest.mark.parametrize("t", [-3.0, -0.4, 0.0, 0.8, 2.5, 40.0])
def test_student_t_tail_closed_forms(t):
    assert student_t_sf(t, 1.0) == pytest.approx(0.5 - math.atan(t) / math.pi, abs=1e-13)  # Cauchy
    assert student_t_sf(t, 2.0) == pytest.approx(0.5 - t / (2 * math.sqrt(2 + t * t)), abs=1e-13)
    assert student_t_sf(t, 1e7) == pytest.approx(0.5 * math.erfc(t / math.sqrt(2)), abs=1e-6)  # normal limit


def test_welch_by_hand():
    a, b = [5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 4.0]
    va, vb = np.var(a, ddof=1) / 4, np.var(b, ddof=1) / 3
    t = (np.mean(a) - np.mean(b)) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / 3 + vb**2 / 2)
    result = welch_t_test(a, b)
    assert result.t == pytest.approx(t) and result.df == pytest.approx(df)
    assert result.p == pytest.approx(student_t_sf(t, df)) and result.p < 0.02
    assert welch_t_test(a, b, "less").p == pytest.approx(1 - result.p)
    assert welch_t_test(a, b, "two-sided").p == pytest.approx(2 * result.p)
    assert welch_t_test(b, a, "greater").p == pytest.approx(1 - result.p)


def test_welch_edge_cases():
    assert math.isnan(welch_t_test([1.0], [1.0, 2.0]).p)  # one value: no variance estimate
    assert math.isnan(welch_t_test([1.0, float("nan")], [1.0, 2.0]).p)  # NaN dropped → one value
    assert welch_t_test([3.0, 3.0], [1.0, 1.0]).p == 0.0  # no variance, a real difference
    assert welch_t_test([1.0, 1.0], [3.0, 3.0]).p == 1.0
    assert math.isnan(welch_t_test([2.0, 2.0], [2.0, 2.0]).p)
    with pytest.raises(ValueError, match="alternative"):
        welch_t_test([1.0, 2.0], [1.0, 2.0], "bigger")


def test_welch_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(7)
    for _ in range(20):
        a = rng.normal(0, rng.uniform(0.1, 3), rng.integers(2, 9))
        b = rng.normal(rng.normal(), rng.uniform(0.1, 3), rng.integers(2, 9))
        for alternative in ("greater", "less", "two-sided"):
            ours = welch_t_test(a, b, alternative)
            theirs = stats.ttest_ind(a, b, equal_var=False, alternative=alternative)
            assert ours.t == pytest.approx(theirs.statistic, rel=1e-12)
            assert ours.p == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-14)
