"""Sweeps: a grid of run configs × seeds run as Ray tasks, recorded in one run store by one writer.

A sweep file is TOML:

    name = "drd2-sweep"
    seeds = [0, 1, 2]
    store = "molmara-runs/molmara.db"     # optional (default: <base.output>/molmara.db)

    [base]                                # any `molmara run` config keys
    objective = "drd2.toml"
    max_oracle_calls = 1000

    [grid]                                # every combination of these values
    mara = [true, false]
    sigma = [64.0, 128.0]

Each combination and seed becomes one run named `<name>-<key>=<value>-…-seed<seed>`. The runs go out
as Ray tasks (one CPU each) on a local Ray instance or a cluster (`address`). Only one process writes
to the store: a `StoreWriter` actor that the tasks send their steps to, in order. A run that fails
is recorded as failed with its error; the others go on.
"""

from __future__ import annotations

import itertools
import socket
import sys
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from molmara.config_errors import readable
from molmara.distributed.executor import init_ray
from molmara.lifecycle import check_fresh, stored_config
from molmara.rl.config import RunConfig, RunConfigError, load_run_config
from molmara.rl.recording import Recorder
from molmara.run_folder import name_part

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class SweepError(ValueError):
    """A sweep file is invalid; the message names what is wrong."""


class SweepFile(BaseModel):
    """The keys of a sweep file (the run configs it makes are validated as `RunConfig`s)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: str | None = None
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1)
    store: str | None = None
    base: dict[str, Any] = Field(default_factory=dict)
    grid: dict[str, list[Any]] = Field(default_factory=dict)

    @field_validator("grid")
    @classmethod
    def _grid(cls, grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
        empty = [key for key, values in grid.items() if not values]
        if empty:
            raise ValueError(f"grid.{empty[0]} must be a non-empty list of values")
        return grid


def load_sweep(path: str | Path) -> tuple[str, list[RunConfig], Path]:
    """The sweep's name, its validated run configs and the store path."""
    path = Path(path)
    if not path.is_file():
        raise SweepError(f"sweep file not found: {path}")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise SweepError(f"sweep file {path} is not valid TOML: {err}") from None
    try:
        spec = SweepFile.model_validate(data)
    except ValidationError as err:
        raise SweepError(f"sweep file {path}: {readable(err, 'sweep')}") from None
    name, seeds, base, grid = spec.name or path.stem, spec.seeds, dict(spec.base), spec.grid
    objective = base.get("objective")
    if isinstance(objective, str) and not Path(objective).is_absolute() and (path.parent / objective).is_file():
        base["objective"] = str((path.parent / objective).resolve())
    configs = []
    keys = list(grid)
    for values in itertools.product(*(grid[k] for k in keys)):
        for seed in seeds:
            label = "-".join(f"{k}={name_part(v)}" for k, v in zip(keys, values, strict=True))
            run_name = f"{name}-{label}-seed{seed}" if label else f"{name}-seed{seed}"
            values_by_key = dict(zip(keys, values, strict=True))
            try:
                config = load_run_config({**base, **values_by_key, "seed": seed, "name": run_name})
            except RunConfigError as err:
                raise SweepError(f"sweep file {path}, run {run_name}: {err}") from None
            configs.append(config)
    store = Path(spec.store) if spec.store else configs[0].store_path
    if not store.is_absolute():
        store = (Path.cwd() / store).resolve()
    return name, configs, store


class StoreWriter:
    """The single writer of a sweep: a Ray actor that owns the run store connection."""

    def __init__(self, store_path: str) -> None:
        from molmara.store import RunStore

        self.store = RunStore(store_path)
        self.host = socket.gethostname()

    def register(self, config_data: dict) -> int:
        from molmara.lifecycle import register

        return register(self.store, load_run_config(config_data), adopt=False)

    def start(self, run_id: int, resume_step: int | None, host: str, pid: int, started: float | None) -> None:
        if resume_step is not None:
            self.store.truncate_after(run_id, resume_step)
        # a pid is checked on the store's host (`JobManager.refresh`): kept only for a task that runs there
        here = host == self.host
        self.store.update_run(
            run_id, status="running", message=None, pid=pid if here else None, pid_started=started if here else None
        )

    def write_step(self, run_id: int, record: dict, molecules: list[dict]) -> None:
        self.store.write_step(run_id, record, molecules)

    def finish(self, run_id: int, status: str, summary: dict, message: str | None = None) -> None:
        self.store.update_run(
            run_id,
            status=status,
            summary=summary,
            finished_at=time.time(),
            message=message,
            pid=None,
            pid_started=None,
        )


class ActorRecorder(Recorder):
    """A trainer's recorder that sends everything to the `StoreWriter` actor (calls arrive in order)."""

    def __init__(self, writer, run_id: int, labels: list[str]) -> None:
        self.writer, self.run_id, self.labels = writer, run_id, labels
        self._pending: list[dict] = []

    def start(self, config: dict, resume_step: int | None = None) -> None:
        from molmara.lifecycle import process_identity

        self.writer.start.remote(self.run_id, resume_step, *process_identity())

    def record_molecules(self, rows: list[dict]) -> None:
        from molmara.store.recorder import store_rows

        self._pending.extend(store_rows(rows, self.labels))

    def record_step(self, record: dict) -> None:
        self.writer.write_step.remote(self.run_id, record, self._pending)
        self._pending = []

    def finish(self, status: str, summary: dict) -> None:
        import ray

        ray.get(self.writer.finish.remote(self.run_id, status, summary, summary.get("error")))


def _run_one(config_data: dict, run_id: int, writer) -> dict:
    """One run of the sweep, inside a Ray task: recorded through the writer and into its folder's CSV files."""
    from molmara.lifecycle import recorder_for
    from molmara.rl.trainer import Trainer

    config = load_run_config(config_data)
    trainer = Trainer(config)
    trainer.recorder = recorder_for(ActorRecorder(writer, run_id, trainer.objective.labels), config)
    state = trainer.run()
    return {"status": state.status, **trainer.summary()}


def run_sweep(
    path: str | Path, address: str | None = None, num_cpus: int | None = None, progress: bool = True
) -> list[dict]:
    """Run every config of a sweep file; returns one summary per run (status, numbers or error)."""
    name, configs, store_path = load_sweep(path)
    ray = init_ray(address, num_cpus)
    writer = ray.remote(num_cpus=0)(StoreWriter).remote(str(store_path))
    runner = ray.remote(num_cpus=1, max_retries=0)(_run_one)
    pending: dict[Any, tuple[RunConfig, int]] = {}
    results: list[dict] = []
    for config in configs:
        try:
            config = stored_config(config, store_path)  # objective inline, as any run stores it
            check_fresh(config)
            run_id = ray.get(writer.register.remote(config.model_dump(mode="json")))
        except Exception as err:  # e.g. the name is taken: report it, go on with the others
            results.append({"name": config.name, "status": "not started", "error": _last_line(err)})
            continue
        pending[runner.remote(config.model_dump(mode="json"), run_id, writer)] = (config, run_id)
    total, done = len(configs), len(results)
    if progress:
        print(f"sweep {name}: {total} runs ({len(pending)} started) on Ray; store {store_path}", flush=True)
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        config, run_id = pending.pop(ready[0])
        try:
            summary = {"name": config.name, "run_id": run_id, **ray.get(ready[0])}
        except Exception as err:
            message = _last_line(err)
            ray.get(writer.finish.remote(run_id, "failed", {}, message))
            summary = {"name": config.name, "run_id": run_id, "status": "failed", "error": message}
        results.append(summary)
        done += 1
        if progress:
            detail = summary.get("error") or f"{summary.get('hits', 0)} hits, {summary.get('oracle_calls', 0)} calls"
            print(f"[{done}/{total}] {config.name}: {summary['status']} ({detail})", flush=True)
    ray.kill(writer)
    return results


def _last_line(error: Exception) -> str:
    lines = [line for line in str(error).strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else type(error).__name__
