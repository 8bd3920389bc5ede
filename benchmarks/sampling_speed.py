"""Sampled SMILES per second for a prior at batch sizes 128 and 1024 (default: the shipped prior)."""

from __future__ import annotations

import argparse
import time

import torch

from benchmarks.common import write_result
from molmara import load_prior


def measure(prior, n: int, batch_size: int, repeats: int) -> dict:
    rates = []
    for r in range(repeats):
        generator = torch.Generator(device=prior.device).manual_seed(r)
        start = time.perf_counter()
        prior.sample(n, batch_size=batch_size, generator=generator)
        rates.append(n / (time.perf_counter() - start))
    return {"batch_size": batch_size, "n": n, "repeats": repeats, "smiles_per_s": rates, "best": max(rates)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prior", default=None)
    parser.add_argument("--device", default="auto")
    parser.add_argument("-n", type=int, default=8192, help="SMILES per measurement")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--name", default="sampling_speed")
    args = parser.parse_args()
    prior = load_prior(args.prior, args.device)
    prior.sample(256)  # warm-up
    rows = [measure(prior, args.n, b, args.repeats) for b in (128, 1024)]
    table = f"| batch | SMILES/s (best of {args.repeats}) | all runs |\n|---|---|---|\n"
    for row in rows:
        table += (
            f"| {row['batch_size']} | {row['best']:,.0f} | {', '.join(f'{x:,.0f}' for x in row['smiles_per_s'])} |\n"
        )
    config = prior.config
    text = (
        f"Prior: {args.prior or 'shipped'} ({config.cell.upper()} {config.num_layers}x{config.hidden_size}) "
        f"on {prior.device}; {args.n:,} SMILES per run.\n\n{table}"
    )
    write_result(args.name, {"prior": args.prior or "shipped", "device": str(prior.device), "rows": rows}, text)
    print(text)


if __name__ == "__main__":
    main()
