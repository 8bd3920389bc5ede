"""Transforms: raw oracle values → desirability in [0, 1], pure functions over numpy arrays.

Sigmoid, reverse sigmoid and double sigmoid follow REINVENT's parametrisation (low, high, k):
the curve is centred at (low + high) / 2 and `k` sets its steepness relative to the window.
NaN in gives NaN out. Parameters are validated and errors name the transform, key and value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


class TransformError(ValueError):
    """A transform name or parameter is wrong."""


def _sigmoid_core(x: np.ndarray, low: float, high: float, k: float) -> np.ndarray:
    # REINVENT: 1 / (1 + 10^(-k * (x - (high + low) / 2) * 10 / (high - low)))
    exponent = np.clip(-k * (x - (high + low) / 2) * 10.0 / (high - low), -300, 300)
    return 1.0 / (1.0 + np.power(10.0, exponent))


def sigmoid(x: np.ndarray, low: float, high: float, k: float = 0.5) -> np.ndarray:
    """Rises from 0 below `low` to 1 above `high`."""
    return _sigmoid_core(np.asarray(x, dtype=float), low, high, k)


def reverse_sigmoid(x: np.ndarray, low: float, high: float, k: float = 0.5) -> np.ndarray:
    """Falls from 1 below `low` to 0 above `high`."""
    return 1.0 - _sigmoid_core(np.asarray(x, dtype=float), low, high, k)


def double_sigmoid(
    x: np.ndarray, low: float, high: float, coef_div: float = 100.0, coef_si: float = 150.0, coef_se: float = 150.0
) -> np.ndarray:
    """1 inside [low, high], falling off on both sides: REINVENT 4's double sigmoid.

    Below the centre (low + high) / 2 it is a base-10 logistic that passes 0.5 at `low` with slope
    coef_si / coef_div; from the centre on, one minus a logistic that passes 0.5 at `high` with slope
    coef_se / coef_div (REINVENT 4, `scoring/transforms/sigmoid_functions.py`).
    """
    x = np.asarray(x, dtype=float)
    left = 1.0 / (1.0 + np.power(10.0, np.clip(-coef_si * (x - low) / coef_div, -300, 300)))
    right = 1.0 - 1.0 / (1.0 + np.power(10.0, np.clip(-coef_se * (x - high) / coef_div, -300, 300)))
    return np.where(np.isnan(x), np.nan, np.where(x < (low + high) / 2, left, right))


def step(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """1 inside [low, high], 0 outside."""
    x = np.asarray(x, dtype=float)
    return np.where(np.isnan(x), np.nan, ((x >= low) & (x <= high)).astype(float))


def left_step(x: np.ndarray, low: float) -> np.ndarray:
    """1 at or below `low`, 0 above: the step on the left, as REINVENT 4's `left_step`."""
    x = np.asarray(x, dtype=float)
    return np.where(np.isnan(x), np.nan, (x <= low).astype(float))


def right_step(x: np.ndarray, high: float) -> np.ndarray:
    """1 at or above `high`, 0 below: the step on the right, as REINVENT 4's `right_step`."""
    x = np.asarray(x, dtype=float)
    return np.where(np.isnan(x), np.nan, (x >= high).astype(float))


def gaussian(x: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    """exp(−½((x − μ)/σ)²): 1 at μ."""
    x = np.asarray(x, dtype=float)
    return np.exp(-0.5 * ((x - mu) / sigma) ** 2)


def min_gaussian(x: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    """1 at or below μ, a Gaussian fall-off above it (GuacaMol's `MinGaussianModifier`: keep x under μ)."""
    x = np.asarray(x, dtype=float)
    return np.exp(-0.5 * ((np.maximum(x, mu) - mu) / sigma) ** 2)


def max_gaussian(x: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    """1 at or above μ, a Gaussian fall-off below it (GuacaMol's `MaxGaussianModifier`: keep x over μ)."""
    x = np.asarray(x, dtype=float)
    return np.exp(-0.5 * ((np.minimum(x, mu) - mu) / sigma) ** 2)


def linear_ramp(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """0 at or below `low`, 1 at or above `high`, linear between (swap low and high to reverse)."""
    x = np.asarray(x, dtype=float)
    return np.clip((x - low) / (high - low), 0.0, 1.0)


def identity(x: np.ndarray) -> np.ndarray:
    """Values as they are (for oracles already in [0, 1]), clipped to [0, 1]."""
    return np.clip(np.asarray(x, dtype=float), 0.0, 1.0)


@dataclass(frozen=True)
class TransformSpec:
    function: Callable[..., np.ndarray]
    required: tuple[str, ...]
    optional: dict[str, float]
    description: str


TRANSFORMS: dict[str, TransformSpec] = {
    "sigmoid": TransformSpec(sigmoid, ("low", "high"), {"k": 0.5}, "rises from 0 to 1 between low and high"),
    "reverse_sigmoid": TransformSpec(
        reverse_sigmoid, ("low", "high"), {"k": 0.5}, "falls from 1 to 0 between low and high"
    ),
    "double_sigmoid": TransformSpec(
        double_sigmoid,
        ("low", "high"),
        {"coef_div": 100.0, "coef_si": 150.0, "coef_se": 150.0},
        "1 inside [low, high], soft edges",
    ),
    "step": TransformSpec(step, ("low", "high"), {}, "1 inside [low, high], 0 outside"),
    "left_step": TransformSpec(left_step, ("low",), {}, "1 at or below low"),
    "right_step": TransformSpec(right_step, ("high",), {}, "1 at or above high"),
    "gaussian": TransformSpec(gaussian, ("mu", "sigma"), {}, "1 at mu, width sigma"),
    "min_gaussian": TransformSpec(min_gaussian, ("mu", "sigma"), {}, "1 at or below mu, Gaussian fall-off above"),
    "max_gaussian": TransformSpec(max_gaussian, ("mu", "sigma"), {}, "1 at or above mu, Gaussian fall-off below"),
    "linear_ramp": TransformSpec(linear_ramp, ("low", "high"), {}, "linear from 0 at low to 1 at high"),
    "identity": TransformSpec(identity, (), {}, "the raw value, clipped to [0, 1]"),
}


def validate_transform(kind: str, params: dict) -> dict:
    """Checked, complete parameters of a transform; `TransformError` names what is wrong."""
    if kind not in TRANSFORMS:
        raise TransformError(f"unknown transform {kind!r} (allowed: {', '.join(TRANSFORMS)})")
    spec = TRANSFORMS[kind]
    allowed = set(spec.required) | set(spec.optional)
    for key in params:
        if key not in allowed:
            raise TransformError(
                f"transform {kind!r} has no parameter {key!r} (parameters: {sorted(allowed) or 'none'})"
            )
    out = dict(spec.optional)
    for key in spec.required:
        if key not in params:
            raise TransformError(f"transform {kind!r} needs parameter {key!r}")
    for key, value in params.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
            raise TransformError(f"transform {kind!r} parameter {key!r} must be a finite number, got {value!r}")
        out[key] = float(value)
    if kind in ("sigmoid", "reverse_sigmoid", "double_sigmoid", "step") and not out["low"] < out["high"]:
        raise TransformError(f"transform {kind!r} needs low < high, got low={out['low']}, high={out['high']}")
    if kind == "linear_ramp" and out["low"] == out["high"]:
        raise TransformError(f"transform 'linear_ramp' needs low != high, got {out['low']}")
    if kind in ("gaussian", "min_gaussian", "max_gaussian") and not out["sigma"] > 0:
        raise TransformError(f"transform {kind!r} parameter 'sigma' must be > 0, got {out['sigma']}")
    if kind == "double_sigmoid" and not out["coef_div"] > 0:
        raise TransformError(f"transform 'double_sigmoid' parameter 'coef_div' must be > 0, got {out['coef_div']}")
    return out


def apply_transform(kind: str, values: np.ndarray, params: dict) -> np.ndarray:
    """Apply a named transform with validated parameters."""
    return TRANSFORMS[kind].function(values, **validate_transform(kind, params))
