"""Run a benchmark's runs in parallel worker processes, one run a process, each writing its own raw-row file.

Used by `benchmarks.mvr_parallel` and `benchmarks.pmo --workers N`: every job is a command line that runs
one (task, arm, seed) with its own run folder and writes its raw rows to `OUT/parts/<job>_runs.csv`, so that
no two processes write one file. New jobs start until `stop_starting_s`; jobs still going at `kill_s` are
killed (their rows are lost, their checkpoints kept: the next start resumes them). As each job ends, the
parts are merged into `OUT/<merged>_runs.csv`, which the benchmark's `--import` adds to its results.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

Job = tuple[str, str, int]
"""(task, arm, seed)."""


def job_name(job: Job) -> str:
    task, arm, seed = job
    return f"{task}-{arm}-s{seed}"


def merge(out: Path, name: str) -> Path | None:
    """Concatenate the per-job raw rows into `out/<name>_runs.csv`."""
    parts = sorted((out / "parts").glob("*_runs.csv"))
    if not parts:
        return None
    rows = pd.concat([pd.read_csv(p, dtype={"prior": str}) for p in parts], ignore_index=True)
    path = out / f"{name}_runs.csv"
    rows.to_csv(path, index=False)
    return path


def run_jobs(
    jobs: list[Job],
    command_of: Callable[[Job], list[str]],
    out: Path,
    merged: str,
    workers: int,
    stop_starting_s: float = float("inf"),
    kill_s: float = float("inf"),
) -> dict[str, int]:
    """Run `jobs` (in order) `workers` at a time; returns how many finished, failed, were killed or not started."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "logs").mkdir(exist_ok=True)
    pending = list(jobs)
    running: dict[Job, tuple[subprocess.Popen, float, object]] = {}
    started_at = time.time()
    outcome = {"finished": 0, "failed": 0, "killed": 0, "not started": 0}
    while pending or running:
        elapsed = time.time() - started_at
        while pending and len(running) < workers and elapsed < stop_starting_s:
            job = pending.pop(0)
            log = open(out / "logs" / f"{job_name(job)}.log", "w")  # noqa: SIM115 - closed below
            running[job] = (subprocess.Popen(command_of(job), stdout=log, stderr=subprocess.STDOUT), time.time(), log)
        if elapsed >= stop_starting_s and pending:
            outcome["not started"] += len(pending)
            pending.clear()
        for job, (process, since, log) in list(running.items()):
            code = process.poll()
            if code is None and elapsed >= kill_s:
                process.kill()
                process.wait()
                outcome["killed"] += 1
                print(f"killed {job} after {time.time() - since:.0f} s", flush=True)
            elif code is not None:
                outcome["finished" if code == 0 else "failed"] += 1
                print(f"{'done' if code == 0 else f'FAILED ({code})'} {job} in {time.time() - since:.0f} s", flush=True)
                merge(out, merged)  # the rows so far, should this process be stopped
            else:
                continue
            log.close()
            del running[job]
        time.sleep(0.5)
    path = merge(out, merged)
    print(f"{outcome} in {time.time() - started_at:.0f} s; rows: {path}", flush=True)
    return outcome
