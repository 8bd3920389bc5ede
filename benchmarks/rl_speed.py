"""Seconds per RL step and per 1,000 oracle calls: REINVENT loss + MARA, QED objective, shipped prior.

Each batch size runs `--steps` steps after one warm-up step; the step time is the trainer's own
(sample, score, prior and agent likelihoods, MARA, loss, optimiser step, record), without the
checkpoint written at the end.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile

from benchmarks.common import write_result
from molmara.rl import load_run_config
from molmara.rl.recording import MemoryRecorder
from molmara.rl.trainer import Trainer

QED = {"name": "qed", "component": [{"oracle": "qed", "weight": 1.0}]}


def speed_config(
    batch_size: int,
    steps: int,
    device: str,
    prior: str | None,
    folder: str,
    mara: bool = True,
    precision: str = "float32",
):
    """The run config of a speed measurement: QED, `steps` + 1 steps (one warm-up), no oracle budget, no checkpoint
    until the end."""
    return load_run_config(
        {
            "name": f"speed-{batch_size}",
            "prior": prior,
            "objective": QED,
            "batch_size": batch_size,
            "max_steps": steps + 1,
            "max_oracle_calls": None,
            "mara": mara,
            "tau": 0.8,
            "device": device,
            "precision": precision,
            "checkpoint_every": 10_000,
            "output": folder,
        }
    )


def measure(batch_size: int, steps: int, device: str, prior: str | None) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        config = speed_config(batch_size, steps, device, prior, folder)
        recorder = MemoryRecorder()
        trainer = Trainer(config, recorder)
        trainer.run()
    records = recorder.steps[1:]  # the first step is the warm-up
    times = [b["elapsed_s"] - a["elapsed_s"] for a, b in zip(recorder.steps, records, strict=False)]
    calls = records[-1]["oracle_calls"] - recorder.steps[0]["oracle_calls"]
    return {
        "batch_size": batch_size,
        "steps": len(times),
        "device": str(trainer.agent.device),
        "median_s_per_step": statistics.median(times),
        "mean_s_per_step": statistics.fmean(times),
        "oracle_calls": calls,
        "s_per_1000_oracle_calls": 1000 * sum(times) / calls if calls else None,
        "molecules_per_s": batch_size * len(times) / sum(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prior", default=None, help="default: the shipped prior")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-sizes", default="64,128")
    parser.add_argument("--name", default="rl_speed")
    args = parser.parse_args()
    rows = [measure(int(b), args.steps, args.device, args.prior) for b in args.batch_sizes.split(",")]
    table = "| device | batch | s/step (median) | s/step (mean) | oracle calls | s per 1,000 oracle calls "
    table += "| molecules/s |\n"
    table += "|---|---|---|---|---|---|---|\n"
    for r in rows:
        table += (
            f"| {r['device']} | {r['batch_size']} | {r['median_s_per_step']:.2f} | {r['mean_s_per_step']:.2f} | "
            f"{r['oracle_calls']:,} | {r['s_per_1000_oracle_calls']:.1f} | {r['molecules_per_s']:.0f} |\n"
        )
    note = (
        f"{args.steps} steps per batch size after one warm-up step; REINVENT loss with MARA (sigma 128, tau 0.8), "
        "objective QED, prior: " + (args.prior or "the shipped MOSES GRU 3x384") + ".\n"
        "Oracle calls are unique valid molecules (the scoring cache serves repeats), so s per 1,000 oracle calls "
        "rises as the agent starts repeating itself.\n"
    )
    json_path, md_path = write_result(args.name, {"rows": rows}, table + "\n" + note)
    print(table)
    print(f"wrote {json_path} and {md_path}")


if __name__ == "__main__":
    main()
