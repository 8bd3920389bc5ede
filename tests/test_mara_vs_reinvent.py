"""The MARA-versus-REINVENT benchmark: its tasks, the metrics of a run, the summary, and a tiny real run."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.mvr_analysis import batch_statistics, mode_hits, run_metrics, summarise
from benchmarks.mvr_design import ARMS, TASKS, Settings, run_config
from molmara import tasks, tasks_modes
from molmara.chem.fingerprints import morgan_bits, tanimoto_matrix
from molmara.chem.smiles import canonical_smiles, to_mol
from molmara.metrics import RunData, task_references
from molmara.rl import load_run_config

DRUGS = list(tasks.MODE_DRUGS.values())


def test_drug_modes_rewards_every_drug_equally_and_the_drugs_are_distinct():
    objective = tasks.get("drug_modes")
    np.testing.assert_allclose(objective(DRUGS), 1.0)  # the same plateau for each reference
    fps = morgan_bits([to_mol(s) for s in DRUGS], 2, 2048)
    sims = tanimoto_matrix(fps, fps)
    assert sims[~np.eye(len(DRUGS), dtype=bool)].max() <= 0.25  # structurally distinct
    # below the plateau the score is the best similarity over the drugs, ramped from 0 to 0.4
    probe = ["CC(C)NCC(O)COc1ccccc1", "CCO"]
    best = tanimoto_matrix(morgan_bits([to_mol(s) for s in probe], 2, 2048), fps).max(axis=1)
    np.testing.assert_allclose(objective(probe), np.minimum(best / tasks_modes.MODE_PLATEAU, 1.0))
    assert task_references("drug_modes") == DRUGS


def test_ring_modes_rewards_each_ring_alike_and_counts_hits_at_their_ring():
    from benchmarks.mvr_analysis import pattern_mode_hits, share_entropy

    objective = tasks.get("ring_modes")
    # one ring each, all drug-like (QED >= 0.7): the same full reward
    one_each = [
        "O=C(NC1CCCC1)c1cccs1",  # thiophene
        "O=C(NC1CCCC1)c1cnccn1",  # pyrazine
        "O=C(NC1CCCC1)c1ccc2OCOc2c1",  # benzodioxole
        "O=C(NC1CCCC1)c1ccc2[nH]ncc2c1",  # indazole
    ]
    from molmara import oracles

    assert (oracles.get("qed")(one_each) >= tasks_modes.RING_QED_FULL).all()
    np.testing.assert_allclose(objective(one_each), 1.0)
    two_rings = "O=C(Nc1cccs1)c1cnccn1"
    assert objective([two_rings, "CCO"]).tolist() == [0.0, 0.0]
    spec = TASKS["ring_modes"]
    assert spec.mode_names == list(tasks.MODE_RINGS) and spec.has_modes
    counts = pattern_mode_hits(one_each + [one_each[0], two_rings], dict(spec.patterns))
    assert counts.tolist() == [2, 1, 1, 1]
    assert share_entropy(np.array([1, 1, 1, 1])) == pytest.approx(2.0)
    assert share_entropy(np.array([5, 0, 0, 0])) == 0.0 and math.isnan(share_entropy(np.zeros(4)))
    assert TASKS["drug_modes"].mode_names == list(tasks.MODE_DRUGS)


def test_drd2_qed_sa_is_the_geometric_mean_of_its_oracles():
    from molmara import oracles

    smiles = [tasks.CELECOXIB, "CCN(CC)CCNC(=O)c1ccc(N)cc1", "CCO"]
    drd2, qed, sa = (oracles.get(name)(smiles) for name in ("drd2", "qed", "sa"))
    expected = (drd2 * qed * (10 - sa) / 9) ** (1 / 3)
    np.testing.assert_allclose(tasks.get("drd2_qed_sa")(smiles), expected, rtol=1e-9)


def test_arms_share_everything_but_loss_mara_tau_and_filter(tmp_path):
    settings = Settings(budget=500, seeds=(0,), learning_rate=1e-3)
    configs = {arm: load_run_config(run_config("drd2_qed_sa", arm, 3, settings, tmp_path)) for arm in ARMS}
    shared = {"sigma", "batch_size", "learning_rate", "hit_threshold", "max_oracle_calls", "seed", "prior"}
    shared |= {"duplicates", "clip_grad_norm", "replay"}
    for key in shared:
        assert len({str(getattr(c, key)) for c in configs.values()}) == 1, key
    spec = TASKS["drd2_qed_sa"]
    assert configs["reinvent"].duplicates == "zero" and configs["reinvent"].clip_grad_norm is None
    assert configs["reinvent_mara"].tau == spec.screen == configs["reinvent"].hit_threshold
    assert configs["reinvent_mara_upper"].tau == spec.upper_screen and configs["reinvent_mara_upper"].mara
    mara = {arm: c.mara for arm, c in configs.items()}
    assert mara == {
        "reinvent": False, "reinvent_mara": True, "reinvent_mara_upper": True,
        "reinvent_df": False, "reinvent_df_mara": True, "reverse_kl_mara": True,
    }  # fmt: skip
    filtered = {arm for arm, c in configs.items() if c.diversity_filter.enabled}
    assert filtered == {"reinvent_df", "reinvent_df_mara"}
    df = configs["reinvent_df"].diversity_filter
    assert (df.bucket_size, df.min_score) == (25, 0.4)  # REINVENT 4's defaults
    assert configs["reverse_kl_mara"].loss == "reverse_kl"
    assert len({c.name for c in configs.values()}) == len(ARMS)
    with pytest.raises(ValueError, match="unknown arm"):
        run_config("drug_modes", "plain", 0, settings, tmp_path)


def _hand_run() -> RunData:
    """Two steps of a drug_modes run: the five drugs (score 1), a near-propranolol hit, misses and a repeat."""
    rows = [
        # step, SMILES, score, prior NLL, valid
        (1, DRUGS[2], 1.0, 24.0, True),
        (1, "CCO", 0.1, 10.0, True),
        (1, "not a smiles", math.nan, 50.0, False),
        (2, DRUGS[0], 1.0, 22.0, True),
        (2, DRUGS[2], 1.0, 24.0, True),  # a repeat costs no oracle call
        (2, "c1ccccc1", 0.2, 12.0, True),
        (2, "CC(C)NCC(O)COc1ccc(C)c2ccccc12", 0.85, 30.0, True),
    ]
    molecules = pd.DataFrame(rows, columns=["step", "SMILES", "Score", "Prior", "valid"])
    molecules["canonical_smiles"] = [canonical_smiles(s) or "" for s in molecules["SMILES"]]
    molecules["over_budget"] = False
    steps = pd.DataFrame(
        {
            "step": [1, 2],
            "anchor_smiles": [DRUGS[2], DRUGS[0]],
            "anchor_prior_nll": [24.0, 22.0],
            "kl_estimate": [0.5, 1.5],
            "valid_fraction": [2 / 3, 1.0],
        }
    )
    return RunData("hand", molecules, steps, {"mara": True, "task": "drug_modes"})


def test_run_metrics_of_a_hand_built_run():
    row = run_metrics(_hand_run(), TASKS["drug_modes"], budget=10)
    assert row["oracle_calls"] == 5  # invalid and repeated molecules cost nothing
    assert row["yield"] == 3 and row["yield_upper"] == 2  # screens 0.8 and 1.0
    assert math.isnan(row["ob100"])
    assert row["modes_covered"] == 2  # diazepam and propranolol
    assert row["mode_hits"] == "1/0/2/0/0"  # the near-propranolol hit counts at propranolol
    assert row["largest_mode_share"] == pytest.approx(2 / 3)
    assert row["mode_entropy"] == pytest.approx(-(1 / 3 * math.log2(1 / 3) + 2 / 3 * math.log2(2 / 3)))
    assert row["hit_scaffolds"] == 2 and row["hit_circles"] >= 2 and 0 < row["hit_intdiv1"] < 1
    # shares over the whole batch, invalid samples included (as the trainer's above_tau_fraction)
    assert row["batches_above_tau"] == 1.0 and row["above_tau_share"] == pytest.approx((1 / 3 + 3 / 4) / 2)
    assert row["batches_mara_acts"] == 0.5  # step 1 has one molecule above τ, its own anchor: MARA changes nothing
    assert row["distinct_anchors"] == 2 and row["anchor_prior_nll"] == 23.0
    assert row["hit_prior_nll"] == pytest.approx((24 + 22 + 30) / 3)
    assert row["final_kl"] == 1.5 and row["top10"] == pytest.approx((1 + 0.1 + 1 + 0.2 + 0.85) / 5)
    assert mode_hits([], TASKS["drug_modes"].references).sum() == 0
    assert math.isnan(batch_statistics(pd.DataFrame(), 0.5)["batches_above_tau"])


def test_summary_tests_mara_against_each_arm():
    rows = pd.DataFrame(
        {
            "task": ["t"] * 6,
            "arm": ["reinvent_mara"] * 3 + ["reinvent"] * 3,
            "seed": [0, 1, 2] * 2,
            "yield": [30, 32, 31, 10, 12, 11],
            "ob100": [500, 520, math.nan, 900, 950, 1000],
            "modes_covered": [math.nan] * 6,
        }
    )
    for column in ("yield_upper", "hit_scaffolds", "hit_circles", "hit_intdiv1", "top10_auc", "wall_s"):
        rows[column] = 1.0
    summary = summarise(rows).set_index(["arm", "metric"])
    assert summary.loc[("reinvent_mara", "yield"), "mean"] == 31 and summary.loc[("reinvent", "yield"), "std"] == 1
    assert summary.loc[("reinvent", "yield"), "p_mara_better"] < 1e-4
    assert summary.loc[("reinvent_mara", "ob100"), "n"] == 2 and summary.loc[("reinvent_mara", "ob100"), "runs"] == 3
    assert summary.loc[("reinvent", "ob100"), "p_mara_better"] < 0.05  # lower burden is better
    assert math.isnan(summary.loc[("reinvent_mara", "yield"), "p_mara_better"])
    assert ("reinvent", "modes_covered") not in summary.index  # NaN everywhere: left out


def test_tiny_benchmark_runs_resumes_and_summarises(tmp_path):
    from benchmarks.mara_vs_reinvent import main

    argv = ["--quick", "--tasks", "drug_modes", "--arms", "reinvent,reinvent_mara", "--seeds", "0,1"]
    argv += ["--budget", "40", "--batch-size", "32", "--runs-dir", str(tmp_path / "runs")]
    argv += ["--results-dir", str(tmp_path / "results"), "--name", "tiny"]
    assert main(argv) == 0
    raw = pd.read_csv(tmp_path / "results" / "tiny_runs.csv")
    assert len(raw) == 4 and set(raw["arm"]) == {"reinvent", "reinvent_mara"}
    assert (raw["status"] == "finished").all() and (raw["oracle_calls"] == 40).all()
    text = (tmp_path / "results" / "tiny.md").read_text()
    assert "p: MARA better than reinvent" in text and "Reproduce:" in text
    # same seed, and no batch reached τ: MARA changed nothing, the two arms ran the same trajectory
    for _, pair in raw.groupby("seed"):
        if (pair["batches_above_tau"] == 0).all():
            assert pair["top10_auc"].nunique() == 1
    # a rerun skips what is done; a finished run missing from the CSV is read back, not run again
    raw.iloc[:3].to_csv(tmp_path / "results" / "tiny_runs.csv", index=False)
    assert main(argv) == 0
    again = pd.read_csv(tmp_path / "results" / "tiny_runs.csv")
    assert len(again) == 4
    assert again.iloc[3]["top10_auc"] == pytest.approx(raw.iloc[3]["top10_auc"])
    # --recompute reads every row back from its run folder, keeping when and where it ran
    assert main([*argv, "--recompute"]) == 0
    recomputed = pd.read_csv(tmp_path / "results" / "tiny_runs.csv")
    assert list(recomputed["date"]) == list(again["date"]) and list(recomputed["yield"]) == list(again["yield"])


def test_a_run_is_capped_at_five_times_the_steps_its_budget_needs():
    from benchmarks.mvr_design import step_cap

    config = run_config(
        "drd2_qed_sa", "reinvent", 0, Settings(budget=10_000, seeds=(0,), learning_rate=5e-4), Path("x")
    )
    assert config["max_steps"] == step_cap(10_000, 64) == 5 * 157
    assert load_run_config(config).max_steps == 785


def test_rows_from_parallel_runs_are_imported_once_and_planned_runs_skip_them(tmp_path):
    from benchmarks.mara_vs_reinvent import KEY, import_rows, key_of
    from benchmarks.mvr_design import ARMS, MODES, prior_digest
    from benchmarks.mvr_parallel import parse_args, plan

    settings, prior = MODES["full"], prior_digest()
    rows = pd.DataFrame(
        [
            dict(zip(KEY, key_of(t, "reinvent", 0, settings, prior), strict=True), **{"yield": 1})
            for t in ("drd2_qed_sa", "drug_modes")
        ]
    )
    source, results = tmp_path / "device.csv", tmp_path / "results.csv"
    rows.to_csv(source, index=False)
    rows.iloc[:1].to_csv(results, index=False)  # one of the two is there already
    assert import_rows(source, results) == 1
    assert import_rows(source, results) == 0
    assert len(pd.read_csv(results)) == 2
    args = parse_args(["--full", "--tasks", "drd2_qed_sa,drug_modes", "--seeds", "0", "--out", str(tmp_path)])
    assert len(plan(args)) == 2 * len(ARMS)
    args = parse_args(
        ["--full", "--tasks", "drd2_qed_sa,drug_modes", "--seeds", "0", "--out", str(tmp_path)]
        + ["--done", str(results)]
    )
    assert ("drd2_qed_sa", "reinvent", 0) not in plan(args) and len(plan(args)) == 2 * len(ARMS) - 2
    old_core = rows.drop(columns="core")  # rows written before the core version: never taken as done
    old_core.to_csv(results, index=False)
    args = parse_args(["--full", "--seeds", "0", "--out", str(tmp_path), "--done", str(results)])
    assert len(plan(args)) == len(TASKS) * len(ARMS)
