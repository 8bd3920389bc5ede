"""Scoring 10,000 molecules with 2 local Ray workers against the process pool and serial, and Ray's per-batch overhead.

Objective: `gsk3b_jnk3_qed_sa` (two random-forest bioactivity models on ECFP, QED, SA). The molecules are
sampled once from the shipped prior. Each executor scores the same molecules with no cache
(`Executor.evaluate` directly); the best of `--repeats` is reported. The per-batch overhead is the
median time Ray takes for a batch of 64 molecules (RL batch size) beyond an ideal 2-way split of the
serial time.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from benchmarks.common import write_result
from molmara import load_prior, tasks
from molmara.distributed import RayExecutor
from molmara.executors import SerialExecutor, WorkerExecutor
from molmara.oracles.base import MolBatch


def timed(executor, objective, smiles: list[str]) -> float:
    batch = MolBatch(smiles)
    started = time.perf_counter()
    executor.evaluate(objective, batch)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--name", default="ray_scoring")
    args = parser.parse_args()
    objective = tasks.get("gsk3b_jnk3_qed_sa")
    sample = load_prior(None, "cpu").sample(args.n, generator=torch.Generator().manual_seed(0)).smiles
    smiles = [s for s, m in zip(sample, MolBatch(sample).mols, strict=True) if m is not None]
    executors = {
        "serial": SerialExecutor(),
        "2 worker processes (60 s limit a molecule)": WorkerExecutor(2),
        "Ray, 2 local workers": RayExecutor(n_workers=2, num_cpus=2),
    }
    rows = []
    for label, executor in executors.items():
        timed(executor, objective, smiles[:256])  # start workers, ship the objective
        best = min(timed(executor, objective, smiles) for _ in range(args.repeats))
        rows.append(
            {"executor": label, "molecules": len(smiles), "seconds": best, "molecules_per_s": len(smiles) / best}
        )
        print(rows[-1], flush=True)
    serial_s = rows[0]["seconds"]
    small = smiles[:64]
    ray_small = [timed(executors["Ray, 2 local workers"], objective, small) for _ in range(20)]
    serial_small = [timed(executors["serial"], objective, small) for _ in range(20)]
    # two workers split the batch: the ideal is half the serial time; Ray's overhead is what it takes beyond that
    overhead = statistics.median(ray_small) - statistics.median(serial_small) / 2
    for executor in executors.values():
        executor.close()
    table = "| executor | molecules | seconds | molecules/s | speed-up over serial |\n|---|---|---|---|---|\n"
    for r in rows:
        table += (
            f"| {r['executor']} | {r['molecules']:,} | {r['seconds']:.1f} | {r['molecules_per_s']:,.0f} | "
            f"{serial_s / r['seconds']:.2f}x |\n"
        )
    table += (
        f"\nBatch of 64 (median of 20): serial {statistics.median(serial_small) * 1000:.0f} ms, "
        f"Ray {statistics.median(ray_small) * 1000:.0f} ms: "
        f"against an ideal 2-way split of {statistics.median(serial_small) * 500:.0f} ms, "
        f"Ray's overhead per batch is about {overhead * 1000:.0f} ms.\n"
    )
    payload = {"rows": rows, "batch64_serial_s": serial_small, "batch64_ray_s": ray_small, "overhead_s": overhead}
    json_path, md_path = write_result(args.name, payload, table + "\n" + __doc__)
    print(table)
    print(f"wrote {json_path} and {md_path}")


if __name__ == "__main__":
    main()
