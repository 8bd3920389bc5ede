"""The app's forms as plain data: oracle parameters from widget values, transform defaults and curves,
and run configs from the Launch page (no Streamlit here, so the tests can check each rule)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from molmara.defaults import DEFAULT_OUTPUT
from molmara.hits import DEFAULT_TAU
from molmara.oracles import OracleError
from molmara.oracles import get as get_oracle
from molmara.rl.config import LOSS_LABELS, RunConfig, load_run_config
from molmara.rl.mara import MaraError, parse_tau
from molmara.transforms import TRANSFORMS, TransformError, apply_transform, validate_transform

ROLES = ("score", "filter", "penalty")
AGGREGATIONS = ("geometric", "arithmetic", "product")
ALGORITHMS = {
    "MARA": {"mara": True},
    "plain (no MARA)": {"mara": False},
    "diversity filter (no MARA)": {"mara": False, "diversity_filter": {"enabled": True}},
}
# A starting transform for oracles whose values are not already in [0, 1]; the chemist adjusts it.
DEFAULT_TRANSFORMS: dict[str, dict] = {
    "sa": {"type": "reverse_sigmoid", "low": 2.0, "high": 4.5},
    "mw": {"type": "double_sigmoid", "low": 200.0, "high": 500.0},
    "logp": {"type": "double_sigmoid", "low": 1.0, "high": 4.0},
    "tpsa": {"type": "double_sigmoid", "low": 20.0, "high": 140.0},
    "hbd": {"type": "left_step", "low": 5.0},
    "hba": {"type": "left_step", "low": 10.0},
    "rotatable_bonds": {"type": "reverse_sigmoid", "low": 4.0, "high": 10.0},
    "heavy_atoms": {"type": "double_sigmoid", "low": 15.0, "high": 40.0},
    "rings": {"type": "double_sigmoid", "low": 1.0, "high": 4.0},
    "aromatic_rings": {"type": "double_sigmoid", "low": 1.0, "high": 3.0},
    "bertz": {"type": "reverse_sigmoid", "low": 300.0, "high": 900.0},
    "formal_charge": {"type": "gaussian", "mu": 0.0, "sigma": 1.0},
    "atom_count": {"type": "gaussian", "mu": 1.0, "sigma": 1.0},
}


def default_transform(oracle: str, value_range: tuple[float, float]) -> dict:
    """A reasonable first transform for an oracle: identity for values in [0, 1], else a curve over its range."""
    if oracle in DEFAULT_TRANSFORMS:
        return dict(DEFAULT_TRANSFORMS[oracle])
    low, high = value_range
    if low >= 0.0 and high <= 1.0:
        return {"type": "identity"}
    return {"type": "sigmoid", **transform_parameters("sigmoid", (low, high))}


def transform_parameters(kind: str, value_range: tuple[float, float]) -> dict[str, float]:
    """Starting parameters of a transform for values in `value_range` (infinite ends become 0 and 10)."""
    low = value_range[0] if math.isfinite(value_range[0]) else 0.0
    high = value_range[1] if math.isfinite(value_range[1]) else low + 10.0
    span = high - low or 1.0
    guesses = {"low": low + 0.25 * span, "high": low + 0.75 * span, "mu": low + 0.5 * span, "sigma": span / 6}
    spec = TRANSFORMS[kind]
    out = {key: round(guesses[key], 3) for key in spec.required}
    out.update(spec.optional)
    return out


def curve_range(transform: dict, value_range: tuple[float, float]) -> tuple[float, float]:
    """The x range over which to plot a transform: the oracle's range when finite, else around the parameters."""
    low, high = value_range
    if math.isfinite(low) and math.isfinite(high) and high > low:
        return float(low), float(high)
    points = [v for k, v in transform.items() if k in ("low", "high", "mu") and isinstance(v, (int, float))]
    sigma = transform.get("sigma")
    width = 4.0 * sigma if isinstance(sigma, (int, float)) else 0.0
    if not points:
        return (low if math.isfinite(low) else 0.0), (high if math.isfinite(high) else 10.0)
    left, right = min(points), max(points)
    margin = max(width, 0.5 * (right - left), 1.0)
    left, right = left - margin, right + margin
    if math.isfinite(low):
        left = max(left, low)
    if math.isfinite(high):
        right = min(right, high)
    return float(left), float(right)


def transform_curve(transform: dict, x_range: tuple[float, float], points: int = 200) -> pd.DataFrame:
    """The transform's curve as a table (x, y) for a live plot; `TransformError` when its parameters are wrong."""
    params = {k: v for k, v in transform.items() if k != "type"}
    kind = transform.get("type", "identity")
    x = np.linspace(x_range[0], x_range[1], points)
    return pd.DataFrame({"x": x, "y": apply_transform(kind, x, params)})


def parse_param(spec: dict, value: Any) -> Any:
    """A widget value converted to an oracle parameter's declared type (lists are typed one item a line or
    separated by commas); `ValueError` with the parameter's name when it cannot be."""
    kind = spec["type"]
    if kind == "list":
        if isinstance(value, str):
            return [item.strip() for line in value.splitlines() for item in line.split(",") if item.strip()]
        return list(value)
    if kind == "bool":
        return bool(value)
    if kind == "int":
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f"parameter {spec['name']!r} must be a whole number, got {value}")
        return int(value)
    if kind == "float":
        return float(value)
    return str(value)


def param_text(spec: dict, value: Any) -> str:
    """A list parameter's value as text for a text box (one item a line)."""
    return "\n".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def component_problem(component: dict) -> str | None:
    """What is wrong with one component (its oracle parameters or its transform), or None."""
    transform = dict(component.get("transform") or {"type": "identity"})
    kind = transform.pop("type", "identity")
    try:
        get_oracle(component["oracle"], **component.get("params", {}))
        validate_transform(kind, transform)
    except (OracleError, TransformError) as err:
        return str(err)
    if not isinstance(component.get("weight"), (int, float)) or component["weight"] < 0:
        return f"weight must be a number >= 0, got {component.get('weight')!r}"
    return None


def parse_tau_text(text: str) -> float | str:
    """τ as typed: a number in [0, 1] ("0.8") or a per-batch percentile ("p90"); `ValueError` otherwise."""
    text = str(text).strip()
    try:
        value: float | str = float(text)
    except ValueError:
        value = text
    try:
        value = parse_tau(value)
    except MaraError as err:
        raise ValueError(str(err)) from None
    if isinstance(value, float) and not 0.0 <= value <= 1.0:
        raise ValueError(f"tau must lie in [0, 1], got {value}")
    return value


def launch_config(
    *,
    name: str,
    objective: dict | str | None = None,
    task: str | None = None,
    prior: str | None = None,
    loss: str = "reinvent",
    algorithm: str = "MARA",
    strength: float = 128.0,
    tau: str = str(DEFAULT_TAU),
    hit_threshold: float | None = None,
    max_oracle_calls: int | None = 2000,
    max_steps: int | None = None,
    batch_size: int = 64,
    learning_rate: float = 1e-4,
    seed: int = 0,
    device: str = "auto",
    output: str = str(DEFAULT_OUTPUT),
) -> dict:
    """The run config dict of the Launch page, validated by `RunConfig` (`RunConfigError` or `ValueError`
    name what is wrong). `strength` is σ for the REINVENT loss and β for the KL losses."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {algorithm!r} (allowed: {', '.join(ALGORITHMS)})")
    config: dict[str, Any] = {
        "name": name.strip(),
        "loss": loss,
        "tau": parse_tau_text(tau),
        "batch_size": int(batch_size),
        "learning_rate": float(learning_rate),
        "seed": int(seed),
        "device": device,
        "output": output,
        "max_oracle_calls": int(max_oracle_calls) if max_oracle_calls else None,
        "max_steps": int(max_steps) if max_steps else None,
        **ALGORITHMS[algorithm],
    }
    config["sigma" if loss == "reinvent" else "beta"] = float(strength)
    if objective is not None:
        config["objective"] = objective
    if task:
        config["task"] = task
    if prior:
        config["prior"] = prior
    if hit_threshold is not None:
        config["hit_threshold"] = float(hit_threshold)
    load_run_config(config)  # raise now, on the page, rather than in the background job
    return config


def compare_configs(config: dict) -> list[dict]:
    """A MARA run and a plain run (no MARA, no diversity filter) of one config, with the same seed and
    names `<name>-mara` and `<name>-plain`: the comparison the Launch page's "Compare" button starts."""
    base = {k: v for k, v in config.items() if k not in ("mara", "diversity_filter")}
    name = base.pop("name")
    return [{**base, "name": f"{name}-mara", "mara": True}, {**base, "name": f"{name}-plain", "mara": False}]


def config_summary(config: dict | RunConfig) -> str:
    """One line describing a run config: algorithm, loss, σ/β, τ, budget and seed."""
    if isinstance(config, dict):
        config = load_run_config(config)
    algorithm = "MARA" if config.mara else ("diversity filter" if config.diversity_filter.enabled else "plain")
    strength = f"σ = {config.sigma:g}" if config.loss == "reinvent" else f"β = {config.kl_beta:g}"
    budget = [f"{config.max_oracle_calls:,} oracle calls" if config.max_oracle_calls else ""]
    budget += [f"{config.max_steps} steps" if config.max_steps else ""]
    if config.task is not None:
        objective = f"task {config.task}"
    elif isinstance(config.objective, dict):
        objective = f"objective {config.objective.get('name') or 'as built'}"
    else:
        objective = f"objective {Path(str(config.objective)).name}"
    return (
        f"{objective}, {algorithm}, {LOSS_LABELS[config.loss]}, {strength}, τ = {config.tau}, hits at score ≥ "
        f"{config.hit_score:g}, batch {config.batch_size}, {' / '.join(b for b in budget if b) or 'no budget'}, "
        f"seed {config.seed}"
    )


def draft_from_dict(data: dict, start_uid: int = 0) -> dict:
    """An objective dict (as in TOML) as the builder's draft: each component gets a `uid` for its widgets."""
    components = []
    for uid, component in enumerate(data.get("component", []), start=start_uid):
        transform = dict(component.get("transform") or {"type": "identity"})
        transform.setdefault("type", "identity")
        components.append(
            {**component, "params": dict(component.get("params", {})), "transform": transform, "uid": uid}
        )
    return {"name": data.get("name", ""), "aggregation": data.get("aggregation", "geometric"), "component": components}


def dict_from_draft(draft: dict) -> dict:
    """The builder's draft as an objective dict (`Objective.from_dict`, TOML): no uids, no empty names."""
    components = []
    for component in draft["component"]:
        out = {k: v for k, v in component.items() if k != "uid" and v not in (None, "", {})}
        out.setdefault("weight", component.get("weight", 1.0))
        components.append(out)
    data: dict[str, Any] = {"aggregation": draft.get("aggregation", "geometric"), "component": components}
    if draft.get("name"):
        data = {"name": draft["name"], **data}
    return data
