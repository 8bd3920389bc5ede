"""One RL run's life: its stored config, its registration in the run store, its recorders, and running it.

`molmara run` and `molmara.run` (through `open_run`), the app's `JobManager` and `molmara sweep` all go
through these functions, so every run is stored the same way: the config with its objective inline (it reruns
even if the objective file changes), `steps.csv` / `molecules.csv` / `config.json` in its folder, and the pid of
the process that trains it, so that `JobManager.refresh` can mark a dead one failed. It sits above both the RL
layer and the store, which know nothing of each other.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

from molmara.objective import Objective
from molmara.processes import process_start_time
from molmara.rl.config import RunConfig, load_run_config
from molmara.rl.recording import Recorder, TeeRecorder
from molmara.rl.trainer import Trainer, build_objective
from molmara.store.db import RunStore, StoreError
from molmara.store.recorder import StoreRecorder
from molmara.store.recorders import CsvRecorder

__all__ = ["check_fresh", "open_run", "recorder_for", "register", "run", "stored_config"]


def stored_config(
    config: RunConfig | dict | str | Path, store_path: str | Path | None = None, objective: Objective | None = None
) -> RunConfig:
    """The config as the store keeps it: objective inline (built here unless given, so a bad one fails in the
    caller), no task reference, absolute output folder, and its store (`store_path`, else the config's)."""
    if not isinstance(config, RunConfig):
        config = load_run_config(config)
    objective = objective or build_objective(config)
    store = Path(store_path).resolve() if store_path is not None else config.store_path.resolve()
    return config.model_copy(
        update={
            "objective": objective.to_dict(),
            "task": None,
            "output": str(Path(config.output).resolve()),
            "store": str(store),
        }
    )


def check_fresh(config: RunConfig) -> None:
    """A new run's folder must not hold another run's checkpoint (it would be overwritten)."""
    if (config.run_dir / "checkpoint.pt").exists():
        raise StoreError(f"{config.run_dir} already holds a run's checkpoint; choose another name or output, or resume")


def register(store: RunStore, config: RunConfig, adopt: bool = True) -> int:
    """The run's id in `store`: a new row for `config` (a stored config), or (with `adopt`) the row a job manager
    registered for this process and nobody has started. A name taken otherwise is a `StoreError`."""
    if adopt and store.has_run(config.name):
        registered = store.get_run(config.name)
        if registered["status"] == "created" and store.last_step(config.name) == 0:
            store.update_run(registered["id"], config=config.to_toml())
            return int(registered["id"])
    return store.create_run(
        config.name, "rl", config.to_toml(), seed=config.seed, prior=config.prior, run_dir=str(config.run_dir)
    )


def recorder_for(step_recorder: Recorder, config: RunConfig) -> Recorder:
    """Where a run writes: `step_recorder` (the store, or a sweep's writer) and the CSV files in its folder."""
    return TeeRecorder(step_recorder, CsvRecorder(config.run_dir))


def process_identity() -> tuple[str, int, float | None]:
    """(host name, pid, start time) of this process: a pid means something only on the host it was recorded on,
    and only while the process that started then holds it."""
    return socket.gethostname(), os.getpid(), process_start_time()


def open_run(
    config: RunConfig | dict | str | Path,
    resume: bool = False,
    callbacks: list[Callable[[Trainer, dict], None]] | None = None,
) -> Trainer:
    """A trainer for a new run (registered in the run store) or for a stored run to resume.

    A new run needs a name not yet in the store (or one registered, never started, by the job manager); a
    resumed one must already be there. The trainer records each step into the store and into CSV files in the
    run folder; `trainer.store` is the open store (close it when done, as `run` does).
    """
    if not isinstance(config, RunConfig):
        config = load_run_config(config)
    if not resume:
        check_fresh(config)
    store = RunStore(config.store_path, check=True)  # a damaged store is refused before the run writes to it
    try:
        trainer = Trainer(config, callbacks=callbacks)
        if resume:
            run_id = int(store.get_run(config.name)["id"])
        else:
            run_id = register(store, stored_config(config, objective=trainer.objective))
    except BaseException:
        store.close()
        raise
    trainer.run_id = run_id
    trainer.store = store
    trainer.recorder = recorder_for(StoreRecorder(store, run_id, trainer.objective.labels), config)
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
