"""The numpy DRD2 / GSK3B / JNK3 predictors against scikit-learn's own predictions and known drugs."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from rdkit import Chem, DataStructs
from rdkit.Chem import AllChem

from molmara.oracles import bioactivity_models as bm

REFERENCE = Path(__file__).parent / "data" / "bioactivity_reference.csv"
HALOPERIDOL = "OC1(CCN(CCCC(=O)c2ccc(F)cc2)CC1)c1ccc(Cl)cc1"
ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
CAFFEINE = "Cn1cnc2c1c(=O)n(C)c(=O)n2C"


@pytest.fixture(scope="module")
def reference() -> tuple[list[Chem.Mol], dict[str, np.ndarray]]:
    """The 1,000 MOSES molecules and scikit-learn's predict_proba[:, 1] from the converter script."""
    with open(REFERENCE, newline="") as handle:
        rows = list(csv.DictReader(handle))
    mols = [Chem.MolFromSmiles(row["SMILES"]) for row in rows]
    assert len(mols) == 1000 and all(mol is not None for mol in mols)
    return mols, {name: np.array([float(row[name]) for row in rows]) for name in bm.MODEL_NAMES}


@pytest.mark.parametrize("name", bm.MODEL_NAMES)
def test_matches_scikit_learn_on_the_fixture(name, reference):
    mols, expected = reference
    got = bm.predict(name, mols)
    assert got.dtype == np.float64 and got.shape == (1000,)
    assert np.all((got >= 0.0) & (got <= 1.0))
    np.testing.assert_allclose(got, expected[name], rtol=0, atol=1e-3)


def test_haloperidol_is_a_drd2_active():
    assert bm.predict("drd2", [Chem.MolFromSmiles(HALOPERIDOL)])[0] > 0.9


@pytest.mark.parametrize("name", bm.MODEL_NAMES)
def test_aspirin_and_caffeine_are_inactive(name):
    scores = bm.predict(name, [Chem.MolFromSmiles(ASPIRIN), Chem.MolFromSmiles(CAFFEINE)])
    assert np.all(scores < 0.1), scores


@pytest.mark.parametrize("name", bm.MODEL_NAMES)
def test_none_and_invalid_give_nan_and_keep_the_order(name):
    halo = Chem.MolFromSmiles(HALOPERIDOL)
    invalid = Chem.MolFromSmiles("C1CC")  # unclosed ring: RDKit returns None
    got = bm.predict(name, [None, halo, invalid, halo])
    alone = bm.predict(name, [halo])[0]
    assert np.isnan(got[0]) and np.isnan(got[2])
    assert got[1] == got[3] == alone
    assert bm.predict(name, []).shape == (0,)
    assert np.isnan(bm.predict(name, [None])).all()


def test_unknown_model_name_is_a_clear_error():
    for call in (lambda: bm.predict("drd3", []), lambda: bm.load_model("DRD3"), lambda: bm.featurize("x", [])):
        with pytest.raises(ValueError, match="drd2, gsk3b, jnk3"):
            call()


def test_missing_model_file_is_a_clear_error(tmp_path, monkeypatch):
    bm.load_model.cache_clear()
    monkeypatch.setattr(bm, "DATA_DIR", tmp_path)
    try:
        with pytest.raises(FileNotFoundError, match="convert_bioactivity_models"):
            bm.load_model("jnk3")
    finally:
        bm.load_model.cache_clear()


def test_featurisation_matches_the_legacy_tdc_definition():
    """FCFP6 counts folded mod 2048 (DRD2) and ECFP4 2048-bit vectors (GSK3B, JNK3), as TDC computes them."""
    if not hasattr(AllChem, "GetMorganFingerprint"):
        pytest.skip("this RDKit no longer has the legacy Morgan functions")
    mols = [Chem.MolFromSmiles(s) for s in (HALOPERIDOL, ASPIRIN, CAFFEINE, "c1ccc2[nH]ccc2c1", "[NH3+]CC(=O)[O-]")]
    counts = np.zeros((len(mols), 2048), dtype=np.int64)
    bits = np.zeros((len(mols), 2048), dtype=np.int64)
    for i, mol in enumerate(mols):
        sparse = AllChem.GetMorganFingerprint(mol, 3, useCounts=True, useFeatures=True)
        for idx, count in sparse.GetNonzeroElements().items():
            counts[i, idx % 2048] += count
        arr = np.zeros((2048,))
        DataStructs.ConvertToNumpyArray(AllChem.GetMorganFingerprintAsBitVect(mol, 2, nBits=2048), arr)
        bits[i] = arr
    np.testing.assert_array_equal(bm.featurize("drd2", mols), counts)
    for name in ("gsk3b", "jnk3"):
        np.testing.assert_array_equal(bm.featurize(name, mols), bits)
    assert set(bm.FEATURISATION) == set(bm.MODEL_NAMES)
