"""The configuration of an RL run, validated by pydantic: unknown keys and out-of-range values are
errors that name the key, the value and what is allowed.

    prior = "mine.prior"                      # optional: the shipped prior by default
    objective = "druglike.toml"               # an objective TOML file, or `task = "osimertinib_mpo"`
    loss = "reinvent"                         # "reinvent", "reverse_kl" or "forward_kl"
    mara = true
    sigma = 128.0                             # REINVENT's σ; β = 1/σ for the KL losses unless `beta` is set
    tau = 0.8                                 # a number, or a per-batch percentile such as "p90"
    batch_size = 64
    max_oracle_calls = 2000
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from molmara.config_errors import readable
from molmara.defaults import DEFAULT_OUTPUT, DEFAULT_TIME_LIMIT, STORE_FILE
from molmara.hits import DEFAULT_TAU, hit_score
from molmara.rl.mara import MaraError, parse_tau
from molmara.rl.replay import ReplayMode
from molmara.run_folder import RunNameError, check_run_name, run_folder

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
"""No unknown keys, no coercion ("64" or true is not a number, "yes" not a boolean), no inf or NaN."""


MAX_BATCH = 16_384
"""The largest RL batch: the step keeps every sequence's activations for the backward pass, so memory grows with
the batch; far larger batches do not fit a workstation (a batch of 100,000,000 was accepted and ran until killed)."""

MAX_CALLS = 10_000_000
"""The largest oracle budget (and step count): every scored molecule stays in the run's cache and checkpoint."""


LOSS_LABELS = {"reinvent": "REINVENT loss", "reverse_kl": "reverse KL", "forward_kl": "forward KL"}
"""The RL losses (`molmara.rl.losses`) by their config name, with the label the app shows: the one list of them.
Here rather than beside the losses so that a config (and the app's forms) load without torch."""

LossName = Literal[tuple(LOSS_LABELS)]
"""The names a run config accepts for `loss` (`LOSS_LABELS`)."""


class RunConfigError(ValueError):
    """A run configuration is invalid; the message names the key and the value."""


class DiversityFilterConfig(BaseModel):
    """REINVENT 4's identical-Murcko-scaffold filter: a molecule seen before scores 0, and so does each one
    past the first `bucket_size` of its scaffold (see `molmara.rl.filters`)."""

    model_config = STRICT
    enabled: bool = False
    bucket_size: int = Field(25, ge=1)
    min_score: float = Field(0.4, ge=0.0, le=1.0, description="only molecules at or above this fill buckets")


class ReplayConfig(BaseModel):
    """Experience replay: the best molecules so far join each loss (see `molmara.rl.replay` for the two modes)."""

    model_config = STRICT
    memory_size: int = Field(0, ge=0, description="0 turns replay off (REINVENT 4's inception keeps 50)")
    sample_size: int = Field(10, ge=1)
    mode: ReplayMode = Field(
        "reinvent4",
        description="'reinvent4': add the batch, then draw uniformly (REINVENT 4's inception); 'pmo': draw in "
        "proportion to reward once the memory holds more than sample_size, then add the batch (PMO's REINVENT)",
    )


class PlateauConfig(BaseModel):
    """PMO's early stop: end the run when its `top` best scores have not changed for `patience` steps in a row,
    counted once more than `min_calls` oracle calls are spent (mol_opt's `patience`; 0 turns it off)."""

    model_config = STRICT
    patience: int = Field(0, ge=0)
    top: int = Field(100, ge=1)
    min_calls: int = Field(1000, ge=0)


class CollapseConfig(BaseModel):
    """Warn (and optionally stop) when batch uniqueness or new hit scaffolds stay low for `patience` steps."""

    model_config = STRICT
    min_batch_uniqueness: float = Field(0.5, ge=0.0, le=1.0)
    min_new_scaffolds: int = Field(1, ge=0)
    patience: int = Field(20, ge=1)
    stop: bool = False


class RunConfig(BaseModel):
    """Everything that defines an RL run."""

    model_config = STRICT
    name: str = "run"
    prior: str | None = None
    agent: str | None = Field(None, description="start the agent from this checkpoint instead of the prior")
    objective: str | dict[str, Any] | None = None
    task: str | None = None
    loss: LossName = "reinvent"
    mara: bool = True
    sigma: float = Field(128.0, gt=0)
    beta: float | None = Field(None, gt=0, description="KL coefficient; 1/sigma when not set")
    tau: float | str = DEFAULT_TAU
    hit_threshold: float | None = Field(
        None, ge=0.0, le=1.0, description="score counted as a hit; tau when tau is a number"
    )
    batch_size: int = Field(
        64,
        ge=1,
        le=MAX_BATCH,
        description="sequences a step; on a CPU the agent runs its passes in chunks of 64 (molmara.rl.passes)",
    )
    learning_rate: float = Field(1e-4, gt=0, le=1)
    clip_grad_norm: float | None = Field(
        None, gt=0, description="clip the gradient norm at this value; off by default, as in REINVENT 4's RL"
    )
    duplicates: Literal["zero", "drop", "keep"] = Field(
        "zero",
        description="repeats of a molecule within a batch: 'zero' reward 0 in the loss (REINVENT 4), "
        "'drop' out of the loss (Saturn), 'keep' full score (ablation only)",
    )
    likelihood_penalty: float = Field(
        0.0,
        ge=0,
        description="adds this × mean(−1/log π_agent) over the rows in the loss, which penalises likely "
        "sequences (PMO's REINVENT uses 5000; 0: off, as in REINVENT 4)",
    )
    temperature: float = Field(1.0, gt=0)
    precision: Literal["float32", "bfloat16"] = Field(
        "float32",
        description="the networks' products in a step: 'bfloat16' samples on a bfloat16 copy of the agent and "
        "computes the agent's and the prior's likelihoods under autocast (weights, Adam, softmax and the loss stay "
        "float32); faster on CPUs with AMX and on GPUs, slower on CPUs that emulate bfloat16 "
        "(benchmarks/results/speed.md)",
    )
    max_oracle_calls: int | None = Field(
        2000, ge=1, le=MAX_CALLS, description="unique molecules scored; each stays in the score cache"
    )
    max_steps: int | None = Field(None, ge=1, le=MAX_CALLS)
    max_seconds: float | None = Field(None, gt=0)
    replay: ReplayConfig = Field(default_factory=ReplayConfig)
    diversity_filter: DiversityFilterConfig = Field(default_factory=DiversityFilterConfig)
    collapse: CollapseConfig = Field(default_factory=CollapseConfig)
    plateau: PlateauConfig = Field(default_factory=PlateauConfig)
    checkpoint_every: int = Field(10, ge=1)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    device: str = "auto"
    n_jobs: int = Field(1, ge=1, le=256, description="scoring worker processes")
    scoring: Literal["processes", "ray"] = Field(
        "processes",
        description="'processes': n_jobs worker processes on this machine; 'ray': Ray actors (molmara[ray]), on a "
        "local Ray instance or the cluster at ray_address, one molecule a task for expensive oracles (docking)",
    )
    ray_address: str | None = Field(None, description="with scoring = 'ray': 'auto', or ray://head:10001")
    molecule_time_limit: float = Field(
        DEFAULT_TIME_LIMIT,
        ge=0,
        le=86_400,
        description="seconds an oracle may spend on one molecule; a molecule over it is stopped and scores NaN "
        "('timed out'), the rest of the batch goes on; 0: no limit (then one job scores in the run's process)",
    )
    output: str = str(DEFAULT_OUTPUT)
    store: str | None = Field(None, description="run store file; <output>/molmara.db when not set")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        try:
            return check_run_name(value)
        except RunNameError as err:
            raise ValueError(str(err)) from None

    @field_validator("task")
    @classmethod
    def _task(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from molmara import tasks

        try:
            tasks.describe(value)
        except tasks.UnknownTaskError as err:
            raise ValueError(str(err)) from None
        return value

    @field_validator("tau")
    @classmethod
    def _tau(cls, value: float | str) -> float | str:
        try:
            tau = parse_tau(value)
        except MaraError as err:
            raise ValueError(str(err)) from None
        if isinstance(tau, float) and not 0.0 <= tau <= 1.0:
            raise ValueError(f"tau must lie in the objective's score range [0, 1], got {tau}")
        return tau

    @model_validator(mode="after")
    def _objective_and_budget(self) -> RunConfig:
        if (self.objective is None) == (self.task is None):
            raise ValueError("give exactly one of `objective` (a TOML file or table) and `task` (a task name)")
        if self.max_oracle_calls is None and self.max_steps is None and self.max_seconds is None:
            raise ValueError("give a budget: max_oracle_calls, max_steps or max_seconds")
        return self

    @property
    def kl_beta(self) -> float:
        """β of the KL-regularised objective (REINVENT's σ is 1/β)."""
        return self.beta if self.beta is not None else 1.0 / self.sigma

    @property
    def hit_score(self) -> float:
        return hit_score(self.hit_threshold, self.tau)

    @property
    def run_dir(self) -> Path:
        """`<output>/<name>`, checked to lie inside the output folder."""
        return run_folder(self.output, self.name)

    @property
    def store_path(self) -> Path:
        return Path(self.store) if self.store else Path(self.output) / STORE_FILE

    def to_toml(self) -> str:
        """The config as TOML (what the store keeps and `molmara run` reads back)."""
        import tomli_w

        return tomli_w.dumps(self.model_dump(mode="json", exclude_none=True))


def load_run_config(source: str | Path | dict) -> RunConfig:
    """A validated `RunConfig` from a dict or a TOML file; `RunConfigError` names what is wrong."""
    if isinstance(source, dict):
        data = source
    else:
        path = Path(source)
        if not path.is_file():
            raise RunConfigError(f"run config not found: {path}")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise RunConfigError(f"run config {path} is not UTF-8 text (a TOML file is)") from None
        except tomllib.TOMLDecodeError as err:
            raise RunConfigError(f"run config {path} is not valid TOML: {err}") from None
        # a relative objective path is relative to the config file
        objective = data.get("objective")
        if isinstance(objective, str) and not Path(objective).is_absolute():
            candidate = path.parent / objective
            if candidate.is_file():
                data = {**data, "objective": str(candidate)}
    try:
        return RunConfig.model_validate(data)
    except ValidationError as err:
        raise RunConfigError(readable(err)) from None
