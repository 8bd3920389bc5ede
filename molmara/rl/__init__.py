"""Reinforcement learning: MARA reward augmentation, closed-form targets, losses and the trainer.

Running a recorded run (registering it in the store, its CSV files) is one layer up: `molmara.run` and
`molmara.lifecycle.open_run`. Names are imported when first used, so that `molmara.rl.recording` (what the store
implements) loads without torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from molmara.lazy import lazy_names

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


__getattr__, __dir__ = lazy_names(__name__, _EXPORTS)
