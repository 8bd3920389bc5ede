"""How often the shipped prior proposes each mode of `ring_modes`: the prior's side of the paper's Remark 4.3.

Samples `--n` SMILES from the shipped prior (seeded), scores the valid unique ones with the `ring_modes`
objective, and counts, per ring, the molecules at each of the benchmark's screens (a molecule belongs to
the one ring it contains, as the objective rewards it). The shares of the hits, their ratio to the
rarest ring and their entropy are what a plain REINVENT run is predicted to keep (its target is
π_prior·exp(σR): equal rewards keep the prior's ratio) and MARA's to move away from, towards equal shares.

    python -m benchmarks.ring_modes_prior --n 20000
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import torch

from benchmarks.common import write_result
from benchmarks.mvr_analysis import pattern_mode_hits, share_entropy
from benchmarks.mvr_design import TASKS
from molmara import load_prior, tasks
from molmara.chem.smiles import canonical_smiles


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="SMILES to sample")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default="ring_modes_prior")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    spec = TASKS["ring_modes"]
    prior = load_prior(None, device="cpu")
    generator = torch.Generator().manual_seed(args.seed)
    smiles: list[str] = []
    while len(smiles) < args.n:
        smiles += prior.sample(min(1000, args.n - len(smiles)), generator=generator).smiles
    unique = sorted({c for c in (canonical_smiles(s) for s in smiles) if c})
    scores = tasks.get("ring_modes")(unique)
    rows, payload = [], {"n": args.n, "seed": args.seed, "valid_unique": len(unique), "screens": {}}
    for screen in (0.0, spec.screen, spec.upper_screen):
        hits = [s for s, v in zip(unique, scores, strict=True) if np.isfinite(v) and v >= screen and v > 0]
        counts = pattern_mode_hits(hits, dict(spec.patterns))
        shares = counts / counts.sum() if counts.sum() else counts * math.nan
        ratio = counts / counts.min() if counts.min() else counts * math.nan
        payload["screens"][f"{screen:g}"] = {
            "counts": counts.tolist(),
            "shares": shares.tolist(),
            "entropy_bits": share_entropy(counts),
            "rate": float(counts.sum() / args.n),
        }
        label = "any score > 0 (the ring alone)" if screen == 0 else f"score ≥ {screen:g}"
        cells = [f"{c} ({s:.3f})" for c, s in zip(counts, shares, strict=True)]
        cells += [" : ".join(f"{r:.1f}" for r in ratio), f"{share_entropy(counts):.3f}", f"{counts.sum() / args.n:.4f}"]
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    names = spec.mode_names
    text = (
        f"{args.n:,} SMILES sampled from the shipped prior (seed {args.seed}), {len(unique):,} valid and unique, "
        "scored with `ring_modes`. Per ring: molecules (share of the row's hits); ratio to the rarest ring; "
        f"Shannon entropy of the shares (bits; {math.log2(len(names)):.0f} = equal shares); hits per sample.\n\n"
        "| molecules | "
        + " | ".join(names)
        + " | ratio | entropy | rate |\n|---|"
        + "---|" * (len(names) + 3)
        + "\n"
        + "\n".join(rows)
        + "\n\n"
        + (__doc__ or "")
    )
    payload["modes"] = names
    write_result(args.name, payload, text)
    print(text)
    return payload


if __name__ == "__main__":
    main()
