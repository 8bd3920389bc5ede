"""The main job on shipped defaults: a short MARA run on the shipped prior, compared with the prior alone.

`mara_demo` fine-tunes the shipped prior with REINVENT's loss and MARA's reward rescaling on the
drug-like objective of `molmara/data/configs/mara_druglike.toml` (QED, easy synthesis, no PAINS alerts) for
a budget of unique oracle calls, then samples the untouched prior until it has spent the same number
of oracle calls and counts what each found. `prior_report` is the prior's own quality report.
"""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import numpy as np
import torch

from molmara.chem.scaffolds import murcko_scaffold_mol
from molmara.defaults import DEFAULT_OUTPUT
from molmara.metrics.distribution import sample_quality
from molmara.model.prior import load_prior
from molmara.resources import CLONE_DATA, EXAMPLE_CONFIGS

MOSES_TRAIN = CLONE_DATA / "moses" / "train.csv.gz"  # novelty reference, in a clone only
DEMO_CONFIG = EXAMPLE_CONFIGS / "mara_druglike.toml"


def moses_training_set(path: Path = MOSES_TRAIN) -> set[str]:
    """The MOSES training SMILES as written in the file (RDKit canonical forms), for novelty."""
    with gzip.open(path, "rt") as handle:
        next(handle, None)
        return {line.strip() for line in handle}


def prior_report(n: int = 2000, prior_path: str | None = None, seed: int = 0, device: str = "auto") -> str:
    """Sample `n` molecules and return a printable quality report with a few example molecules."""
    prior = load_prior(prior_path, device)
    generator = torch.Generator(device=prior.device).manual_seed(seed)
    started = time.time()
    result = prior.sample(n, generator=generator)
    seconds = time.time() - started
    reference = moses_training_set() if MOSES_TRAIN.is_file() else None
    quality = sample_quality(result.smiles, reference)
    meta = prior.metadata
    lines = [
        f"prior: {prior_path or 'shipped MOSES prior'} ({prior.config.cell.upper()} "
        f"{prior.config.num_layers}x{prior.config.hidden_size}, {meta.get('sequences_seen', 0):,} training sequences)",
        f"sampled {n:,} SMILES in {seconds:.1f} s on {prior.device} ({n / seconds:,.0f}/s)",
        f"  validity          {quality['validity']:.3f}",
        f"  uniqueness        {quality['uniqueness']:.3f}",
    ]
    if "novelty" in quality:
        lines.append(f"  novelty (MOSES)   {quality['novelty']:.3f}")
    lines += [
        f"  IntDiv1           {quality['intdiv1']:.3f}",
        f"  unique scaffolds  {int(quality['unique_scaffolds']):,}",
        f"  mean NLL          {-result.log_likelihood.mean():.2f}",
        "examples:",
        *(f"  {s}" for s in result.smiles[:8]),
    ]
    return "\n".join(lines)


def prior_baseline(trainer, oracle_calls: int, seed: int = 0, batch_size: int = 256) -> dict:
    """Sample the trainer's (untouched) prior until `oracle_calls` unique valid molecules are scored.

    Returns the hits (canonical SMILES with score >= the run's hit threshold), their Murcko scaffolds
    and the number of molecules sampled: the "no RL" arm at the same oracle budget.
    """
    from molmara.scoring import ScoringService

    generator = torch.Generator(device=trainer.prior.device).manual_seed(seed + 1_000_003)
    hits, scaffolds, sampled = set(), set(), 0
    with ScoringService(trainer.objective, budget=oracle_calls) as service:
        while not service.exhausted:
            sample = trainer.prior.sample(batch_size, generator=generator)
            scored = service.score(sample.smiles)
            sampled += len(sample.smiles)
            counted = scored.valid & ~scored.over_budget & np.isfinite(scored.scores)
            for i in np.flatnonzero(counted & (scored.scores >= trainer.config.hit_score)):
                hits.add(scored.canonical[i])
                scaffold = murcko_scaffold_mol(scored.mols[i])
                if scaffold is not None:
                    scaffolds.add(scaffold)
            if sampled > 50 * oracle_calls:  # a prior that only repeats itself cannot spend the budget
                break
        calls = service.oracle_calls
    return {"hits": hits, "hit_scaffolds": scaffolds, "sampled": sampled, "oracle_calls": calls}


def run_demo(
    max_oracle_calls: int = 2000,
    output: str = str(DEFAULT_OUTPUT),
    prior_path: str | None = None,
    seed: int = 0,
    device: str = "auto",
    name: str = "demo",
    progress: bool = True,
) -> dict:
    """Run the short MARA demo and its prior-alone baseline; returns the numbers (see the module docstring)."""
    from molmara.lifecycle import open_run
    from molmara.rl import load_run_config
    from molmara.store import RunStore

    with RunStore(Path(output) / "molmara.db") as store:  # each demo is a new run: demo, demo-2, …
        base, number = name, 1
        while store.has_run(name) or (Path(output) / name).exists():
            number += 1
            name = f"{base}-{number}"
    config = load_run_config(DEMO_CONFIG).model_copy(
        update={
            "name": name,
            "output": output,
            "prior": prior_path,
            "seed": seed,
            "device": device,
            "max_oracle_calls": max_oracle_calls,
        }
    )

    def report(trainer, record: dict) -> None:
        if progress and (record["step"] % 5 == 0 or trainer.service.exhausted):
            print(
                f"step {record['step']:3d}  oracle calls {record['oracle_calls']:5,d}/{max_oracle_calls:,}  "
                f"mean score {record['score_mean']:.3f}  hits {record['hits']:4d}  "
                f"hit scaffolds {record['unique_hit_scaffolds']:4d}",
                flush=True,
            )

    trainer = open_run(config, callbacks=[report])
    if progress:
        print(
            f"MARA demo: REINVENT loss + MARA (sigma {config.sigma:g}, tau {config.tau}) on "
            f"{trainer.objective.config.name!r}, {max_oracle_calls:,} oracle calls, batch {config.batch_size}",
            flush=True,
        )
    try:
        state = trainer.run()
    finally:
        trainer.store.close()
    summary = trainer.summary()
    baseline = prior_baseline(trainer, summary["oracle_calls"], seed=seed)
    return {
        "name": name,
        "run_id": trainer.run_id,
        "status": state.status,
        "device": str(trainer.agent.device),
        "hit_score": config.hit_score,
        "run": summary,
        "prior": {
            "oracle_calls": baseline["oracle_calls"],
            "hits": len(baseline["hits"]),
            "unique_hit_scaffolds": len(baseline["hit_scaffolds"]),
            "sampled": baseline["sampled"],
        },
        "best": _best_molecules(trainer, 5),
        "store": str(config.store_path),
        "run_dir": str(config.run_dir),
    }


def format_demo(result: dict) -> str:
    """The demo's printable summary: the run against the prior alone, the best molecules, where results are."""
    run, prior, name, store = result["run"], result["prior"], result["name"], result["store"]
    lines = [
        f"{result['status']}: {run['steps']} steps, {run['oracle_calls']:,} oracle calls in "
        f"{run['elapsed_s']:.0f} s on {result['device']}",
        f"hits = unique valid molecules with score >= {result['hit_score']}",
        f"{'':24s}{'MARA run':>10s}{'prior alone':>14s}",
        f"{'oracle calls':24s}{run['oracle_calls']:>10,d}{prior['oracle_calls']:>14,d}",
        f"{'hits (yield)':24s}{run['hits']:>10,d}{prior['hits']:>14,d}",
        f"{'unique hit scaffolds':24s}{run['unique_hit_scaffolds']:>10,d}{prior['unique_hit_scaffolds']:>14,d}",
        "best molecules of the run:",
        *(f"  {score:.3f}  {smiles}" for smiles, score in result["best"]),
        f"results: run {result['run_id']} {name!r} in the run store {store} "
        f"(`molmara runs show {name} --store {store}`) and {result['run_dir']}/ "
        "(steps.csv, molecules.csv with REINVENT's columns, agent.prior)",
    ]
    return "\n".join(lines)


def mara_demo(**options) -> str:
    """`run_demo` with its printable summary (what `molmara demo` prints)."""
    return format_demo(run_demo(**options))


def _best_molecules(trainer, k: int) -> list[tuple[str, float]]:
    """The k best-scoring distinct molecules the run scored (from the scoring cache)."""
    scored = [(smiles, score) for smiles, score in trainer.service.scores_by_smiles().items() if np.isfinite(score)]
    return sorted(scored, key=lambda item: (-item[1], item[0]))[:k]
