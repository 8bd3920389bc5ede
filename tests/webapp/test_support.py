"""The app's helpers without Streamlit: store path, hits and scaffold tables, metrics card, chemical-space
map, target distributions, exports, oracle-parameter and run-config forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rdkit import Chem

from molmara import Objective
from molmara.app_support import data, forms
from molmara.resources import EXAMPLE_CONFIGS
from molmara.rl.config import RunConfigError

MOLECULES = pd.DataFrame(
    {
        "step": [1, 1, 1, 2, 2, 2, 3],
        "smiles": ["c1ccccc1CC", "CC(=O)O", "c1ccccc1CCN", "c1ccccc1CC", "bad", "C1CCCCC1O", "c1ccncc1C"],
        "canonical_smiles": ["CCc1ccccc1", "CC(=O)O", "NCCc1ccccc1", "CCc1ccccc1", None, "OC1CCCCC1", "Cc1cccnc1"],
        "valid": [True, True, True, True, False, True, True],
        "over_budget": [False, False, False, False, False, False, True],
        "score": [0.9, 0.95, 0.7, 0.9, np.nan, 0.85, 0.99],
        "prior_nll": [20.0, 15.0, 22.0, 20.0, np.nan, 18.0, 19.0],
        "murcko_scaffold": ["c1ccccc1", None, "c1ccccc1", "c1ccccc1", None, "C1CCCCC1", "c1ccncc1"],
        "generic_scaffold": ["C1CCCCC1", None, "C1CCCCC1", "C1CCCCC1", None, "C1CCCCC1", "C1CCCCC1"],
    }
)


def test_store_path_from_the_command_line_then_the_environment(monkeypatch):
    monkeypatch.delenv(data.STORE_ENV, raising=False)
    assert str(data.store_path_from_argv(["--store", "a.db"])) == "a.db"
    assert str(data.store_path_from_argv(["--store=b.db"])) == "b.db"
    assert data.store_path_from_argv([]) == data.DEFAULT_STORE
    monkeypatch.setenv(data.STORE_ENV, "c.db")
    assert str(data.store_path_from_argv([])) == "c.db"


def test_hits_are_distinct_valid_and_within_budget():
    hits = data.hits_frame(MOLECULES, 0.8, "r")
    assert hits["canonical_smiles"].tolist() == ["CCc1ccccc1", "CC(=O)O", "OC1CCCCC1"]
    assert (hits["run"] == "r").all() and hits.loc[0, "step"] == 1
    assert data.hits_frame(MOLECULES.iloc[:0], 0.5).empty


def test_scaffold_table_counts_best_mean_and_first_step():
    hits = pd.concat([data.hits_frame(MOLECULES, 0.6, "a"), data.hits_frame(MOLECULES.iloc[:3], 0.6, "b")])
    table = data.scaffold_table(hits, "murcko").set_index("scaffold")
    # pooled hits are distinct molecules: the two runs found the same two benzenes and the same acetic acid
    assert table.loc["c1ccccc1", "hits"] == 2 and table.loc["c1ccccc1", "best_score"] == 0.9
    assert table.loc["c1ccccc1", "mean_score"] == pytest.approx(0.8)
    assert table.loc[data.ACYCLIC, "hits"] == 1  # acetic acid, in both runs, one molecule
    assert table.loc["c1ccccc1", "hits · a"] == 2 and table.loc["c1ccccc1", "hits · b"] == 2
    generic = data.scaffold_table(hits, "generic")
    assert generic.iloc[0]["scaffold"] == "C1CCCCC1" and generic.iloc[0]["hits"] == 3
    with pytest.raises(ValueError, match="scaffold kind"):
        data.scaffold_keys(hits, "bemis")


def test_hit_metrics_card():
    hits = data.hits_frame(MOLECULES, 0.6)
    card = data.hit_metrics(hits, oracle_calls=5)
    assert card["yield"] == 4 and card["hit_rate"] == pytest.approx(0.8)
    assert card["murcko_scaffolds"] == 3 and card["generic_scaffolds"] == 2
    assert 1 <= card["circles"] <= 4 and 0 < card["intdiv1"] < 1
    quick = data.hit_metrics(hits, oracle_calls=5, diversity=False)  # the cheap counts, the same
    assert {k: quick[k] for k in ("yield", "murcko_scaffolds")} == {k: card[k] for k in ("yield", "murcko_scaffolds")}
    assert np.isnan(quick["circles"]) and np.isnan(quick["intdiv1"])
    empty = data.hit_metrics(hits.iloc[:0], 0)
    assert empty["yield"] == 0 and np.isnan(empty["hit_rate"]) and np.isnan(empty["intdiv1"])


def test_chemical_space_is_two_dimensional_and_reproducible():
    smiles = ["CCO", "CCN", "c1ccccc1", "c1ccccc1O", "CC(=O)O", "C1CCCCC1"]
    a, b = data.chemical_space(smiles), data.chemical_space(list(reversed(smiles)))
    assert a.shape == (6, 2) and np.allclose(a, b[::-1])
    assert data.chemical_space(["CCO"]).shape == (1, 2)


def test_mara_target_spreads_over_every_scaffold_where_plain_collapses():
    hits = data.hits_frame(MOLECULES, 0.6)
    table, scaffolds, summary = data.target_distributions(hits, beta=0.01, tau=0.6)
    assert table["p_plain"].sum() == pytest.approx(1) and table["p_mara"].sum() == pytest.approx(1)
    assert np.allclose(table["p_mara"], 1 / len(table))  # every hit is at or above tau: uniform
    assert table["p_plain"].max() > 0.99  # the best score and the prior's favourite take everything
    assert summary["p_mara"]["effective_scaffolds"] > summary["p_plain"]["effective_scaffolds"]
    assert set(scaffolds["scaffold"]) == {"c1ccccc1", data.ACYCLIC, "C1CCCCC1"}
    with pytest.raises(ValueError, match="no hits"):
        data.target_distributions(hits.iloc[:0], 0.01, 0.6)


def test_exports_csv_and_sdf():
    hits = data.hits_frame(MOLECULES, 0.6, "r")
    assert data.csv_bytes(hits).decode().splitlines()[0].startswith("run,step,smiles")
    text = data.sdf_text(pd.concat([hits, pd.DataFrame({"smiles": ["junk"]})]))
    mols = _read_sdf(text)
    assert len(mols) == 4 and mols[0].GetProp("score") == "0.9" and mols[0].GetProp("_Name") == "r"


def _read_sdf(text: str) -> list:
    supplier = Chem.SDMolSupplier()
    supplier.SetData(text)
    return [m for m in supplier if m is not None]


def test_oracle_parameters_from_widget_values():
    as_list = {"name": "smiles", "type": "list"}
    assert forms.parse_param(as_list, "CCO\nCCN, c1ccccc1\n\n") == ["CCO", "CCN", "c1ccccc1"]
    assert forms.parse_param({"name": "n_bits", "type": "int"}, 1024.0) == 1024
    with pytest.raises(ValueError, match="n_bits"):
        forms.parse_param({"name": "n_bits", "type": "int"}, 10.5)
    assert forms.component_problem({"oracle": "qed", "weight": 1.0, "transform": {"type": "identity"}}) is None
    bad = {"oracle": "qed", "weight": 1.0, "transform": {"type": "sigmoid", "low": 1, "high": 0}}
    assert "low < high" in forms.component_problem(bad)
    assert "similarity" in forms.component_problem({"oracle": "similarity", "weight": 1.0})


def test_transform_defaults_and_curves():
    assert forms.default_transform("qed", (0.0, 1.0)) == {"type": "identity"}
    assert forms.default_transform("sa", (1.0, 10.0))["type"] == "reverse_sigmoid"
    curve = forms.transform_curve({"type": "sigmoid", "low": 2.0, "high": 4.0, "k": 0.5}, (0.0, 6.0))
    assert curve["y"].iloc[0] < 0.05 and curve["y"].iloc[-1] > 0.95 and curve["y"].is_monotonic_increasing
    assert forms.curve_range({"type": "gaussian", "mu": 300.0, "sigma": 50.0}, (0.0, np.inf)) == (100.0, 500.0)
    params = forms.transform_parameters("double_sigmoid", (0.0, np.inf))
    assert params["low"] < params["high"] and "coef_div" in params


def test_objective_draft_round_trip():
    objective = Objective.from_toml(EXAMPLE_CONFIGS / "druglike.toml")
    draft = forms.draft_from_dict(objective.to_dict())
    assert [c["uid"] for c in draft["component"]] == [0, 1, 2]
    assert Objective.from_dict(forms.dict_from_draft(draft)).to_toml() == objective.to_toml()


def test_launch_config_and_compare(tmp_path):
    config = forms.launch_config(
        name="x", task="drd2", loss="reverse_kl", algorithm="diversity filter (no MARA)", strength=0.05, tau="p90"
    )
    assert config["beta"] == 0.05 and config["tau"] == "p90" and config["diversity_filter"] == {"enabled": True}
    assert not config["mara"] and "sigma" not in config
    summary = forms.config_summary(config)
    assert summary.startswith("task drd2, diversity filter, reverse KL, β = 0.05, τ = p90, hits at score ≥ 0.8")
    mara, plain = forms.compare_configs(config)
    assert (mara["name"], mara["mara"], plain["name"], plain["mara"]) == ("x-mara", True, "x-plain", False)
    assert mara["seed"] == plain["seed"] and "diversity_filter" not in plain
    with pytest.raises(ValueError, match="tau"):
        forms.launch_config(name="x", task="drd2", tau="lots")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        forms.parse_tau_text("1.5")
    with pytest.raises(RunConfigError, match="budget"):
        forms.launch_config(name="x", task="drd2", max_oracle_calls=None)
