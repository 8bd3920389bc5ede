import numpy as np
import pytest

from molmara.chem import morgan_bits, tanimoto_matrix, to_mols
from molmara.metrics import internal_diversity, novelty, sample_quality, uniqueness, validity


def test_validity_uniqueness_novelty_by_hand():
    smiles = ["CCO", "OCC", "c1ccccc1", "bad", ""]
    assert validity(smiles) == pytest.approx(3 / 5)
    assert uniqueness(["CCO", "CCO", "c1ccccc1", None]) == pytest.approx(2 / 3)
    assert novelty(["CCO", "c1ccccc1", "CCN", None], {"CCO"}) == pytest.approx(2 / 3)
    assert validity([]) == 0.0 and uniqueness([]) == 0.0 and novelty([], set()) == 0.0


def test_intdiv_matches_the_moses_formula():
    fps = morgan_bits(to_mols(["CCO", "CCN", "c1ccccc1", "CC(=O)Oc1ccccc1C(=O)O"]), radius=2, n_bits=1024)
    sims = tanimoto_matrix(fps, fps)
    expected1 = 1 - sims.mean()
    expected2 = 1 - np.mean(np.sqrt(np.mean(sims**2, axis=1)))
    assert internal_diversity(fps, 1) == pytest.approx(expected1)
    assert internal_diversity(fps, 2) == pytest.approx(expected2)
    same = morgan_bits(to_mols(["CCO", "CCO"]), radius=2, n_bits=1024)
    assert internal_diversity(same, 1) == pytest.approx(0.0)


def test_sample_quality_report(moses_smiles):
    sample = moses_smiles[:100] + ["bad"] * 10 + moses_smiles[:10]
    report = sample_quality(sample, reference=set(moses_smiles[:50]))
    assert report["validity"] == pytest.approx(110 / 120)
    assert report["uniqueness"] == pytest.approx(100 / 110)
    assert report["novelty"] == pytest.approx(0.5)
    assert 0.8 < report["intdiv1"] < 0.95
    assert 50 < report["unique_scaffolds"] <= 100


def test_distribution_metrics_take_what_a_chemist_has():
    from rdkit import Chem

    from molmara.chem.fingerprints import morgan_bits
    from molmara.metrics import internal_diversity, novelty, uniqueness

    spellings = ["OCC", "CCO", "C(O)C", "c1ccccc1", "nonsense"]
    assert uniqueness(spellings) == 0.5  # ethanol three ways and benzene, the invalid string left out
    assert novelty(spellings, {"CCO"}) == 0.5
    mols = [Chem.MolFromSmiles(s) for s in ("CCO", "c1ccccc1", "CC(=O)O")]
    expected = internal_diversity(morgan_bits(mols, 2, 1024))
    assert internal_diversity(["CCO", "c1ccccc1", "CC(=O)O", "nonsense"]) == expected == internal_diversity(mols)


def test_internal_diversity_of_a_large_set_matches_the_float64_definition():
    import numpy as np

    from molmara.chem.fingerprints import tanimoto_matrix
    from molmara.metrics import internal_diversity

    rng = np.random.default_rng(1)
    fps = np.packbits(rng.random((1100, 1024)) < 0.05, axis=1)  # 1,210,000 pairs: the torch path
    sims = tanimoto_matrix(fps, fps)
    for p in (1, 2):
        reference = 1.0 - np.mean(np.power(np.mean(np.power(sims, p), axis=1), 1.0 / p))
        assert abs(internal_diversity(fps, p) - reference) < 1e-6


@pytest.mark.parametrize("int8", ["int8", "float32", "int8 then float32"])
def test_intdiv_torch_blocks_match_the_float64_definition_on_both_products(monkeypatch, int8):
    """The symmetric block walk (blocks on and above the diagonal, row and column sums) gives every row's mean,
    with the int8 product (CPUs with VNNI/AMX), the float32 one (elsewhere), and when int8 gives out midway."""
    import numpy as np

    from molmara.chem.fingerprints import tanimoto_matrix
    from molmara.metrics import distribution

    calls = []
    real = distribution._int8_product

    def counted(rows, columns):
        calls.append(1)
        return None if int8 == "int8 then float32" and len(calls) > 3 else real(rows, columns)

    monkeypatch.setattr(distribution, "int8_product_is_fast", lambda: int8 != "float32")
    monkeypatch.setattr(distribution, "_int8_product", counted)
    rng = np.random.default_rng(2)
    fps = np.packbits(rng.random((300, 1024)) < 0.05, axis=1)
    sims = tanimoto_matrix(fps, fps)
    for p in (1, 2):
        calls.clear()
        reference = np.sum(np.power(np.mean(np.power(sims, p), axis=1), 1.0 / p))
        blocks = distribution._row_means_torch(fps, p, chunk=64)  # 300 rows: 5 row blocks, the last one short
        assert abs(blocks - reference) < 1e-4  # a sum over 300 rows of float32 ratios
        assert abs(blocks / 300 - reference / 300) < 1e-7
        assert len(calls) == {"int8": 15, "float32": 0, "int8 then float32": 4}[int8]  # 5 + 4 + 3 + 2 + 1 blocks
