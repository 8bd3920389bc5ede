"""The main job on shipped defaults: sample the prior and report the quality of what it proposes."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import torch

from molmara.metrics.distribution import sample_quality
from molmara.model.prior import load_prior

MOSES_TRAIN = Path(__file__).resolve().parents[1] / "data" / "moses" / "train.csv.gz"


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
