"""Sampling SMILES from a prior into a file, in chunks so that memory stays bounded."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import torch
from tqdm.auto import tqdm

from molmara.model.prior import Prior, load_prior


def sample_to_csv(
    output: str | Path,
    n: int,
    prior_path: str | Path | None = None,
    prior: Prior | None = None,
    temperature: float = 1.0,
    batch_size: int = 1024,
    seed: int | None = None,
    device: str = "auto",
    progress: bool = True,
) -> Path:
    """Write `n` sampled SMILES and their negative log-likelihoods (`SMILES,NLL`) to a CSV file.

    The file appears under its name only when complete (it is written as `<name>.partial` first).
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if batch_size < 1:
        raise ValueError(f"batch size must be >= 1, got {batch_size}")
    prior = prior or load_prior(prior_path, device)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    generator = None
    if seed is not None:
        generator = torch.Generator(device=prior.device).manual_seed(seed)
    with (
        open(partial, "w", newline="") as handle,
        tqdm(total=n, unit="mol", disable=not progress, mininterval=0.5 if sys.stderr.isatty() else 30) as bar,
    ):
        writer = csv.writer(handle)
        writer.writerow(["SMILES", "NLL"])
        for start in range(0, n, batch_size):
            result = prior.sample(min(batch_size, n - start), temperature, batch_size, generator=generator)
            writer.writerows((s, f"{-ll:.4f}") for s, ll in zip(result.smiles, result.log_likelihood, strict=True))
            bar.update(len(result))
    partial.replace(output)
    return output
