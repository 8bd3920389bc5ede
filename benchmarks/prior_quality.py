"""Quality of a prior's samples: validity, uniqueness, novelty, IntDiv, scaffolds and FCD to MOSES test.

Defaults: the shipped prior, 10,000 samples, seed 0, novelty against the canonicalised MOSES training
set, FCD (fcd-torch's ChemNet) against the MOSES test set. MOSES's own CharRNN baseline reports
validity 0.975, unique@10k 0.999, novelty 0.842, IntDiv1 0.856 and FCD/Test 0.073 (Polykovskiy et
al., 2020, Table 2) for comparison.
"""

from __future__ import annotations

import argparse
import gzip
import time

import numpy as np
import torch

from benchmarks.common import write_result
from molmara import load_prior
from molmara.demo import MOSES_TRAIN
from molmara.metrics.distribution import sample_quality
from molmara.metrics.fcd import fcd
from molmara.model.corpus import clean_corpus, read_smiles_file

MOSES_TEST = MOSES_TRAIN.with_name("test.csv.gz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prior", default=None)
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--no-fcd", action="store_true")
    parser.add_argument("--n-jobs", type=int, default=2, help="processes for canonicalising the training set")
    parser.add_argument("--name", default="prior_quality")
    args = parser.parse_args()

    prior = load_prior(args.prior, args.device)
    start = time.perf_counter()
    result = prior.sample(args.n, generator=torch.Generator(device=prior.device).manual_seed(args.seed))
    sample_seconds = time.perf_counter() - start

    train, _ = clean_corpus(read_smiles_file(MOSES_TRAIN), max_tokens=10_000, n_jobs=args.n_jobs)
    quality = sample_quality(result.smiles, set(train))
    if not args.no_fcd:
        with gzip.open(MOSES_TEST, "rt") as handle:
            test = [line.strip() for line in handle][1:]
        start = time.perf_counter()  # MOSES: FCD over the valid molecules (fcd() drops the invalid ones)
        quality["fcd_test"] = fcd(result.smiles, test, "cuda" if torch.cuda.is_available() else "cpu")
        quality["fcd_seconds"] = time.perf_counter() - start
    quality["mean_nll"] = float(-np.mean(result.log_likelihood))
    quality["sample_seconds"] = sample_seconds

    config, meta = prior.config, prior.metadata
    rows = [
        ("validity", "validity", "0.975"),
        ("uniqueness (unique@n)", "uniqueness", "0.999"),
        ("novelty vs MOSES train", "novelty", "0.842"),
        ("IntDiv1", "intdiv1", "0.856"),
        ("IntDiv2", "intdiv2", "0.850"),
        ("unique Murcko scaffolds", "unique_scaffolds", "—"),
        ("FCD to MOSES test", "fcd_test", "0.073"),
        ("mean NLL (nats)", "mean_nll", "—"),
    ]
    table = "| metric | this prior | MOSES CharRNN (paper) |\n|---|---|---|\n"
    for label, key, reference in rows:
        if key in quality:
            value = quality[key]
            shown = f"{value:,.0f}" if key == "unique_scaffolds" else f"{value:.3f}"
            table += f"| {label} | {shown} | {reference} |\n"
    text = (
        f"Prior: {args.prior or 'shipped'} — {config.cell.upper()} {config.num_layers}x{config.hidden_size}, "
        f"{meta.get('sequences_seen', 0):,} training sequences ({meta.get('epochs_seen', 0):.2f} epochs of MOSES "
        f"train), validation NLL {meta.get('valid_nll') or float('nan'):.3f}.\n"
        f"{args.n:,} samples, seed {args.seed}; sampling took {sample_seconds:.1f} s on {prior.device}.\n\n{table}"
    )
    write_result(args.name, {"prior": args.prior or "shipped", "n": args.n, "seed": args.seed, **quality}, text)
    print(text)


if __name__ == "__main__":
    main()
