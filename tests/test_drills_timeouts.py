"""Drills: a molecule that keeps an oracle busy, or kills its process, costs that molecule only.

Each test would hang (or crash the batch) on the code before the scoring workers: the molecule that
takes too long is a legal one, generated here, and every other molecule of its batch must keep its
exact score. The bounds on elapsed time say "it came back", not how fast anything is.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from molmara import Objective, ScoringService, oracle, tasks
from molmara.cli import main
from molmara.executors import WorkerExecutor
from molmara.oracles.base import MolBatch
from molmara.rl.config import RunConfigError, load_run_config

NORMAL = ["CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1"]
STUCK = "CCCCBr"  # the drill oracles below get stuck on bromine


@oracle(name="drill_stuck_on_bromine", input="smiles")
def stuck_on_bromine(smiles: str) -> float:
    """Sleeps (far longer than any limit here) on a SMILES with Br, else its length / 100."""
    if "Br" in smiles:
        time.sleep(3600)
    return len(smiles) / 100


@oracle(name="drill_batch_stuck_on_bromine", input="smiles", batch=True)
def batch_stuck_on_bromine(smiles: list[str]) -> list[float]:
    """A whole-batch oracle that never returns when the batch holds a Br."""
    if any("Br" in s for s in smiles):
        time.sleep(3600)
    return [len(s) / 100 for s in smiles]


@oracle(name="drill_dies_on_bromine", input="smiles")
def dies_on_bromine(smiles: str) -> float:
    """Kills its own process on a SMILES with Br (a crash in C++ code looks the same from outside)."""
    if "Br" in smiles:
        os.kill(os.getpid(), signal.SIGKILL)
    return len(smiles) / 100


def objective_of(name: str) -> Objective:
    return Objective.from_dict({"component": [{"oracle": name, "weight": 1.0}, {"oracle": "qed", "weight": 1.0}]})


def expected_scores(objective: Objective, smiles: list[str]) -> np.ndarray:
    return objective.evaluate([s for s in smiles if "Br" not in s]).scores


@pytest.mark.parametrize("name", ["drill_stuck_on_bromine", "drill_batch_stuck_on_bromine", "drill_dies_on_bromine"])
def test_the_molecule_at_fault_scores_nan_and_the_rest_keep_their_scores(name):
    objective = objective_of(name)
    batch = NORMAL[:2] + [STUCK] + NORMAL[2:]
    started = time.monotonic()
    with ScoringService(objective, time_limit=1.0) as service:
        result = service.score(batch)
        again = service.score(["OCC", "CCN"])  # the service goes on after a lost worker
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"scoring came back only after {elapsed:.0f} s"
    assert np.isnan(result.scores[2]) and result.valid[2]
    reason = result.reasons[2]
    assert reason.startswith("the scoring process died") if "dies" in name else reason.startswith("timed out")
    keep = [0, 1, 3]
    np.testing.assert_array_equal(result.scores[keep], expected_scores(objective, batch))
    assert all(result.reasons[i] == "" for i in keep)
    np.testing.assert_array_equal(again.scores, objective.evaluate(["CCO", "CCN"]).scores)
    assert again.cached.tolist() == [True, False]
    assert service.oracle_calls == 5  # the stuck molecule was sent, and cost its call


def test_a_real_rdkit_hang_on_a_legal_molecule_is_stopped():
    """deco_hop's 2D pharmacophore fingerprint takes many seconds on this 60-atom macrocycle (C++ code:
    no Python signal can interrupt it); a 2 s limit stops it and the drug-like molecules keep their scores."""
    macrocycle = "C1" + "C(N)" * 29 + "C1"
    assert MolBatch([macrocycle]).valid[0]
    objective = tasks.get("deco_hop")
    batch = [NORMAL[2], macrocycle, NORMAL[1]]
    started = time.monotonic()
    with ScoringService(objective, time_limit=2.0) as service:
        result = service.score(batch)
    assert time.monotonic() - started < 60
    assert np.isnan(result.scores[1]) and result.reasons[1].startswith("timed out")
    np.testing.assert_array_equal(result.scores[[0, 2]], objective.evaluate([NORMAL[2], NORMAL[1]]).scores)


def test_several_workers_share_a_batch_and_lose_only_the_stuck_molecule(moses_smiles):
    objective = objective_of("drill_stuck_on_bromine")
    batch = [s for s in moses_smiles[:200] if "Br" not in s]
    batch.insert(150, STUCK)
    with ScoringService(objective, executor=WorkerExecutor(2, time_limit=1.0, min_chunk=20)) as service:
        result = service.score(batch)
        assert service.executor.timed_out == 1
    assert np.isnan(result.scores[150]) and result.reasons[150].startswith("timed out")
    others = [i for i in range(len(batch)) if i != 150]
    np.testing.assert_array_equal(result.scores[others], expected_scores(objective, batch))


def test_workers_ignore_ctrl_c_and_leave_with_their_parent(tmp_path):
    """A worker is in its own process group (a terminal's Ctrl-C reaches only the run, which finishes its
    step), and exits when the process that started it is killed -9."""
    script = tmp_path / "parent.py"
    script.write_text(
        textwrap.dedent(
            """
            import os
            from molmara import Objective, ScoringService
            objective = Objective.from_dict({"component": [{"oracle": "qed", "weight": 1.0}]})
            service = ScoringService(objective, time_limit=30)
            service.score(["CCO"])
            print(service.executor._workers[0].process.pid, flush=True)
            os.kill(os.getpid(), 9)
            """
        )
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    worker = int(done.stdout.split()[0])
    assert done.returncode == -signal.SIGKILL
    for _ in range(100):
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(worker, signal.SIGKILL)
        pytest.fail("the scoring worker outlived its parent by 10 s")


def test_worker_group_is_its_own():
    with ScoringService(Objective.from_dict({"component": [{"oracle": "qed", "weight": 1.0}]})) as service:
        service.score(["CCO"])
        pid = service.executor._workers[0].process.pid
        assert os.getpgid(pid) == pid != os.getpgid(0)


def test_score_cli_reports_the_timed_out_molecule(tmp_path, capsys):
    toml = tmp_path / "objective.toml"
    tasks.get("deco_hop").to_toml(toml)
    smiles = tmp_path / "in.smi"
    smiles.write_text("\n".join([NORMAL[2], "C1" + "C(N)" * 29 + "C1", NORMAL[1]]) + "\n")
    out = tmp_path / "out.csv"
    assert main(["score", str(toml), str(smiles), "-o", str(out), "--quiet", "--time-limit", "2"]) == 0
    assert "1 timed out" in capsys.readouterr().out
    table = pd.read_csv(out, keep_default_na=False)
    assert table["invalid_reason"].tolist()[1].startswith("timed out") and table["valid"].tolist() == [True] * 3
    assert main(["score", str(toml), str(smiles), "-o", str(out), "--time-limit", "-1"]) == 1
    assert "--time-limit must be a number of seconds" in capsys.readouterr().err


@pytest.mark.parametrize("value", [-1, "60", True, float("inf")])
def test_run_config_time_limit_is_checked(value):
    with pytest.raises(RunConfigError, match="molecule_time_limit"):
        load_run_config({"task": "drd2", "molecule_time_limit": value})


def test_limit_is_off_only_when_asked():
    assert load_run_config({"task": "drd2"}).molecule_time_limit == 60
    qed = Objective.from_dict({"component": [{"oracle": "qed", "weight": 1.0}]})
    with ScoringService(qed, time_limit=None) as service:
        assert type(service.executor).__name__ == "SerialExecutor"
    with pytest.raises(ValueError, match="time_limit"):
        WorkerExecutor(1, time_limit=0)


def test_the_app_test_panel_answers_for_a_molecule_that_hangs(monkeypatch):
    from molmara.app_support import objective_ui

    monkeypatch.setattr(objective_ui, "TEST_TIME_LIMIT", 2.0)
    table = objective_ui._score.__wrapped__(tasks.get("deco_hop").to_toml(), (NORMAL[2], "C1" + "C(N)" * 29 + "C1"))
    assert table["invalid_reason"].tolist()[0] == "" and table["invalid_reason"].tolist()[1].startswith("timed out")
    assert np.isfinite(table["Score"][0]) and np.isnan(table["Score"][1])


def test_batch_sampling_with_an_objective_scores_under_the_limit(tmp_path, tiny_prior):
    from molmara.sampling import sample_to_csv

    objective = objective_of("drill_stuck_on_bromine")
    out = sample_to_csv(
        tmp_path / "scored.csv", 40, prior=tiny_prior, seed=3, objective=objective, time_limit=1.0, progress=False
    )
    table = pd.read_csv(out)
    assert len(table) == 40 and table["Score"].notna().any()
    scored = table["Score"].notna().to_numpy()  # the worker's scores are the objective's own, bit for bit
    expected = objective.evaluate(table["SMILES"][scored].tolist()).scores
    np.testing.assert_allclose(table["Score"][scored].to_numpy(), expected, atol=5e-7)  # the CSV keeps 6 decimals
