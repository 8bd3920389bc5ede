import numpy as np
import pytest

from molmara.transforms import TRANSFORMS, TransformError, apply_transform, validate_transform

X = np.array([0.0, 1.0, 2.5, 4.0, 5.0, np.nan])


def test_sigmoid_family_by_hand():
    # REINVENT: 1 / (1 + 10^(k (mid − x) 10 / (high − low)))
    expected = 1 / (1 + 10 ** (0.5 * (2.5 - X[:5]) * 10 / 3))
    np.testing.assert_allclose(apply_transform("sigmoid", X, {"low": 1, "high": 4})[:5], expected)
    np.testing.assert_allclose(apply_transform("reverse_sigmoid", X, {"low": 1, "high": 4})[:5], 1 - expected)
    assert apply_transform("sigmoid", X, {"low": 1, "high": 4})[2] == pytest.approx(0.5)


def test_double_sigmoid_matches_reinvent_4():
    """REINVENT 4: left of the centre 1 / (1 + 10^(−(si/div)(x − low))),
    from it on 1 − 1 / (1 + 10^(−(se/div)(x − high)))."""
    x, low, high, d, si, se = np.array([0.5, 2.0, 2.5, 3.0, 4.5]), 1.0, 4.0, 10.0, 15.0, 20.0
    left = 1 / (1 + 10 ** (-(si / d) * (x - low)))
    right = 1 - 1 / (1 + 10 ** (-(se / d) * (x - high)))
    reinvent = np.where(x < (low + high) / 2, left, right)
    np.testing.assert_allclose(
        apply_transform("double_sigmoid", x, {"low": low, "high": high, "coef_div": d, "coef_si": si, "coef_se": se}),
        reinvent,
        atol=1e-12,
    )
    assert apply_transform("double_sigmoid", np.array([1e6]), {"low": 1, "high": 2})[0] == pytest.approx(0.0)
    assert np.isnan(apply_transform("double_sigmoid", np.array([np.nan]), {"low": 1, "high": 2})[0])


def test_steps_gaussian_ramp_identity():
    assert list(apply_transform("step", X, {"low": 1, "high": 4})[:5]) == [0, 1, 1, 1, 0]
    # REINVENT 4's names: the step is on the left (1 at or below low) or on the right (1 at or above high)
    assert list(apply_transform("left_step", X, {"low": 2.5})[:5]) == [1, 1, 1, 0, 0]
    assert list(apply_transform("right_step", X, {"high": 2.5})[:5]) == [0, 0, 1, 1, 1]
    np.testing.assert_allclose(
        apply_transform("gaussian", X, {"mu": 2.5, "sigma": 1})[:5], np.exp(-0.5 * (X[:5] - 2.5) ** 2)
    )
    np.testing.assert_allclose(apply_transform("linear_ramp", X, {"low": 1, "high": 4})[:5], [0, 0, 0.5, 1, 1])
    np.testing.assert_allclose(apply_transform("linear_ramp", X, {"low": 4, "high": 1})[:5], [1, 1, 0.5, 0, 0])
    np.testing.assert_allclose(apply_transform("identity", np.array([-1, 0.3, 2]), {}), [0, 0.3, 1])


@pytest.mark.parametrize("kind", list(TRANSFORMS))
def test_nan_in_nan_out(kind):
    spec = TRANSFORMS[kind]
    params = {k: v for k, v in zip(spec.required, [1.0, 4.0], strict=False)}
    assert np.isnan(apply_transform(kind, np.array([np.nan]), params)).all()


def test_parameters_are_validated():
    with pytest.raises(TransformError, match="unknown transform 'sigmod'"):
        validate_transform("sigmod", {})
    with pytest.raises(TransformError, match="needs low < high"):
        validate_transform("sigmoid", {"low": 5, "high": 1})
    with pytest.raises(TransformError, match="'sigma' must be > 0"):
        validate_transform("gaussian", {"mu": 0, "sigma": 0})
    with pytest.raises(TransformError, match="'low' must be a finite number"):
        validate_transform("left_step", {"low": "high"})
