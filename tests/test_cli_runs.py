"""`molmara run`, `runs list/show/export/delete`, `resume` errors and `molmara app`, as a user types them."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pandas as pd
import pytest

from molmara.cli import main


@pytest.fixture
def finished_run(tiny_prior_path, tmp_path):
    objective = tmp_path / "qed.toml"
    objective.write_text('[[component]]\noracle = "qed"\nweight = 1.0\n')
    config = tmp_path / "run.toml"
    config.write_text(
        f'prior = "{tiny_prior_path}"\nobjective = "qed.toml"\nbatch_size = 16\nmax_steps = 3\n'
        f'max_oracle_calls = 1000\ntau = 0.5\ndevice = "cpu"\noutput = "{tmp_path / "runs"}"\n'
    )
    assert main(["run", str(config), "--name", "first", "--quiet"]) == 0
    return config, tmp_path / "runs" / "molmara.db"


def test_runs_list_show_export_delete(finished_run, tmp_path, capsys):
    config, store = finished_run
    capsys.readouterr()
    assert main(["runs", "list", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "first" in out and "finished" in out

    assert main(["runs", "show", "first", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "status finished" in out and "last steps:" in out and 'oracle = "qed"' in out

    for name in ("all.csv", "all.parquet", "hits.sdf"):
        extra = ["--hits-only"] if name == "hits.sdf" else []
        assert main(["runs", "export", "1", "-o", str(tmp_path / name), "--store", str(store), *extra]) == 0
    table = pd.read_csv(tmp_path / "all.csv")
    assert list(table.columns[:8]) == ["SMILES", "Score", "Agent", "Prior", "Target", "Scaffold", "qed", "qed (raw)"]
    assert len(table) == 48 and len(pd.read_parquet(tmp_path / "all.parquet")) == 48

    assert main(["run", str(config), "--name", "first", "--quiet"]) == 1  # the name is taken
    assert "already" in capsys.readouterr().err
    assert main(["resume", "first", "--store", str(store)]) == 1
    assert "finished" in capsys.readouterr().err
    assert main(["runs", "delete", "first", "--files", "--store", str(store)]) == 0
    assert not (tmp_path / "runs" / "first").exists()
    assert main(["runs", "show", "first", "--store", str(store)]) == 1
    assert "no run 'first'" in capsys.readouterr().err


def test_store_errors_are_one_line(tmp_path, capsys):
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    assert main(["runs", "list", "--store", str(junk)]) == 1
    assert "not an SQLite file" in capsys.readouterr().err and junk.read_text() == "not a database"
    assert main(["runs", "list", "--store", str(tmp_path / "none.db")]) == 1
    assert "no run store" in capsys.readouterr().err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_molmara_app_serves_on_localhost(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "molmara.cli", "app", "--port", str(port), "--store", str(tmp_path / "m.db")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline, health = time.time() + 90, None
        while time.time() < deadline and health != "ok":
            assert process.poll() is None, process.stdout.read().decode()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    health = response.read().decode()
            except OSError:
                time.sleep(0.5)
        assert health == "ok"
        process.kill()  # kill -9 of `molmara app`: the server is that process, so it goes too
        process.wait(timeout=30)
        time.sleep(1)
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def test_report_on_stored_runs_by_name_and_id(finished_run, tmp_path, capsys):
    _, store = finished_run
    from molmara.metrics import load_run, metrics_table
    from molmara.store import RunStore
    from molmara.store.rundata import load_stored_run

    with RunStore(store) as s:
        stored = load_stored_run(s, "first")
    from_folder = load_run(tmp_path / "runs" / "first")
    columns = ["yield", "oracle_calls", "hit_scaffolds", "top10_auc"]
    assert metrics_table([stored])[columns].equals(metrics_table([from_folder])[columns])
    report = tmp_path / "r.html"
    assert main(["report", "first", "1", "--store", str(store), "-o", str(report)]) == 0
    assert report.is_file() and "first" in capsys.readouterr().out
