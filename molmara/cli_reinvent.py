"""Subcommands for chemists coming from REINVENT 4: import and export priors and agents, convert configs."""

from __future__ import annotations

import argparse
from pathlib import Path

EXPORT_CHECK_SMILES = 1000
"""SMILES sampled to compare the exported file's likelihoods with molmara's."""


def cmd_import_prior(args: argparse.Namespace) -> int:
    from molmara.model.reinvent_format import import_reinvent

    prior = import_reinvent(args.file, device="cpu")
    out = prior.save(args.output)
    config = prior.config
    print(
        f"imported {args.file} ({config.num_layers}×{config.hidden_size} {config.cell.upper()}, "
        f"{len(prior.vocabulary) - 1} REINVENT tokens) into {out}"
    )
    unknown = prior.metadata["imported_from"]["tokens_molmara_never_writes"]
    if unknown:
        print(f"note: tokens molmara's tokenizer never writes (SMILES with them have no likelihood here): {unknown}")
    return 0


def cmd_export_prior(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from molmara.model.prior import Prior
    from molmara.model.reinvent_format import export_reinvent, import_reinvent

    prior = Prior.load(args.prior, device="cpu")
    out = export_reinvent(prior, args.output, max_sequence_length=args.max_sequence_length)
    smiles = prior.sample(EXPORT_CHECK_SMILES, generator=torch.Generator().manual_seed(0)).smiles
    ours, theirs = prior.log_likelihood(smiles), import_reinvent(out, device="cpu").log_likelihood(smiles)
    both = np.isfinite(ours) & np.isfinite(theirs)
    gap = float(np.max(np.abs(ours[both] - theirs[both]))) if both.any() else 0.0
    print(
        f"wrote {out} (REINVENT 4 'Reinvent' model: load it as prior_file or agent_file). On "
        f"{int(both.sum()):,} SMILES sampled from it, its likelihoods differ by at most {gap:.2g} nats from "
        "molmara's (any gap is the probability molmara's padding token held: REINVENT has no such token)"
    )
    return 0


def cmd_import_config(args: argparse.Namespace) -> int:
    import sys

    import tomli_w

    from molmara.reinvent_config import convert_staged_learning
    from molmara.rl.config import load_run_config

    converted, notes = convert_staged_learning(args.file)
    load_run_config(converted)  # refuse to write a config that would not run
    if args.output.exists() and not args.force:
        raise FileExistsError(f"{args.output} exists; pass --force to replace it")
    text = tomli_w.dumps(converted)
    header = "".join(f"# not carried over: {note}\n" for note in notes)
    args.output.write_text(f"# converted by molmara import-config from {args.file}\n{header}{text}", encoding="utf-8")
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"wrote {args.output} ({len(converted['objective']['component'])} components, {len(notes)} notes)")
    return 0


def add_reinvent_commands(sub: argparse._SubParsersAction) -> None:
    """Register import-prior, export-prior and import-config on the `molmara` parser."""
    p = sub.add_parser(
        "import-prior",
        help="turn a REINVENT 4 prior or agent (.prior/.model, 'Reinvent' type) into a molmara prior",
        description="Read a REINVENT 4 'Reinvent' model file without running any pickled code and save the same "
        "network and vocabulary as a molmara prior (likelihoods equal to REINVENT's). load_prior and run configs "
        "also accept the REINVENT file itself and import it on the fly.",
    )
    p.add_argument("file", type=Path, help="REINVENT 4 model file")
    p.add_argument("-o", "--output", type=Path, required=True, help="molmara prior to write")
    p.set_defaults(func=cmd_import_prior)

    p = sub.add_parser(
        "export-prior",
        help="write a molmara prior or agent as a REINVENT 4 model file",
        description="Write a molmara prior (for example a run's agent.prior) as a REINVENT 4 'Reinvent' model that "
        "REINVENT 4 loads as prior_file or agent_file; the file holds only plain data and tensors.",
    )
    p.add_argument("prior", type=Path, help="molmara prior or agent file")
    p.add_argument("--format", choices=["reinvent"], default="reinvent", help="the only format: reinvent")
    p.add_argument("-o", "--output", type=Path, required=True, help="REINVENT model file to write")
    p.add_argument("--max-sequence-length", type=int, default=256, help="REINVENT's sampling length (default 256)")
    p.set_defaults(func=cmd_export_prior)

    p = sub.add_parser(
        "import-config",
        help="convert a REINVENT 4 staged-learning TOML into a molmara run config",
        description="Convert the first stage of a REINVENT 4 staged-learning TOML (prior, batch size, sigma and rate, "
        "diversity filter, inception, scoring components and transforms) into a molmara run config with the objective "
        "inline; every key or component not carried over is named, on the screen and at the top of the file.",
    )
    p.add_argument("file", type=Path, help="REINVENT 4 staged-learning TOML")
    p.add_argument("-o", "--output", type=Path, required=True, help="molmara run config to write")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.set_defaults(func=cmd_import_config)
