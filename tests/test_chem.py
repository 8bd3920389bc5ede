import numpy as np
import pytest
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator

from molmara.chem import (
    canonical_smiles,
    canonicalize,
    generic_scaffolds,
    is_valid,
    morgan_bits,
    morgan_counts,
    murcko_scaffolds,
    randomize_smiles,
    standardize,
    tanimoto_matrix,
    to_mols,
)

BAD_INPUTS = [None, 42, "", "   ", "not a smiles", "C1CC", "C" * 10_000]


@pytest.mark.parametrize("bad", BAD_INPUTS)
def test_bad_input_is_invalid_not_an_exception(bad):
    assert not is_valid(bad)
    assert canonical_smiles(bad) is None


def test_canonical_form_is_shared_by_equivalent_smiles():
    assert canonical_smiles("OCC") == canonical_smiles("C(O)C") == "CCO"
    assert canonicalize(["c1ccccc1", "bad"]) == ["c1ccccc1", None]


def test_standardize_strips_salts_and_neutralises():
    out = standardize(["CC(=O)[O-].[Na+]", "C[NH3+].[Cl-]", "xx", None])
    assert out == ["CC(=O)O", "CN", None, None]


def test_randomized_smiles_is_the_same_molecule_and_seeded():
    import random

    smiles = "CC(=O)Oc1ccccc1C(=O)O"
    variants = {randomize_smiles(smiles, random.Random(i)) for i in range(20)}
    assert len(variants) > 1
    assert {canonical_smiles(v) for v in variants} == {canonical_smiles(smiles)}
    assert randomize_smiles(smiles, random.Random(3)) == randomize_smiles(smiles, random.Random(3))
    assert randomize_smiles("nonsense") is None


def test_scaffolds():
    ibuprofen = "CC(C)Cc1ccc(cc1)C(C)C(=O)O"
    haloperidol = "OC1(CCN(CCCC(=O)c2ccc(F)cc2)CC1)c1ccc(Cl)cc1"
    murcko = murcko_scaffolds([ibuprofen, haloperidol, "CCCC", "bad"])
    assert murcko[0] == "c1ccccc1"
    assert murcko[1] == canonical_smiles("O=C(CCCN1CCC(c2ccccc2)CC1)c1ccccc1")
    assert murcko[2] == "" and murcko[3] is None
    generic = generic_scaffolds([ibuprofen])
    assert generic == ["C1CCCCC1"]


def test_generic_scaffold_depends_on_the_murcko_scaffold_alone(moses_smiles):
    """The trainer computes a generic scaffold once per Murcko scaffold: molecules sharing one share the other."""
    smiles = moses_smiles
    generic_of: dict[str, set] = {}
    for scaffold, generic in zip(murcko_scaffolds(smiles), generic_scaffolds(smiles), strict=True):
        generic_of.setdefault(scaffold, set()).add(generic)
    assert len(generic_of) > 500
    assert all(len(generics) == 1 for generics in generic_of.values())


def test_packed_morgan_bits_match_rdkit_tanimoto():
    smiles = ["CCO", "CCN", "c1ccccc1O", "CC(=O)Oc1ccccc1C(=O)O", "bad"]
    mols = to_mols(smiles)
    packed = morgan_bits(mols, radius=2, n_bits=2048)
    assert packed.shape == (5, 256) and packed.dtype == np.uint8
    assert not packed[4].any()
    sims = tanimoto_matrix(packed[:4], packed[:4])
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    fps = [gen.GetFingerprint(m) for m in mols[:4]]
    for i in range(4):
        expected = DataStructs.BulkTanimotoSimilarity(fps[i], fps)
        np.testing.assert_allclose(sims[i], expected, atol=1e-12)
    assert tanimoto_matrix(packed[4:], packed[4:])[0, 0] == 0.0


@pytest.mark.parametrize("features", [False, True])
def test_bulk_morgan_bits_equal_rdkit_one_molecule_at_a_time(moses_smiles, features):
    mols = to_mols(moses_smiles[:500] + ["bad"])
    invariants = rdFingerprintGenerator.GetMorganFeatureAtomInvGen() if features else None
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=1024, atomInvariantsGenerator=invariants)
    expected = np.array([np.packbits(gen.GetFingerprintAsNumPy(m).astype(bool)) for m in mols[:500]])
    packed = morgan_bits(mols, radius=2, n_bits=1024, features=features)
    assert np.array_equal(packed[:500], expected) and not packed[500].any()


def test_feature_morgan_counts_differ_from_plain_and_count_atoms():
    mols = [Chem.MolFromSmiles("c1ccccc1Cl")]
    plain = morgan_counts(mols, radius=0, n_bits=2048)
    feature = morgan_counts(mols, radius=0, n_bits=2048, features=True)
    assert plain.sum() == feature.sum() == 7  # radius 0: one environment per heavy atom
    assert not np.array_equal(plain, feature)


def test_intersection_counts_are_exact_on_both_paths():
    import numpy as np

    from molmara.chem.fingerprints import intersection_counts

    rng = np.random.default_rng(0)
    a = (rng.random((1200, 1024)) < 0.3).astype(np.uint8)  # dense: counts far above bf16's exact range
    b = (rng.random((900, 1024)) < 0.3).astype(np.uint8)
    exact = a.astype(np.int64) @ b.T.astype(np.int64)
    assert np.array_equal(intersection_counts(a, b), exact)  # 1,080,000 pairs: int8 where the CPU has VNNI/AMX
    assert np.array_equal(intersection_counts(a[:10], b[:10]), exact[:10, :10])  # small: float32


def test_int8_product_is_taken_only_where_the_cpu_has_int8_dot_products(monkeypatch):
    """Without VNNI/AMX torch's int8 product is a reference kernel ~35x slower than float32: the flags decide."""
    import numpy as np

    from molmara.chem import fingerprints

    assert fingerprints.int8_flags_present("processor : 0\nflags : fpu sse2 avx2 amx_int8 amx_tile\n")
    assert fingerprints.int8_flags_present("flags\t\t: avx512f avx512_vnni\n")
    assert not fingerprints.int8_flags_present("flags : fpu sse2 avx avx2 fma\n")  # an AVX2-only AMD EPYC
    assert not fingerprints.int8_flags_present("no flags line at all")
    rng = np.random.default_rng(3)
    a = (rng.random((1000, 64)) < 0.3).astype(np.uint8)
    exact = a.astype(np.int64) @ a.T.astype(np.int64)
    for fast in (True, False):  # 1,000,000 pairs: the int8 product when fast, float32 otherwise; both exact
        monkeypatch.setattr(fingerprints, "int8_product_is_fast", lambda fast=fast: fast)
        counts = fingerprints.intersection_counts(a, a)
        assert counts.dtype == np.int64 and np.array_equal(counts, exact)
