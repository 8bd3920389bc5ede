"""Docking throughput on Ray: molecules docked a minute against the number of Ray CPUs, and the CPU-hours of a run.

The molecules are sampled once from the shipped prior (valid ones, seeded); each CPU count gets a fresh local
Ray instance with that many CPUs and a `RayExecutor` with one actor a CPU, scoring the `drd2` docking
objective (DOCKSTRING's DRD2 receptor and box, exhaustiveness `--exhaustiveness`, 1 CPU a molecule) with no
cache. The first molecules start the actors and compute the receptor maps and are not counted. From the rate
at one CPU the CPU-hours of a 10,000-call docking run follow (docking is nearly all of a run's time).

    python -m benchmarks.docking_throughput --cpus 1,2 -n 24            # this machine
    python -m benchmarks.docking_throughput --cpus 1,2,4,8,16 -n 160    # a 16-core machine
"""

from __future__ import annotations

import argparse
import time

import torch

from benchmarks.common import write_result
from molmara import load_prior
from molmara.distributed import RayExecutor
from molmara.objective import Objective
from molmara.oracles.base import MolBatch


def docking_objective(exhaustiveness: int) -> Objective:
    params = {"target": "DRD2", "exhaustiveness": exhaustiveness}
    return Objective.from_dict({"component": [{"oracle": "docking", "weight": 1.0, "params": params}]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=24, help="molecules docked at each CPU count")
    parser.add_argument("--cpus", default="1,2", help="comma-separated Ray CPU counts")
    parser.add_argument("--exhaustiveness", type=int, default=8)
    parser.add_argument("--name", default="docking_throughput")
    args = parser.parse_args()
    import ray

    counts = [int(c) for c in args.cpus.split(",")]
    sample = load_prior(None, "cpu").sample(4 * args.n, generator=torch.Generator().manual_seed(0)).smiles
    smiles = [s for s, m in zip(sample, MolBatch(sample).mols, strict=True) if m is not None]
    warm, timed = smiles[: max(counts)], smiles[max(counts) : max(counts) + args.n]
    rows = []
    for cpus in counts:
        ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
        executor = RayExecutor(n_workers=cpus, time_limit=3600)
        objective = docking_objective(args.exhaustiveness)
        executor.evaluate(objective, MolBatch(warm))  # actors started, maps computed
        started = time.perf_counter()
        result = executor.evaluate(objective, MolBatch(timed))
        seconds = time.perf_counter() - started
        executor.close()
        ray.shutdown()
        docked = int((result.raw["docking"] == result.raw["docking"]).sum())
        rows.append({"cpus": cpus, "molecules": len(timed), "docked": docked, "seconds": seconds,
                     "per_minute": 60 * len(timed) / seconds})  # fmt: skip
        print(rows[-1], flush=True)
    base = rows[0]["per_minute"] / rows[0]["cpus"]
    table = "| Ray CPUs | molecules | docked | seconds | molecules a minute | speed-up | efficiency |\n"
    table += "|---|---|---|---|---|---|---|\n"
    for r in rows:
        speedup = r["per_minute"] / rows[0]["per_minute"]
        table += (f"| {r['cpus']} | {r['molecules']} | {r['docked']} | {r['seconds']:.0f} | {r['per_minute']:.1f} | "
                  f"{speedup:.2f}x | {r['per_minute'] / (base * r['cpus']):.0%} |\n")  # fmt: skip
    cpu_hours = 10_000 / base / 60
    table += (
        f"\nExhaustiveness {args.exhaustiveness}. At one CPU a molecule takes {60 / base:.1f} s: a 10,000-call docking "
        f"run costs about {cpu_hours:.0f} CPU-hours of docking (e.g. {cpu_hours / 64:.1f} h on 64 Ray CPUs).\n"
    )
    write_result(args.name, {"rows": rows, "exhaustiveness": args.exhaustiveness, "cpu_hours_10k": cpu_hours},
                 table + "\n" + (__doc__ or ""))  # fmt: skip
    print(table)


if __name__ == "__main__":
    main()
