"""The PMO benchmark harness: its design matches mol_opt's REINVENT, its metrics PMO's, and the quick mode runs."""

import math

import numpy as np
import pandas as pd
import pytest
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator

from benchmarks.pmo_design import MODES, PUBLISHED, TASKS, run_config
from benchmarks.pmo_metrics import pmo_diversity
from molmara.rl import load_run_config


def test_all_23_pmo_tasks_with_the_published_reinvent_values():
    assert len(TASKS) == len(PUBLISHED) == 23
    assert sum(v[1] for v in PUBLISHED.values()) == pytest.approx(14.184, abs=1e-9)  # the leaderboard's sum
    for values in PUBLISHED.values():
        auc1, auc10, auc100, top1, top10, top100 = values
        assert auc1 >= auc10 >= auc100 and top1 >= top10 >= top100  # a top-1 is never below a top-10


def test_screens_are_natural_where_published_reinvent_reaches_them_and_percentile_tau_elsewhere():
    for name, spec in TASKS.items():
        if spec.natural:
            assert spec.tau == spec.screen and PUBLISHED[name][4] >= spec.screen - 0.01
        else:
            assert spec.tau == "p90" and spec.screen <= PUBLISHED[name][5]


def test_a_run_config_is_pmo_reinvent_and_validates(tmp_path):
    config = load_run_config(run_config("drd2", "reinvent_mara", 3, MODES["full"], tmp_path, prior="abc"))
    assert (config.sigma, config.learning_rate, config.batch_size, config.loss) == (500.0, 5e-4, 64, "reinvent")
    assert config.duplicates == "drop" and config.likelihood_penalty == 5000.0
    assert (config.replay.memory_size, config.replay.sample_size, config.replay.mode) == (100, 24, "pmo")
    assert (config.plateau.patience, config.plateau.top, config.plateau.min_calls) == (5, 100, 1000)
    assert config.mara and config.tau == 0.5 and config.hit_score == 0.5 and config.max_oracle_calls == 10_000
    assert not config.diversity_filter.enabled
    df = load_run_config(run_config("median1", "reinvent_df", 0, MODES["full"], tmp_path, prior="abc"))
    assert df.diversity_filter.enabled and not df.mara and df.tau == "p90"


def test_the_four_isomer_scored_tasks_run_on_pmos_scoring_and_the_rest_on_their_own(tmp_path):
    variants = {t: run_config(t, "reinvent", 0, MODES["full"], tmp_path, prior="abc") for t in PUBLISHED}
    changed = {t for t, c in variants.items() if c["task"] != t}
    assert changed == {"isomers_c7h8n2o2", "isomers_c9h10n2o2pf2cl", "sitagliptin_mpo", "zaleplon_mpo"}
    assert all(variants[t]["task"] == f"pmo_{t}" and f"pmo_{t}" in variants[t]["name"] for t in changed)


def test_pmo_diversity_is_tdc_mean_pairwise_tanimoto_distance_over_distinct_molecules():
    smiles = ["CCO", "OCC", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "CCN(CC)CC"]
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    distinct = sorted({Chem.MolToSmiles(Chem.MolFromSmiles(s)) for s in smiles})
    fps = [generator.GetFingerprint(Chem.MolFromSmiles(s)) for s in distinct]
    expected = np.mean([1 - DataStructs.TanimotoSimilarity(a, b) for i, a in enumerate(fps) for b in fps[i + 1 :]])
    assert pmo_diversity(smiles) == pytest.approx(expected, abs=1e-12)
    assert math.isnan(pmo_diversity(["CCO", "OCC"]))  # one distinct molecule: no pair


def test_quick_mode_runs_writes_rows_and_summary_and_imports_once(tmp_path):
    from benchmarks.pmo import main

    results, runs = tmp_path / "results", tmp_path / "runs"
    assert main(["--quick", "--runs-dir", str(runs), "--results-dir", str(results)]) == 0
    rows = pd.read_csv(results / "pmo_quick_runs.csv")
    assert len(rows) == 4 and set(rows["task"]) == {"qed", "isomers_c7h8n2o2"}
    assert set(rows["oracle"]) == {"qed", "pmo_isomers_c7h8n2o2"}  # PMO's scoring of the isomer task
    assert (rows["oracle_calls"] == 150).all() and (rows["stop_reason"] == "oracle budget").all()
    assert rows["auc_top10"].between(0, 1).all() and (rows["top1"] >= rows["top10"]).all()
    qed = rows[rows["task"] == "qed"]
    assert (qed["yield"] > 0).all()  # the shipped prior already samples QED >= 0.9
    text = (results / "pmo_quick.md").read_text()
    assert "published REINVENT" in text and "0.941" in text and "14.184" in text and "How runs ended" in text
    glance = text.split("## At a glance")[1].split("## Per task")[0]
    qed_line = next(line for line in glance.splitlines() if line.startswith("| qed |"))
    assert qed_line.split(" | ")[1] == "0.941" and len(qed_line.split(" | ")) == 9  # published, both arms, changes
    # a second start runs nothing; importing the file into another results folder adds each row once
    assert main(["--quick", "--runs-dir", str(runs), "--results-dir", str(results)]) == 0
    assert len(pd.read_csv(results / "pmo_quick_runs.csv")) == 4
    other = tmp_path / "other"
    source = str(results / "pmo_quick_runs.csv")
    assert main(["--quick", "--results-dir", str(other), "--import", source]) == 0
    assert main(["--quick", "--results-dir", str(other), "--import", source]) == 0
    assert len(pd.read_csv(other / "pmo_quick_runs.csv")) == 4


def test_parallel_workers_write_parts_that_merge_and_import(tmp_path):
    from benchmarks.pmo import main

    out = tmp_path / "par"
    args = ["--quick", "--tasks", "qed", "--workers", "2", "--out", str(out), "--results-dir", str(tmp_path / "r")]
    assert main(args) == 0
    merged = pd.read_csv(out / "pmo_quick_runs.csv")
    assert sorted(merged["arm"]) == ["reinvent", "reinvent_mara"]
    assert main(["--quick", "--results-dir", str(tmp_path / "r"), "--import", str(out / "pmo_quick_runs.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "r" / "pmo_quick_runs.csv")) == 2


def test_rows_of_a_superseded_scoring_are_neither_imported_nor_summarised(tmp_path):
    from benchmarks import rows as rows_file
    from benchmarks.pmo import current_scoring, row_key

    base = {"arm": "reinvent", "seed": 0, "budget": 150, "batch_size": 64, "learning_rate": 5e-4, "prior": "abc",
            "core": 1}  # fmt: skip
    old = {**base, "task": "zaleplon_mpo"}  # written before the oracle column: GuacaMol's scoring
    new = {**base, "task": "zaleplon_mpo", "oracle": "pmo_zaleplon_mpo", "seed": 1}
    other = {**base, "task": "qed"}
    assert [current_scoring(r) for r in (old, new, other)] == [False, True, True]
    source = tmp_path / "in.csv"
    pd.DataFrame([old, new, other]).to_csv(source, index=False)
    assert rows_file.import_rows(source, tmp_path / "out.csv", row_key, current_scoring) == 2
