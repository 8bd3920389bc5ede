"""What defines a pretraining or transfer-learning run, validated; light (pydantic only), so that the command line
builds its `pretrain` options from it without importing torch."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from molmara.config_errors import readable

__all__ = ["PretrainConfig", "PretrainConfigError"]


class PretrainConfigError(ValueError):
    """A pretraining configuration is invalid; the message names the option, the value and what is allowed."""


class PretrainConfig(BaseModel):
    """Everything that defines a pretraining or transfer-learning run (validated: a wrong value names the option)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_assignment=True)
    corpus: str
    output: str
    init: str | None = None
    cell: Literal["gru", "lstm"] = "gru"
    embedding_dim: int = Field(128, ge=1)
    hidden_size: int = Field(384, ge=1)
    num_layers: int = Field(3, ge=1)
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    epochs: float = Field(1.0, gt=0)
    max_sequences: int | None = Field(None, ge=1)
    batch_size: int = Field(256, ge=1)
    learning_rate: float = Field(2e-3, gt=0, le=1)
    min_learning_rate: float = Field(1e-4, ge=0)
    warmup_steps: int = Field(200, ge=0)
    clip_grad_norm: float = Field(1.0, gt=0)
    valid_fraction: float = Field(0.01, gt=0, lt=0.5)
    max_valid: int = Field(5000, ge=1)
    validate_every: int = Field(500, ge=1)
    checkpoint_every: int = Field(500, ge=1)
    randomize: bool = False
    canonical: bool = True
    standardize: bool = False
    max_tokens: int = Field(100, ge=1)
    skip_unknown_tokens: bool = False
    seed: int = Field(0, ge=0)
    device: str = "auto"
    # the training step's matrix products in bfloat16 (torch.autocast; weights, Adam and the loss stay float32):
    # about 2.6x faster for a 3x512 LSTM on a CPU with AMX, much slower on one without; validation stays float32
    precision: Literal["float32", "bfloat16"] = "float32"
    n_jobs: int = Field(1, ge=1)
    resume: bool = True
    progress: bool = True

    def __init__(self, **values) -> None:
        try:
            super().__init__(**values)
        except ValidationError as err:
            raise PretrainConfigError(readable(err, "pretrain")) from None

    @model_validator(mode="after")
    def _learning_rates(self) -> PretrainConfig:
        if self.min_learning_rate > self.learning_rate:
            raise ValueError("min_learning_rate must not exceed learning_rate")
        return self

    @property
    def state_path(self) -> Path:
        return Path(self.output).with_name(Path(self.output).name + ".state")
