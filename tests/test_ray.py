"""Ray on localhost with 2 CPUs: the scoring executor (identical to serial, failing chunks isolated) and sweeps."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

ray = pytest.importorskip("ray", reason="the Ray extra is not installed: pip install 'molmara[ray]'")

import molmara  # noqa: E402
from molmara import ScoringService  # noqa: E402
from molmara.cli import main  # noqa: E402
from molmara.distributed import RayExecutor  # noqa: E402
from molmara.store import RunStore  # noqa: E402

KILLER = "CCCCCCCCCCCCCCCCCCCC"  # the molecule on which the crashing oracle takes its process down


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # ship this module's oracle by value
    yield ray
    ray.shutdown()


def test_ray_scores_equal_the_serial_executor(local_ray):
    objective = molmara.tasks.get("gsk3b_jnk3_qed_sa")
    smiles = molmara.load_prior(device="cpu").sample(200, generator=torch.Generator().manual_seed(0)).smiles
    executor = RayExecutor(n_workers=2)
    try:
        distributed = ScoringService(objective, executor=executor).score(smiles)
    finally:
        executor.close()
    serial = ScoringService(objective).score(smiles)
    assert np.array_equal(distributed.scores, serial.scores, equal_nan=True)
    for label in objective.labels:
        assert np.array_equal(distributed.raw[label], serial.raw[label], equal_nan=True)
    assert distributed.canonical == serial.canonical and executor.failed_chunks == 0


def crash_on_killer(mol):
    from rdkit import Chem

    if Chem.MolToSmiles(mol) == KILLER:
        os._exit(3)  # not an exception: the worker process dies
    return float(mol.GetNumAtoms())


def test_a_chunk_whose_worker_dies_is_retried_once_then_scores_nan(local_ray, caplog):
    molmara.oracle(name="crash_on_killer", description="test oracle that kills its process")(crash_on_killer)
    objective = molmara.Objective.from_dict(
        {
            "aggregation": "arithmetic",
            "component": [
                {
                    "oracle": "crash_on_killer",
                    "weight": 1.0,
                    "transform": {"type": "linear_ramp", "low": 0, "high": 40},
                }
            ],
        }
    )
    smiles = ["C" * (i + 1) + "O" for i in range(40)]  # distinct, so the cache keeps all 40
    smiles[30] = KILLER  # in the second chunk
    executor = RayExecutor(n_workers=2, min_chunk=8, time_limit=None)  # no limit: the actor scores, and dies
    try:
        result = ScoringService(objective, executor=executor).score(smiles)
    finally:
        executor.close()
    assert executor.failed_chunks == 1
    first_chunk, second_chunk = slice(0, 20), slice(20, 40)
    assert np.isfinite(result.scores[first_chunk]).all()  # the healthy chunk keeps its scores
    assert np.isnan(result.scores[second_chunk]).all()
    assert "failed twice" in caplog.text


def test_with_a_time_limit_a_crashing_molecule_costs_only_itself(local_ray):
    molmara.oracle(name="crash_on_killer", description="test oracle that kills its process")(crash_on_killer)
    objective = molmara.Objective.from_dict(
        {
            "component": [
                {"oracle": "crash_on_killer", "weight": 1.0, "transform": {"type": "linear_ramp", "low": 0, "high": 40}}
            ]
        }
    )
    smiles = ["C" * (i + 1) + "O" for i in range(40)]
    smiles[30] = KILLER
    executor = RayExecutor(n_workers=2, min_chunk=8, time_limit=30)
    try:
        result = ScoringService(objective, executor=executor).score(smiles)
    finally:
        executor.close()
    assert executor.failed_chunks == 0
    assert np.isnan(result.scores[30]) and result.reasons[30].startswith("the scoring process died")
    others = [i for i in range(40) if i != 30]
    np.testing.assert_array_equal(result.scores[others], objective.evaluate([smiles[i] for i in others]).scores)


def test_a_sweep_runs_every_config_and_reports_failures_without_stopping(local_ray, tiny_prior_path, tmp_path, capsys):
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(
        f'name = "sw"\nseeds = [0, 1]\nstore = "{tmp_path / "runs.db"}"\n'
        f'[base]\nobjective = {{ component = [{{ oracle = "qed", weight = 1.0 }}] }}\nbatch_size = 16\n'
        f'max_steps = 3\nmax_oracle_calls = 1000\ntau = 0.5\ndevice = "cpu"\noutput = "{tmp_path / "out"}"\n'
        f'[grid]\nprior = ["{tiny_prior_path}", "{tmp_path / "missing.prior"}"]\n'
    )
    assert main(["sweep", str(sweep)]) == 1  # two of four runs cannot load their prior
    captured = capsys.readouterr()
    assert "2 of 4 runs finished" in captured.out and "missing.prior" in captured.err
    with RunStore(tmp_path / "runs.db") as store:
        runs = store.list_runs()
        assert len(runs) == 4 and sorted(runs["status"]) == ["failed", "failed", "finished", "finished"]
        for run in runs.loc[runs["status"] == "finished", "name"]:
            assert list(store.steps(run)["step"]) == [1, 2, 3] and len(store.molecules(run)) == 48
            info = store.get_run(run)  # stored as any run is: objective inline, CSV files, no pid once ended
            assert info["pid"] is None and "[objective]" in info["config"]
            assert 'oracle = "qed"' in info["config"]
            folder = Path(info["run_dir"])
            assert len(pd.read_csv(folder / "steps.csv")) == 3 and len(pd.read_csv(folder / "molecules.csv")) == 48
        failed = runs.loc[runs["status"] == "failed", "name"].iloc[0]
        assert "missing.prior" in store.get_run(failed)["message"]


def test_docking_on_ray_gives_the_serial_scores_and_the_cache_docks_once(local_ray, tmp_path):
    from molmara.objective import Objective

    docking = {"oracle": "docking", "weight": 1.0, "params": {"target": "DRD2", "exhaustiveness": 1, "n_poses": 1}}
    objective = Objective.from_dict({"component": [docking]})
    assert objective.expensive and objective.cpus_per_molecule == 1
    objective.attach_run_folder(tmp_path)
    smiles = ["CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "[CH3]"]
    executor = RayExecutor(n_workers=2, time_limit=600)
    try:
        service = ScoringService(objective, executor=executor)
        distributed = service.score(smiles)
        again = service.score(smiles[:2])
    finally:
        executor.close()
    serial = ScoringService(Objective.from_dict({"component": [docking]}), time_limit=None).score(smiles)
    assert np.array_equal(distributed.raw["docking"], serial.raw["docking"], equal_nan=True)
    assert np.isfinite(distributed.raw["docking"][:3]).all() and distributed.reasons[3].startswith("docking:")
    assert service.oracle_calls == 4 and again.cached.all()  # the second request docked nothing
    assert len(list((tmp_path / "poses").glob("*.sdf"))) == 3  # written by the Ray actors' processes


def test_a_run_can_score_on_ray(local_ray, tiny_prior_path, tmp_path):
    from molmara.lifecycle import run

    config = {"prior": str(tiny_prior_path), "task": "qed", "batch_size": 16, "max_steps": 2, "max_oracle_calls": None,
              "scoring": "ray", "device": "cpu", "output": str(tmp_path), "name": "on-ray"}  # fmt: skip
    trainer = run(config)
    assert trainer.state.status == "finished" and trainer.state.step == 2
    assert type(trainer.service.executor).__name__ == "RayExecutor"
