"""A real (small) MARA run on a docking objective: poses in the run folder, from the CLI and in the app."""

from rdkit import Chem

from molmara.cli import main as cli
from molmara.oracles.docking import POSES
from tests.webapp.conftest import tiny_run_config
from tests.webapp.test_pages import clean, run_id, texts

DOCKING = {
    "aggregation": "geometric",
    "component": [
        {"oracle": "docking", "weight": 1.0, "params": {"target": "DRD2", "exhaustiveness": 1, "n_poses": 1},
         "transform": {"type": "reverse_sigmoid", "low": -16.0, "high": 0.0, "k": 0.15}},
    ],
}  # fmt: skip


def test_a_docking_run_keeps_every_pose_and_offers_them(page_test, tmp_path, capsys):
    from molmara.lifecycle import run

    config = {**tiny_run_config(None, tmp_path, "dock", steps=1), "objective": DOCKING, "batch_size": 6}
    config.update(tau=0.3, molecule_time_limit=600.0)
    trainer = run(config)
    poses = sorted((tmp_path / "dock" / POSES).glob("*.sdf"))
    assert poses and len(poses) == trainer.service.oracle_calls  # one pose a docked molecule
    out = tmp_path / "poses.sdf"
    assert cli(["runs", "poses", "dock", "-o", str(out), "--store", str(tmp_path / "molmara.db")]) == 0
    records = [m for m in Chem.SDMolSupplier(str(out)) if m is not None]
    scores = [float(m.GetProp("vina_score")) for m in records]
    assert len(records) == len(poses) and scores == sorted(scores)  # best (lowest) first
    assert all(m.GetConformer().Is3D() for m in records)
    at = page_test(tmp_path / "molmara.db", "pages/3_Monitor.py")
    at.query_params["run"] = str(run_id(tmp_path / "molmara.db", "dock"))
    at.run()
    clean(at)
    assert "docked poses in 3D" in texts(at.caption)
