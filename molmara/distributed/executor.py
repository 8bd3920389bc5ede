"""Scoring on Ray: a batch split across Ray actors that each hold the objective once.

`RayExecutor` plugs into `ScoringService` like the process pool: `ScoringService(objective,
executor=RayExecutor())`. It starts a local Ray instance (`ray.init()`), or joins a cluster when
given its address (`RayExecutor(address="ray://head:10001")` or `address="auto"` on a cluster
node). The objective is pickled once and sent to each actor when the actors start; a batch is cut
into one chunk per actor and the results come back in order. A chunk that fails (an exception that
escapes the objective, or the actor's process dying) is retried once; if it fails again its
molecules score NaN and the reason is logged, and the other chunks keep their scores.
"""

from __future__ import annotations

import contextlib
import logging

import numpy as np

from molmara.defaults import DEFAULT_TIME_LIMIT
from molmara.executors import Executor, SerialExecutor, WorkerExecutor
from molmara.objective import Objective, ScoreResult
from molmara.oracles.base import MolBatch

log = logging.getLogger("molmara.ray")


def require_ray():
    """The `ray` module, or an ImportError that says how to install it."""
    try:
        import ray
    except ImportError:
        raise ImportError("Ray is not installed: pip install 'molmara[ray]'") from None
    return ray


def init_ray(address: str | None = None, num_cpus: int | None = None):
    """Start a local Ray instance (or join the cluster at `address`) unless one is running."""
    ray = require_ray()
    if not ray.is_initialized():
        options = {"address": address, "include_dashboard": False, "log_to_driver": False}
        if address is None and num_cpus is not None:
            options["num_cpus"] = num_cpus
        ray.init(**options)
    return ray


class _ScoringWorker:
    """A Ray actor holding one objective (unpickled once, when the actor starts).

    With a time limit the actor scores in a worker process of its own (`WorkerExecutor`), so that a
    molecule that hangs or crashes its process costs that molecule, not the actor's chunk.
    """

    def __init__(self, objective: Objective, time_limit: float | None = None) -> None:
        self.objective = objective
        self.executor = WorkerExecutor(1, time_limit) if time_limit is not None else SerialExecutor()

    def evaluate(self, smiles: list[str]) -> ScoreResult:
        return self.executor.evaluate(self.objective, MolBatch(smiles, self.objective.config.fragments))

    def pid(self) -> int:
        import os

        return os.getpid()


class RayExecutor(Executor):
    """Evaluates an objective on `n_workers` Ray actors (default: as many as the cluster's CPUs hold).

    Each actor reserves the CPUs one molecule needs (`Objective.cpus_per_molecule`); a batch is cut into one
    chunk per actor, chunks of at least `min_chunk` molecules for cheap objectives, of any size for expensive
    ones (docking), so that every actor has work.
    """

    def __init__(
        self,
        address: str | None = None,
        n_workers: int | None = None,
        num_cpus: int | None = None,
        min_chunk: int = 16,
        time_limit: float | None = DEFAULT_TIME_LIMIT,
    ) -> None:
        """`time_limit`: seconds an oracle may take on one molecule (None: none, the actor scores itself)."""
        self.ray = init_ray(address, num_cpus)
        self.time_limit = time_limit
        self.n_workers = n_workers
        """Actors; None: as many as the cluster's CPUs hold, each reserving the objective's CPUs per molecule."""
        self.min_chunk = min_chunk
        self._actors: list = []
        self._objective: Objective | None = None
        self._shipped = None
        self.failed_chunks = 0

    def _ensure_actors(self, objective: Objective) -> list:
        if self._objective is not objective or not self._actors:
            self.close()
            cpus = objective.cpus_per_molecule  # a docking oracle with cpus = 4 reserves 4 CPUs an actor
            remote = self.ray.remote(num_cpus=cpus, max_restarts=-1)(_ScoringWorker)
            self._shipped = self.ray.put(objective)  # serialised once; kept so that a restarted actor finds it
            n_actors = self.n_workers or max(1, int(self.ray.cluster_resources().get("CPU", 1)) // cpus)
            self._actors = [remote.remote(self._shipped, self.time_limit) for _ in range(n_actors)]
            self._objective = objective
        return self._actors

    def evaluate(self, objective: Objective, batch: MolBatch) -> ScoreResult:
        actors = self._ensure_actors(objective)
        smiles = list(batch.smiles)  # as written: re-parsing canonical SMILES can move a float by an ulp
        min_chunk = 1 if objective.expensive else self.min_chunk  # docking: one molecule a task
        n_chunks = max(1, min(len(actors), len(smiles) // min_chunk))
        bounds = np.linspace(0, len(smiles), n_chunks + 1).astype(int)
        chunks = [smiles[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]
        futures = [actors[i % len(actors)].evaluate.remote(chunk) for i, chunk in enumerate(chunks)]
        parts = []
        for i, (chunk, future) in enumerate(zip(chunks, futures, strict=True)):
            parts.append(self._collect(objective, actors, i, chunk, future))
        return ScoreResult(
            smiles=[s for p in parts for s in p.smiles],
            scores=np.concatenate([p.scores for p in parts]),
            valid=np.concatenate([p.valid for p in parts]),
            raw={k: np.concatenate([p.raw[k] for p in parts]) for k in objective.labels},
            transformed={k: np.concatenate([p.transformed[k] for p in parts]) for k in objective.labels},
            reasons=[r for p in parts for r in (p.reasons or [""] * len(p.smiles))],
        )

    def _collect(self, objective: Objective, actors: list, index: int, chunk: list[str], future) -> ScoreResult:
        try:
            return self.ray.get(future)
        except Exception as first:
            log.warning("chunk %d (%d molecules) failed, retrying once: %s", index, len(chunk), _reason(first))
            retry_actor = actors[(index + 1) % len(actors)]
            try:
                return self.ray.get(retry_actor.evaluate.remote(chunk))
            except Exception as second:
                self.failed_chunks += 1
                log.error(
                    "chunk %d (%d molecules, first %s) failed twice; its molecules score NaN: %s",
                    index,
                    len(chunk),
                    chunk[0],
                    _reason(second),
                )
                return _nan_result(objective, chunk)

    def close(self) -> None:
        for actor in self._actors:
            with contextlib.suppress(Exception):  # an actor that is already gone
                self.ray.kill(actor)
        self._actors = []
        self._objective = None


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[-1] if text else type(error).__name__


def _nan_result(objective: Objective, chunk: list[str]) -> ScoreResult:
    n = len(chunk)
    nan = {k: np.full(n, np.nan) for k in objective.labels}
    reasons = ["the chunk's scoring failed twice (see the log)"] * n
    return ScoreResult(list(chunk), np.full(n, np.nan), np.ones(n, dtype=bool), nan, dict(nan), reasons)
