import math

import numpy as np
import pytest

from molmara.chem import morgan_bits, tanimoto_matrix, to_mols
from molmara.metrics import circles, diverse_hits, greedy_circles

ALKANES = ["CCCCCCCCCC", "CCCCCCCCCCC", "CCCCCCCCCCCC"]  # identical Morgan r2 fingerprints
NAPHTHALENES = ["c1ccc2ccccc2c1", "Cc1ccc2ccccc2c1"]  # Tanimoto distance 0.53 to each other, > 0.9 to the alkanes


def packed(*bit_sets: set[int], n_bits: int = 16) -> np.ndarray:
    """Packed fingerprints with the given bits on (hand-made, so that Tanimoto values are known exactly)."""
    rows = np.zeros((len(bit_sets), n_bits), dtype=np.uint8)
    for i, bits in enumerate(bit_sets):
        rows[i, list(bits)] = 1
    return np.packbits(rows, axis=1)


def naive_greedy(fps: np.ndarray, t: float) -> list[int]:
    members: list[int] = []
    sims = tanimoto_matrix(fps, fps)
    for i in range(fps.shape[0]):
        if all(1.0 - sims[i, j] > t for j in members):
            members.append(i)
    return members


def test_greedy_circles_by_hand():
    # A1, A2 share 3 of 5 bits (distance 0.4); B1, B2 likewise; A and B share none (distance 1)
    fps = packed({0, 1, 2, 3}, {0, 1, 2, 4}, {8, 9, 10, 11}, {8, 9, 10, 12})
    assert greedy_circles(fps, 0.75) == [0, 2]
    assert greedy_circles(fps, 0.3) == [0, 1, 2, 3]
    # distance exactly t does not count as "more than t apart": {0,1,2} vs {0,1,3} is 2/4 = 0.5
    assert greedy_circles(packed({0, 1, 2}, {0, 1, 3}), 0.5) == [0]
    assert greedy_circles(packed({0, 1, 2}, {0, 1, 3}), 0.49) == [0, 1]


def test_greedy_result_depends_on_the_visiting_order():
    # a chain A - B - C: d(A,B) = d(B,C) = 2/3 <= 0.7, d(A,C) = 1
    a, b, c = {0, 1, 2, 3}, {2, 3, 4, 5}, {4, 5, 6, 7}
    assert greedy_circles(packed(a, b, c), 0.7) == [0, 2]  # A then C: 2 circles
    assert greedy_circles(packed(b, a, c), 0.7) == [0]  # B first covers both: 1 circle


def test_chunked_greedy_equals_the_one_by_one_loop(moses_smiles):
    fps = morgan_bits(to_mols(moses_smiles[:300]), radius=2, n_bits=1024)
    expected = naive_greedy(fps, 0.75)
    assert 10 < len(expected) < 300
    for chunk in (1, 7, 64, 1000):
        assert greedy_circles(fps, 0.75, chunk=chunk) == expected


def test_circles_equal_a_one_by_one_rdkit_greedy_over_canonical_first_copies(moses_smiles):
    """The fast path (bulk fingerprints, repeats found through shared fingerprints, members canonicalised last)
    gives what the definition says: canonical first copies in input order, each kept when RDKit's Tanimoto distance
    to every member so far is > t — written in random atom orders and with repeats, as a run's calls can be."""
    from rdkit import Chem, DataStructs
    from rdkit.Chem import rdFingerprintGenerator

    rng = np.random.default_rng(0)
    base = moses_smiles[:600]
    repeats = [Chem.MolToSmiles(Chem.MolFromSmiles(s), doRandom=True) for s in rng.choice(base, 150)]
    smiles = list(base) + repeats + ["not a smiles"]
    smiles = [smiles[i] for i in rng.permutation(len(smiles))]
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=1024)
    seen, members, member_fps, n_duplicates = set(), [], [], 0
    for s in smiles:
        mol = Chem.MolFromSmiles(s)
        if mol is None:
            continue
        canonical = Chem.MolToSmiles(mol)
        if canonical in seen:
            n_duplicates += 1
            continue
        seen.add(canonical)
        fp = gen.GetFingerprint(mol)
        if all(1.0 - sim > 0.75 for sim in DataStructs.BulkTanimotoSimilarity(fp, member_fps)):
            members.append(canonical)
            member_fps.append(fp)
    result = circles(smiles)
    assert result.members == members and result.count == len(members) > 50
    assert (result.n_invalid, result.n_duplicates, result.n_candidates) == (1, n_duplicates, len(seen))
    assert n_duplicates > 100
    assert circles(to_mols(smiles)).members == members  # molecules in, the same answer


def test_circles_members_are_far_apart_and_cover_the_rest(moses_smiles):
    result = circles(moses_smiles[:400])
    assert result.threshold == 0.75 and result.count == len(result.members)
    members = morgan_bits(to_mols(result.members), radius=2, n_bits=1024)
    distances = 1.0 - tanimoto_matrix(members, members)
    off_diagonal = distances[~np.eye(result.count, dtype=bool)]
    assert (off_diagonal > 0.75).all()
    # greedy is maximal: every molecule left out lies within t of some member
    everyone = morgan_bits(to_mols(moses_smiles[:400]), radius=2, n_bits=1024)
    assert ((1.0 - tanimoto_matrix(everyone, members)).min(axis=1) <= 0.75).all()


def test_circles_on_small_sets():
    two_families = circles(ALKANES + NAPHTHALENES)
    assert two_families.count == 2 and two_families.members == ["CCCCCCCCCC", "c1ccc2ccccc2c1"]
    assert circles(ALKANES + NAPHTHALENES, threshold=0.5).count == 3  # the naphthalenes now count apart
    identical = circles(["CCO", "OCC", "C(O)C"])
    assert (identical.count, identical.n_duplicates, identical.n_candidates) == (1, 2, 1)
    assert circles(["c1ccccc1"]).count == 1
    empty = circles([])
    assert (empty.count, empty.members, empty.n_input) == (0, [], 0)


def test_invalid_smiles_are_left_out_and_counted():
    result = circles(["CCO", "not a smiles", "", None, "C1CC"])
    assert result.count == 1 and result.n_invalid == 4 and result.n_input == 5


@pytest.mark.parametrize("bad", [1.5, -0.1, math.nan, "high"])
def test_thresholds_outside_the_unit_interval_are_refused(bad):
    with pytest.raises(ValueError, match="distance threshold t"):
        circles(["CCO"], threshold=bad)
    with pytest.raises(ValueError, match="score threshold s"):
        diverse_hits(["CCO"], [1.0], score_threshold=bad)
    with pytest.raises(ValueError, match="distance threshold t"):
        diverse_hits(["CCO"], [1.0], threshold=bad)


def test_diverse_hits_by_hand():
    smiles = ALKANES[:2] + NAPHTHALENES + ["CC(C)C1CCC(C)CC1O"]
    scores = [0.9, 0.95, 0.6, 0.8, 0.4]  # menthol is below s = 0.5
    result = diverse_hits(smiles, scores)
    assert result.threshold == 0.7 and result.n_candidates == 4
    # visited by score: undecane (0.95) is kept, decane falls in its circle; methylnaphthalene before naphthalene
    assert result.members == ["CCCCCCCCCCC", "Cc1ccc2ccccc2c1"]
    assert diverse_hits(smiles, [0.9, 0.9, 0.6, 0.8, 0.4]).members[0] == "CCCCCCCCCC"  # tie: canonical order
    assert diverse_hits(smiles, scores, score_threshold=0.0).count == 3  # menthol is its own region
    assert diverse_hits(smiles, scores, score_threshold=0.95).members == ["CCCCCCCCCCC"]  # s itself is a hit


def test_diverse_hits_edge_cases():
    none = diverse_hits(["CCO", "c1ccccc1"], [0.1, math.nan])
    assert none.count == 0 and none.members == [] and none.n_candidates == 0
    assert diverse_hits([], []).count == 0
    repeated = diverse_hits(["CCO", "OCC", "bad"], [0.2, 0.7, 0.9])  # the repeat's better score makes it a hit
    assert repeated.members == ["CCO"] and repeated.n_duplicates == 1 and repeated.n_invalid == 1
    with pytest.raises(ValueError, match="2 SMILES but 1 scores"):
        diverse_hits(["CCO", "CCN"], [0.5])


def test_metrics_give_the_same_answer_on_molecules_parsed_once():
    import pandas as pd

    from molmara.metrics.scaffold_stats import hit_scaffold_table, mode_coverage

    smiles = ["c1ccccc1CCN", "CCO", "not a smiles", "Oc1ccccc1C(=O)O", "NCCc1ccccc1", "c1ccc2ccccc2c1"]
    scores = [0.9, 0.2, 0.8, 0.7, 0.95, 0.6]
    mols = to_mols(smiles)
    assert to_mols(mols) == mols  # a molecule is passed through
    assert circles(mols, 0.5) == circles(smiles, 0.5)
    assert diverse_hits(mols, scores, 0.5) == diverse_hits(smiles, scores, 0.5)
    pd.testing.assert_frame_equal(hit_scaffold_table(mols), hit_scaffold_table(smiles))
    assert mode_coverage(mols, ["c1ccccc1"]) == mode_coverage(smiles, ["c1ccccc1"])
