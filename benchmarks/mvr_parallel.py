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
import sys
from pathlib import Path

from benchmarks.mvr_design import MODES, TASKS
from benchmarks.parallel import run_jobs


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


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    outcome = run_jobs(
        plan(args),
        lambda job: command(*job, args),
        args.out,
        f"mara_vs_reinvent_{args.mode}",
        args.workers,
        args.stop_starting_s,
        args.kill_s,
    )
    return 0 if outcome["failed"] == outcome["killed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
