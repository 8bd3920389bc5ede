"""Run the MARA-versus-REINVENT benchmark's runs in parallel worker processes, one run a process.

For a machine with many cores (and a GPU): each (task, arm, seed) runs as its own
`python -m benchmarks.mara_vs_reinvent` with its own run folder and raw-row file, so that no two
processes write one file. New runs start until `--stop-starting-s`; runs still going at `--kill-s`
are stopped (and lost: their rows are not written). At the end the raw rows of every finished run
are merged into `OUT/<name>_runs.csv`, which `mara_vs_reinvent --summary-only` turns into the summary
after `mara_vs_reinvent --full --import OUT/mara_vs_reinvent_full_runs.csv` has added the rows that are
not in `benchmarks/results/` yet:

    OMP_NUM_THREADS=1 python -m benchmarks.mvr_parallel --full --device cuda --workers 16 --out /tmp/mvr \
        --done benchmarks/results/mara_vs_reinvent_full_runs.csv
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from benchmarks.mvr_design import MODES, TASKS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", dest="mode", action="store_const", const="full", default="quick")
    parser.add_argument("--tasks", help="comma-separated (default: all)")
    parser.add_argument("--arms", help="comma-separated (default: all)")
    parser.add_argument("--seeds", help="comma-separated (default: the mode's)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, required=True, help="run folders, logs and the merged rows")
    parser.add_argument("--done", type=Path, help="raw rows (CSV) of runs not to run again")
    parser.add_argument("--stop-starting-s", type=float, default=float("inf"), help="start no run after this")
    parser.add_argument("--kill-s", type=float, default=float("inf"), help="stop the runs still going at this")
    return parser.parse_args(argv)


def plan(args: argparse.Namespace) -> list[tuple[str, str, int]]:
    """(task, arm, seed) of every run, seed by seed, without those already in `--done`."""
    from benchmarks.mara_vs_reinvent import done_keys, key_of, read_rows
    from benchmarks.mvr_design import ARMS, prior_digest

    tasks = args.tasks.split(",") if args.tasks else list(TASKS)
    arms = args.arms.split(",") if args.arms else list(ARMS)
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else list(MODES[args.mode].seeds)
    done = done_keys(read_rows(args.done)) if args.done else set()
    settings, prior = MODES[args.mode], prior_digest()
    # seed by seed over every task and arm, so that a benchmark cut short still covers them all
    return [(t, a, s) for s in seeds for t in tasks for a in arms if key_of(t, a, s, settings, prior) not in done]


def command(task: str, arm: str, seed: int, args: argparse.Namespace) -> list[str]:
    job = f"{task}-{arm}-s{seed}"
    return [
        sys.executable, "-m", "benchmarks.mara_vs_reinvent", f"--{args.mode}",
        "--tasks", task, "--arms", arm, "--seeds", str(seed), "--device", args.device,
        "--runs-dir", str(args.out / "runs" / job), "--results-dir", str(args.out / "parts"), "--name", job,
    ]  # fmt: skip


def merge(out: Path, name: str) -> Path | None:
    """Concatenate the per-run raw rows into `out/<name>_runs.csv`."""
    parts = sorted((out / "parts").glob("*_runs.csv"))
    if not parts:
        return None
    rows = pd.concat([pd.read_csv(p, dtype={"prior": str}) for p in parts], ignore_index=True)
    path = out / f"{name}_runs.csv"
    rows.to_csv(path, index=False)
    return path


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "logs").mkdir(exist_ok=True)
    pending = plan(args)
    running: dict[tuple, tuple[subprocess.Popen, float, object]] = {}
    started_at = time.time()
    outcome: dict[str, int] = {"finished": 0, "failed": 0, "killed": 0, "not started": 0}
    while pending or running:
        elapsed = time.time() - started_at
        while pending and len(running) < args.workers and elapsed < args.stop_starting_s:
            job = pending.pop(0)
            log = open(args.out / "logs" / f"{job[0]}-{job[1]}-s{job[2]}.log", "w")  # noqa: SIM115 - closed below
            process = subprocess.Popen(command(*job, args), stdout=log, stderr=subprocess.STDOUT)
            running[job] = (process, time.time(), log)
        if elapsed >= args.stop_starting_s and pending:
            outcome["not started"] += len(pending)
            pending.clear()
        for job, (process, since, log) in list(running.items()):
            code = process.poll()
            if code is None and elapsed >= args.kill_s:
                process.kill()
                process.wait()
                outcome["killed"] += 1
                print(f"killed {job} after {time.time() - since:.0f} s", flush=True)
            elif code is not None:
                outcome["finished" if code == 0 else "failed"] += 1
                print(f"{'done' if code == 0 else f'FAILED ({code})'} {job} in {time.time() - since:.0f} s", flush=True)
                merge(args.out, f"mara_vs_reinvent_{args.mode}")  # the rows so far, should this process be stopped
            else:
                continue
            log.close()
            del running[job]
        time.sleep(0.5)
    merged = merge(args.out, f"mara_vs_reinvent_{args.mode}")
    print(f"{outcome} in {time.time() - started_at:.0f} s; rows: {merged}", flush=True)
    return 0 if outcome["failed"] == outcome["killed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
