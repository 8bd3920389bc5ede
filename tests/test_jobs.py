"""Background jobs with real processes and signals: cancel (SIGTERM), kill -9, resume, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from molmara.jobs import JobManager, process_alive
from molmara.store import RunStore, StoreError

QED = {"component": [{"oracle": "qed", "weight": 1.0}]}
STEPS = 40
BATCH = 16


def run_config(prior, tmp_path, name):
    return {
        "name": name,
        "prior": str(prior),
        "objective": QED,
        "batch_size": BATCH,
        "max_steps": STEPS,
        "max_oracle_calls": None,
        "tau": 0.6,
        "device": "cpu",
        "checkpoint_every": 2,
        "output": str(tmp_path / "runs"),
    }


def wait_for_step(store_path, run, step, timeout=180.0, process=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the run's process ended early: {process.stderr.read()}")
        if store_path.exists():
            with RunStore(store_path) as store:
                if store.has_run(run) if isinstance(run, str) else True:
                    info = store.get_run(run)
                    if store.last_step(run) >= step:
                        return
                    assert info["status"] in ("created", "running"), info
        time.sleep(0.2)
    raise AssertionError(f"run {run} did not reach step {step} in {timeout} s")


def assert_complete_and_contiguous(store_path, run):
    with RunStore(store_path) as store:
        steps = store.steps(run)
        molecules = store.molecules(run)
        info = store.get_run(run)
    assert info["status"] == "finished", info
    assert list(steps["step"]) == list(range(1, STEPS + 1))  # nothing lost, nothing twice
    assert (molecules.groupby("step").size() == BATCH).all() and len(molecules) == STEPS * BATCH
    assert info["summary"]["steps"] == STEPS


def test_cancel_then_resume_a_background_run(tiny_prior_path, tmp_path):
    store_path = tmp_path / "runs" / "molmara.db"
    jobs = JobManager(store_path)
    run = jobs.launch(run_config(tiny_prior_path, tmp_path, "cancel-me"))
    assert jobs.status(run)["status"] in ("created", "running")
    wait_for_step(store_path, run, 3)
    assert jobs.cancel(run) == "cancelled"
    assert (tmp_path / "runs" / "cancel-me" / "checkpoint.pt").is_file()
    with pytest.raises(StoreError, match="not running"):
        jobs.cancel(run)
    jobs.resume(run)
    assert jobs.wait(run, timeout=300) == "finished"
    assert_complete_and_contiguous(store_path, run)
    with pytest.raises(StoreError, match="finished"):
        jobs.resume(run)


def test_a_killed_run_is_noticed_as_failed_and_resumes_losing_at_most_one_step(tiny_prior_path, tmp_path):
    store_path = tmp_path / "runs" / "molmara.db"
    jobs = JobManager(store_path)
    run = jobs.launch(run_config(tiny_prior_path, tmp_path, "kill-me"))
    wait_for_step(store_path, run, 5)
    pid = jobs.status(run)["pid"]
    os.kill(pid, signal.SIGKILL)
    deadline = time.time() + 30
    while process_alive(pid) and time.time() < deadline:
        time.sleep(0.1)
    assert jobs.refresh() == [run]
    info = jobs.status(run)
    assert info["status"] == "failed" and "without recording an end" in info["message"]
    with RunStore(store_path) as store:  # the store is consistent: every recorded step has its molecules
        steps, molecules = store.steps(run), store.molecules(run)
    assert (molecules.groupby("step").size() == BATCH).all() and set(molecules["step"]) == set(steps["step"])
    jobs.resume(run)
    assert jobs.wait(run, timeout=300) == "finished"
    assert_complete_and_contiguous(store_path, run)


def test_ctrl_c_during_molmara_run_checkpoints_and_records_cancelled(tiny_prior_path, tmp_path):
    config = tmp_path / "run.toml"
    objective = tmp_path / "qed.toml"
    objective.write_text('[[component]]\noracle = "qed"\nweight = 1.0\n')
    config.write_text(
        f'name = "interrupted"\nprior = "{tiny_prior_path}"\nobjective = "{objective}"\nbatch_size = {BATCH}\n'
        f'max_steps = {STEPS}\nmax_oracle_calls = 100000\ndevice = "cpu"\ncheckpoint_every = 2\n'
        f'output = "{tmp_path / "runs"}"\n'
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "molmara.cli", "run", str(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    store_path = tmp_path / "runs" / "molmara.db"
    wait_for_step(store_path, "interrupted", 2, process=process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and b"interrupted" in err
    with RunStore(store_path) as store:
        assert store.get_run("interrupted")["status"] == "cancelled"
    out = subprocess.run(
        [sys.executable, "-m", "molmara.cli", "resume", "interrupted", "--store", str(store_path), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert_complete_and_contiguous(store_path, "interrupted")


SCRIPTED_RUN = """
import json, sys
import molmara
molmara.run(json.loads(sys.argv[1]))
"""


def test_a_run_scripted_in_python_is_not_taken_for_dead_while_it_runs(tiny_prior_path, tmp_path):
    """`python my_script.py` has nothing of molmara's in its command line: the pid's start time says it is the
    run's (the app's Monitor page marked such a live run failed and offered to resume it a second time)."""
    store_path = tmp_path / "runs" / "molmara.db"
    config = run_config(tiny_prior_path, tmp_path, "scripted") | {"max_steps": 10_000}
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPTED_RUN, json.dumps(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_for_step(store_path, "scripted", 2, process=process)
        jobs = JobManager(store_path)
        assert jobs.refresh() == []
        info = jobs.status("scripted")
        assert info["status"] == "running" and info["pid"] == process.pid
        assert info["pid_started"] == pytest.approx(psutil.Process(process.pid).create_time(), abs=0.05)
        with pytest.raises(StoreError, match="still running"):
            jobs.resume("scripted")
        process.kill()
        process.wait()
        assert jobs.refresh() == [jobs.status("scripted")["id"]]
        assert jobs.status("scripted")["status"] == "failed"
    finally:
        process.kill()
        process.communicate()


def test_process_alive_knows_a_run_process_from_a_reused_pid():
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    other = subprocess.Popen(sleeper)  # alive, but nothing of molmara's: a pid now used by something else
    ours = subprocess.Popen([*sleeper, "molmara", "run"])
    ray_task = subprocess.Popen([*sleeper, "ray::_run_one"])
    try:
        assert not process_alive(other.pid) and process_alive(ours.pid) and process_alive(ray_task.pid)
    finally:
        for process in (other, ours, ray_task):
            process.kill()
    ours.wait()  # reaped: the pid is gone
    assert not process_alive(ours.pid) and not process_alive(None) and not process_alive(0)
    plain = subprocess.Popen(sleeper)  # with a start time, the command line no longer matters
    try:
        started = psutil.Process(plain.pid).create_time()
        assert process_alive(plain.pid, started) and process_alive(plain.pid, started + 0.01)
        assert not process_alive(plain.pid, started - 5.0)  # the same pid, but not the process that started then
    finally:
        plain.kill()
        plain.wait()
    assert not process_alive(plain.pid, started)
    zombie = subprocess.Popen([*sleeper[:2], "pass", "molmara"])
    deadline = time.time() + 30
    while psutil.Process(zombie.pid).status() != psutil.STATUS_ZOMBIE and time.time() < deadline:
        time.sleep(0.05)
    assert not process_alive(zombie.pid)  # ended, not yet reaped (process_alive reaps our own child)
