"""The `molmara` command: each subcommand is one call of the Python API.

Errors print one line (`molmara: error: …`) and exit with status 1; `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import types
import typing
from collections.abc import Sequence

from molmara.defaults import DEFAULT_OUTPUT, DEFAULT_STORE, DEFAULT_TIME_LIMIT

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


def _add_model_options(parser: argparse.ArgumentParser, model: type, skip: Sequence[str] = ()) -> None:
    """One `--option` per field of a pydantic config, typed from its annotation, default from the field."""
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        flag = "--" + name.replace("_", "-")
        kind = field.annotation
        if typing.get_origin(kind) in (typing.Union, types.UnionType):
            kind = next(a for a in typing.get_args(kind) if a is not type(None))
        if typing.get_origin(kind) is typing.Literal:
            choices = typing.get_args(kind)
            parser.add_argument(flag, choices=choices, default=field.default, help=f"(default: {field.default})")
        elif kind is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=field.default)
        elif field.is_required():
            parser.add_argument(flag, type=kind, required=True)
        else:
            parser.add_argument(flag, type=kind, default=field.default, help=f"(default: {field.default})")


def _config_from_args(model: type, args: argparse.Namespace, **extra):
    values = {k: v for k, v in vars(args).items() if k in model.model_fields}
    values.update(extra)
    return model(**values)


# --------------------------------------------------------------------------------------- commands
def cmd_pretrain(args: argparse.Namespace) -> int:
    from molmara.model.pretrain import PretrainConfig, pretrain

    config = _config_from_args(PretrainConfig, args)
    prior = pretrain(config)
    meta = prior.metadata
    print(
        f"saved {config.output}: {meta['steps']} steps, {meta['sequences_seen']:,} sequences, "
        f"validation NLL {meta['valid_nll']:.3f}, {meta['wall_time_s'] / 60:.1f} min"
    )
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from molmara.objective import Objective
    from molmara.sampling import sample_to_csv

    objective = Objective.from_toml_file(args.objective) if args.objective else None
    try:
        path = sample_to_csv(
            args.output,
            n=args.n,
            prior_path=args.prior,
            temperature=args.temperature,
            batch_size=args.batch_size,
            seed=args.seed,
            device=args.device,
            progress=not args.quiet,
            unique=args.unique,
            objective=objective,
            min_score=args.min_score,
            precision=args.precision,
        )
    except KeyboardInterrupt:
        print(f"sampling stopped: run the same command to continue {args.output}.partial", file=sys.stderr)
        raise
    print(f"wrote {args.n:,} SMILES to {path}")
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from molmara.oracles.registry import load_oracle_module
    from molmara.scoring import score_file

    for module in args.oracle_module or []:
        load_oracle_module(module)
    if not (0 <= args.time_limit < float("inf")):
        raise ValueError(f"--time-limit must be a number of seconds >= 0 (0: no limit), got {args.time_limit}")
    table = score_file(
        args.objective,
        args.input,
        args.output,
        n_jobs=args.n_jobs,
        batch_size=args.batch_size,
        progress=not args.quiet,
        time_limit=args.time_limit or None,
    )
    valid = int(table["valid"].sum())
    timed_out = int(table["invalid_reason"].str.startswith("timed out").sum())
    note = f"; {timed_out:,} timed out (NaN)" if timed_out else ""
    print(
        f"scored {len(table):,} SMILES ({valid:,} valid{note}) into {args.output}; "
        f"mean score {table['Score'].mean():.3f}"
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from molmara.metrics import format_table, load_run, metrics_table, write_report

    runs = []
    for run in args.runs:
        if Path(run).exists() or "/" in run:
            runs.append(load_run(run))  # a run folder (a clear error if it is not one)
        else:  # a run id or name in the store
            from molmara.store import RunStore
            from molmara.store.rundata import load_stored_run

            if not Path(args.store).is_file():
                raise FileNotFoundError(f"{run!r} is not a run folder, and there is no run store at {args.store}")
            with RunStore(args.store, create=False) as store:
                runs.append(load_stored_run(store, run))
    options = {"hit_threshold": args.hit_threshold, "budget": args.budget}
    if args.reference:
        options["references"] = args.reference
    if args.fcd_reference:
        from molmara.model.corpus import read_smiles_file

        options["fcd_reference"] = read_smiles_file(args.fcd_reference)
    table = metrics_table(runs, **options)
    print(format_table(table).to_string())
    fmt = args.format or (Path(args.output).suffix.lstrip(".") if args.output else "") or "md"
    if args.output:
        output = Path(args.output)
    elif len(runs) == 1 and Path(args.runs[0]).is_dir():
        output = Path(args.runs[0]) / f"report.{fmt}"
    else:
        output = Path(f"molmara-report.{fmt}")
    path = write_report(runs, output, format=fmt, table=table, **options)
    print(f"wrote {path}")
    return 0


def cmd_oracles(args: argparse.Namespace) -> int:
    from molmara import oracles

    for name in oracles.names():
        spec = oracles.describe(name)
        params = ", ".join(f"{p['name']}={p['default']!r}" for p in spec["params"])
        print(f"{name:16s} {spec['description']}" + (f"  [{params}]" if params else ""))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from molmara.demo import mara_demo, prior_report

    if args.prior_report:
        print(prior_report(n=args.n, prior_path=args.prior, seed=args.seed, device=args.device))
        return 0
    summary = mara_demo(
        max_oracle_calls=args.oracle_calls,
        output=args.output,
        prior_path=args.prior,
        seed=args.seed,
        device=args.device,
        progress=not args.quiet,
    )
    print(summary)
    return 0


# --------------------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    from molmara import __version__
    from molmara.cli_reinvent import add_reinvent_commands
    from molmara.cli_runs import add_run_commands
    from molmara.model.pretrain_config import PretrainConfig

    parser = argparse.ArgumentParser(prog="molmara", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"molmara {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "pretrain",
        help="train a prior on a SMILES corpus, or fine-tune one (--init) on your own set",
        description="Maximum-likelihood pretraining; rerun the same command to resume after an interruption.",
    )
    _add_model_options(p, PretrainConfig)
    p.set_defaults(func=cmd_pretrain)

    p = sub.add_parser(
        "sample",
        help="sample SMILES from a prior into a CSV file (millions: chunked, resumable, optionally scored)",
        description="Streams chunks to OUTPUT.partial; after an interruption run the same command to continue "
        "without duplicating rows. The file gets its name when complete.",
    )
    p.add_argument("--prior", default=None, help="prior checkpoint (default: the shipped prior)")
    p.add_argument("-n", type=int, default=1000, help="number of rows to write (default: 1000)")
    p.add_argument("-o", "--output", required=True, help="output CSV (SMILES, NLL [, Score, components])")
    p.add_argument("--objective", default=None, help="objective TOML: score each molecule as it is sampled")
    p.add_argument("--min-score", type=float, default=None, help="keep only molecules scoring at least this")
    p.add_argument("--unique", action="store_true", help="keep only the first occurrence of each valid molecule")
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--batch-size", type=int, default=1024, help="molecules per chunk (default: 1024)")
    p.add_argument(
        "--precision", choices=["float32", "bfloat16"], default="float32",
        help="the network's arithmetic: bfloat16 is about twice as fast on CPUs with AMX, its NLLs off by ~0.03",
    )  # fmt: skip
    p.add_argument("--seed", type=int, default=None, help="random seed (default: a random one, kept for resuming)")
    p.add_argument("--device", default="auto")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser(
        "score", help="score a SMILES file with an objective (TOML) into a CSV of raw and transformed values"
    )
    p.add_argument("objective", help="objective TOML file")
    p.add_argument("input", help="SMILES file (.smi or .csv, optionally .gz)")
    p.add_argument("-o", "--output", required=True, help="output CSV")
    p.add_argument("--n-jobs", type=int, default=1, help="processes scoring in parallel (default: 1)")
    p.add_argument("--batch-size", type=int, default=1000)
    p.add_argument(
        "--time-limit",
        type=float,
        default=DEFAULT_TIME_LIMIT,
        metavar="SECONDS",
        help=f"seconds an oracle may spend on one molecule before it scores NaN, 'timed out' "
        f"(default: {DEFAULT_TIME_LIMIT:g}; 0: no limit)",
    )
    p.add_argument(
        "--oracle-module",
        action="append",
        metavar="FILE.py",
        help="a Python file that defines your own oracles (repeatable)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_score)

    add_run_commands(sub)
    add_reinvent_commands(sub)

    p = sub.add_parser(
        "report",
        help="metrics of one or several runs (yield, OB100, top-10 AUC, #Circles, scaffolds) and a report with plots",
        description="Print the metrics table of the runs and write a Markdown (PNG plots next to it) or "
        "self-contained HTML report.",
    )
    p.add_argument(
        "runs", nargs="+", metavar="RUN", help="run folder (with molecules.csv), or a run id or name in the store"
    )
    p.add_argument("--store", default=str(DEFAULT_STORE), help="run store for ids and names")
    p.add_argument("--format", choices=["md", "html"], default=None, help="(default: from -o's suffix, else md)")
    p.add_argument(
        "-o",
        "--output",
        default=None,
        help="report file (default: RUN/report.FORMAT for one run folder, else ./molmara-report.FORMAT)",
    )
    p.add_argument("--hit-threshold", type=float, default=None, help="hit score (default: each run's own)")
    p.add_argument("--budget", type=int, default=None, help="oracle budget for the AUC (default: the run's)")
    p.add_argument(
        "--reference", action="append", metavar="SMILES", help="reference molecule for mode coverage (repeatable)"
    )
    p.add_argument("--fcd-reference", metavar="FILE", help="SMILES file (.smi/.csv): add the FCD to it (fcd-torch)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("oracles", help="list the registered oracles with their parameters")
    p.set_defaults(func=cmd_oracles)

    p = sub.add_parser(
        "demo",
        help="the main job on shipped defaults: a short MARA run on a drug-like objective, compared with the prior",
        description="Fine-tune the shipped prior with MARA for a few minutes on a drug-like objective (QED, SA, "
        "no PAINS) and compare its hits with sampling the prior alone at the same oracle budget.",
    )
    p.add_argument("--prior", default=None, help="prior checkpoint (default: the shipped prior)")
    p.add_argument("--oracle-calls", type=int, default=2000, help="budget of unique oracle calls (default: 2000)")
    p.add_argument(
        "--output", default=str(DEFAULT_OUTPUT), help=f"folder for the run's results (default: {DEFAULT_OUTPUT})"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--prior-report", action="store_true", help="instead: sample the prior and print its quality report")
    p.add_argument("-n", type=int, default=2000, help="molecules sampled for --prior-report (default: 2000)")
    p.set_defaults(func=cmd_demo)
    return parser


def _terminate_as_interrupt(signum, frame) -> None:
    """SIGTERM (a job manager stopping us) takes the same path as Ctrl-C: save state, then exit."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # `--help` and a usage error end here, before RDKit is loaded
    from molmara.chem.rdkit_log import quiet_rdkit

    quiet_rdkit()  # the command's output is molmara's; RDKit's warnings on odd molecules are noise here
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate_as_interrupt) if in_main_thread else None
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("molmara: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:
        if args.debug:
            raise
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(f"molmara: error: {message}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
