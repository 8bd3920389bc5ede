"""Objectives: oracle components, each transformed to [0, 1] and weighted, aggregated into one score.

Roles: `score` components are aggregated (weighted geometric mean, weighted arithmetic mean or
weighted product); a `filter` is a hard filter (the score is 0 where its transformed value is below
0.5); a `penalty` multiplies the score by 1 − weight·(1 − value). Raw and transformed values of
every component are kept per molecule. Objectives read and write TOML (the command line's format)
and dicts, validated by pydantic: unknown keys, unknown oracles, bad parameters and negative weights
are errors that name the component, the key and the value; a component without a weight weighs 1.

    name = "drug-like and close to aspirin"
    aggregation = "geometric"

    [[component]]
    oracle = "qed"
    weight = 1.0

    [[component]]
    oracle = "similarity"
    weight = 2.0
    params = { smiles = ["CC(=O)Oc1ccccc1C(=O)O"] }
    transform = { type = "sigmoid", low = 0.3, high = 0.7 }
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from molmara.config_errors import readable
from molmara.oracles.base import MolBatch, Oracle, OracleError
from molmara.oracles.registry import get as get_oracle
from molmara.transforms import apply_transform, validate_transform

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


__all__ = ["FILTER_PASS", "Objective", "ObjectiveError", "ScoreResult"]

FILTER_PASS = 0.5
"""A `filter` component passes where its transformed value is at least this; elsewhere the score is 0."""


class ObjectiveError(ValueError):
    """An objective definition is invalid; the message names the component, key and value."""


class TransformConfig(BaseModel):
    """A transform name and its numeric parameters (checked against `molmara.transforms`)."""

    model_config = ConfigDict(extra="allow")
    type: str = "identity"

    @model_validator(mode="after")
    def _check(self) -> TransformConfig:
        validate_transform(self.type, self.parameters())
        return self

    def parameters(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class ComponentConfig(BaseModel):
    """One oracle with its parameters, transform, weight and role."""

    model_config = ConfigDict(extra="forbid")
    oracle: str
    weight: float = Field(1.0, ge=0.0, description="1 when not given, as in the app's form")
    name: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    transform: TransformConfig = Field(default_factory=TransformConfig)
    role: Literal["score", "filter", "penalty"] = "score"

    @property
    def label(self) -> str:
        return self.name or self.oracle


class ObjectiveConfig(BaseModel):
    """A whole objective as plain data."""

    model_config = ConfigDict(extra="forbid")
    name: str = ""
    aggregation: Literal["geometric", "arithmetic", "product"] = "geometric"
    fragments: Literal["flag", "largest"] = Field(
        "flag",
        description="a SMILES of several fragments (salt, mixture): 'flag' leaves it unscored with the reason, "
        "'largest' scores its largest organic fragment",
    )
    component: list[ComponentConfig] = Field(min_length=1)

    @field_validator("component")
    @classmethod
    def _unique_labels(cls, components: list[ComponentConfig]) -> list[ComponentConfig]:
        labels = [c.label for c in components]
        duplicates = sorted({label for label in labels if labels.count(label) > 1})
        if duplicates:
            raise ValueError(f"component names must be unique; give a `name` to repeated oracle {duplicates[0]!r}")
        if not any(c.role == "score" for c in components):
            raise ValueError("an objective needs at least one component with role 'score'")
        if sum(c.weight for c in components if c.role == "score") <= 0:
            raise ValueError("the weights of the 'score' components must not all be 0")
        return components


@dataclass
class ScoreResult:
    """Scores of a batch with every component's raw and transformed values."""

    smiles: list[str | None]
    scores: np.ndarray
    valid: np.ndarray
    raw: dict[str, np.ndarray] = field(default_factory=dict)
    transformed: dict[str, np.ndarray] = field(default_factory=dict)
    reasons: list[str] | None = None
    """Why each invalid molecule is invalid ("" for valid ones), when known."""

    def to_frame(self) -> pd.DataFrame:
        """A table with REINVENT 4's column names: SMILES, Score, <component>, <component> (raw), and for each
        invalid molecule the reason (`invalid_reason`)."""
        frame = pd.DataFrame({"SMILES": self.smiles, "Score": self.scores, "valid": self.valid})
        for label in self.raw:
            frame[label] = self.transformed[label]
            frame[f"{label} (raw)"] = self.raw[label]
        if self.reasons is not None:
            frame["invalid_reason"] = self.reasons
        return frame


class Objective:
    """A validated objective, callable on SMILES: `objective(smiles) -> scores`."""

    def __init__(self, config: ObjectiveConfig | dict) -> None:
        if isinstance(config, dict):
            config = self.validate(config)
        self.config = config
        self.oracles: list[Oracle] = []
        for number, component in enumerate(config.component, start=1):
            try:
                self.oracles.append(get_oracle(component.oracle, **component.params))
            except OracleError as err:
                raise ObjectiveError(f"component {number} ({component.label}): {err}") from None

    # ------------------------------------------------------------------ construction
    @staticmethod
    def validate(data: dict) -> ObjectiveConfig:
        try:
            return ObjectiveConfig.model_validate(data)
        except ValidationError as err:
            raise ObjectiveError(readable(err, "objective")) from None

    @classmethod
    def from_dict(cls, data: dict) -> Objective:
        return cls(cls.validate(data))

    @classmethod
    def from_toml(cls, source: str | Path) -> Objective:
        """From a TOML file (a `Path`, or a string without a line break) or from TOML text (a string with line
        breaks: an objective always has more than one line). `from_toml_file` and `from_toml_text` say which."""
        if isinstance(source, str) and "\n" in source:
            return cls.from_toml_text(source)
        return cls.from_toml_file(source)

    @classmethod
    def from_toml_file(cls, path: str | Path) -> Objective:
        """From an objective TOML file."""
        path = Path(path)
        if not path.is_file():
            raise ObjectiveError(f"objective file not found: {path}")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ObjectiveError(f"objective file {path} is not UTF-8 text (a TOML file is)") from None
        return cls.from_toml_text(text)

    @classmethod
    def from_toml_text(cls, text: str) -> Objective:
        """From objective TOML text."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise ObjectiveError(f"objective is not valid TOML: {err}") from None
        return cls.from_dict(data)

    def to_dict(self) -> dict:
        data = self.config.model_dump(exclude_none=True)
        for component in data["component"]:
            if not component["params"]:
                del component["params"]
        return data

    def to_toml(self, path: str | Path | None = None) -> str:
        import tomli_w

        text = tomli_w.dumps(self.to_dict())
        if path is not None:
            Path(path).write_text(text)
        return text

    # ------------------------------------------------------------------ scoring
    @property
    def labels(self) -> list[str]:
        return [c.label for c in self.config.component]

    @property
    def expensive(self) -> bool:
        """Whether any oracle is expensive (docking): scored one molecule a task when spread over many workers."""
        return any(oracle.cost == "expensive" for oracle in self.oracles)

    @property
    def cpus_per_molecule(self) -> int:
        """The CPU threads the hungriest oracle uses on one molecule (a Ray task reserves that many)."""
        return max((oracle.cpus for oracle in self.oracles), default=1)

    def attach_run_folder(self, folder: str | Path) -> None:
        """Let each oracle keep files of a run in `folder` (the docking oracle writes poses there)."""
        for oracle in self.oracles:
            oracle.attach_run_folder(folder)

    def evaluate(self, smiles: Sequence[object] | MolBatch) -> ScoreResult:
        """Score a batch: each SMILES parsed once, every component's raw and transformed values kept."""
        batch = smiles if isinstance(smiles, MolBatch) else MolBatch(smiles, self.config.fragments)
        raw, transformed = {}, {}
        for component, oracle in zip(self.config.component, self.oracles, strict=True):
            values = oracle.score_batch(batch)
            raw[component.label] = values
            transformed[component.label] = apply_transform(
                component.transform.type, values, component.transform.parameters()
            )
        return ScoreResult(
            batch.smiles, self.aggregate(transformed), batch.valid.copy(), raw, transformed, batch.all_reasons()
        )

    def aggregate(self, transformed: dict[str, np.ndarray]) -> np.ndarray:
        """Combine transformed component values into one score per molecule (NaN stays NaN)."""
        components = self.config.component
        scoring = [c for c in components if c.role == "score"]
        weights = np.array([c.weight for c in scoring])
        values = np.stack([transformed[c.label] for c in scoring])  # (components, molecules)
        kind = self.config.aggregation
        if kind == "arithmetic":
            score = (weights[:, None] * values).sum(axis=0) / weights.sum()
        else:
            with np.errstate(divide="ignore"):
                log_values = np.where(weights[:, None] > 0, weights[:, None] * np.log(np.clip(values, 0, 1)), 0.0)
            log_values = np.where(np.isnan(values), np.nan, log_values)
            total = log_values.sum(axis=0)
            score = np.exp(total / weights.sum()) if kind == "geometric" else np.exp(total)
        for c in components:
            if c.role == "filter":
                score = score * np.where(np.isnan(transformed[c.label]), np.nan, transformed[c.label] >= FILTER_PASS)
            elif c.role == "penalty":
                score = score * np.clip(1.0 - c.weight * (1.0 - transformed[c.label]), 0.0, 1.0)
        return score

    def __call__(self, smiles: Sequence[object] | MolBatch) -> np.ndarray:
        return self.evaluate(smiles).scores

    def __repr__(self) -> str:
        return f"Objective({self.config.name!r}, {self.config.aggregation}, components={self.labels})"
