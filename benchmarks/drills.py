"""Drills: hostile input and damaged files, at volume, counted. What a hostile user and a crashing disk would do.

- **junk SMILES** (`--junk`, generated here, seeded): random text, huge rings and chains, wildcards, salts,
  unicode, NUL bytes, SMARTS, very long strings — scored by each objective of `--objectives` through the
  scoring service with a time limit of `--limit-s` a molecule, as runs score. Counted: crashes (an exception
  out of `score`), hangs (a molecule that took longer than the limit in each oracle, plus 10 s), molecules
  stopped at the limit, slow molecules (over `--slow-s` seconds, under the limit), and silent misreads (a
  wildcard or multi-fragment SMILES scored as valid, or an invalid one without a reason).
- **broken run configs**: wrong types, out-of-range values, hostile names, unknown keys. Counted: crashes (any
  error that is not a `RunConfigError`) and silent accepts.
- **hostile run names** into a real store and output folder: escapes (anything written outside the output).
- **damaged priors**: 4 KiB flipped at `--flips` places of a saved prior. Counted: silent loads.
- **damaged stores**: 8 KiB flipped at several places, or truncated. Counted: stores that take a new run.
- **damaged run checkpoints**: 4 KiB flipped at `--flips` places of a real run's checkpoint, loaded as a resume
  loads it. Counted: silent loads.
- **kill -9** of RL runs and of batch sampling, and reads while runs write: see `benchmarks/drills_kill.py`.

    python -m benchmarks.drills --junk 1048
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import drills_kill
from benchmarks.common import write_result
from benchmarks.drills_kill import drill_runs, drill_sampling
from molmara import ScoringService, load_prior, tasks
from molmara.model.prior import CheckpointError
from molmara.rl.config import RunConfigError, load_run_config
from molmara.store import RunStore, StoreError

ATOMS = ["C", "N", "O", "S", "c", "n", "o", "Cl", "Br", "F", "[nH]", "[Na+]", "*", "[*]", "P", "I", "[Si]"]
BONDS = ["", "", "", "=", "#", "(", ")", "1", "2", "%10", ".", "/", "\\", "@", "-"]


def junk_smiles(n: int, seed: int) -> list[str]:
    """`n` hostile strings: a fixed set of known troublemakers, then random mixtures of SMILES pieces."""
    fixed = [
        "C1" + "C" * 98 + "C1", "C1" + "C" * 140 + "C1", "C" * 2000, "C" * 2001, "c1ccccc1" * 60, "",
        " ", "\x00", "C\x00C", "💊", "CCO" * 700, "c1ccccc1*", "[*]CC", "*", "CC(=O)[O-].[Na+]", "c1ccccc1.CCO",
        "[C@@H](F)(Cl)Br", "C1CC", "((((", "[Xx]", "c1cccc1", "N(=O)=O", "[n+]1ccccc1", "[Cs+].[F-]",
        "C%99CC%99", "[2H]C([2H])([2H])O", "[13CH4]", "[Fe+2].[Cl-].[Cl-]", "O=S(=O)(O)O", "[He]",
        *("C1" + "C(N)" * k + "C1" for k in (29, 49, 74)),  # legal; deco_hop takes 14 s, 77 s, 232 s on them
    ]  # fmt: skip
    rng = random.Random(seed)
    out = list(fixed)
    while len(out) < n:
        length = rng.choice([1, 3, 8, 20, 60, 200])
        out.append("".join(rng.choice(ATOMS) + rng.choice(BONDS) for _ in range(length)))
    return out[:n]


def drill_junk(smiles: list[str], objectives: list[str], slow_s: float, limit_s: float) -> dict:
    """Each junk string scored on its own through a `ScoringService` with a `limit_s` time limit a molecule."""
    counts = {"molecules": len(smiles) * len(objectives), "crashes": 0, "slow": 0, "timed_out": 0, "hangs": 0}
    counts.update(misreads=0, seconds=0.0)
    slowest: list[tuple[float, str, str]] = []
    for name in objectives:
        objective = tasks.get(name)
        with ScoringService(objective, time_limit=limit_s) as service:
            for s in smiles:
                start = time.perf_counter()
                try:
                    result = service.score([s])
                except Exception:  # what the drill counts
                    counts["crashes"] += 1
                    continue
                took = time.perf_counter() - start
                counts["seconds"] += took
                slowest.append((took, name, s[:40]))
                timed_out = result.reasons[0].startswith("timed out")
                counts["timed_out"] += timed_out
                counts["slow"] += took > slow_s and not timed_out
                # a molecule gets the limit in each oracle, and killing a worker takes a moment
                counts["hangs"] += took > limit_s * len(objective.oracles) + 10
                suspicious = isinstance(s, str) and ("*" in s or "." in s)
                if (result.valid[0] and suspicious) or (not result.valid[0] and not result.reasons[0]):
                    counts["misreads"] += 1
    counts["slowest"] = [f"{t:.2f} s {name} {s!r}" for t, name, s in sorted(slowest, reverse=True)[:5]]
    return counts


BROKEN = [
    {"batch_size": "64"}, {"batch_size": True}, {"batch_size": 0}, {"batch_size": -5}, {"batch_size": 1e9},
    {"batch_size": 100_000_000}, {"mara": "yes"}, {"mara": 1}, {"sigma": float("inf")}, {"sigma": float("nan")},
    {"sigma": 0}, {"sigma": "128"}, {"beta": -1}, {"tau": 1.5}, {"tau": -0.1}, {"tau": "top10"}, {"tau": "p101"},
    {"tau": True}, {"hit_threshold": 5}, {"hit_threshold": -1}, {"learning_rate": 0}, {"learning_rate": 2},
    {"learning_rate": float("nan")}, {"seed": -1}, {"seed": 2**70}, {"seed": "0"}, {"seed": 1.5},
    {"max_oracle_calls": 0}, {"max_oracle_calls": 10**12}, {"max_steps": 0}, {"max_seconds": -1},
    {"temperature": 0}, {"loss": "mse"}, {"duplicates": "twice"}, {"colour": "red"}, {"objective": {"component": []}},
    {"task": "nope"}, {"name": ""}, {"name": "../victim"}, {"name": "."}, {"name": ".."}, {"name": "a/b"},
    {"name": "x\x00y"}, {"name": "123"}, {"name": "a" * 300}, {"name": 5}, {"diversity_filter": {"bucket_size": 0}},
    {"diversity_filter": {"min_score": 2}}, {"diversity_filter": {"bucket_size": "25"}}, {"diversity_filter": 1},
    {"replay": {"memory_size": -1}}, {"replay": {"sample_size": 0}}, {"collapse": {"patience": 0}},
    {"checkpoint_every": 0}, {"n_jobs": 0}, {"clip_grad_norm": 0}, {"clip_grad_norm": float("inf")},
    {"device": 3}, {"prior": 7}, {"output": 3}, {"store": []}, {"replay": []}, {"max_seconds": float("nan")},
    {"beta": float("inf")}, {"batch_size": None}, {"mara": None}, {"tau": None},
]  # fmt: skip
"""Each is wrong; a config that loads with one of them is a silent accept."""


def drill_configs() -> dict:
    counts = {"configs": len(BROKEN), "crashes": 0, "accepted": 0, "accepted_examples": []}
    for override in BROKEN:
        try:
            load_run_config({"task": "drd2_qed_sa", **override})
        except RunConfigError:
            continue
        except Exception:  # what the drill counts
            counts["crashes"] += 1
            continue
        counts["accepted"] += 1
        counts["accepted_examples"].append(repr(override))
    return counts


def drill_names(folder: Path) -> dict:
    output = folder / "out"
    output.mkdir()
    names = ["../victim", "..", ".", "a/b", "/tmp/x", "~", "", "123", "x\x00y", "-rf", "a b", "..\\x", "a" * 201]
    before = {p for p in folder.rglob("*")}
    counts = {"names": len(names), "escapes": 0, "accepted": 0}
    for name in names:
        try:
            config = load_run_config({"task": "drd2_qed_sa", "name": name, "output": str(output)})
            config.run_dir.mkdir(parents=True, exist_ok=True)
            counts["accepted"] += 1
        except (RunConfigError, ValueError):
            pass
        with RunStore(output / "molmara.db") as store:
            try:
                store.create_run(name, "rl", "")
                counts["accepted"] += 1
            except StoreError:
                pass
    after = {p for p in folder.rglob("*")}
    counts["escapes"] = sum(1 for p in after - before if output not in p.parents and p != output)
    return counts


def drill_priors(folder: Path, flips: int, seed: int) -> dict:
    prior = load_prior(None, device="cpu")
    good = prior.save(folder / "good.prior")
    data = good.read_bytes()
    rng = np.random.default_rng(seed)
    counts = {"damaged": flips, "silent_loads": 0, "refused": 0, "crashes": 0}
    for i in range(flips):
        damaged = bytearray(data)
        at = int(rng.integers(1024, len(data) - 4096))
        damaged[at : at + 4096] = bytes(b ^ 0xFF for b in damaged[at : at + 4096])
        path = folder / f"damaged{i}.prior"
        path.write_bytes(bytes(damaged))
        try:
            load_prior(path, device="cpu")
            counts["silent_loads"] += 1
        except CheckpointError:
            counts["refused"] += 1
        except Exception:  # what the drill counts
            counts["crashes"] += 1
        path.unlink()
    return counts


def drill_checkpoints(folder: Path, flips: int, seed: int) -> dict:
    """A real run checkpoint with 4 KiB flipped at `flips` places, each loaded the way a resume loads it."""
    from molmara.model.prior import CheckpointError
    from molmara.rl.recording import MemoryRecorder
    from molmara.rl.trainer import Trainer

    config = load_run_config(
        {"task": "drd2_qed_sa", "batch_size": 16, "max_steps": 2, "device": "cpu", "output": str(folder)}
    )
    trainer = Trainer(config, MemoryRecorder())
    for _ in range(2):
        trainer.step()
    trainer.save_checkpoint()
    trainer.service.close()
    path = trainer.checkpoint_path
    data = path.read_bytes()
    rng = random.Random(seed)
    counts = {"damaged": flips, "silent_loads": 0, "refused": 0, "crashes": 0}
    for _ in range(flips):
        damaged = bytearray(data)
        at = rng.randrange(0, len(data) - 4096)
        damaged[at : at + 4096] = bytes(b ^ 0xFF for b in damaged[at : at + 4096])
        path.write_bytes(bytes(damaged))
        fresh = Trainer(config, MemoryRecorder())
        try:
            fresh.load_checkpoint()
            counts["silent_loads"] += 1
        except CheckpointError:
            counts["refused"] += 1
        except Exception:  # what the drill counts
            counts["crashes"] += 1
        finally:
            fresh.service.close()
    return counts


def drill_stores(folder: Path) -> dict:
    source = folder / "store.db"
    with RunStore(source) as store:
        for i in range(40):
            run_id = store.create_run(f"r{i}", "rl", "x = 1\n" * 50)
            store.update_run(run_id, status="finished", message="m" * 2000)
    data = source.read_bytes()
    cases = {"truncated": data[: len(data) // 2]}
    for fraction in (0.3, 0.5, 0.7, 0.9):
        damaged = bytearray(data)
        at = int(len(data) * fraction)
        damaged[at : at + 8192] = bytes(b ^ 0xFF for b in damaged[at : at + 8192])
        cases[f"flipped at {fraction:.0%}"] = bytes(damaged)
    counts = {"damaged": len(cases), "took_a_run": 0, "refused": 0, "crashes": 0, "took": []}
    for label, content in cases.items():
        path = folder / "damaged.db"
        path.write_bytes(content)
        try:
            with RunStore(path, check=True) as store:
                store.create_run("new", "rl", "")
            counts["took_a_run"] += 1
            counts["took"].append(label)
        except StoreError:
            counts["refused"] += 1
        except Exception:  # what the drill counts
            counts["crashes"] += 1
        for leftover in folder.glob("damaged.db*"):
            leftover.unlink()
    return counts


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--junk", type=int, default=1048, help="junk SMILES (default: 1048)")
    parser.add_argument("--objectives", default="drd2_qed_sa,valsartan_smarts,deco_hop,ring_modes")
    parser.add_argument("--slow-s", type=float, default=2.0, help="a molecule slower than this counts as slow")
    parser.add_argument("--limit-s", type=float, default=10.0, help="the scoring time limit a molecule")
    parser.add_argument("--flips", type=int, default=20)
    parser.add_argument("--kill-runs", type=int, default=6, help="RL runs killed -9 and resumed")
    parser.add_argument("--kills", type=int, default=5, help="kill -9 moments per run and per sampling job")
    parser.add_argument("--run-steps", type=int, default=12)
    parser.add_argument("--sample-jobs", type=int, default=2)
    parser.add_argument("--sample-n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    objectives = [o.strip() for o in args.objectives.split(",") if o.strip()]
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for sub in ("names", "priors", "stores", "checkpoints"):
            (folder / sub).mkdir()
        results = {
            "junk": drill_junk(junk_smiles(args.junk, args.seed), objectives, args.slow_s, args.limit_s),
            "configs": drill_configs(),
            "names": drill_names(folder / "names"),
            "priors": drill_priors(folder / "priors", args.flips, args.seed),
            "stores": drill_stores(folder / "stores"),
            "checkpoints": drill_checkpoints(folder / "checkpoints", args.flips, args.seed),
            "runs": drill_runs(folder / "runs", args.kill_runs, args.kills, args.run_steps, 32, rng),
            "sampling": drill_sampling(folder / "sampling", args.sample_jobs, args.kills, args.sample_n, rng),
        }
    write_result("drills", {"args": vars(args), **results}, report(results, objectives, args))
    print(report(results, objectives, args))
    return results


def report(results: dict, objectives: list[str], args: argparse.Namespace) -> str:
    j, c, n, p, s, r, m = (results[k] for k in ("junk", "configs", "names", "priors", "stores", "runs", "sampling"))
    k = results["checkpoints"]
    return (
        "| drill | volume | crashes or refusals | hangs | escapes | silent misreads, accepts or differences |\n"
        "|---|---|---|---|---|---|\n"
        f"| junk SMILES × {', '.join(objectives)}, {args.limit_s:g} s limit | {j['molecules']:,} | {j['crashes']} | "
        f"{j['hangs']} | – | {j['misreads']} |\n"
        f"| broken run configs | {c['configs']} | {c['crashes']} | – | – | {c['accepted']} |\n"
        f"| hostile run names (config and store) | {n['names']} | – | – | {n['escapes']} | {n['accepted']} |\n"
        f"| priors with 4 KiB flipped | {p['damaged']} | {p['crashes']} | – | – | {p['silent_loads']} |\n"
        f"| stores flipped or truncated | {s['damaged']} | {s['crashes']} | – | – | {s['took_a_run']} |\n"
        f"| run checkpoints with 4 KiB flipped | {k['damaged']} | {k['crashes']} | – | – | {k['silent_loads']} |\n"
        f"| kill -9 of RL runs ({r['runs']} runs, {args.run_steps} steps of 32), resumed | {r['kills']} kills | "
        f"{r['refused']} | – | – | {r['differ']} differ; {r['left_running']} left running; "
        f"{r['store_damaged']} stores damaged |\n"
        f"| reads of the store while those runs wrote (2 readers) | {r['reads']:,} reads | {r['read_errors']} | "
        "– | – | – |\n"
        f"| kill -9 of `molmara sample` ({m['jobs']} jobs of {args.sample_n:,}), same command again | {m['kills']} "
        f"kills | {m['refused']} | – | – | {m['differ']} differ |\n\n"
        f"Junk scoring took {j['seconds']:.1f} s in all; {j['timed_out']} molecule scorings stopped at the "
        f"{args.limit_s:g} s limit (NaN, 'timed out'), {j['slow']} others over {args.slow_s:g} s; the slowest: "
        f"{'; '.join(j['slowest'])}. The uninterrupted reference run took {r['reference_s']:.1f} s; kill moments were "
        f"drawn over that span (sampling: over 20 s); each resumed run's {r['molecules_compared']:,} molecules and "
        f"{args.run_steps} steps were compared with it.\n"
        + (f"Accepted broken configs: {', '.join(c['accepted_examples'])}.\n" if c["accepted_examples"] else "")
        + f"{r['reads_before_the_store']:,} more reads came while the first run was creating the store file and were "
        "told 'no run store', as for a missing file.\n"
        + (f"Read errors: {'; '.join(r['read_error_examples'])}.\n" if r["read_error_examples"] else "")
        + "\nNot drilled here: the app (tests/webapp drive it in a browser).\n\n"
        + (__doc__ or "")
        + "\n"
        + (drills_kill.__doc__ or "")
    )


if __name__ == "__main__":
    main()
