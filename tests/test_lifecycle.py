"""One run lifecycle: what `molmara run`, the job manager and a sweep store for a run, rule by rule."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from molmara.lifecycle import check_fresh, register, stored_config
from molmara.rl.config import load_run_config, tomllib
from molmara.store import RunStore, StoreError

QED = {"component": [{"oracle": "qed", "weight": 1.0}]}


def config_for(tmp_path: Path, name: str = "r1", objective=None):
    return load_run_config(
        {"name": name, "objective": objective or QED, "prior": "p.prior", "output": str(tmp_path / "out")}
    )


def test_the_stored_config_carries_its_objective_inline_and_absolute_paths(tmp_path, monkeypatch):
    objective_file = tmp_path / "objective.toml"
    objective_file.write_text('[[component]]\noracle = "qed"\nweight = 1.0\n')
    monkeypatch.chdir(tmp_path)
    config = load_run_config({"name": "r1", "objective": str(objective_file), "prior": "p.prior", "output": "out"})
    stored = stored_config(config, "elsewhere.db")
    assert isinstance(stored.objective, dict) and stored.objective["component"][0]["oracle"] == "qed"
    assert stored.task is None and Path(stored.output) == tmp_path / "out"
    assert Path(stored.store) == tmp_path / "elsewhere.db"
    objective_file.write_text("broken")  # the stored run no longer depends on the file
    assert load_run_config(tomllib.loads(stored.to_toml())).objective == stored.objective


def test_a_bad_objective_fails_when_the_config_is_stored(tmp_path):
    with pytest.raises(Exception, match="no_such_oracle"):
        stored_config(config_for(tmp_path, objective={"component": [{"oracle": "no_such_oracle"}]}))


def test_a_folder_holding_a_checkpoint_is_not_a_fresh_run(tmp_path):
    config = config_for(tmp_path)
    check_fresh(config)
    config.run_dir.mkdir(parents=True)
    (config.run_dir / "checkpoint.pt").write_bytes(b"")
    with pytest.raises(StoreError, match="already holds a run's checkpoint"):
        check_fresh(config)


def test_register_adopts_only_a_never_started_row(tmp_path):
    config = stored_config(config_for(tmp_path))
    with RunStore(tmp_path / "runs.db") as store:
        created = register(store, config, adopt=False)
        assert register(store, config) == created  # the job manager's row, adopted by the process it started
        with pytest.raises(StoreError, match="already exists"):
            register(store, config, adopt=False)
        store.update_run(created, status="running")
        with pytest.raises(StoreError, match="already exists"):
            register(store, config)  # a started run is never adopted


def test_a_sweep_writer_keeps_a_pid_only_from_its_own_host(tmp_path):
    pytest.importorskip("ray")
    from molmara.distributed.sweep import StoreWriter

    writer = StoreWriter(str(tmp_path / "runs.db"))
    first = writer.register(stored_config(config_for(tmp_path, "a")).model_dump(mode="json"))
    second = writer.register(stored_config(config_for(tmp_path, "b")).model_dump(mode="json"))
    writer.start(first, None, socket.gethostname(), 4242, 1_700_000_000.25)
    writer.start(second, None, "another-node", 4243, 1_700_000_001.5)
    assert writer.store.get_run(first)["pid"] == 4242 and writer.store.get_run(first)["status"] == "running"
    assert writer.store.get_run(first)["pid_started"] == 1_700_000_000.25
    assert writer.store.get_run(second)["pid"] is None and writer.store.get_run(second)["pid_started"] is None
    writer.finish(first, "finished", {})
    assert writer.store.get_run(first)["pid"] is None and writer.store.get_run(first)["pid_started"] is None
