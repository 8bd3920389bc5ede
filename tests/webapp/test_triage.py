"""The app as a triage tool: structures and chemistry first in molecule tables, numbers that read right,
pooled counts over distinct molecules, and warnings when compared runs differ."""

from __future__ import annotations

import pandas as pd

from molmara.app_support import data
from molmara.app_support.molecule_table import PROPERTIES, chemistry_first, properties, structure_image
from molmara.metrics.report import format_table
from tests.webapp.test_pages import clean, run_id, texts


def test_chemistry_comes_first_and_rl_columns_only_on_request():
    table = pd.DataFrame({"step": [3], "smiles": ["CC(=O)Nc1ccc(O)cc1"], "agent_nll": [30.1], "score": [0.91],
                          "qed": [0.6], "murcko_scaffold": ["c1ccccc1"], "canonical_smiles": ["x"]})  # fmt: skip
    shown = chemistry_first(table)
    assert list(shown.columns) == ["smiles", "score", "qed", *PROPERTIES, "murcko_scaffold"]
    mw, logp, tpsa, hbd, hba = properties("CC(=O)Nc1ccc(O)cc1")  # paracetamol
    assert round(mw, 1) == 151.2 and (hbd, hba) == (2, 2) and round(tpsa, 1) == 49.3
    assert shown.loc[0, "MW"] == mw and "agent_nll" in chemistry_first(table, show_rl=True).columns[-2:]
    assert structure_image("c1ccccc1").startswith("data:image/png;base64,") and structure_image("nope") is None


def test_numbers_read_as_a_chemist_writes_them():
    assert data.strength_label(1 / 128) == "σ = 128 (β = 1/128)"
    assert data.strength_label(0.03) == "β = 0.03 (σ = 33.3)"
    shown = format_table(pd.DataFrame({"scaffold_entropy": [-1e-17, 0.5]}, index=["a", "b"]))
    assert shown.loc["scaffold_entropy"].tolist() == ["0.000", "0.500"]


def test_pooled_scaffolds_count_a_molecule_two_runs_found_once():
    hits = pd.DataFrame({"run": ["a", "a", "b"], "smiles": ["c1ccccc1C", "c1ccccc1CC", "c1ccccc1C"],
                         "canonical_smiles": ["Cc1ccccc1", "CCc1ccccc1", "Cc1ccccc1"], "score": [0.9, 0.8, 0.9],
                         "step": [1, 2, 3], "murcko_scaffold": ["c1ccccc1"] * 3})  # fmt: skip
    table = data.scaffold_table(hits)
    assert table.loc[0, "hits"] == 2 and table.loc[0, "hits · a"] == 2 and table.loc[0, "hits · b"] == 1


def test_comparison_warns_when_runs_differ():
    same = {"objective": {"component": []}, "seed": 0, "tau": 0.8, "prior": None, "max_oracle_calls": 100}
    assert data.comparison_warnings({"a": same, "b": dict(same)}) == []
    other = {**same, "objective": {"component": [{"oracle": "drd2"}]}, "seed": 1, "tau": 0.5}
    notes = data.comparison_warnings({"a": same, "b": other})
    assert notes[0].startswith("the runs optimise different objectives")
    assert "different hit threshold (a: 0.8, b: 0.5)" in notes and "different seed (a: 0, b: 1)" in notes


def test_monitor_hits_show_structures_and_chemistry_first(page_test, app_store):
    at = page_test(app_store, "pages/3_Monitor.py")
    at.query_params["run"] = str(run_id(app_store, "tiny-mara"))
    at.run()
    clean(at)
    hits = next(d.value for d in at.dataframe if "structure" in d.value.columns)
    assert list(hits.columns[:3]) == ["structure", "smiles", "score"] and "MW" in hits and "agent_nll" not in hits
    assert hits["structure"].iloc[0].startswith("data:image/png;base64,")
    at.toggle(key=f"monitor_hits_{run_id(app_store, 'tiny-mara')}-rl").set_value(True).run()
    clean(at)
    assert any("agent_nll" in d.value.columns for d in at.dataframe)


def test_compare_warns_about_different_runs_and_the_builder_about_mixtures(page_test, app_store):
    at = page_test(app_store, "pages/5_Compare_runs.py").run()
    at.multiselect(key="compare_runs").set_value([run_id(app_store, "tiny-mara"), run_id(app_store, "broken")]).run()
    clean(at)
    assert "Not a like-for-like comparison" in texts(at.warning)
    at = page_test(app_store, "pages/1_Objective_builder.py").run()
    at.text_area(key="test_smiles").set_value("[Na+].[Cl-]\nCCO").run()
    at.button(key="score_pasted").click().run()
    clean(at)
    assert "[Na+].[Cl-]` (several fragments (a salt or a mixture)" in texts(at.warning)  # said, not scored


def test_scaffold_members_are_drawn_on_their_core_with_it_highlighted():
    from molmara.chem.draw import grid_svg

    members = ["c1ccccc1CCN", "Oc1ccccc1C(=O)O"]
    plain, aligned = grid_svg(members), grid_svg(members, core="c1ccccc1")
    assert "#FF7F7F" not in plain.upper() and "#FF7F7F" in aligned.upper()  # RDKit's highlight colour
    assert grid_svg(["CCO"], core="c1ccccc1").count("<svg") == 1  # a molecule without the core is drawn as it is


def test_the_comparison_is_read_out_from_the_runs_numbers():
    table = pd.DataFrame({"yield": [110, 121], "hit_scaffolds": [50, 90], "oracle_calls": [2000, 2000]},
                         index=pd.Index(["plain-1", "mara-1"], name="run"))  # fmt: skip
    assert data.comparison_reading(table) == [
        "mara-1 found 1.8× the hit scaffolds of plain-1 (90 vs 50) and 1.1× the hits (121 vs 110), "
        "in 2,000 vs 2,000 oracle calls"
    ]


def test_the_builder_draws_the_test_molecules_raw_values_over_each_transform(page_test, app_store):
    at = page_test(app_store, "pages/1_Objective_builder.py").run()
    at.button(key="score_pasted").click().run()
    clean(at)
    assert "test molecules' raw values" in texts(at.caption)


def test_a_filter_component_is_pass_or_fail_without_a_weight(page_test, app_store):
    at = page_test(app_store, "pages/1_Objective_builder.py").run()
    weights = len([box for box in at.number_input if box.label == "weight"])
    role = next(box for box in at.selectbox if box.label == "role")
    role.set_value("filter").run()
    clean(at)
    assert len([box for box in at.number_input if box.label == "weight"]) == weights - 1
    assert "it has no weight" in texts(at.caption)
    at.button(key="score_pasted").click().run()
    clean(at)
    scored = next(frame.value for frame in at.dataframe if "Score" in frame.value.columns)
    assert set(scored["qed"]) <= {"pass", "fail"} and set(scored["alerts"]) <= {"pass", "fail"}  # both filters now
    assert scored["qed (raw)"].dtype == float and set(scored["sa"].map(type)) == {float}  # the rest stay numbers
