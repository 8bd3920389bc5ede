"""Sampling in bfloat16 against float32: speed, what it does to the molecules, and how far its likelihoods are off.

For the shipped prior: 10,000 SMILES in each precision from the same seed (SMILES/s at batch 1,024), validity,
uniqueness, IntDiv1, unique scaffolds, the FCD between the two sets beside the FCD between two float32 sets of
different seeds (the noise floor), and the error of bfloat16's sampled log-likelihoods against float32's
teacher-forced ones. For REINVENT 4's network size (3×512 LSTM, embedding 256, random weights: speed only) the
seconds of 40 token-by-token steps of a 1,024-molecule batch in each precision. The machine's load is recorded:
on a busy machine the ratio means more than the seconds.

    python -m benchmarks.bf16_sampling
"""

from __future__ import annotations

import argparse
import copy
import os
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks.common import write_result
from molmara import load_prior
from molmara.metrics.distribution import sample_quality
from molmara.metrics.fcd import fcd
from molmara.model.rnn import ModelConfig, SmilesRNN


def sample(prior, n: int, seed: int, precision: str):
    started = time.perf_counter()
    result = prior.sample(n, generator=torch.Generator().manual_seed(seed), precision=precision)
    return result, time.perf_counter() - started


@torch.no_grad()
def stepwise_seconds(network: SmilesRNN, vocab: int, batch: int = 1024, steps: int = 40) -> float:
    """Seconds of `steps` one-token forward calls of a `batch`-wide batch (what sampling does), after a warm-up."""
    tokens = torch.randint(1, vocab, (batch, 1))
    network(tokens, None)
    started = time.perf_counter()
    state = None
    for _ in range(steps):
        _, state = network(tokens, state)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--no-fcd", action="store_true")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    prior = load_prior(device="cpu")
    prior.model.eval()
    rows, results = {}, {}
    for precision in ("float32", "bfloat16"):
        result, seconds = sample(prior, args.n, 0, precision)
        results[precision] = result
        quality = sample_quality(result.smiles)
        rows[precision] = {"smiles_per_s": args.n / seconds, "seconds": seconds, **quality}
        print(precision, f"{args.n / seconds:.0f} SMILES/s", flush=True)
    exact = prior.log_likelihood(results["bfloat16"].smiles)
    ok = ~np.isnan(exact)
    error = np.abs(results["bfloat16"].log_likelihood[ok] - exact[ok])
    likelihood = {"median": float(np.median(error)), "p95": float(np.percentile(error, 95)), "max": float(error.max())}
    likelihood["mean_nll"] = float(-exact[ok].mean())
    fcds = {}
    if not args.no_fcd:
        other, _ = sample(prior, args.n, 1, "float32")
        fcds["float32 seed 0 vs float32 seed 1 (noise)"] = fcd(results["float32"].smiles, other.smiles, "cpu")
        fcds["float32 seed 0 vs bfloat16 seed 0"] = fcd(results["float32"].smiles, results["bfloat16"].smiles, "cpu")
        fcds["float32 seed 1 vs bfloat16 seed 0"] = fcd(other.smiles, results["bfloat16"].smiles, "cpu")
    lstm = SmilesRNN(ModelConfig(vocab_size=prior.config.vocab_size, cell="lstm", embedding_dim=256, hidden_size=512,
                                 num_layers=3)).eval()  # fmt: skip
    network_speed = {
        "shipped GRU 3x384": {
            "float32": stepwise_seconds(prior.model, prior.config.vocab_size),
            "bfloat16": stepwise_seconds(copy.deepcopy(prior.model).to(torch.bfloat16), prior.config.vocab_size),
        },
        "LSTM 3x512 (REINVENT 4's size)": {
            "float32": stepwise_seconds(lstm, prior.config.vocab_size),
            "bfloat16": stepwise_seconds(copy.deepcopy(lstm).to(torch.bfloat16), prior.config.vocab_size),
        },
    }
    keys = [("SMILES/s (batch 1,024)", "smiles_per_s", ".0f"), ("validity", "validity", ".3f"),
            ("uniqueness", "uniqueness", ".4f"), ("IntDiv1", "intdiv1", ".3f"),
            ("unique Murcko scaffolds", "unique_scaffolds", ",.0f")]  # fmt: skip
    table = "| | float32 | bfloat16 |\n|---|---|---|\n" + "\n".join(
        f"| {label} | {rows['float32'][key]:{fmt}} | {rows['bfloat16'][key]:{fmt}} |" for label, key, fmt in keys
    )
    fcd_table = "\n".join(f"| {label} | {value:.3f} |" for label, value in fcds.items())
    speed_table = "\n".join(
        f"| {name} | {t['float32']:.2f} | {t['bfloat16']:.2f} | {t['float32'] / t['bfloat16']:.1f}× |"
        for name, t in network_speed.items()
    )
    cpuinfo = Path("/proc/cpuinfo")
    amx = "yes" if "amx_bf16" in (cpuinfo.read_text() if cpuinfo.exists() else "") else "no"
    markdown = (
        f"{args.n:,} SMILES from the shipped prior in each precision, seed 0, batch 1,024, "
        f"{torch.get_num_threads()} torch thread(s); AMX-BF16 on this CPU: {amx}. "
        f"Load average when it started: {load:.1f} "
        "(2 = both cores busy with other work).\n\n" + table + "\n\n"
        f"bfloat16's sampled log-likelihoods against float32's teacher-forced ones (mean NLL "
        f"{likelihood['mean_nll']:.2f} nats): |error| median {likelihood['median']:.3f}, 95th percentile "
        f"{likelihood['p95']:.3f}, max {likelihood['max']:.3f} nats.\n\n"
        + (f"| FCD between sample sets | value |\n|---|---|\n{fcd_table}\n\n" if fcds else "")
        + "Seconds of 40 one-token steps of a 1,024-molecule batch:\n\n"
        "| network | float32 (s) | bfloat16 (s) | speed-up |\n|---|---|---|---|\n" + speed_table
    )
    payload = {"load_average": load, "samples": rows, "likelihood_error": likelihood, "fcd": fcds,
               "stepwise_seconds": network_speed}  # fmt: skip
    write_result("bf16_sampling", payload, markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
