"""molmara on the PMO benchmark: 23 tasks × arms × seeds at 10,000 oracle calls, beside REINVENT's published numbers.

The design (protocol, PMO's REINVENT rule by rule, screens, τ) is in `benchmarks/pmo_design.py`. Incremental
like the MARA benchmark: each finished run appends one raw row to `results/<name>_runs.csv` and rewrites the
summary; runs already there are skipped; an interrupted run resumes from its checkpoint. `--workers N` runs N
runs at once, one process each (`benchmarks.parallel`), into `--out`; `--import CSV` adds rows made elsewhere:

    OMP_NUM_THREADS=1 nohup python -m benchmarks.pmo --full --workers 2 --out molmara-runs/pmo-par &
    python -m benchmarks.pmo --full --import molmara-runs/pmo-par/pmo_full_runs.csv

`--quick` (default) is what the test suite runs: two tasks, 150 calls, seed 0.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import pandas as pd

from benchmarks import rows as rows_file
from benchmarks.common import RESULTS, command, finished_run, listed, write_result
from benchmarks.mvr_design import prior_digest
from benchmarks.parallel import job_name, run_jobs
from benchmarks.pmo_design import (
    ARMS,
    BASE_ARM,
    CORE,
    LEADERBOARD,
    MARA_ARM,
    MODES,
    ORACLES,
    PUBLISHED,
    PUBLISHED_COLUMNS,
    TASKS,
    Settings,
    run_config,
)
from benchmarks.pmo_metrics import METRICS, run_metrics, summarise

KEY = ["task", "arm", "seed", "budget", "batch_size", "learning_rate", "prior", "core", "oracle"]
"""What identifies a run in the raw CSV: a row with the same key is not run again."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick", help="2 tasks, 150 calls")
    mode.add_argument("--full", dest="mode", action="store_const", const="full", help="23 tasks, 10,000 calls")
    parser.set_defaults(mode="quick")
    parser.add_argument("--tasks", help="comma-separated (default: the mode's)")
    parser.add_argument("--arms", help=f"comma-separated, from {', '.join(ARMS)} (default: reinvent,reinvent_mara)")
    parser.add_argument("--seeds", help="comma-separated (default: the mode's)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--runs-dir", type=Path, help="run folders and their store (default: molmara-runs/pmo-MODE)")
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    parser.add_argument("--name", help="results file stem (default: pmo_MODE)")
    parser.add_argument("--workers", type=int, default=1, help="runs at once, one process each (into --out)")
    parser.add_argument("--out", type=Path, help="with --workers > 1: run folders, logs and merged rows")
    parser.add_argument("--stop-starting-s", type=float, default=float("inf"))
    parser.add_argument("--kill-s", type=float, default=float("inf"))
    parser.add_argument("--summary-only", action="store_true", help="rebuild the summary, run nothing")
    parser.add_argument("--import", dest="import_rows", type=Path, metavar="CSV", help="add the rows of CSV")
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> Settings:
    base = MODES[args.mode]

    return Settings(
        budget=base.budget,
        seeds=listed(args.seeds, base.seeds, cast=int),
        tasks=listed(args.tasks, base.tasks, TASKS),
        arms=listed(args.arms, base.arms, ARMS),
    )


def key_of(task: str, arm: str, seed: int, settings: Settings, prior: str) -> tuple:
    s = settings
    return task, arm, int(seed), int(s.budget), int(s.batch_size), float(s.learning_rate), prior, CORE, ORACLES[task]


def row_key(row: dict) -> tuple:
    return (
        row["task"], row["arm"], int(row["seed"]), int(row["budget"]), int(row["batch_size"]),
        float(row["learning_rate"]), str(row["prior"]), int(row["core"]), oracle_of(row),
    )  # fmt: skip


def oracle_of(row: dict) -> str:
    """The molmara task a row was scored with (rows written before the column existed: the task's own name)."""
    oracle = row.get("oracle")
    return oracle if isinstance(oracle, str) and oracle else row["task"]


def current_scoring(row: dict) -> bool:
    """Whether a row's task was scored as the benchmark scores it now (`ORACLES`); rows of the four isomer-scored
    tasks made with GuacaMol's scoring before 2026-12-06 are not."""
    return oracle_of(row) == ORACLES[row["task"]]


def done_keys(path: Path) -> set[tuple]:
    rows = rows_file.read_rows(path)
    return set() if rows.empty else {row_key(r) for r in rows.to_dict("records")}


def execute(task: str, arm: str, seed: int, settings: Settings, runs_dir: Path, device: str, prior: str) -> dict:
    """Run (or resume) one run and return its raw row."""
    config = run_config(task, arm, seed, settings, runs_dir, device, prior)
    data = finished_run(config, runs_dir)
    from benchmarks.mara_vs_reinvent import machine_label

    row = {
        "task": task, "arm": arm, "seed": seed, "budget": settings.budget, "batch_size": settings.batch_size,
        "learning_rate": settings.learning_rate, "prior": prior, "core": CORE, "oracle": ORACLES[task],
        "tau": str(config["tau"]),
        "screen": TASKS[task].screen, "run": config["name"], "steps": data.summary.get("steps", math.nan),
        "stop_reason": data.summary.get("stop_reason", ""), "wall_s": data.summary.get("elapsed_s", math.nan),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine_label(device),
    }  # fmt: skip
    row.update(run_metrics(data, TASKS[task].screen, settings.budget))
    return row


def write_summary(
    rows: pd.DataFrame, settings: Settings, prior: str, name: str, mode: str, folder: Path
) -> Path | None:
    """Per task and arm: mean ± std over seeds beside the published REINVENT; the AUC top-10 sums."""
    if rows.empty:
        return None
    rows = rows[(rows["budget"] == settings.budget) & (rows["prior"] == prior) & (rows["core"] == CORE)]
    rows = rows[[current_scoring(r) for r in rows.to_dict("records")]]
    if rows.empty:
        return None
    summary = summarise(rows)
    summary.to_csv(folder / f"{name}_summary.csv", index=False)
    text = (
        f"Mode: {mode}. {settings.budget:,} oracle calls a run, PMO's REINVENT settings (`benchmarks/pmo_design.py`) "
        f"on the shipped prior (SHA-256 {prior}…); {len(rows)} runs. Published: REINVENT on the PMO leaderboard "
        f"({LEADERBOARD}). Runs made on: {rows_file.machines_of(rows)}.\n\n"
        + auc_sums(rows)
        + "\n## At a glance\n\n"
        + glance_table(summary)
        + "\n## Per task\n\n"
        + task_table(summary)
        + "\n"
        + stop_table(rows)
        + "\n"
        + (__doc__ or "")
    )
    records = json.loads(summary.to_json(orient="records"))  # NaN → null
    payload = {"mode": mode, "prior_sha256": prior, "runs": len(rows), "summary": records}
    reproduce = " ".join(a for a in command().split(" ") if a != "--summary-only").split(" --import")[0]
    write_result(name, payload, text, folder=folder, reproduce=reproduce)
    return folder / f"{name}.md"


def auc_sums(rows: pd.DataFrame) -> str:
    """The sum over tasks of the mean AUC top-10 per arm, against the published sum over the same tasks."""
    lines = ["| arm | tasks | sum of AUC top-10 | published REINVENT, same tasks |", "|---|---|---|---|"]
    for arm in (a for a in ARMS if a in set(rows["arm"])):
        means = rows[rows["arm"] == arm].groupby("task")["auc_top10"].mean()
        published = sum(PUBLISHED[t][1] for t in means.index)
        lines.append(f"| {arm} | {len(means)} | {means.sum():.3f} | {published:.3f} |")
    total = sum(v[1] for v in PUBLISHED.values())
    return "\n".join(lines) + f"\n\nPublished REINVENT over all 23 tasks: {total:.3f}.\n"


def glance_table(summary: pd.DataFrame) -> str:
    """One line a task: AUC top-10 of the published REINVENT, molmara's REINVENT and REINVENT+MARA, and what MARA
    changes in the top-100's diversity, the yield at the task's screen and the #Circles of the hits (means)."""
    index = summary.set_index(["task", "arm", "metric"])

    def mean(task: str, arm: str, metric: str) -> float:
        return float(index.loc[(task, arm, metric)]["mean"]) if (task, arm, metric) in index.index else math.nan

    lines = [
        f"| task | published | {BASE_ARM} | Δ published | {MARA_ARM} | Δ MARA (p) | diversity top-100 | yield | "
        "#Circles (hits) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for task in (t for t in TASKS if (t, BASE_ARM, "auc_top10") in index.index):
        base = index.loc[(task, BASE_ARM, "auc_top10")]
        published = PUBLISHED[task][1]
        cells = [f"{published:.3f}", plus_minus(base), f"{base['mean'] - published:+.3f}"]
        if (task, MARA_ARM, "auc_top10") in index.index:
            mara = index.loc[(task, MARA_ARM, "auc_top10")]
            cells += [
                plus_minus(mara),
                f"{mara['mean'] - base['mean']:+.3f}"
                + (f" ({p:.2f})" if not math.isnan(p := mara["p_mara_better"]) else ""),
            ]
        else:
            cells += ["", ""]
        for metric, fmt in (("top100_diversity", ".3f"), ("yield", ",.0f"), ("hit_circles", ".1f")):
            cells.append(f"{format(mean(task, BASE_ARM, metric), fmt)} → {format(mean(task, MARA_ARM, metric), fmt)}")
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + (
        f"\n\nAUC top-10: mean ± std over seeds; Δ MARA: {MARA_ARM} less {BASE_ARM}, p the one-sided Welch t-test "
        f"that {MARA_ARM} is better. The last three columns: {BASE_ARM} → {MARA_ARM}, means over seeds.\n"
    )


def plus_minus(record: pd.Series) -> str:
    """A summary record's "mean ± std" ("mean" alone from one run)."""
    return f"{record['mean']:.3f}" + (f" ± {record['std']:.3f}" if not math.isnan(record["std"]) else "")


def task_table(summary: pd.DataFrame) -> str:
    labels = [(c, label) for c, label, _ in METRICS]
    lines = ["| task | arm | runs | " + " | ".join(label for _, label in labels) + " |"]
    lines.append("|---|---|---|" + "---|" * len(labels))
    index = summary.set_index(["task", "arm", "metric"])
    for task in (t for t in TASKS if t in set(summary["task"])):
        published = dict(zip(PUBLISHED_COLUMNS, PUBLISHED[task], strict=True))
        cells = [f"{published[c]:.3f}" if c in published else "" for c, _ in labels]
        lines.append(f"| {task} | published REINVENT | 5 | " + " | ".join(cells) + " |")
        for arm in (a for a in ARMS if (task, a, "auc_top10") in index.index):
            cells = []
            for column, _ in labels:
                if (task, arm, column) not in index.index:
                    cells.append("")
                    continue
                record = index.loc[(task, arm, column)]
                text = plus_minus(record)
                if arm == MARA_ARM and not math.isnan(record["p_mara_better"]):
                    text += f" (p {record['p_mara_better']:.2f})"
                cells.append(text)
            runs = int(index.loc[(task, arm, "auc_top10")]["runs"])
            lines.append(f"| | {arm} | {runs} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + f"\n\np: one-sided Welch t-test that {MARA_ARM} is better than {BASE_ARM}.\n"


def stop_table(rows: pd.DataFrame) -> str:
    """How the runs ended (PMO's plateau rule, the budget, the step cap) and the oracle calls they used."""
    lines = ["## How runs ended\n", "| arm | stop reason | runs | mean oracle calls |", "|---|---|---|---|"]
    for (arm, reason), group in rows.groupby(["arm", rows["stop_reason"].fillna("")], sort=True):
        lines.append(f"| {arm} | {reason or 'n/a'} | {len(group)} | {group['oracle_calls'].mean():,.0f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = settings_from(args)
    name = args.name or f"pmo_{args.mode}"
    raw_path = args.results_dir / f"{name}_runs.csv"
    prior = prior_digest()
    failures = 0
    plan = [(t, a, s) for s in settings.seeds for t in settings.tasks for a in settings.arms]
    plan = [job for job in plan if key_of(*job, settings, prior) not in done_keys(raw_path)]
    if args.import_rows:
        print(f"{rows_file.import_rows(args.import_rows, raw_path, row_key, current_scoring)} new rows in {raw_path}")
    elif args.workers > 1 and not args.summary_only:
        out = args.out or Path("molmara-runs") / f"pmo-{args.mode}-parallel"

        def command_of(job: tuple[str, str, int]) -> list[str]:
            task, arm, seed = job
            return [
                sys.executable, "-m", "benchmarks.pmo", f"--{args.mode}", "--tasks", task, "--arms", arm,
                "--seeds", str(seed), "--device", args.device, "--runs-dir", str(out / "runs" / job_name(job)),
                "--results-dir", str(out / "parts"), "--name", job_name(job),
            ]  # fmt: skip

        outcome = run_jobs(plan, command_of, out, name, args.workers, args.stop_starting_s, args.kill_s)
        failures = outcome["failed"] + outcome["killed"]
        print(f"import the rows with: python -m benchmarks.pmo --{args.mode} --import {out / f'{name}_runs.csv'}")
    elif not args.summary_only:
        runs_dir = args.runs_dir or Path("molmara-runs") / f"pmo-{args.mode}"
        for i, (task, arm, seed) in enumerate(plan, 1):
            started = time.time()
            try:
                row = execute(task, arm, seed, settings, runs_dir, args.device, prior)
            except Exception as err:  # one failed run should not stop a night of runs
                failures += 1
                print(f"[{i}/{len(plan)}] {task} {arm} seed {seed}: FAILED: {err}", flush=True)
                continue
            rows_file.append_row(raw_path, row)
            write_summary(rows_file.read_rows(raw_path), settings, prior, name, args.mode, args.results_dir)
            print(
                f"[{i}/{len(plan)}] {task} {arm} seed {seed}: AUC top-10 {row['auc_top10']:.3f} "
                f"(published {PUBLISHED[task][1]:.3f}), calls {row['oracle_calls']}, {row['stop_reason']} "
                f"({time.time() - started:.0f} s)",
                flush=True,
            )
    md = write_summary(rows_file.read_rows(raw_path), settings, prior, name, args.mode, args.results_dir)
    print(md.read_text() if md else f"no rows in {raw_path} for these settings")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
