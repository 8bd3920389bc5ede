"""Reinforcement learning: MARA reward augmentation, closed-form targets, losses and the trainer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from molmara.rl.config import RunConfig, RunConfigError, load_run_config
from molmara.rl.trainer import Trainer, TrainingError

__all__ = ["RunConfig", "RunConfigError", "Trainer", "TrainingError", "load_run_config", "run"]


def run(
    config: RunConfig | dict | str | Path,
    resume: bool = False,
    callbacks: list[Callable[[Trainer, dict], None]] | None = None,
) -> Trainer:
    """Run (or resume) an RL run from a config object, dict or TOML file; returns the finished trainer."""
    if not isinstance(config, RunConfig):
        config = load_run_config(config)
    trainer = Trainer(config, callbacks=callbacks)
    trainer.run(resume=resume)
    return trainer
