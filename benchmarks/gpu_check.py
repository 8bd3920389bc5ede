"""The GPU check: pretraining, sampling and RL step throughput on the GPU against the CPU, in under 5 minutes.

Run it where a GPU is: `python -m benchmarks.gpu_check`. Without CUDA it measures the CPU only and
says so. Pretraining throughput is maximum-likelihood steps of the shipped prior's architecture
(GRU 3x384) on MOSES training molecules; sampling uses the shipped prior; the RL step is
`benchmarks.rl_speed` (REINVENT loss + MARA, QED objective), whose scoring runs on the CPU either way.
"""

from __future__ import annotations

import argparse
import gzip
import time

import torch

from benchmarks.common import write_result
from benchmarks.rl_speed import measure as rl_measure
from molmara.demo import MOSES_TRAIN
from molmara.model.prior import load_prior
from molmara.model.rnn import SmilesRNN


def training_molecules(n: int) -> list[str]:
    with gzip.open(MOSES_TRAIN, "rt") as handle:
        next(handle)
        return [next(handle).strip() for _ in range(n)]


def pretrain_throughput(device: str, batch_size: int, steps: int) -> dict:
    prior = load_prior(None, device)
    model = SmilesRNN(prior.model.config).to(prior.device)  # fresh weights, the shipped architecture
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    smiles = training_molecules(batch_size * (steps + 2))
    batches = [prior.encode_batch(smiles[i : i + batch_size])[0] for i in range(0, len(smiles), batch_size)]

    def step(batch: torch.Tensor) -> None:
        loss = -model.sequence_log_likelihood(batch.to(prior.device)).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    step(batches[0])  # warm-up
    _sync(prior.device)
    started = time.perf_counter()
    for batch in batches[1 : steps + 1]:
        step(batch)
    _sync(prior.device)
    seconds = time.perf_counter() - started
    return {
        "batch_size": batch_size,
        "steps": steps,
        "s_per_step": seconds / steps,
        "sequences_per_s": batch_size * steps / seconds,
    }


def sampling_throughput(device: str, n: int, batch_size: int) -> dict:
    prior = load_prior(None, device)
    generator = torch.Generator(device=prior.device).manual_seed(0)
    prior.sample(min(n, 512), batch_size=batch_size, generator=generator)  # warm-up
    _sync(prior.device)
    started = time.perf_counter()
    prior.sample(n, batch_size=batch_size, generator=generator)
    _sync(prior.device)
    seconds = time.perf_counter() - started
    return {"n": n, "batch_size": batch_size, "smiles_per_s": n / seconds}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="gpu_check")
    parser.add_argument("--cpu-steps", type=int, default=5, help="pretraining steps on the CPU (slow)")
    parser.add_argument("--gpu-steps", type=int, default=50)
    args = parser.parse_args()
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    rows = []
    for device in devices:
        steps = args.gpu_steps if device == "cuda" else args.cpu_steps
        row = {"device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu"}
        row["pretrain_b256"] = pretrain_throughput(device, 256, steps)
        if device == "cuda":
            row["pretrain_b1024"] = pretrain_throughput(device, 1024, steps)
        row["sample_b1024"] = sampling_throughput(device, 8192 if device == "cuda" else 2048, 1024)
        if device == "cuda":
            row["sample_b8192"] = sampling_throughput(device, 65536, 8192)
        row["rl_b64"] = rl_measure(64, 10 if device == "cuda" else 5, device, None)
        row["rl_b128"] = rl_measure(128, 10 if device == "cuda" else 5, device, None)
        rows.append(row)
        print(row, flush=True)
    table = "| device | pretraining seq/s (b256) | pretraining seq/s (b1024) | sampling SMILES/s (b1024) | "
    table += "sampling SMILES/s (b8192) | RL s/step (b64) | RL s/step (b128) |\n|---|---|---|---|---|---|---|\n"
    for r in rows:
        big_train = r.get("pretrain_b1024", {}).get("sequences_per_s")
        big_sample = r.get("sample_b8192", {}).get("smiles_per_s")
        table += (
            f"| {r['device']} | {r['pretrain_b256']['sequences_per_s']:,.0f} | "
            f"{f'{big_train:,.0f}' if big_train else '-'} | {r['sample_b1024']['smiles_per_s']:,.0f} | "
            f"{f'{big_sample:,.0f}' if big_sample else '-'} | {r['rl_b64']['median_s_per_step']:.2f} | "
            f"{r['rl_b128']['median_s_per_step']:.2f} |\n"
        )
    if len(devices) == 1:
        table += "\nNo CUDA device here: CPU numbers only.\n"
    json_path, md_path = write_result(args.name, {"rows": rows}, table + "\n" + __doc__)
    print(table)
    print(f"wrote {json_path} and {md_path}")


if __name__ == "__main__":
    main()
