"""Executors: where an objective is evaluated on the molecules that are not in the cache.

`SerialExecutor` evaluates in this process. `WorkerExecutor` evaluates in worker processes that hold
the objective, with a time limit on every molecule, which is what runs and `molmara score` use.

A legal molecule can keep an oracle busy for minutes (RDKit's 2D pharmacophore fingerprints on a
large ring system, a SMARTS match on a long chain); in a run that stalls the whole batch. Here the
objective is evaluated in worker processes (forked, so that oracles registered at run time exist in
them). Inside, the oracles beat before each molecule (`molmara.oracles.watch`); a worker whose
deadline passes is killed, the molecule it was stuck on scores NaN with the reason "timed out", and
the rest of its molecules are scored again by a fresh worker. A worker that dies (a crash in C++
code, the kernel's out-of-memory killer) costs the molecule it was on the same way. When the stuck
step scored several molecules together (a vectorised model), which one is at fault is not known:
those molecules are scored again one at a time, each with its own limit.

Workers start in their own process group and ignore Ctrl-C, so that an interrupt reaches only the
run (which finishes its step) and never costs a molecule its score.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import os
import signal
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait

import numpy as np

from molmara.defaults import DEFAULT_TIME_LIMIT
from molmara.objective import Objective, ScoreResult
from molmara.oracles import watch
from molmara.oracles.base import MolBatch, OracleError

log = logging.getLogger("molmara.scoring")

MIN_CHUNK = 64
"""Below twice this many molecules a batch goes to one worker: splitting it costs more than it saves."""


def timed_out_reason(limit: float) -> str:
    return f"timed out: an oracle took more than {limit:g} s on this molecule"


def died_reason(exitcode: int | None) -> str:
    cause = f"signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"exit code {exitcode}"
    return f"the scoring process died on this molecule ({cause})"


def _serve(connection, inherited, objective: Objective, slots, limit: float) -> None:
    """A worker's loop: (SMILES, one_at_a_time) in, ("part", offset, ScoreResult) … ("done",) out."""
    if inherited is not None:
        inherited.close()  # the parent's end, copied by fork: the worker must see EOF when the parent goes
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch.install(slots, limit)
    fragments = objective.config.fragments
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        smiles, one_at_a_time = job
        try:
            if one_at_a_time:
                for offset, single in enumerate(smiles):
                    watch.set_offset(offset)
                    watch.molecule(0)
                    connection.send(("part", offset, objective.evaluate(MolBatch([single], fragments))))
                watch.set_offset(0)
            else:
                watch.set_offset(0)
                watch.molecules(range(len(smiles)))
                connection.send(("part", 0, objective.evaluate(MolBatch(smiles, fragments))))
            connection.send(("done",))
        except Exception as err:  # sent back and raised in the parent, like the same error in-process
            connection.send(("error", f"{type(err).__name__}: {err}", isinstance(err, OracleError)))


class Executor:
    """Evaluates an objective on molecules that are not in the cache."""

    def evaluate(self, objective: Objective, batch: MolBatch) -> ScoreResult:
        raise NotImplementedError

    def close(self) -> None:
        """Release workers, if any."""


class SerialExecutor(Executor):
    """In this process, reusing the already parsed molecules; no time limit."""

    def evaluate(self, objective: Objective, batch: MolBatch) -> ScoreResult:
        return objective.evaluate(batch)


@dataclass
class _Job:
    positions: list[int]
    """Positions in the batch of the molecules sent, in the order sent."""
    one_at_a_time: bool
    received: set[int] = field(default_factory=set)

    def left(self) -> list[int]:
        return [p for p in self.positions if p not in self.received]


class _Worker:
    def __init__(self, objective: Objective, limit: float, context) -> None:
        self.slots = context.RawArray("d", 3)
        parent_end, child_end = context.Pipe()
        forked = context.get_start_method() == "fork"
        self.process = context.Process(
            target=_serve,
            args=(child_end, parent_end if forked else None, objective, self.slots, limit),
            daemon=True,
            name="molmara-scoring",
        )
        self.process.start()
        child_end.close()
        self.connection = parent_end
        self.job: _Job | None = None

    def start(self, job: _Job, smiles: list, limit: float) -> None:
        self.job = job
        self.slots[watch.POSITION] = 0
        self.slots[watch.COUNT] = len(job.positions)
        self.slots[watch.DEADLINE] = time.monotonic() + limit * max(1, len(job.positions))
        self.connection.send(([smiles[p] for p in job.positions], job.one_at_a_time))

    def stuck_on(self) -> tuple[int, int]:
        """(position in the job, count) of the step the worker last announced."""
        return int(self.slots[watch.POSITION]), int(self.slots[watch.COUNT])

    def stop(self, kill: bool = True) -> None:
        if kill and self.process.is_alive():
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.process.kill()
        elif not kill:
            with contextlib.suppress(OSError):
                self.connection.send(None)
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.connection.close()


def _stop_all(workers: list[_Worker]) -> None:
    while workers:
        workers.pop().stop()


class _Results:
    """The batch's scores, filled in as workers send them."""

    def __init__(self, n: int, labels: list[str]) -> None:
        self.scores = np.full(n, np.nan)
        self.raw = {k: np.full(n, np.nan) for k in labels}
        self.transformed = {k: np.full(n, np.nan) for k in labels}
        self.reasons = [""] * n

    def put(self, positions: list[int], part: ScoreResult) -> None:
        index = np.asarray(positions, dtype=int)
        self.scores[index] = part.scores
        for k in self.raw:
            self.raw[k][index] = part.raw[k]
            self.transformed[k][index] = part.transformed[k]
        for p, reason in zip(positions, part.reasons or [""] * len(positions), strict=True):
            self.reasons[p] = reason

    def fail(self, position: int, reason: str) -> None:
        self.reasons[position] = reason  # scores stay NaN


class WorkerExecutor(Executor):
    """Evaluates an objective in `n_workers` processes, each molecule limited to `time_limit` s an oracle.

    `time_limit` None: no limit (workers are still replaced when they die). `start_method` "fork"
    (default where the platform has it) or "spawn" (where forking is unsafe, e.g. inside a Ray actor;
    the objective must then be picklable).
    """

    def __init__(
        self,
        n_workers: int = 1,
        time_limit: float | None = DEFAULT_TIME_LIMIT,
        min_chunk: int = MIN_CHUNK,
        start_method: str | None = None,
    ) -> None:
        if n_workers < 1:
            raise ValueError(f"n_workers must be >= 1, got {n_workers}")
        if time_limit is not None and not (time_limit > 0 and math.isfinite(time_limit)):
            raise ValueError(f"time_limit must be a positive number of seconds or None, got {time_limit!r}")
        self.n_workers = n_workers
        self.time_limit = time_limit
        self.min_chunk = min_chunk
        methods = multiprocessing.get_all_start_methods()
        self._context = multiprocessing.get_context(start_method or ("fork" if "fork" in methods else "spawn"))
        self._objective: Objective | None = None
        self._workers: list[_Worker] = []
        self.timed_out = 0
        """Molecules stopped at the time limit so far."""
        weakref.finalize(self, _stop_all, self._workers)

    # ------------------------------------------------------------------ scoring
    def evaluate(self, objective: Objective, batch: MolBatch) -> ScoreResult:
        """Scores of `batch` (its SMILES as written are sent: re-parsing canonical SMILES can move a float)."""
        if objective is not self._objective:
            self.close()
            self._objective = objective
        smiles = list(batch.smiles)
        results = _Results(len(smiles), objective.labels)
        queue = deque(_Job(chunk, one_at_a_time=False) for chunk in self._chunks(len(smiles)))
        try:
            while queue or any(w.job for w in self._workers):
                self._hand_out(queue, smiles)
                self._collect(queue, results, smiles)
        except BaseException:
            self.close()  # a worker may be half-way through a job: start clean next time
            raise
        return ScoreResult(
            smiles=batch.smiles,
            scores=results.scores,
            valid=batch.valid.copy(),
            raw=results.raw,
            transformed=results.transformed,
            reasons=[r or b for r, b in zip(results.reasons, batch.reasons, strict=True)],
        )

    def _chunks(self, n: int) -> list[list[int]]:
        parts = 1 if n < 2 * self.min_chunk else self.n_workers
        bounds = np.linspace(0, n, parts + 1).astype(int)
        return [list(range(a, b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]

    @property
    def _limit(self) -> float:
        return self.time_limit if self.time_limit is not None else math.inf

    def _hand_out(self, queue: deque, smiles: list) -> None:
        while queue and len(self._workers) < self.n_workers:
            self._workers.append(_Worker(self._objective, self._limit, self._context))
        for worker in self._workers:
            if queue and worker.job is None:
                worker.start(queue.popleft(), smiles, self._limit)

    def _collect(self, queue: deque, results: _Results, smiles: list) -> None:
        busy = [w for w in self._workers if w.job is not None]
        if not busy:
            return
        soonest = min(w.slots[watch.DEADLINE] for w in busy) if self.time_limit is not None else math.inf
        timeout = None if math.isinf(soonest) else max(0.0, soonest - time.monotonic()) + 0.01
        ready = wait([w.connection for w in busy], timeout=timeout)
        for worker in busy:
            if worker.connection in ready:
                self._receive(worker, queue, results, smiles)
            elif self.time_limit is not None and time.monotonic() > worker.slots[watch.DEADLINE]:
                self._lose(worker, queue, results, smiles, timed_out_reason(self.time_limit))

    def _receive(self, worker: _Worker, queue: deque, results: _Results, smiles: list) -> None:
        try:
            message = worker.connection.recv()
        except (EOFError, OSError):
            worker.process.join(timeout=5)
            self._lose(worker, queue, results, smiles, died_reason(worker.process.exitcode))
            return
        job = worker.job
        if message[0] == "part":
            offset, part = message[1], message[2]
            positions = job.positions[offset : offset + len(part.scores)]
            results.put(positions, part)
            job.received.update(positions)
        elif message[0] == "done":
            worker.job = None
        else:
            worker.job = None
            raise (OracleError if message[2] else RuntimeError)(message[1])

    def _lose(self, worker: _Worker, queue: deque, results: _Results, smiles: list, reason: str) -> None:
        """The worker is stuck or dead: stop it, fail the molecule at fault, queue the rest again."""
        job = worker.job
        position, count = worker.stuck_on()
        worker.stop()
        self._workers.remove(worker)
        left = job.left()
        if count == 1 and 0 <= position < len(job.positions) and job.positions[position] in left:
            culprit = job.positions[position]
        elif job.one_at_a_time and left:
            culprit = left[0]  # one at a time the worker can only have been on the first one left
        else:  # a step over several molecules: find the one at fault by scoring them one at a time
            if left:
                queue.append(_Job(left, one_at_a_time=True))
            log.warning(
                "a scoring worker was lost (%s) on %d molecules scored together: scoring them one at a time",
                reason,
                count,
            )
            return
        results.fail(culprit, reason)
        self.timed_out += reason.startswith("timed out")
        log.warning("%s: %s (scored NaN)", smiles[culprit], reason)
        rest = [p for p in left if p != culprit]
        if rest:
            queue.append(_Job(rest, one_at_a_time=job.one_at_a_time))

    def close(self) -> None:
        """Stop the workers (they also stop when this process exits)."""
        while self._workers:
            worker = self._workers.pop()
            worker.stop(kill=worker.job is not None)


def make_executor(n_jobs: int = 1, time_limit: float | None = DEFAULT_TIME_LIMIT) -> Executor:
    """Worker processes when molecules have a time limit or `n_jobs` > 1; else this process."""
    if time_limit is None and n_jobs <= 1:
        return SerialExecutor()
    return WorkerExecutor(n_jobs, time_limit)
