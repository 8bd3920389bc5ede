"""Background jobs: launch RL runs as processes, cancel them, notice dead ones, resume them.

The app (and anyone scripting) launches a run with `JobManager.launch`: the run is registered in the
store with status "created", its config written to `<run folder>/config.toml`, and
`python -m molmara.cli run` started in its own session with its output in `<run folder>/job.log`.
The process adopts the registered run and keeps the store up to date itself. `cancel` sends
SIGTERM, which the command turns into a checkpoint and the status "cancelled". `refresh` marks a run
whose process has gone without saying so (killed, out of memory) as "failed", with the end of its log.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from molmara.processes import process_start_time, same_start
from molmara.rl.config import RunConfig
from molmara.store.db import RunStore, StoreError

__all__ = ["JobManager", "log_tail", "process_alive"]

ACTIVE = ("created", "running")


RUN_PROCESS_MARKS = ("molmara", "ray::")
"""For a pid stored without its start time (an older molmara): what a run's process has in its command line:
`molmara …` / `python -m molmara.cli`, or a Ray worker running a sweep's task (its title is `ray::<task>`). A live
pid without either is taken for a pid reused by something else."""


def process_alive(pid: int | None, started: float | None = None) -> bool:
    """Whether `pid` is a live (not zombie) run process; reaps it if it is our finished child.

    With `started` (the start time the store recorded with the pid) the pid is the run's only if the live
    process started then: a run scripted in Python (`python my_script.py`) has nothing of molmara's in its
    command line. Without it (a row from an older molmara) the command line must carry a `RUN_PROCESS_MARKS`.
    """
    if not pid:
        return False
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass  # not our child: look at it from outside
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        if started is not None:
            return same_start(process.create_time(), started)
        command = " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:
        return True  # someone else's process: alive, and not ours to judge
    return any(mark in command for mark in RUN_PROCESS_MARKS)


def log_tail(path: str | Path | None, lines: int = 15) -> str:
    """The last lines of a log file ("" when there is none)."""
    if not path or not Path(path).is_file():
        return ""
    with open(path, errors="replace") as handle:
        return "".join(handle.readlines()[-lines:]).strip()


class JobManager:
    """Launches, watches, cancels and resumes RL runs recorded in one run store."""

    def __init__(self, store_path: str | Path) -> None:
        self.store_path = Path(store_path).resolve()
        self._children: dict[int, subprocess.Popen] = {}

    def _store(self) -> RunStore:
        return RunStore(self.store_path)

    def _spawn(self, arguments: list[str], log_path: Path) -> subprocess.Popen:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "a") as log:
            log.write(f"\n$ molmara {' '.join(arguments)}  ({time.strftime('%Y-%m-%d %H:%M:%S')})\n")
            log.flush()
            process = subprocess.Popen(
                [sys.executable, "-m", "molmara.cli", *arguments],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C in the app's terminal does not reach the run
            )
        self._children[process.pid] = process
        return process

    def launch(self, config: RunConfig | dict | str | Path) -> int:
        """Register the run and start it in the background; returns its run id."""
        from molmara.lifecycle import check_fresh, register, stored_config

        config = stored_config(config, self.store_path)  # a bad objective fails here, in the caller
        check_fresh(config)
        run_dir = config.run_dir
        run_dir.mkdir(parents=True, exist_ok=True)
        config_path = run_dir / "config.toml"
        config_path.write_text(config.to_toml())
        log_path = run_dir / "job.log"
        with self._store() as store:
            run_id = register(store, config, adopt=False)  # the child adopts this row
            process = self._spawn(["run", str(config_path), "--quiet"], log_path)
            started = process_start_time(process.pid)
            store.update_run(run_id, pid=process.pid, pid_started=started, log_path=str(log_path))
        return run_id

    def refresh(self) -> list[int]:
        """Mark runs whose process died without recording an end as "failed"; returns their ids."""
        failed = []
        with self._store() as store:
            table = store.list_runs()
            for run_id in table.loc[table["status"].isin(ACTIVE), "id"]:
                info = store.get_run(int(run_id))
                if info["pid"] is None or process_alive(info["pid"], info["pid_started"]):
                    continue
                _mark_failed_unless_ended(store, info)
                failed.append(int(run_id))
        return failed

    def status(self, run: int | str) -> dict:
        """The run's row after a refresh."""
        self.refresh()
        with self._store() as store:
            return store.get_run(run)

    def cancel(self, run: int | str, wait: float = 60.0) -> str:
        """SIGTERM the run's process (it checkpoints and records "cancelled"); returns the status after `wait` s."""
        with self._store() as store:
            info = store.get_run(run)
        if info["status"] not in ACTIVE or not process_alive(info["pid"], info["pid_started"]):
            raise StoreError(f"run {info['name']!r} is not running (status {info['status']})")
        os.kill(info["pid"], signal.SIGTERM)
        deadline = time.time() + wait
        while time.time() < deadline and process_alive(info["pid"], info["pid_started"]):
            time.sleep(0.2)
        return self.status(info["id"])["status"]

    def resume(self, run: int | str) -> int:
        """Continue a cancelled or failed run in the background from its last checkpoint; returns its pid."""
        info = self.status(run)
        if info["status"] in ACTIVE and process_alive(info["pid"], info["pid_started"]):
            raise StoreError(f"run {info['name']!r} is still running")
        if info["status"] == "finished":
            raise StoreError(f"run {info['name']!r} has finished; there is nothing to resume")
        log_path = Path(info["log_path"] or Path(info["run_dir"]) / "job.log")
        # "running" before the process starts, its pid after and only while still running: a quick run may have
        # recorded its own end by then, which must not be overwritten (that race marked finished runs failed)
        with self._store() as store:
            store.update_run(
                info["id"], pid=None, pid_started=None, log_path=str(log_path), status="running", message=None
            )
        try:
            process = self._spawn(["resume", str(info["id"]), "--store", str(self.store_path), "--quiet"], log_path)
        except OSError as err:
            with self._store() as store:
                store.update_run(info["id"], status="failed", message=f"could not start the resumed run: {err}")
            raise
        with self._store() as store:
            store.update_run(
                info["id"], where_status=("running",), pid=process.pid, pid_started=process_start_time(process.pid)
            )
        return process.pid

    def wait(self, run: int | str, timeout: float = 600.0) -> str:
        """Block until the run's process ends (or `timeout` s pass); returns the status."""
        with self._store() as store:
            info = store.get_run(run)
        deadline = time.time() + timeout
        while time.time() < deadline and process_alive(info["pid"], info["pid_started"]):
            time.sleep(0.2)
        return self.status(run)["status"]


def _mark_failed_unless_ended(store: RunStore, info: dict) -> None:
    """Mark a dead run failed unless it recorded its own end meanwhile."""
    current = store.get_run(info["id"])
    if current["status"] in ACTIVE and current["pid"] == info["pid"]:
        tail = log_tail(info["log_path"])
        message = "the run's process ended without recording an end (killed?)"
        if tail:
            message += f"; log ends:\n{tail}"
        store.update_run(info["id"], status="failed", pid=None, pid_started=None, message=message)
