"""Reinforcement learning: MARA reward augmentation, closed-form targets, losses and the trainer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from molmara.rl.config import RunConfig, RunConfigError, load_run_config
from molmara.rl.trainer import Trainer, TrainingError

__all__ = ["RunConfig", "RunConfigError", "Trainer", "TrainingError", "load_run_config", "open_run", "run"]


def open_run(
    config: RunConfig | dict | str | Path,
    resume: bool = False,
    callbacks: list[Callable[[Trainer, dict], None]] | None = None,
) -> Trainer:
    """A trainer for a new run (registered in the run store) or for a stored run to resume.

    A new run needs a name not yet in the store (or one registered, never started, by the job
    manager); a resumed one must already be there. The trainer
    records each step into the store and into CSV files in the run folder.
    """
    from molmara.store import RunStore, StoreError, StoreRecorder
    from molmara.store.recorders import CsvRecorder, TeeRecorder

    if not isinstance(config, RunConfig):
        config = load_run_config(config)
    if not resume and (config.run_dir / "checkpoint.pt").exists():
        raise StoreError(f"{config.run_dir} already holds a run's checkpoint; choose another name or output, or resume")
    store = RunStore(config.store_path, check=True)  # a damaged store is refused before the run writes to it
    try:
        trainer = Trainer(config, callbacks=callbacks)
        if resume:
            run_id = store.get_run(config.name)["id"]
        else:
            # the stored config carries its objective inline, so that it reruns even if the file changes
            stored = config.model_copy(update={"objective": trainer.objective.to_dict(), "task": None})
            registered = store.get_run(config.name) if store.has_run(config.name) else None
            if registered is not None and registered["status"] == "created" and store.last_step(config.name) == 0:
                run_id = registered["id"]  # registered by a job manager that launched this process
                store.update_run(run_id, config=stored.to_toml())
            else:
                run_id = store.create_run(
                    config.name,
                    "rl",
                    stored.to_toml(),
                    seed=config.seed,
                    prior=config.prior,
                    run_dir=str(config.run_dir),
                )
    except BaseException:
        store.close()
        raise
    trainer.run_id = run_id
    trainer.store = store
    trainer.recorder = TeeRecorder(StoreRecorder(store, run_id, trainer.objective.labels), CsvRecorder(config.run_dir))
    return trainer


def run(
    config: RunConfig | dict | str | Path,
    resume: bool = False,
    callbacks: list[Callable[[Trainer, dict], None]] | None = None,
) -> Trainer:
    """Run (or resume) an RL run from a config object, dict or TOML file; returns the finished trainer."""
    trainer = open_run(config, resume, callbacks)
    try:
        trainer.run(resume=resume)
    finally:
        trainer.store.close()
    return trainer
