"""What the per-molecule time limit costs: RL-sized batches scored in a worker process (the limit on) against
in this process (`molecule_time_limit = 0`), on the same molecules, interleaved, scores checked equal.

The molecules are sampled once from the shipped prior; each batch is new to both executors (no cache). The
numbers to compare with are an RL step's seconds (`benchmarks/results/checkpoint_cost.md`).

    python -m benchmarks.time_limit_cost --batches 30
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from benchmarks.common import write_result
from molmara import load_prior, tasks
from molmara.defaults import DEFAULT_TIME_LIMIT
from molmara.executors import SerialExecutor, WorkerExecutor
from molmara.oracles.base import MolBatch


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--tasks", default="drd2_qed_sa,gsk3b_jnk3_qed_sa")
    parser.add_argument("--context", default="", help="what else ran on the machine, for the results file")
    args = parser.parse_args(argv)
    prior = load_prior(None, "cpu")
    smiles = prior.sample(args.batches * args.batch_size, generator=torch.Generator().manual_seed(0)).smiles
    batches = [smiles[i : i + args.batch_size] for i in range(0, len(smiles), args.batch_size)]
    rows = []
    for name in [t.strip() for t in args.tasks.split(",") if t.strip()]:
        objective = tasks.get(name)
        serial, workers = SerialExecutor(), WorkerExecutor(1, DEFAULT_TIME_LIMIT)
        times: dict[str, list[float]] = {"serial": [], "worker": []}
        workers.evaluate(objective, MolBatch(batches[0]))  # start the worker once, as a run does
        for batch_smiles in batches:
            batch = MolBatch(batch_smiles)
            results = {}
            for label, executor in (("serial", serial), ("worker", workers)):
                start = time.perf_counter()
                results[label] = executor.evaluate(objective, batch)
                times[label].append(time.perf_counter() - start)
            np.testing.assert_array_equal(results["serial"].scores, results["worker"].scores)
        workers.close()
        serial_ms, worker_ms = (1000 * statistics.median(times[k]) for k in ("serial", "worker"))
        overhead_ms = worker_ms - serial_ms
        rows.append({"task": name, "serial_ms": serial_ms, "worker_ms": worker_ms, "overhead_ms": overhead_ms})
        print(rows[-1], flush=True)
    text = (
        f"| task | batch | in this process (ms, median) | in a worker, {DEFAULT_TIME_LIMIT:g} s limit (ms) | "
        f"overhead (ms a batch) |\n|---|---|---|---|---|\n"
        + "".join(
            f"| {r['task']} | {args.batch_size} | {r['serial_ms']:.1f} | {r['worker_ms']:.1f} | "
            f"{r['overhead_ms']:+.1f} |\n"
            for r in rows
        )
        + f"\n{args.batches} batches each, interleaved; the scores were equal in every batch. {args.context}\n\n"
        + (__doc__ or "")
    )
    write_result("time_limit_cost", {"rows": rows, "batches": args.batches, "batch_size": args.batch_size}, text)
    print(text)
    return {"rows": rows}


if __name__ == "__main__":
    main()
