"""Reinforcement learning: MARA reward augmentation, closed-form targets, losses and the trainer.

Running a recorded run (registering it in the store, its CSV files) is one layer up: `molmara.run` and
`molmara.lifecycle.open_run`.
"""

from __future__ import annotations

from molmara.rl.config import RunConfig, RunConfigError, load_run_config
from molmara.rl.trainer import Trainer, TrainingError

__all__ = ["RunConfig", "RunConfigError", "Trainer", "TrainingError", "load_run_config"]
