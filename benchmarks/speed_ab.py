"""A code change's effect on the RL step, measured before and after on the same machine in the same minutes.

Runs `benchmarks.speed`'s RL measurement (`--child`, a fresh process each) from two checkouts — e.g. a
`git worktree` of the commit before a change, and this one — alternating between them round by round, so that a
slow spell of a shared VM falls on both. Prints one markdown table: median s/step and peak RSS of each, with ranges.

    git worktree add /tmp/before <commit>
    python -m benchmarks.speed_ab --before /tmp/before --after . --name speed_ab_<change> [--note "what changed"]

The table goes to `benchmarks/results/<name>.md` (with the machine and the command) and to stdout.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks.common import write_result
from benchmarks.speed import spread, value_range


def measure(tree: Path, prior: str, batch: int, precision: str, steps: int) -> dict:
    """One RL measurement (s/step, peak RSS) run from the checkout at `tree`."""
    spec = {"kind": "rl", "prior": prior, "batch": batch, "steps": steps, "precision": precision}
    command = [sys.executable, "-m", "benchmarks.speed", "--child", json.dumps(spec)]
    out = subprocess.run(command, cwd=tree, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def summary(values: list[float], fmt: str) -> str:
    return spread(statistics.median(values), value_range(values), fmt)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="checkout of the code before the change")
    parser.add_argument("--after", type=Path, default=Path("."), help="checkout of the code after it")
    parser.add_argument("--prior", default="moses_lstm")
    parser.add_argument("--configs", default="float32:128,bfloat16:128,float32:64,bfloat16:64", help="precision:batch")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--name", default="speed_ab", help="results file stem")
    parser.add_argument("--note", default="", help="what the change was, written with the numbers")
    args = parser.parse_args()
    configs = [(p, int(b)) for p, b in (c.split(":") for c in args.configs.split(","))]
    results: dict[tuple, list[dict]] = {}
    for round_ in range(args.rounds):
        for precision, batch in configs:
            for label, tree in (("before", args.before), ("after", args.after)):
                measured = measure(tree.resolve(), args.prior, batch, precision, args.steps)
                results.setdefault((precision, batch, label), []).append(measured)
                print(f"round {round_ + 1} {precision} {batch} {label}: {measured['s_per_step']:.2f} s/step, "
                      f"{measured['peak_rss_gib']:.2f} GiB", file=sys.stderr, flush=True)  # fmt: skip
    lines = ["| precision | batch | s/step before | s/step after | peak RSS before, GiB | peak RSS after, GiB |"]
    lines.append("|---|---|---|---|---|---|")
    for precision, batch in configs:
        before, after = results[(precision, batch, "before")], results[(precision, batch, "after")]
        lines.append(
            f"| {precision} | {batch} | {summary([m['s_per_step'] for m in before], '.2f')} | "
            f"{summary([m['s_per_step'] for m in after], '.2f')} | "
            f"{summary([m['peak_rss_gib'] for m in before], '.2f')} | "
            f"{summary([m['peak_rss_gib'] for m in after], '.2f')} |"
        )
    text = "\n".join(lines) + (
        f"\n\nMedians of {args.rounds} rounds (range in brackets), each the median of {args.steps} RL steps after a "
        f"warm-up step, before and after alternating; before: {args.before}, after: {args.after}; prior {args.prior}."
        f"\n\n{args.note}\n\n{__doc__}"
    )
    payload = {"rounds": {f"{p} {b} {label}": v for (p, b, label), v in results.items()}}
    write_result(args.name, payload, text)
    print(text)


if __name__ == "__main__":
    main()
