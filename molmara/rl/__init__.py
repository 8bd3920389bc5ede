"""Reinforcement learning: MARA reward augmentation, closed-form targets, losses and the trainer.

Running a recorded run (registering it in the store, its CSV files) is one layer up: `molmara.run` and
`molmara.lifecycle.open_run`. Names are imported when first used, so that `molmara.rl.recording` (what the store
implements) loads without torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "RunConfig": "molmara.rl.config",
    "RunConfigError": "molmara.rl.config",
    "load_run_config": "molmara.rl.config",
    "Trainer": "molmara.rl.trainer",
    "TrainingError": "molmara.rl.trainer",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from molmara.rl.config import RunConfig, RunConfigError, load_run_config  # noqa: F401
    from molmara.rl.trainer import Trainer, TrainingError  # noqa: F401


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'molmara.rl' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value  # imported once
    return value


def __dir__() -> list[str]:
    return __all__
