"""Subcommands about RL runs and the run store: run, resume, runs (list/show/export/delete), sweep and app."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from molmara.defaults import DEFAULT_STORE
from molmara.resources import APP
from molmara.run_folder import RunNameError, remove_run_files


def _progress(quiet: bool):
    def report(trainer, record) -> None:
        if not quiet:
            print(
                f"step {record['step']:4d}  oracle calls {record['oracle_calls']:6d}  "
                f"score {record['score_mean']:.3f} (max {record['score_max']:.3f})  hits {record['hits']:5d}  "
                f"hit scaffolds {record['unique_hit_scaffolds']:5d}  valid {record['valid_fraction']:.2f}",
                flush=True,
            )

    return report


def _finish_line(trainer) -> str:
    summary, config = trainer.summary(), trainer.config
    return (
        f"{trainer.state.status}: run {trainer.run_id} {config.name!r}, {summary['steps']} steps, "
        f"{summary['oracle_calls']:,} oracle calls, {summary['hits']:,} hits (score >= {config.hit_score}) on "
        f"{summary['unique_hit_scaffolds']:,} scaffolds; results in {config.run_dir} and {config.store_path}"
    )


def cmd_run(args: argparse.Namespace) -> int:
    from molmara.lifecycle import run
    from molmara.rl import load_run_config

    if args.from_reinvent:
        from molmara.reinvent_config import convert_staged_learning

        converted, notes = convert_staged_learning(args.config)
        for note in notes:
            print(f"from REINVENT: {note}", file=sys.stderr)
        config = load_run_config(converted)
    else:
        config = load_run_config(args.config)
    updates = {k: v for k, v in (("output", args.output), ("name", args.name), ("store", args.store)) if v is not None}
    config = config.model_copy(update=updates)
    trainer = run(config, resume=args.resume, callbacks=[_progress(args.quiet)])
    print(_finish_line(trainer))
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    from molmara.lifecycle import run
    from molmara.rl import load_run_config
    from molmara.store import RunStore

    with RunStore(args.store, create=False) as store:
        info = store.get_run(args.run)
    if info["kind"] != "rl":
        raise ValueError(f"run {args.run!r} is a {info['kind']} job, not an RL run; only RL runs resume")
    if info["status"] == "finished":
        raise ValueError(f"run {info['name']!r} has finished; there is nothing to resume")
    from molmara.jobs import process_alive

    alive = info["pid"] not in (None, os.getpid()) and process_alive(info["pid"], info["pid_started"])
    if info["status"] == "running" and alive:
        raise ValueError(f"run {info['name']!r} is still running (pid {info['pid']}); cancel it first")
    from molmara.rl.config import tomllib

    config = load_run_config({**tomllib.loads(info["config"]), "store": str(args.store)})
    trainer = run(config, resume=True, callbacks=[_progress(args.quiet)])
    print(_finish_line(trainer))
    return 0


def _refresh(store_path: Path) -> None:
    """Mark the runs whose process died without recording an end as failed (what `JobManager.refresh` does)."""
    from molmara.jobs import JobManager

    JobManager(store_path).refresh()


def cmd_runs_list(args: argparse.Namespace) -> int:
    from molmara.store import RunStore

    with RunStore(args.store, create=False) as store:
        table = store.list_runs()
    if not table.empty and table["status"].eq("running").any():
        _refresh(args.store)
        with RunStore(args.store, create=False) as store:
            table = store.list_runs()
    if table.empty:
        print(f"no runs in {args.store}")
    else:
        print(table.to_string(index=False, na_rep="-"))
    return 0


def cmd_runs_show(args: argparse.Namespace) -> int:
    from molmara.store import RunStore

    with RunStore(args.store, create=False) as store:
        running = store.get_run(args.run)["status"] == "running"
    if running:
        _refresh(args.store)
    with RunStore(args.store, create=False) as store:
        info = store.get_run(args.run)
        steps = store.steps(info["id"])
        hits = store.molecules(info["id"], hits_only=True)
    print(f"run {info['id']} {info['name']!r}  kind {info['kind']}  status {info['status']}  seed {info['seed']}")
    print(f"prior {info['prior'] or 'shipped'}  molmara {info['version']}  folder {info['run_dir']}")
    if info["message"]:
        print(f"message: {info['message']}")
    for key, value in info["summary"].items():
        print(f"  {key:22s} {value}")
    if not steps.empty:
        columns = ["step", "oracle_calls", "score_mean", "score_max", "hits", "unique_hit_scaffolds"]
        print("last steps:")
        print(steps[columns].tail(args.steps).to_string(index=False))
    if not hits.empty:
        best = hits.drop_duplicates("canonical_smiles").nlargest(args.top, "score")
        print(f"best of {hits['canonical_smiles'].nunique():,} unique hits:")
        for row in best.itertuples():
            print(f"  {row.score:.3f}  step {row.step:4d}  {row.smiles}")
    print("config:")
    print("  " + info["config"].strip().replace("\n", "\n  "))
    return 0


def cmd_runs_export(args: argparse.Namespace) -> int:
    from molmara.store import RunStore
    from molmara.store.export import export_run

    with RunStore(args.store, create=False) as store:
        written = export_run(store, args.run, args.output, fmt=args.format, hits_only=args.hits_only)
    print(f"wrote {written:,} molecules to {args.output}")
    return 0


def cmd_runs_poses(args: argparse.Namespace) -> int:
    from molmara.oracles.docking import collect_poses
    from molmara.store import RunStore

    with RunStore(args.store, create=False) as store:
        info = store.get_run(args.run)
    text = collect_poses(info["run_dir"]) if info["run_dir"] else ""
    if not text:
        raise ValueError(f"run {info['name']!r} has no docking poses in {info['run_dir']} (no docking oracle?)")
    Path(args.output).write_text(text)
    print(f"wrote {text.count('$$$$'):,} poses (best Vina score first) to {args.output}")
    return 0


def cmd_runs_delete(args: argparse.Namespace) -> int:
    from molmara.store import RunStore

    with RunStore(args.store, create=False) as store:
        info = store.get_run(args.run)
        if info["status"] == "running" and not args.force:
            raise ValueError(f"run {info['name']!r} is running; cancel it first or pass --force")
        store.delete_run(info["id"])
    removed = ""
    if args.files and info["run_dir"] and Path(info["run_dir"]).is_dir():
        try:
            files, left = remove_run_files(info["run_dir"], info["name"])
        except RunNameError as err:
            print(f"kept the files: {err}", file=sys.stderr)
        else:
            removed = f" and its {len(files)} files in {info['run_dir']}"
            if left:
                removed += f" (kept {len(left)} other entries there: {', '.join(p.name for p in left[:5])})"
    print(f"deleted run {info['id']} {info['name']!r}{removed}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from molmara.distributed.sweep import run_sweep

    results = run_sweep(args.sweep, address=args.address, num_cpus=args.num_cpus, progress=not args.quiet)
    failed = [r for r in results if r["status"] not in ("finished", "collapsed")]
    print(f"sweep done: {len(results) - len(failed)} of {len(results)} runs finished")
    for r in failed:
        print(f"  {r['name']}: {r['status']}: {r.get('error', '')}", file=sys.stderr)
    return 1 if failed else 0


def cmd_app(args: argparse.Namespace) -> int:
    from molmara.oracles.user import ALLOW_EXTERNAL

    home = APP / "Home.py"
    if not home.is_file():
        raise FileNotFoundError(f"the app is not installed next to the package ({home} is missing)")
    command = [
        sys.executable, "-m", "streamlit", "run", str(home),
        "--server.address", args.host, "--server.port", str(args.port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "minimal",  # no "Deploy" button: this app is served, not deployed to a cloud
        "--", "--store", str(args.store),
    ]  # fmt: skip
    env = {**os.environ, ALLOW_EXTERNAL: "1" if args.allow_external_oracles else "0"}
    print(f"molmara app at http://{args.host}:{args.port} (store {args.store}); Ctrl-C stops it", flush=True)
    if args.allow_external_oracles:
        print("external oracles are ON: objectives opened in the app can run programs on this machine", flush=True)
    if os.name == "posix":  # become the server, so that stopping this command (even kill -9) stops it
        os.execve(sys.executable, command, env)
    return subprocess.call(command, env=env)


def add_run_commands(sub: argparse._SubParsersAction) -> None:
    """Register run, resume, runs and app on the `molmara` parser."""
    store_help = f"run store file (default: {DEFAULT_STORE})"

    p = sub.add_parser("run", help="fine-tune the prior with RL (MARA) on an objective, from a run config TOML")
    p.add_argument(
        "config", help="run config TOML (examples: molmara/data/configs/), or with --from-reinvent a REINVENT 4 one"
    )
    p.add_argument(
        "--from-reinvent",
        action="store_true",
        help="CONFIG is a REINVENT 4 staged-learning TOML: convert it (notes name what is not carried over) and run",
    )
    p.add_argument("--name", default=None, help="run name (overrides the config; must be new to the store)")
    p.add_argument("--output", default=None, help="folder for run results (overrides the config)")
    p.add_argument("--store", default=None, help="run store file (default: <output>/molmara.db)")
    p.add_argument("--resume", action="store_true", help="continue from the run's last checkpoint")
    p.add_argument("--quiet", action="store_true", help="no per-step lines")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("resume", help="continue a cancelled or interrupted RL run from its last checkpoint")
    p.add_argument("run", help="run id or name")
    p.add_argument("--store", type=Path, default=DEFAULT_STORE, help=store_help)
    p.add_argument("--quiet", action="store_true", help="no per-step lines")
    p.set_defaults(func=cmd_resume)

    runs = sub.add_parser("runs", help="list, show, export or delete the runs in the store")
    runs_sub = runs.add_subparsers(dest="runs_command", required=True, metavar="ACTION")
    p = runs_sub.add_parser("list", help="all runs, newest first")
    p.add_argument("--store", type=Path, default=DEFAULT_STORE, help=store_help)
    p.set_defaults(func=cmd_runs_list)
    p = runs_sub.add_parser("show", help="one run: status, summary, last steps, best hits and config")
    p.add_argument("run", help="run id or name")
    p.add_argument("--store", type=Path, default=DEFAULT_STORE, help=store_help)
    p.add_argument("--steps", type=int, default=5, help="how many of the last steps to show (default: 5)")
    p.add_argument("--top", type=int, default=10, help="how many best hits to show (default: 10)")
    p.set_defaults(func=cmd_runs_show)
    p = runs_sub.add_parser("export", help="a run's molecules as CSV (REINVENT 4 columns), Parquet or SDF")
    p.add_argument("run", help="run id or name")
    p.add_argument("-o", "--output", required=True, help="output file: .csv, .csv.gz, .parquet or .sdf")
    p.add_argument("--format", choices=["csv", "parquet", "sdf"], default=None, help="(default: from the suffix)")
    p.add_argument("--hits-only", action="store_true", help="only the molecules counted as hits")
    p.add_argument("--store", type=Path, default=DEFAULT_STORE, help=store_help)
    p.set_defaults(func=cmd_runs_export)
    p = runs_sub.add_parser("poses", help="a docking run's best pose of every molecule, as one SDF (best first)")
    p.add_argument("run", help="run id or name")
    p.add_argument("-o", "--output", required=True, help="output .sdf file")
    p.add_argument("--store", type=Path, default=DEFAULT_STORE, help=store_help)
    p.set_defaults(func=cmd_runs_poses)

    p = runs_sub.add_parser("delete", help="remove a run (and with --files its folder) from the store")
    p.add_argument("run", help="run id or name")
    p.add_argument("--files", action="store_true", help="also delete the run folder (checkpoint, CSV files)")
    p.add_argument("--force", action="store_true", help="delete even if the run is marked running")
    p.add_argument("--store", type=Path, default=DEFAULT_STORE, help=store_help)
    p.set_defaults(func=cmd_runs_delete)

    p = sub.add_parser("sweep", help="run a grid of run configs x seeds as Ray tasks (needs molmara[ray])")
    p.add_argument("sweep", help="sweep TOML: name, seeds, [base] run config, [grid] of values")
    p.add_argument("--address", default=None, help="Ray cluster address (default: start Ray on this machine)")
    p.add_argument("--num-cpus", type=int, default=None, help="CPUs for a local Ray instance (default: all)")
    p.add_argument("--quiet", action="store_true", help="no per-run lines")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("app", help="start the web app (Streamlit) on this machine")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--store", type=Path, default=DEFAULT_STORE, help=store_help)
    p.add_argument(
        "--allow-external-oracles",
        action="store_true",
        help="let objectives opened in the app use the 'external' oracle, which runs a program the objective names "
        "(off by default: with --host 0.0.0.0 anyone who can open the page could run commands here)",
    )
    p.set_defaults(func=cmd_app)
