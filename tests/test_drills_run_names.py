"""Drill: run names that would reach outside the output folder, and `runs delete --files`, as a hostile user
types them (issue: "a run name can delete folders outside the output folder")."""

from __future__ import annotations

import sqlite3

import pytest

from molmara.cli import main
from molmara.rl import load_run_config
from molmara.rl.config import RunConfigError
from molmara.run_folder import RunNameError, check_run_name, remove_run_files, run_folder
from molmara.store import RunStore, StoreError
from tests.conftest import qed_run_config

HOSTILE = ["../victim", "..", ".", "a/b", "a\\b", "/etc", "~root", "", "123", "x\x00y", "two words", "-rf", "a" * 201]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_refused_by_the_config_and_the_store(name, tmp_path):
    with pytest.raises(RunConfigError, match="run name .* is not allowed"):
        load_run_config({"name": name, "task": "drd2", "output": str(tmp_path)})
    with RunStore(tmp_path / "molmara.db") as store, pytest.raises(StoreError, match="is not allowed"):
        store.create_run(name, "rl", "")


def test_allowed_names_and_their_folders(tmp_path):
    for name in ("run", "drd2_qed_sa-reinvent-s0-b10000-abc123", "sweep-learning_rate=0.001-seed0", "v1.2+mara"):
        assert check_run_name(name) == name
        assert run_folder(tmp_path, name) == tmp_path / name
    (tmp_path / "outside").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "link").symlink_to(tmp_path / "outside")
    with pytest.raises(RunNameError, match="outside the output folder"):
        run_folder(tmp_path / "out", "link")


def _store_with_run(tmp_path, name, run_dir):
    """A store holding one finished run whose recorded folder is `run_dir` (as an older store could hold)."""
    store_path = tmp_path / "out" / "molmara.db"
    store_path.parent.mkdir(exist_ok=True)
    with RunStore(store_path) as store:
        run_id = store.create_run("victim-run", "rl", "", run_dir=str(run_dir))
        store.update_run(run_id, status="finished")
    with sqlite3.connect(store_path) as conn:  # what an old store's unchecked name could have put there
        conn.execute("UPDATE runs SET name = ? WHERE id = ?", (name, run_id))
    return store_path


@pytest.mark.parametrize("name, folder", [("../victim", "victim"), (".", "out")])
def test_delete_files_never_removes_a_folder_that_is_not_the_runs_own(tmp_path, capsys, name, folder):
    victim = tmp_path / folder
    victim.mkdir(exist_ok=True)
    (victim / "precious.txt").write_text("keep me")
    store_path = _store_with_run(tmp_path, name, tmp_path / "out" / name)
    assert main(["runs", "delete", name, "--files", "--store", str(store_path)]) == 0
    assert "kept the files" in capsys.readouterr().err
    assert (victim / "precious.txt").read_text() == "keep me" and store_path.is_file()


def test_delete_files_removes_what_the_run_wrote_and_keeps_the_rest(finished_cli_run, capsys):
    store, run_dir = finished_cli_run
    (run_dir / "notes.txt").write_text("the chemist's own notes")
    assert main(["runs", "delete", "first", "--files", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "kept 1 other entries there: notes.txt" in out
    assert sorted(p.name for p in run_dir.iterdir()) == ["notes.txt"]
    (run_dir / "notes.txt").unlink()
    (run_dir / "steps.csv").write_text("")
    removed, left = remove_run_files(run_dir, "first")
    assert [p.name for p in removed] == ["steps.csv"] and not left and not run_dir.exists()


@pytest.fixture
def finished_cli_run(tiny_prior_path, tmp_path):
    config = qed_run_config(tmp_path, tiny_prior_path)
    assert main(["run", str(config), "--name", "first", "--quiet"]) == 0
    return tmp_path / "runs" / "molmara.db", tmp_path / "runs" / "first"


def test_cli_run_with_a_hostile_name_writes_nothing(tiny_prior_path, tmp_path, capsys):
    config = tmp_path / "run.toml"
    config.write_text(f'task = "drd2"\nprior = "{tiny_prior_path}"\nmax_steps = 1\noutput = "{tmp_path / "runs"}"\n')
    assert main(["run", str(config), "--name", "../victim", "--quiet"]) == 1
    assert "run name '../victim' is not allowed" in capsys.readouterr().err
    assert not (tmp_path / "victim").exists()


def test_a_run_killed_before_its_first_step_is_marked_failed_and_resumes(tiny_prior_path, tmp_path, capsys):
    import signal
    import subprocess
    import sys
    import time

    config = qed_run_config(tmp_path, tiny_prior_path, max_steps=3, extra='name = "early"\n')
    store_path = tmp_path / "runs" / "molmara.db"
    process = subprocess.Popen([sys.executable, "-m", "molmara.cli", "run", str(config), "--quiet"])
    deadline, status = time.time() + 120, None
    while time.time() < deadline and status != "running" and process.poll() is None:
        time.sleep(0.01)
        if store_path.is_file():
            with RunStore(store_path) as store:
                status = store.get_run("early")["status"] if store.has_run("early") else None
    process.send_signal(signal.SIGKILL)  # as soon as the store shows it running: before its first step's end
    process.wait()
    with RunStore(store_path) as store:
        if store.get_run("early")["status"] == "finished":
            pytest.skip("the run finished before it could be killed")
    assert main(["runs", "list", "--store", str(store_path)]) == 0
    assert "failed" in capsys.readouterr().out
    with RunStore(store_path) as store:
        assert "ended without recording an end" in store.get_run("early")["message"]
    assert main(["resume", "early", "--store", str(store_path), "--quiet"]) == 0
    with RunStore(store_path) as store:
        assert store.get_run("early")["status"] == "finished" and store.last_step("early") == 3
