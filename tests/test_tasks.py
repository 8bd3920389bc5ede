"""Named benchmark tasks: GuacaMol v2 reproduced to 1e-6, and the pieces added for them."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rdkit import Chem, DataStructs

from molmara import oracles, tasks
from molmara.objective import Objective
from molmara.oracles import MolBatch, OracleError
from molmara.transforms import TransformError, apply_transform

REFERENCE = Path(__file__).parent / "data" / "guacamol_reference.csv"
GUACAMOL = [
    "celecoxib_rediscovery",
    "troglitazone_rediscovery",
    "thiothixene_rediscovery",
    "aripiprazole_similarity",
    "albuterol_similarity",
    "mestranol_similarity",
    "isomers_c11h24",
    "isomers_c9h10n2o2pf2cl",
    "isomers_c7h8n2o2",
    "median1",
    "median2",
    "osimertinib_mpo",
    "fexofenadine_mpo",
    "ranolazine_mpo",
    "perindopril_mpo",
    "amlodipine_mpo",
    "sitagliptin_mpo",
    "zaleplon_mpo",
    "valsartan_smarts",
    "deco_hop",
    "scaffold_hop",
]
BIOACTIVITY = ["drd2", "gsk3b", "jnk3", "gsk3b_jnk3_qed_sa"]
SOME = ["CCO", "c1ccccc1O", "CC(=O)Oc1ccccc1C(=O)O", tasks.CELECOXIB, tasks.OSIMERTINIB]


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE)


@pytest.fixture(scope="module")
def reference_batch(reference) -> MolBatch:
    """One parsed batch for every task, so fingerprints shared by tasks are computed once."""
    return MolBatch(reference["SMILES"].tolist())


# ---------------------------------------------------------------------- GuacaMol reproduction
def test_reference_covers_every_guacamol_task(reference):
    assert list(reference.columns) == ["SMILES", *GUACAMOL]
    assert len(reference) > 1000 and reference[GUACAMOL].notna().all().all()


@pytest.mark.parametrize("name", GUACAMOL)
def test_task_reproduces_guacamol(name, reference, reference_batch):
    ours = tasks.get(name)(reference_batch)
    expected = reference[name].to_numpy()
    # GuacaMol scores a salt or mixture as written; molmara flags it (unscored, with the reason) by default
    flagged = np.array(["several fragments" in r for r in reference_batch.reasons])
    assert flagged.sum() == 2 and np.isnan(ours[flagged]).all()
    ours, expected = ours[~flagged], expected[~flagged]
    assert np.isfinite(ours).all()
    worst = int(np.argmax(np.abs(ours - expected)))
    assert abs(ours[worst] - expected[worst]) <= 1e-6, (worst, ours[worst], expected[worst])


TDC_PREV = Path(__file__).parent / "data" / "tdc_prev_reference.csv"


@pytest.mark.parametrize("name", ["pmo_isomers_c7h8n2o2", "pmo_isomers_c9h10n2o2pf2cl", "pmo_sitagliptin_mpo",
                                  "pmo_zaleplon_mpo"])  # fmt: skip
def test_pmo_task_reproduces_tdc_scoring_of_pmos_published_numbers(name):
    """TDC 0.3.7's `*_prev` functions (scripts/compare_tdc.py) on 1,039 canonical SMILES; and the difference from
    GuacaMol's task of the same name, which counts atoms rather than reading the SMILES as a formula."""
    reference = pd.read_csv(TDC_PREV)
    assert len(reference) > 1000
    batch = MolBatch(reference["SMILES"].tolist())
    ours, expected = tasks.get(name)(batch), reference[name].to_numpy()
    scored = np.isfinite(ours)  # salts and mixtures are flagged, unscored
    assert scored.sum() >= len(reference) - 2
    assert np.abs(ours[scored] - expected[scored]).max() <= 1e-6
    guacamol = tasks.get(name.removeprefix("pmo_"))(batch)
    assert np.abs(guacamol[scored] - expected[scored]).max() > 0.2


def test_pmo_isomer_reads_the_canonical_smiles_as_a_formula():
    from molmara.oracles.substructure import smiles_text_atom_total

    # C: 1, C2: 2, N: 1, O: 1, Cl: 1; aromatic atoms count nothing, nor hydrogens outside brackets
    assert smiles_text_atom_total("CC2N(O)c1ccc(Cl)cc1") == 6
    assert smiles_text_atom_total("[NH3+]C") == 1 + 3 + 1
    exact = tasks.get("pmo_isomers_c7h8n2o2")(["Nc1ccccc1C(=O)NO"])[0]  # C7H8N2O2 exactly
    assert exact == pytest.approx(0.007447, abs=1e-6) and tasks.get("isomers_c7h8n2o2")(["Nc1ccccc1C(=O)NO"])[0] == 1.0


def test_qed_task_is_rdkits_qed(reference):
    """PMO's `qed` oracle is RDKit's QED of the molecule."""
    from rdkit import Chem
    from rdkit.Chem.QED import qed

    smiles = [s for s in reference["SMILES"].tolist()[:200] if "." not in s]
    np.testing.assert_array_equal(tasks.get("qed")(smiles), [qed(Chem.MolFromSmiles(s)) for s in smiles])


@pytest.mark.parametrize("name", list(tasks.REDISCOVERY))
def test_rediscovery_target_scores_one(name):
    task = f"{name}_rediscovery"
    assert tasks.get(task)([tasks.TARGETS[task], "CCO"])[0] == pytest.approx(1.0, abs=1e-12)


# ---------------------------------------------------------------------- API
def test_names_descriptions_and_configs():
    names = tasks.names()
    assert names == sorted(names) and set(GUACAMOL + BIOACTIVITY) <= set(names)
    for name in names:
        assert isinstance(tasks.describe(name), str) and tasks.describe(name)
        assert tasks.config(name)["name"] == name
    assert tasks.get("Deco-Hop").config.name == "deco_hop"  # case, hyphens and spaces are forgiven


def test_unknown_name_suggests_nearest():
    with pytest.raises(tasks.UnknownTaskError, match="did you mean 'celecoxib_rediscovery'") as err:
        tasks.get("celecoxib_rediscvery")
    assert isinstance(err.value, KeyError) and isinstance(err.value, ValueError)
    with pytest.raises(ValueError, match="unknown task 'nonsense'"):
        tasks.describe("nonsense")


@pytest.mark.parametrize("name", GUACAMOL + BIOACTIVITY)
def test_invalid_smiles_scores_nan(name):
    values = tasks.get(name)(["CCO", "not a smiles", None, ""])
    assert np.isfinite(values[0]) and np.isnan(values[1:]).all()


@pytest.mark.parametrize("name", BIOACTIVITY)
def test_bioactivity_tasks_build_and_stay_in_unit_interval(name):
    values = tasks.get(name)(SOME)
    assert values.shape == (len(SOME),) and ((values >= 0) & (values <= 1)).all()


def test_gsk3b_jnk3_qed_sa_is_the_geometric_mean_of_its_parts():
    result = tasks.get("gsk3b_jnk3_qed_sa").evaluate(SOME)
    sa = oracles.get("sa")(SOME)
    np.testing.assert_allclose(result.transformed["sa"], (10 - sa) / 9)
    parts = np.stack([result.transformed[k] for k in ("gsk3b", "jnk3", "qed", "sa")])
    np.testing.assert_allclose(result.scores, parts.prod(axis=0) ** 0.25, atol=1e-12)


def test_tasks_round_trip_through_toml():
    pytest.importorskip("tomli_w")
    for name in ("sitagliptin_mpo", "deco_hop", "ranolazine_mpo"):
        objective = tasks.get(name)
        again = Objective.from_toml(objective.to_toml())
        np.testing.assert_allclose(again(SOME), objective(SOME))


def test_targets_computed_from_reference_molecules():
    components = {c.get("name", c["oracle"]): c for c in tasks.config("sitagliptin_mpo")["component"]}
    assert components["logp"]["transform"]["mu"] == pytest.approx(oracles.get("logp")([tasks.SITAGLIPTIN])[0])
    assert components["tpsa"]["transform"]["mu"] == pytest.approx(77.04)


# ---------------------------------------------------------------------- new transforms
def test_min_and_max_gaussian_by_hand():
    x = np.array([0.0, 1.0, 2.0, 3.5, np.nan])
    below = apply_transform("min_gaussian", x, {"mu": 2, "sigma": 1})
    np.testing.assert_allclose(below[:4], [1, 1, 1, np.exp(-0.5 * 1.5**2)])
    above = apply_transform("max_gaussian", x, {"mu": 2, "sigma": 1})
    np.testing.assert_allclose(above[:4], [np.exp(-2), np.exp(-0.5), 1, 1])
    assert np.isnan(below[4]) and np.isnan(above[4])
    for kind in ("min_gaussian", "max_gaussian"):
        with pytest.raises(TransformError, match=f"transform '{kind}' parameter 'sigma' must be > 0"):
            apply_transform(kind, x, {"mu": 0, "sigma": -1})


# ---------------------------------------------------------------------- new fingerprints and oracles
@pytest.mark.parametrize("fingerprint", ["ecfp6_count", "fcfp6_count", "ap", "phco"])
def test_new_fingerprints(fingerprint):
    sim = oracles.get("similarity", smiles=[tasks.HOP_START], fingerprint=fingerprint)
    values = sim([tasks.HOP_START, tasks.CELECOXIB, "C", "bad"])
    assert values[0] == pytest.approx(1.0) and 0 <= values[1] < 0.6 and values[2] < 0.1 and np.isnan(values[3])


def test_atom_pairs_and_pharmacophores_equal_rdkit_legacy_calls():
    from rdkit.Chem import AllChem
    from rdkit.Chem.Pharm2D import Generate, Gobbi_Pharm2D

    mols = [Chem.MolFromSmiles(s) for s in SOME]
    ref = Chem.MolFromSmiles(tasks.HOP_START)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy_ap = [AllChem.GetAtomPairFingerprint(m, maxLength=10) for m in [ref, *mols]]
    expected_ap = DataStructs.BulkTanimotoSimilarity(legacy_ap[0], legacy_ap[1:])
    ap = oracles.get("similarity", smiles=[tasks.HOP_START], fingerprint="ap")(SOME)
    np.testing.assert_allclose(ap, expected_ap, atol=1e-12)
    phco = [Generate.Gen2DFingerprint(m, Gobbi_Pharm2D.factory) for m in [ref, *mols]]
    expected_phco = DataStructs.BulkTanimotoSimilarity(phco[0], phco[1:])
    np.testing.assert_allclose(
        oracles.get("similarity", smiles=[tasks.HOP_START], fingerprint="phco")(SOME), expected_phco
    )


def test_bertz_and_atom_count():
    assert oracles.get("bertz")(["c1ccccc1"])[0] == pytest.approx(71.961, abs=1e-3)
    counts = oracles.get("atom_count", element="H")(["CCO", "[2H]C([2H])([2H])O", "ClCCl"])
    assert list(counts) == [6.0, 4.0, 2.0]  # deuterium counts as H, as in GuacaMol
    assert list(oracles.get("atom_count", element="Cl")(["ClCCl", "CCO"])) == [2.0, 0.0]
    assert oracles.get("atom_count")(["FC(F)F"])[0] == 3.0  # fluorine by default
    with pytest.raises(OracleError, match="unknown element 'Xx'"):
        oracles.get("atom_count", element="Xx")
