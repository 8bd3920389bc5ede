"""molmara's speed on REINVENT 4's network and on the shipped GRU, beside REINVENT 4's own figures: one table.

For each network — the shipped MOSES GRU (3×384, embedding 128) and a 3×512 LSTM with REINVENT 4's layout
(embedding 256) — it measures:

- sampling: SMILES/s at batch 128 and 1,024 (float32 and bfloat16), and the wall time of `molmara sample -n 10000`
  from the command line, start-up included;
- RL: seconds per step at batch 64 and 128 (REINVENT loss, QED objective, no diversity filter, MARA off: REINVENT
  4's setting), split into the trainer's phases (`molmara.rl.phases`), and the peak resident memory of the run. The
  run is started as `molmara run` starts it, so every step's records go to the run store and the CSV files.

Each measurement runs in a fresh child process, so that its peak memory is its own and no cache is shared. The
whole set is measured `--repeats` times in rounds (round 2 starts after round 1 has measured everything) and the
table shows each number's median with its range: these 2-core VMs have been seen to differ 2.5× between identical
measurements minutes apart, with nothing else running.
Without `--lstm`, the LSTM is the shipped `moses_lstm` prior (REINVENT 4's architecture trained for one MOSES
epoch); where it is not installed, a **timing stand-in**: the same architecture trained briefly on MOSES (a few
hundred steps, cached in `--work`) so that it ends its strings at about the right length; per-token cost is the
network's whatever its weights, but its validity is low and its strings' lengths differ from a full prior's —
the table shows both, so SMILES/s can be read per token too.

    python -m benchmarks.speed [--lstm PATH] [--repeats 3] [--note "what else the machine was doing"]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import write_result
from molmara.resources import shipped_prior

REINVENT4 = {  # REINVENT 4.8.24, 3×512 LSTM, 2 Xeon cores, torch 2.13.0+cpu, idle (issue "Three times REINVENT 4's…")
    "sampling_smiles_per_s": 313,
    "sample_10k_wall_s": 36.9,
    "rl_s_per_step_128": 2.24,
    "rl_split_128": "sampling 0.46, agent + prior likelihoods 0.70, backward + Adam 0.73, QED 0.11, TensorBoard 0.26",
    "rl_peak_gib": 1.17,
}


# ----------------------------------------------------------------------------- children (one measurement each)
def child_sample(prior_path: str | None, n: int, batch_size: int, precision: str) -> dict:
    import numpy as np
    import torch

    from molmara import load_prior
    from molmara.metrics import validity

    prior = load_prior(prior_path, "cpu")
    prior.sample(min(batch_size, 256), batch_size=batch_size, precision=precision)  # warm-up
    started = time.perf_counter()
    result = prior.sample(n, batch_size=batch_size, generator=torch.Generator().manual_seed(0), precision=precision)
    seconds = time.perf_counter() - started
    tokens = int((result.sequences[:, 1:] != prior.vocabulary.pad_id).sum())
    return {
        "smiles_per_s": n / seconds,
        "tokens_per_s": tokens / seconds,
        "mean_tokens": tokens / n,
        "validity": validity(result.smiles),
        "mean_length": float(np.mean([len(s) for s in result.smiles])),
        "parameters": sum(p.numel() for p in prior.model.parameters()),
    }


def child_rl(prior_path: str | None, batch_size: int, steps: int, precision: str) -> dict:
    from benchmarks.rl_speed import speed_config
    from molmara.lifecycle import run
    from molmara.rl.trainer import Trainer

    step_seconds: list[float] = []
    last = {"t": 0.0}

    def timed(trainer: Trainer, record: dict) -> None:
        now = time.perf_counter()
        if record["step"] == 1:
            trainer.clock.reset()  # the first step is the warm-up
        else:
            step_seconds.append(now - last["t"])
        last["t"] = now

    with tempfile.TemporaryDirectory() as folder:
        config = speed_config(batch_size, steps, "cpu", prior_path, folder, mara=False, precision=precision)
        trainer = run(config, callbacks=[timed])  # as `molmara run` does: the run store and the CSV files written
    return {
        "s_per_step": statistics.median(step_seconds),
        "split": trainer.clock.per_step(),
        "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }


def child_likelihood_error(prior_path: str | None, n: int) -> dict:
    """How far the prior's log-likelihoods under bfloat16 autocast (an RL step's `precision = "bfloat16"`) are from
    float32's, on `n` of its own samples — and whether MARA's anchor (the most likely of a set of hits) would change:
    the same molecule is the most likely of a random set of 16 in what fraction of 2,000 sets."""
    import numpy as np
    import torch

    from molmara import load_prior

    prior = load_prior(prior_path, "cpu")
    sequences = prior.sample(n, batch_size=1024, generator=torch.Generator().manual_seed(0)).sequences
    with torch.no_grad():
        exact = torch.cat([prior.log_likelihood_tensor(s) for s in sequences.split(512)]).numpy()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            low = torch.cat([prior.log_likelihood_tensor(s) for s in sequences.split(512)]).numpy()
    error = np.abs(low - exact)
    sets = np.random.default_rng(0).integers(0, n, size=(2000, 16))
    same = np.mean(exact[sets].argmax(axis=1) == low[sets].argmax(axis=1))
    return {
        "n": n,
        "mean_abs_error": float(error.mean()),
        "p99_abs_error": float(np.quantile(error, 0.99)),
        "max_abs_error": float(error.max()),
        "mean_nll": float(-exact.mean()),
        "anchor_agreement": float(same),
    }


def child(kind: str, **kwargs) -> dict:
    """Run one measurement in a fresh interpreter and return what it printed."""
    command = [sys.executable, "-m", "benchmarks.speed", "--child", json.dumps({"kind": kind, **kwargs})]
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cli_wall(prior_path: str | None, n: int, precision: str) -> float:
    """Seconds for `molmara sample -n N` from the command line, start-up and writing included."""
    with tempfile.TemporaryDirectory() as folder:
        command = ["molmara", "sample", "-n", str(n), "-o", str(Path(folder) / "out.csv"), "--seed", "0", "--quiet"]
        command += ["--precision", precision] + (["--prior", prior_path] if prior_path else [])
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return time.perf_counter() - started


# ----------------------------------------------------------------------------- the LSTM stand-in
def stand_in_lstm(work: Path, max_sequences: int) -> Path:
    """REINVENT 4's 3×512 LSTM (embedding 256) trained briefly on MOSES: for timing only (see the module docstring)."""
    path = work / "lstm_3x512_stand_in.prior"
    if not path.is_file():
        from molmara.demo import MOSES_TRAIN
        from molmara.model.pretrain import PretrainConfig, pretrain

        work.mkdir(parents=True, exist_ok=True)
        pretrain(
            PretrainConfig(
                corpus=str(MOSES_TRAIN),
                output=str(path),
                cell="lstm",
                embedding_dim=256,
                hidden_size=512,
                num_layers=3,
                max_sequences=max_sequences,
                batch_size=128,
                learning_rate=2e-3,
                warmup_steps=20,
                validate_every=10_000,
                checkpoint_every=100,
                progress=False,
            )
        )
    return path


# ----------------------------------------------------------------------------- the table
def merged(rounds: list, reduce):
    """`rounds` (dicts of the same shape) merged: each number `reduce` of its values over the rounds, anything else
    the first round's."""
    first = rounds[0]
    if isinstance(first, dict):
        return {key: merged([r[key] for r in rounds], reduce) for key in first}
    if isinstance(first, (int, float)) and not isinstance(first, bool):
        return reduce(rounds)
    return first


def value_range(values: list[float]) -> tuple[float, float]:
    return min(values), max(values)


def spread(value: float, bounds: tuple[float, float] | None, fmt: str) -> str:
    """A median and, where it was measured more than once and varied, its range: "1,048 (623–1,630)"."""
    text = format(value, fmt)
    if bounds and bounds[0] != bounds[1]:
        text += f" ({format(bounds[0], fmt)}–{format(bounds[1], fmt)})"
    return text


def measure_network(label: str, prior_path: str | None, args: argparse.Namespace) -> dict:
    row: dict = {"network": label, "prior": prior_path or "shipped"}
    for precision in args.precisions.split(","):
        for batch in (128, 1024):
            measured = child("sample", prior=prior_path, n=args.n, batch=batch, precision=precision)
            row[f"sample_{precision}_{batch}"] = measured
        row[f"wall_10k_{precision}"] = cli_wall(prior_path, 10_000, precision)
    for precision in args.precisions.split(","):
        for batch in (64, 128):
            measured = child("rl", prior=prior_path, batch=batch, steps=args.steps, precision=precision)
            row[f"rl_{precision}_{batch}"] = measured
    if "bfloat16" in args.precisions:
        row["likelihood_error"] = child("likelihood_error", prior=prior_path, n=4096)
    print(json.dumps(row), flush=True)
    return row


def fast_bfloat16() -> bool:
    """Whether the CPU computes bfloat16 products natively (AMX-BF16 or AVX-512 BF16) rather than emulating them."""
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        return False
    return bool(flags & {"amx_bf16", "avx512_bf16"})


def cpu_flags() -> str:
    """Whether this CPU has the instructions bfloat16 needs to be fast (AMX-BF16, AVX-512 BF16): without them
    bfloat16 is emulated and slower than float32."""
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        return "CPU flags unknown"
    wanted = ("amx_bf16", "avx512_bf16", "avx512f")
    return ", ".join(f"{flag}: {'yes' if flag in flags else 'no'}" for flag in wanted)


def markdown(rows: list[dict], ranges: list[dict], args: argparse.Namespace) -> str:
    out = f"CPU: {cpu_flags()}.\n\n"
    if args.repeats > 1:
        out += f"Each number is the median of {args.repeats} rounds, with its range in brackets where it varied.\n\n"
    out += "## Sampling\n\n"
    out += "| network | parameters | precision | SMILES/s, batch 128 | SMILES/s, batch 1,024 "
    out += "| tokens/s, batch 1,024 | `molmara sample -n 10000`, wall s | validity | mean tokens |\n"
    out += "|---|---|---|---|---|---|---|---|---|\n"
    for r, g in zip(rows, ranges, strict=True):
        for p in (p for p in ("float32", "bfloat16") if f"sample_{p}_128" in r):
            small, large = r[f"sample_{p}_128"], r[f"sample_{p}_1024"]
            small_range, large_range = g[f"sample_{p}_128"], g[f"sample_{p}_1024"]
            out += (
                f"| {r['network']} | {large['parameters'] / 1e6:.1f} M | {p} | "
                f"{spread(small['smiles_per_s'], small_range['smiles_per_s'], ',.0f')} | "
                f"{spread(large['smiles_per_s'], large_range['smiles_per_s'], ',.0f')} | "
                f"{large['tokens_per_s']:,.0f} | {spread(r[f'wall_10k_{p}'], g[f'wall_10k_{p}'], '.1f')} | "
                f"{large['validity']:.3f} | {large['mean_tokens']:.1f} |\n"
            )
    ref = REINVENT4
    out += f"| REINVENT 4, 3×512 LSTM | 5.8 M | float32 | | {ref['sampling_smiles_per_s']} (sampling phase) | | "
    out += f"{ref['sample_10k_wall_s']} | | |\n"
    out += "\n## RL step (REINVENT loss, QED, no filter)\n\n| network | precision | batch | s/step | "
    out += "split (s/step) | peak RSS, GiB |\n|---|---|---|---|---|---|\n"
    for r, g in zip(rows, ranges, strict=True):
        for p in (p for p in ("float32", "bfloat16") if f"rl_{p}_64" in r):
            for batch in (64, 128):
                rl, rl_range = r[f"rl_{p}_{batch}"], g[f"rl_{p}_{batch}"]
                split = ", ".join(f"{name} {seconds:.3f}" for name, seconds in rl["split"].items())
                out += (
                    f"| {r['network']} | {p} | {batch} | {spread(rl['s_per_step'], rl_range['s_per_step'], '.2f')} | "
                    f"{split} | {spread(rl['peak_rss_gib'], rl_range['peak_rss_gib'], '.2f')} |\n"
                )
    out += f"| REINVENT 4, 3×512 LSTM | float32 | 128 | {ref['rl_s_per_step_128']} | {ref['rl_split_128']} | "
    out += f"{ref['rl_peak_gib']} |\n"
    errors = [r for r in rows if "likelihood_error" in r]
    if errors:
        out += "\n## The prior's log-likelihoods under bfloat16 autocast, against float32 (its own samples)\n\n"
        out += "| network | molecules | mean NLL | mean abs error | 99th percentile | max | same MARA anchor |\n"
        out += "|---|---|---|---|---|---|---|\n"
        for r in errors:
            e = r["likelihood_error"]
            out += (
                f"| {r['network']} | {e['n']:,} | {e['mean_nll']:.2f} | {e['mean_abs_error']:.3f} | "
                f"{e['p99_abs_error']:.3f} | {e['max_abs_error']:.3f} | {e['anchor_agreement']:.3f} |\n"
            )
        out += (
            "\nSame MARA anchor: the fraction of 2,000 random sets of 16 molecules whose most likely member is the "
            "same molecule in both precisions.\n"
        )
    out += (
        f"\nSampling: {args.n:,} SMILES per measurement after a warm-up batch, seed 0; RL: the median of {args.steps} "
        "steps after one warm-up step (the split: their mean). REINVENT 4's figures are those measured for the issue "
        "on a machine of this kind (2 Xeon cores, torch 2.13.0+cpu, idle), not measured here.\n"
    )
    if args.note:
        out += f"\n{args.note}\n"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lstm", default=None, help="a 3×512 LSTM prior (default: the shipped moses_lstm, else a timing stand-in)"
    )
    parser.add_argument("--work", type=Path, default=Path("molmara-runs/speed"), help="where the stand-in is kept")
    parser.add_argument("--stand-in-sequences", type=int, default=40_000)
    parser.add_argument("-n", type=int, default=4096, help="SMILES per sampling measurement")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument(
        "--precisions",
        default=None,
        help="sampling and RL precisions, comma-separated (default: float32, and bfloat16 where the CPU has it "
        "natively; emulated bfloat16 is several times slower than float32 and only lengthens the run)",
    )
    parser.add_argument("--networks", default="gru,lstm")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of every measurement (medians and ranges)")
    parser.add_argument("--note", default="", help="what else the machine was doing, written with the numbers")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.precisions is None:
        args.precisions = "float32,bfloat16" if fast_bfloat16() else "float32"
    if args.child:
        spec = json.loads(args.child)
        if spec["kind"] == "sample":
            print(json.dumps(child_sample(spec["prior"], spec["n"], spec["batch"], spec["precision"])))
        elif spec["kind"] == "rl":
            print(json.dumps(child_rl(spec["prior"], spec["batch"], spec["steps"], spec["precision"])))
        else:
            print(json.dumps(child_likelihood_error(spec["prior"], spec["n"])))
        return
    networks = []
    for network in args.networks.split(","):
        if network == "gru":
            networks.append(("shipped GRU 3×384", None))
        else:
            shipped = shipped_prior("moses_lstm")
            lstm = args.lstm or (str(shipped) if shipped else str(stand_in_lstm(args.work, args.stand_in_sequences)))
            networks.append(("LSTM 3×512" + ("" if args.lstm or shipped else " (timing stand-in)"), lstm))
    rounds = [[measure_network(label, path, args) for label, path in networks] for _ in range(args.repeats)]
    rows = [merged([r[i] for r in rounds], statistics.median) for i in range(len(networks))]
    ranges = [merged([r[i] for r in rounds], value_range) for i in range(len(networks))]
    table = markdown(rows, ranges, args)
    write_result("speed", {"rows": rows, "rounds": rounds, "reinvent4": REINVENT4}, table + "\n" + (__doc__ or ""))
    print(table)


if __name__ == "__main__":
    main()
