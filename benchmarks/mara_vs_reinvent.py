"""MARA against REINVENT on open oracles: four tasks × six arms × seeds, at a budget of unique oracle calls.

Tasks, screens and arms are in `benchmarks/mvr_design.py`, the metrics in `benchmarks/mvr_analysis.py`.
`--quick` (default): 1,000 oracle calls a run, learning rate 1e-3, seeds 0–2. `--full`: 10,000 oracle
calls a run, learning rate 5e-4, seeds 0–4. Every arm shares the
shipped prior, batch 64 and σ 128 (β = 1/128).

The script is incremental: each finished run appends one raw row to `results/<name>_runs.csv` and
rewrites the summary; runs already in that file are skipped, and a run interrupted mid-way resumes
from its checkpoint in `--runs-dir`. So a full benchmark can run in the background across sessions:

    nohup python -m benchmarks.mara_vs_reinvent --full > mvr_full.log 2>&1 &

`--summary-only` rebuilds the summary from the raw rows without running anything; `--recompute` also
recomputes each row's metrics from its run folder (after the metrics change), keeping its date and machine.
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
from benchmarks.common import RESULTS, command, cpu_model, finished_run, listed, write_result
from benchmarks.mvr_analysis import DIAGNOSTICS, METRICS, markdown, mode_share_table, run_metrics, summarise
from benchmarks.mvr_design import ARMS, CORE, MODES, TASKS, Settings, prior_digest, run_config
from benchmarks.rows import append_row, machines_of, read_rows

KEY = ["task", "arm", "seed", "budget", "batch_size", "learning_rate", "sigma", "prior", "core"]
"""What identifies a run in the raw CSV: a row with the same key is not run again (`prior`: the prior
file's digest, so that a new shipped prior is benchmarked afresh; `core`: `mvr_design.CORE`)."""

PAPER = (
    "For context, the paper's molecule experiment (GX-Chen et al., ICLR 2026; docking × QED × HBD × "
    "synthesizability reward, 10,000 oracle calls, 0.85 screen): REINVENT → REINVENT+MARA Yield 1098 → 1438 "
    "and 1614 → 2196, OB100 4360 → 3943."
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick", help="1,000 calls a run (default)")
    mode.add_argument("--full", dest="mode", action="store_const", const="full", help="10,000 calls a run")
    parser.set_defaults(mode="quick")
    parser.add_argument("--tasks", help=f"comma-separated, from {', '.join(TASKS)} (default: all)")
    parser.add_argument("--arms", help=f"comma-separated, from {', '.join(ARMS)} (default: all)")
    parser.add_argument("--seeds", help="comma-separated seeds (default: 0,1,2)")
    parser.add_argument("--budget", type=int, help="unique oracle calls a run (default: the mode's)")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--learning-rate", type=float)
    parser.add_argument("--sigma", type=float)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--runs-dir", type=Path, help="run folders and their store (default: molmara-runs/mvr-MODE)")
    parser.add_argument("--results-dir", type=Path, default=RESULTS, help="where the CSVs and summary go")
    parser.add_argument("--name", help="results file stem (default: mara_vs_reinvent_MODE)")
    parser.add_argument("--summary-only", action="store_true", help="rebuild the summary, run nothing")
    parser.add_argument(
        "--import",
        dest="import_rows",
        type=Path,
        metavar="CSV",
        help="append the raw rows of CSV (from benchmarks.mvr_parallel) that are not in the results yet, run nothing",
    )
    parser.add_argument(
        "--recompute", action="store_true", help="recompute every raw row's metrics from its run folder, run nothing"
    )
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> Settings:
    """The mode's settings with the command line's overrides."""
    base = MODES[args.mode]

    return Settings(
        budget=args.budget or base.budget,
        seeds=listed(args.seeds, base.seeds, cast=int),
        learning_rate=args.learning_rate or base.learning_rate,
        batch_size=args.batch_size or base.batch_size,
        sigma=args.sigma or base.sigma,
        tasks=listed(args.tasks, base.tasks, TASKS),
        arms=listed(args.arms, base.arms, ARMS),
    )


def key_of(task: str, arm: str, seed: int, settings: Settings, prior: str) -> tuple:
    s = settings
    return (
        task, arm, int(seed), int(s.budget), int(s.batch_size), float(s.learning_rate), float(s.sigma), prior, CORE
    )  # fmt: skip


def row_key(row) -> tuple:
    """The KEY of one raw row (a record or a namedtuple from `itertuples`)."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return (
        get("task"), get("arm"), int(get("seed")), int(get("budget")), int(get("batch_size")),
        float(get("learning_rate")), float(get("sigma")), str(get("prior")), _core(get),
    )  # fmt: skip


def _core(get) -> int:
    """A row's core version (rows written before the column existed are core 1)."""
    try:
        value = get("core")
    except (AttributeError, KeyError):
        return 1
    return 1 if value is None or value != value else int(value)


def done_keys(rows: pd.DataFrame) -> set[tuple]:
    return set() if rows.empty else {row_key(r) for r in rows.itertuples()}


def execute(
    task: str, arm: str, seed: int, settings: Settings, runs_dir: Path, device: str, prior: str, rerun: bool = True
) -> dict:
    """Run (or resume, or just read back) one run and return its raw row; `rerun=False`: only read back."""
    config = run_config(task, arm, seed, settings, runs_dir, device, prior)
    summary_path = runs_dir / config["name"] / "summary.json"
    status = json.loads(summary_path.read_text()).get("status") if summary_path.is_file() else None
    if status != "finished" and not rerun:
        raise FileNotFoundError(f"no finished run in {runs_dir / config['name']}")
    data = finished_run(config, runs_dir)
    spec = TASKS[task]
    row = {
        "task": task,
        "arm": arm,
        "seed": seed,
        "budget": settings.budget,
        "batch_size": settings.batch_size,
        "learning_rate": settings.learning_rate,
        "sigma": settings.sigma,
        "prior": prior,
        "core": CORE,
        "tau": config["tau"],
        "upper_screen": spec.upper_screen,
        "run": config["name"],
        "status": data.summary.get("status", ""),
        "steps": data.summary.get("steps", math.nan),
        "wall_s": data.summary.get("elapsed_s", math.nan),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine_label(device),
    }
    row.update(run_metrics(data, spec, settings.budget))
    return row


def machine_label(device: str) -> str:
    """The processor, and the GPU when the run used one."""
    import torch

    if device != "cpu" and torch.cuda.is_available():
        return f"{cpu_model()} + {torch.cuda.get_device_name(0)}"
    return cpu_model()


def import_rows(source: Path, raw_path: Path) -> int:
    """Append the rows of `source` whose key is not in `raw_path` yet; the number appended."""
    return rows_file.import_rows(source, raw_path, row_key)


def write_summary(
    rows: pd.DataFrame, settings: Settings, prior: str, name: str, mode: str, folder: Path
) -> Path | None:
    """Summary over the raw rows of these settings and prior (every task and arm in the file): CSV, JSON, Markdown."""
    if rows.empty:
        return None
    same = (
        (rows["budget"] == settings.budget)
        & (rows["batch_size"] == settings.batch_size)
        & (rows["learning_rate"] == settings.learning_rate)
        & (rows["sigma"] == settings.sigma)
        & (rows["prior"] == prior)
        & (rows["core"] == CORE if "core" in rows else False)
    )
    rows = rows[same]
    if rows.empty:
        return None
    summary = summarise(rows)
    summary.to_csv(folder / f"{name}_summary.csv", index=False)
    screens = ", ".join(f"{t} τ = {TASKS[t].screen:g}, upper {TASKS[t].upper_screen:g}" for t in rows["task"].unique())
    text = (
        f"Mode: {mode}. {settings.budget:,} unique oracle calls a run, batch {settings.batch_size}, "
        f"learning rate {settings.learning_rate:g}, σ {settings.sigma:g} (β = 1/σ), "
        f"shipped MOSES prior (SHA-256 {prior}…); "
        f"{len(rows)} runs. Screens: {screens}. Mean ± std over seeds; p: one-sided Welch t-test that REINVENT+MARA "
        "is better (higher, or lower for OB100). OB100 over the runs that reached 100 hits (reached/runs). "
        f"Raw rows: `{name}_runs.csv`. Runs made on: {machines_of(rows)} (the header above is where "
        "this summary was written).\n\n## Outcomes\n\n"
        + markdown(summary, [(c, label) for c, label, _ in METRICS])
        + _mode_shares(rows)
        + "\n## Why: τ, anchors and the agent\n\n"
        + markdown(summary, DIAGNOSTICS, with_p=False)
        + "\n"
        + PAPER
        + "\n\n"
        + (__doc__ or "")
    )
    records = json.loads(summary.to_json(orient="records"))  # NaN → null
    payload = {
        "mode": mode,
        "prior_sha256": prior,
        "settings": {k: v for k, v in vars(settings).items() if k != "extra"},
    }
    # the command that makes these rows: this one without the options that only rebuild the summary
    reproduce = " ".join(a for a in command().split(" ") if a not in ("--summary-only", "--recompute"))
    reproduce = reproduce.split(" --import")[0]
    write_result(name, {**payload, "runs": len(rows), "summary": records}, text, folder=folder, reproduce=reproduce)
    return folder / f"{name}.md"


def _mode_shares(rows: pd.DataFrame) -> str:
    """The section on each mode's share of the hits, for the tasks with modes (the prior's shares where measured)."""
    parts = []
    for task in (t for t in rows["task"].unique() if TASKS[t].has_modes and "mode_hits" in rows):
        prior = None
        measured = RESULTS / f"{task}_prior.json"
        if measured.is_file():
            screen = json.loads(measured.read_text())["screens"].get(f"{TASKS[task].screen:g}")
            prior = screen["shares"] if screen else None
        parts.append(mode_share_table(rows[rows["task"] == task], TASKS[task], prior))
    if not parts:
        return ""
    return (
        "\n## Each mode's share of the hits\n\nMean over runs of each run's shares (hits at τ); a plain REINVENT "
        "target keeps the prior's ratio when the modes are rewarded equally (the paper's Remark 4.3).\n\n"
        + "\n".join(parts)
    )


def recompute(raw_path: Path, runs_dir: Path, device: str) -> None:
    """Recompute the metrics of every raw row from its finished run folder (date, machine and wall time kept)."""
    rows = read_rows(raw_path)
    fresh = []
    for old in rows.to_dict("records"):
        settings = Settings(old["budget"], (old["seed"],), old["learning_rate"], old["batch_size"], old["sigma"])
        row = execute(old["task"], old["arm"], int(old["seed"]), settings, runs_dir, device, old["prior"], rerun=False)
        fresh.append({**row, **{k: old[k] for k in ("date", "machine", "wall_s")}})
    if fresh:
        pd.DataFrame(fresh).to_csv(raw_path, index=False)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = settings_from(args)
    name = args.name or f"mara_vs_reinvent_{args.mode}"
    runs_dir = args.runs_dir or Path("molmara-runs") / f"mvr-{args.mode}"
    raw_path = args.results_dir / f"{name}_runs.csv"
    failures = 0
    if args.import_rows:
        print(f"{import_rows(args.import_rows, raw_path)} new rows from {args.import_rows} in {raw_path}")
    elif args.recompute:
        recompute(raw_path, runs_dir, args.device)
    elif not args.summary_only:
        plan = [(t, s, a) for t in settings.tasks for s in settings.seeds for a in settings.arms]
        for i, (task, seed, arm) in enumerate(plan, 1):
            prior = prior_digest()  # per run: the shipped prior may be replaced while a long benchmark runs
            if key_of(task, arm, seed, settings, prior) in done_keys(read_rows(raw_path)):
                continue
            started = time.time()
            try:
                row = execute(task, arm, seed, settings, runs_dir, args.device, prior)
            except Exception as err:  # one failed run should not stop a night of runs
                failures += 1
                print(f"[{i}/{len(plan)}] {task} {arm} seed {seed}: FAILED: {err}", flush=True)
                continue
            append_row(raw_path, row)
            write_summary(read_rows(raw_path), settings, prior, name, args.mode, args.results_dir)
            print(
                f"[{i}/{len(plan)}] {task} {arm} seed {seed}: yield {row['yield']}, upper {row['yield_upper']}, "
                f"scaffolds {row['hit_scaffolds']}, top10 AUC {row['top10_auc']:.3f}, "
                f"batches>=tau {row['batches_above_tau']:.2f} ({time.time() - started:.0f} s)",
                flush=True,
            )
    md = write_summary(read_rows(raw_path), settings, prior_digest(), name, args.mode, args.results_dir)
    print(md.read_text() if md else f"no rows in {raw_path} for these settings")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
