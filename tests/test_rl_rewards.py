"""Each rule of a batch's rewards (molmara.rl.rewards), the diversity filter, replay and MARA's eligibility,
pinned on hand-built batches; the rules are REINVENT 4's, cited in each module."""

import math

import numpy as np
import pytest

from molmara.rl.filters import ScaffoldDiversityFilter
from molmara.rl.mara import augment
from molmara.rl.replay import ReplayMemory
from molmara.rl.rewards import batch_rewards, duplicate_mask, mara_rewards

BENZENE = "c1ccccc1"


def rewards_of(canonical, scores, over_budget=None, scaffolds=None, **kwargs):
    n = len(canonical)
    over_budget = np.zeros(n, dtype=bool) if over_budget is None else np.array(over_budget)
    scaffolds = scaffolds or [BENZENE if c else None for c in canonical]
    return batch_rewards(canonical, np.array(scores, dtype=float), over_budget, scaffolds, **kwargs)


def test_duplicate_mask_marks_second_and_later_copies_only():
    assert list(duplicate_mask(["A", "B", "A", None, None, "A"])) == [False, False, True, False, False, True]


def test_a_repeated_molecule_scores_zero_and_stays_in_the_loss_by_default():
    out = rewards_of(["A", "B", "A", "A"], [0.9, 0.5, 0.9, 0.9])
    np.testing.assert_array_equal(out.rewards, [0.9, 0.5, 0.0, 0.0])
    assert out.in_loss.all() and list(out.duplicate) == [False, False, True, True]
    assert list(out.eligible) == [True, True, False, False]


def test_drop_takes_repeats_out_of_the_loss_and_keep_gives_them_the_score():
    drop = rewards_of(["A", "B", "A"], [0.9, 0.5, 0.9], duplicates="drop")
    assert list(drop.in_loss) == [True, True, False] and math.isnan(drop.rewards[2])
    keep = rewards_of(["A", "B", "A"], [0.9, 0.5, 0.9], duplicates="keep")
    np.testing.assert_array_equal(keep.rewards, [0.9, 0.5, 0.9])
    assert keep.in_loss.all() and list(keep.eligible) == [True, True, False] and keep.liftable.all()
    with pytest.raises(ValueError, match="duplicates must be one of"):
        rewards_of(["A"], [0.9], duplicates="twice")


def test_an_invalid_molecule_scores_zero_in_the_loss_and_never_counts_for_mara():
    out = rewards_of([None, "A"], [np.nan, 0.7])
    np.testing.assert_array_equal(out.rewards, [0.0, 0.7])
    assert out.in_loss.all() and list(out.eligible) == [False, True] and list(out.liftable) == [False, True]


def test_an_oracle_failure_and_an_over_budget_molecule_are_out_of_the_loss():
    out = rewards_of(["A", "B", "C", "B"], [np.nan, np.nan, 0.6, np.nan], over_budget=[False, True, False, True])
    assert list(out.in_loss) == [False, False, True, False]
    assert np.isnan(out.rewards[[0, 1, 3]]).all() and out.rewards[2] == 0.6
    assert list(out.duplicate) == [False, False, False, False]  # an unscored copy is not a scored repeat


def test_diversity_filter_zeroes_a_molecule_seen_in_an_earlier_batch():
    flt = ScaffoldDiversityFilter(bucket_size=25, min_score=0.4)
    first = rewards_of(["A", "B"], [0.9, 0.3], diversity_filter=flt)
    np.testing.assert_array_equal(first.rewards, [0.9, 0.3])
    assert flt.smiles_memory == {"A"}  # below min_score: not remembered
    rewards_of(["C"], [0.8], diversity_filter=flt)  # a step in between
    later = rewards_of(["A", "B", "C"], [0.9, 0.3, 0.8], diversity_filter=flt)  # A seen two steps ago
    np.testing.assert_array_equal(later.rewards, [0.0, 0.3, 0.0])
    assert list(later.filtered) == [True, False, True] and list(later.liftable) == [False, True, False]


def test_diversity_filter_full_bucket_keeps_the_first_bucket_size_molecules():
    flt = ScaffoldDiversityFilter(bucket_size=2, min_score=0.5)
    scaffolds = [BENZENE, BENZENE, BENZENE, BENZENE, "C1CCCCC1", ""]
    out = rewards_of(["A", "B", "C", "D", "E", "CCO"], [0.9, 0.8, 0.7, 0.2, 0.9, 0.6], scaffolds=scaffolds,
                     diversity_filter=flt)  # fmt: skip
    np.testing.assert_array_equal(out.rewards, [0.9, 0.8, 0.0, 0.2, 0.9, 0.6])  # the third benzene hit: 0
    assert flt.buckets == {BENZENE: 3, "C1CCCCC1": 1, "": 1}  # counted past the size; acyclic share ""


def test_in_batch_copies_do_not_fill_a_bucket():
    flt = ScaffoldDiversityFilter(bucket_size=1, min_score=0.5)
    out = rewards_of(["A", "A", "A", "B"], [0.9, 0.9, 0.9, 0.8], diversity_filter=flt)
    np.testing.assert_array_equal(out.rewards, [0.9, 0.0, 0.0, 0.0])  # B is the bucket's second molecule
    assert flt.buckets[BENZENE] == 2 and list(out.filtered) == [False, False, False, True]
    state = flt.state()
    again = ScaffoldDiversityFilter(bucket_size=1, min_score=0.5)
    again.load_state(state)
    assert again.smiles_memory == {"A", "B"} and again.buckets == flt.buckets  # B remembered, then zeroed


def test_replay_adds_first_keeps_first_entries_and_cuts_by_reward():
    memory = ReplayMemory(size=2)
    memory.add(["A", "B", "C"], np.array([0.5, 0.9, 0.7]), ["a", "b", "c"])
    assert list(memory.items) == ["B", "C"]
    memory.add(["B", "D"], np.array([0.0, np.nan]), ["b2", "d"])  # B stays at 0.9; NaN never enters
    assert memory.items == {"B": (0.9, "b"), "C": (0.7, "c")}
    smiles, rewards = memory.sample(5, np.random.default_rng(0))
    assert sorted(zip(smiles, rewards, strict=True)) == [("b", 0.9), ("c", 0.7)]
    restored = ReplayMemory(2)
    restored.load_state(memory.state())
    assert restored.items == memory.items
    restored.load_state({"CCO": 0.4})  # a checkpoint of the older format
    assert restored.items == {"CCO": (0.4, "CCO")}


def test_replay_stores_the_filtered_reward():
    """A molecule the filter zeroed is replayed at 0, not at its raw score."""
    flt = ScaffoldDiversityFilter(bucket_size=1, min_score=0.5)
    batch = rewards_of(["A", "B"], [0.9, 0.8], diversity_filter=flt)
    memory = ReplayMemory(10)
    rows = np.flatnonzero(batch.eligible)
    memory.add([["A", "B"][i] for i in rows], batch.rewards[rows], ["a", "b"])
    assert memory.items == {"A": (0.9, "a"), "B": (0.0, "b")}


def test_mara_takes_tau_and_anchor_from_eligible_rows_on_a_sparse_batch():
    # a sparse batch: one real hit among invalid, repeated and filtered zeros; p90 over all rows would be 0
    flt = ScaffoldDiversityFilter(bucket_size=25, min_score=0.4)
    flt.smiles_memory.add("D")
    batch = rewards_of([None, None, "A", "A", "B", "C", "D"], [np.nan, np.nan, 0.9, 0.9, 0.1, 0.2, 0.8],
                       diversity_filter=flt)  # fmt: skip
    np.testing.assert_array_equal(batch.rewards, [0, 0, 0.9, 0, 0.1, 0.2, 0])
    logp = np.array([-1.0, -2.0, -30.0, -30.0, -20.0, -25.0, -5.0])  # the invalid rows are the likeliest
    out = mara_rewards(batch, np.zeros(0), logp, tau="p50", beta=0.1)
    # τ = median of the first copies' rewards [0.9, 0.1, 0.2, 0 (D, filtered)] = 0.15; A and C reach it, C anchors
    assert out.threshold == pytest.approx(0.15) and out.anchor == 5
    assert list(out.above) == [False, False, True, False, False, True, False]
    np.testing.assert_allclose(out.rewards, [0, 0, 0.2 + 0.1 * (-25 + 30), 0, 0.1, 0.2, 0])
    flat = augment(batch.rewards, logp, tau="p50", beta=0.1)  # what eligibility prevents: τ = 0, an invalid anchor
    assert flat.threshold == 0.0 and flat.anchor == 0 and flat.above.all()


def test_mara_lifts_replayed_rows_above_tau_with_the_batch_anchor_but_they_never_anchor():
    batch = rewards_of(["A", "B", "C"], [0.9, 0.85, 0.3])
    replay = np.array([0.95, 0.5])
    logp = np.array([-20.0, -10.0, -12.0, -1.0, -3.0])  # the first replayed row is likeliest of all
    out = mara_rewards(batch, replay, logp, tau=0.8, beta=0.1)
    assert out.anchor == 1 and out.threshold == 0.8
    expected = [0.85 + 0.1 * (-10 + 20), 0.85, 0.3, 0.85 + 0.1 * (-10 + 1), 0.5]
    np.testing.assert_allclose(out.rewards, expected)
    target = logp + out.rewards / 0.1
    assert np.ptp(target[[0, 1, 3]]) == pytest.approx(0.0, abs=1e-9)  # one target for every row above τ
    nothing = mara_rewards(rewards_of(["C"], [0.3]), replay, logp[2:], tau=0.8, beta=0.1)
    assert nothing.anchor is None and np.array_equal(nothing.rewards, [0.3, 0.95, 0.5])


def test_a_filtered_molecule_never_anchors_even_when_tau_resolves_to_zero():
    flt = ScaffoldDiversityFilter(bucket_size=25, min_score=0.4)
    flt.smiles_memory.add("A")  # A was seen before: the filter sets it to 0
    batch = rewards_of(["A", "B", "C"], [0.9, 0.0, 0.0], diversity_filter=flt)
    np.testing.assert_array_equal(batch.rewards, [0.0, 0.0, 0.0])
    logp = np.array([-1.0, -5.0, -8.0])  # the filtered molecule is the likeliest
    out = mara_rewards(batch, np.zeros(0), logp, tau="p50", beta=0.1)
    assert out.threshold == 0.0 and out.anchor == 1 and not out.above[0]
    np.testing.assert_allclose(out.rewards, [0.0, 0.0, 0.0 + 0.1 * (-5 + 8)])
