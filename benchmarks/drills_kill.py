"""Kill -9 drills at volume: RL runs and batch sampling killed at random moments and resumed, and reads of the
run store while they write. What a crashing machine (or an impatient user) does to a job.

- **runs**: a reference RL run goes to its end untouched; then `--runs` copies of it are each killed with
  SIGKILL `--kills` times, at moments drawn uniformly over the reference's wall time (start-up, the first
  checkpoint, mid-step, a checkpoint write, the end), and restarted the way a user would (`molmara run CONFIG
  --resume` once a checkpoint exists, else the same command again). Counted: restarts refused, copies whose
  molecules and steps differ from the reference (the run's own timings aside), runs left "running", and
  stores failing SQLite's `integrity_check`.
- **sampling**: `molmara sample` killed the same way and run again with the same command, without `--seed`
  (the drawn seed is kept in the state file). Counted: files that differ from an uninterrupted job's.
- **reads**: all the while, two reader threads open the store and read the runs, steps and molecules of
  whatever is there. Counted: reads that raise (apart from "no run store" while the first run creates the file).
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd

from molmara.store import RunStore, StoreError

MOLMARA = [sys.executable, "-m", "molmara.cli"]
OBJECTIVE = '[[component]]\noracle = "qed"\nweight = 1.0\n'


def write_run_config(folder: Path, name: str, steps: int, batch: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "qed.toml").write_text(OBJECTIVE)
    config = folder / f"{name}.toml"
    config.write_text(
        f'name = "{name}"\nobjective = "qed.toml"\nbatch_size = {batch}\nmax_steps = {steps}\n'
        f'max_oracle_calls = 100000\ndevice = "cpu"\nseed = 7\noutput = "{folder / "runs"}"\n'
    )
    return config


def comparable(store_path: Path, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A run's molecules and steps without what differs between two identical runs (ids, timings)."""
    with RunStore(store_path, create=False) as store:
        molecules, steps = store.molecules(name), store.steps(name)
    timing = [c for c in steps.columns if "time" in c or c.endswith("_s") or c == "elapsed"]
    return molecules.drop(columns=["id", "run_id"], errors="ignore"), steps.drop(columns=timing)


class Reader(threading.Thread):
    """Reads the store in a loop until stopped; counts reads and the ones that raised."""

    def __init__(self, store_path: Path) -> None:
        super().__init__(daemon=True)
        self.store_path, self.reads, self.errors, self.examples = store_path, 0, 0, []
        self.not_yet = 0
        """Reads that found the store file still empty (the first run creating it): "no run store", as when
        there is no file at all, which is what a reader should be told then."""
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            if not self.store_path.exists():
                time.sleep(0.05)
                continue
            try:
                with RunStore(self.store_path, create=False) as store:
                    runs = store.list_runs()
                    for name in runs["name"].tolist()[-3:]:
                        store.steps(name)
                        store.molecules(name, since_step=max(0, store.last_step(name) - 2))
                self.reads += 1
            except StoreError as err:
                if not str(err).startswith("no run store"):
                    raise
                self.not_yet += 1
            except Exception as err:  # what the drill counts
                self.errors += 1
                if len(self.examples) < 3:
                    self.examples.append(f"{type(err).__name__}: {err}")

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=30)


def timed_run(command: list[str], timeout_s: float = 900) -> tuple[int, float, str]:
    """(exit code, seconds, last line of stderr) of `command` run to its end."""
    start = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    last = done.stderr.strip().splitlines()[-1:] or [""]
    return done.returncode, time.monotonic() - start, last[0]


def killed_after(command: list[str], delay: float) -> bool:
    """Start `command`, SIGKILL it after `delay` s; False when it had already ended by then."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return True


def drill_runs(
    folder: Path, runs: int, kills: int, steps: int, batch: int, rng: random.Random, min_reads: int = 30_000
) -> dict:
    """`runs` copies killed `kills` times each, and more copies (up to `runs` more) until the readers have read
    `min_reads` times while runs wrote."""
    counts = {"runs": 0, "kills": 0, "refused": 0, "differ": 0, "left_running": 0, "store_damaged": 0}
    reference = write_run_config(folder, "reference", steps, batch)
    store_path = folder / "runs" / "molmara.db"
    readers = [Reader(store_path) for _ in range(2)]
    for reader in readers:
        reader.start()
    code, wall, err = timed_run([*MOLMARA, "run", str(reference), "--quiet"])
    if code != 0:
        raise RuntimeError(f"the reference run failed: {err}")
    counts["reference_s"] = wall
    expected = comparable(store_path, "reference")
    counts["molecules_compared"] = len(expected[0])
    if not len(expected[0]) or len(expected[1]) != steps:
        raise RuntimeError("the reference run recorded nothing to compare")
    copy = 0
    while copy < runs or (sum(r.reads for r in readers) < min_reads and copy < 2 * runs):
        name = f"killed-{copy}"
        copy += 1
        config = write_run_config(folder, name, steps, batch)
        checkpoint = folder / "runs" / name / "checkpoint.pt"

        def command(config: Path = config, checkpoint: Path = checkpoint) -> list[str]:
            return [*MOLMARA, "run", str(config), "--quiet", *(["--resume"] if checkpoint.exists() else [])]

        counts["runs"] += 1
        for _ in range(kills):
            counts["kills"] += killed_after(command(), rng.uniform(0.5, wall))
        code, _, err = timed_run(command())
        if code != 0:
            counts["refused"] += 1
            counts.setdefault("refusals", []).append(err)
            continue
        molecules, record = comparable(store_path, name)
        same = molecules.drop(columns=["run"], errors="ignore").equals(
            expected[0].drop(columns=["run"], errors="ignore")
        ) and record.equals(expected[1])
        counts["differ"] += not same
    for reader in readers:
        reader.stop()
    with RunStore(store_path, create=False) as store:
        counts["left_running"] = int((store.list_runs()["status"] == "running").sum())
        counts["store_damaged"] = int(store._conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok")
    counts.update(
        reads=sum(r.reads for r in readers),
        read_errors=sum(r.errors for r in readers),
        reads_before_the_store=sum(r.not_yet for r in readers),
        read_error_examples=[e for r in readers for e in r.examples][:3],
    )
    return counts


def drill_sampling(folder: Path, jobs: int, kills: int, n: int, rng: random.Random) -> dict:
    counts = {"jobs": jobs, "kills": 0, "refused": 0, "differ": 0}
    folder.mkdir(parents=True, exist_ok=True)
    base = [*MOLMARA, "sample", "-n", str(n), "--batch-size", "500", "--device", "cpu", "--quiet"]
    for job in range(jobs):
        out = folder / f"sample-{job}.csv"
        state = folder / f"sample-{job}.csv.partial.state"
        seeds: list[int] = []  # the seed the job drew, read from its state file (the reference needs it)
        for _ in range(kills):
            counts["kills"] += killed_after([*base, "-o", str(out)], rng.uniform(0.5, 20.0))
            seeds += [_state_seed(state)] if state.exists() else []
        process = subprocess.Popen([*base, "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        while process.poll() is None:
            seeds += [_state_seed(state)] if state.exists() else []
            time.sleep(0.05)
        if process.returncode != 0:
            counts["refused"] += 1
            counts.setdefault("refusals", []).append(process.stderr.read().decode()[-300:])
            continue
        reference = folder / f"reference-{job}.csv"
        drawn = [seed for seed in seeds if seed >= 0]
        if not drawn:
            counts["differ"] += 1  # cannot be checked: counted against the drill
            continue
        code, _, _ = timed_run([*base, "--seed", str(drawn[-1]), "-o", str(reference)])
        counts["differ"] += code != 0 or reference.read_bytes() != out.read_bytes()
    return counts


def _state_seed(state: Path) -> int:
    try:
        return int(json.loads(state.read_text())["seed"])
    except (OSError, ValueError, KeyError):  # replaced while read: the next poll reads it
        return -1
