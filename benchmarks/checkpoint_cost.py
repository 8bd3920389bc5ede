"""What `checkpoint_every = 1` costs: seconds and bytes of one run checkpoint against the seconds of one RL step.

A kill -9 loses the steps since the last checkpoint; checkpointing every step makes that at most the step in
flight. This measures both on the shipped prior (drd2_qed_sa, batch 64) after a few steps, so the README can say
what the choice costs.

    python -m benchmarks.checkpoint_cost --steps 5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from benchmarks.common import write_result
from molmara.rl.config import load_run_config
from molmara.rl.recording import MemoryRecorder
from molmara.rl.trainer import Trainer


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--saves", type=int, default=5)
    parser.add_argument("--context", default="", help="what else ran on the machine, for the results file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        config = load_run_config({"task": "drd2_qed_sa", "batch_size": 64, "device": "cpu", "output": folder})
        trainer = Trainer(config, MemoryRecorder())
        steps = []
        for _ in range(args.steps):
            start = time.perf_counter()
            trainer.step()
            steps.append(time.perf_counter() - start)
        saves = []
        for _ in range(args.saves):
            start = time.perf_counter()
            trainer.save_checkpoint()
            saves.append(time.perf_counter() - start)
        size = trainer.checkpoint_path.stat().st_size
    result = {
        "step_s": statistics.median(steps),
        "checkpoint_s": statistics.median(saves),
        "checkpoint_mb": size / 1e6,
        "steps": args.steps,
    }
    text = (
        f"| median RL step (s) | median checkpoint (s) | checkpoint size (MB) |\n|---|---|---|\n"
        f"| {result['step_s']:.2f} | {result['checkpoint_s']:.3f} | {result['checkpoint_mb']:.1f} |\n\n"
        f"After {args.steps} steps of drd2_qed_sa at batch 64 on the shipped prior (the checkpoint grows with the "
        f"score cache). {args.context}\n\n" + (__doc__ or "")
    )
    write_result("checkpoint_cost", result, text)
    print(text)
    return result


if __name__ == "__main__":
    main()
