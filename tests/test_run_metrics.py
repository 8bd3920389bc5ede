import math

import numpy as np
import pandas as pd
import pytest

from molmara.metrics import (
    cumulative_yield,
    oracle_burden,
    oracle_calls,
    running_top_k,
    top_k_auc,
    top_k_average,
    unique_at_k,
    yield_at,
)


def molecules_table() -> pd.DataFrame:
    """A run's molecules as the recorder writes them: invalid, repeated and over-budget rows included."""
    rows = [
        # SMILES, Score, step, canonical, valid, over_budget
        ("CCO", 0.9, 1, "CCO", True, False),  # call 1
        ("bad", math.nan, 1, "", False, False),  # invalid: no call
        ("OCC", 0.9, 1, "CCO", True, False),  # repeat of call 1: no call
        ("c1ccccc1", 0.2, 1, "c1ccccc1", True, False),  # call 2
        ("CCN", 0.85, 2, "CCN", True, False),  # call 3
        ("CCO", 0.9, 2, "CCO", True, False),  # cached: no call
        ("CCC", math.nan, 3, "CCC", True, True),  # past the budget: no call
        ("CCC", math.nan, 3, "CCC", True, True),
    ]
    table = pd.DataFrame(rows, columns=["SMILES", "Score", "step", "canonical_smiles", "valid", "over_budget"])
    return table


def test_oracle_calls_follow_the_scoring_services_rules():
    calls = oracle_calls(molecules_table())
    assert calls["smiles"].tolist() == ["CCO", "c1ccccc1", "CCN"]
    assert calls["call"].tolist() == [1, 2, 3] and calls["step"].tolist() == [1, 1, 2]
    assert calls["score"].tolist() == [0.9, 0.2, 0.85]


def test_oracle_calls_from_a_csv_and_from_bare_smiles(tmp_path):
    path = tmp_path / "molecules.csv"
    molecules_table().to_csv(path, index=False)
    assert oracle_calls(pd.read_csv(path))["smiles"].tolist() == ["CCO", "c1ccccc1", "CCN"]
    bare = pd.DataFrame({"SMILES": ["OCC", "CCO", "nope", "CN"], "Score": [0.1, 0.1, 0.0, 0.3]})
    assert oracle_calls(bare)["smiles"].tolist() == ["CCO", "CN"]
    empty = oracle_calls(pd.DataFrame())
    assert list(empty.columns) == ["call", "step", "smiles", "score"] and len(empty) == 0


def test_yield_and_oracle_burden_by_hand():
    scores = [0.1, 0.9, math.nan, 0.5, 0.95, 0.49, 0.5]
    assert yield_at(scores, 0.5) == 4  # 0.9, 0.5, 0.95, 0.5: the threshold itself is a hit, NaN is not
    assert yield_at(scores, 0.9) == 2
    assert cumulative_yield(scores, 0.5).tolist() == [0, 1, 1, 2, 3, 3, 4]
    assert oracle_burden(scores, 0.5, k=1) == 2
    assert oracle_burden(scores, 0.5, k=3) == 5
    assert oracle_burden(scores, 0.5, k=4) == 7
    assert oracle_burden(scores, 0.5, k=5) is None  # not reached
    assert oracle_burden(scores, 0.5) is None  # OB100 by default
    assert oracle_burden([0.6] * 150, 0.5) == 100
    assert yield_at([], 0.5) == 0 and oracle_burden([], 0.5) is None


@pytest.mark.parametrize("bad", [1.2, -0.5, math.nan])
def test_score_thresholds_outside_the_unit_interval_are_refused(bad):
    with pytest.raises(ValueError, match="score threshold"):
        yield_at([0.5], bad)
    with pytest.raises(ValueError, match="score threshold"):
        oracle_burden([0.5], bad)


def test_top_k_average_by_hand():
    assert top_k_average([0.1, 0.9, 0.5], 2) == pytest.approx(0.7)
    assert top_k_average([0.1, 0.9, 0.5], 10) == pytest.approx(0.5)  # fewer than k: all of them (PMO)
    assert top_k_average([0.4, math.nan], 2) == pytest.approx(0.2)  # a failed oracle counts as 0
    assert math.isnan(top_k_average([], 10))
    with pytest.raises(ValueError, match="k must be >= 1"):
        top_k_average([0.5], 0)


def test_running_top_k_matches_brute_force():
    scores = np.random.default_rng(0).random(500)
    brute = [np.sort(scores[: i + 1])[::-1][:10].mean() for i in range(500)]
    assert np.allclose(running_top_k(scores, 10), brute)


def test_top_k_auc_by_hand():
    # top-1 after each call: 0.2 0.4 0.4 0.8 0.8; read at calls 2, 4 and 5; trapezoids from 0 at call 0
    scores = [0.2, 0.4, 0.1, 0.8, 0.5]
    area = 2 * (0.0 + 0.4) / 2 + 2 * (0.4 + 0.8) / 2 + 1 * (0.8 + 0.8) / 2
    assert top_k_auc(scores, k=1, every=2) == pytest.approx(area / 5)
    # a run that stopped early carries its last value to the budget
    assert top_k_auc(scores, k=1, every=2, budget=10) == pytest.approx((area + 5 * 0.8) / 10)
    # calls past the budget are ignored
    assert top_k_auc(scores + [1.0], k=1, every=2, budget=5) == pytest.approx(area / 5)
    # a perfect run over 300 calls: 100 * (0 + 1) / 2 + 100 + 100, over 300
    assert top_k_auc([1.0] * 300) == pytest.approx(250 / 300)
    assert math.isnan(top_k_auc([]))


def pmo_top_auc(scores: list[float], top_n: int, freq_log: int, max_oracle_calls: int) -> float:
    """PMO's top-k AUC (Gao et al., 2022) written from its definition: a buffer of (score, call) pairs."""
    buffer = {f"m{i}": (s, i + 1) for i, s in enumerate(scores)}
    ordered = sorted(buffer.items(), key=lambda kv: kv[1][1])
    total, prev, called = 0.0, 0.0, 0
    for idx in range(freq_log, min(len(buffer), max_oracle_calls), freq_log):
        now = np.mean(sorted((v[0] for _, v in ordered[:idx]), reverse=True)[:top_n])
        total += freq_log * (now + prev) / 2
        prev, called = now, idx
    now = np.mean(sorted((v[0] for _, v in ordered), reverse=True)[:top_n])
    total += (len(buffer) - called) * (now + prev) / 2
    if len(buffer) < max_oracle_calls:
        total += (max_oracle_calls - len(buffer)) * now
    return total / max_oracle_calls


@pytest.mark.parametrize("n, budget", [(1000, 1000), (730, 1000), (50, 1000), (1000, 10_000)])
def test_top_k_auc_matches_the_pmo_definition(n, budget):
    scores = np.random.default_rng(n).random(n) ** 3
    assert top_k_auc(scores, k=10, budget=budget) == pytest.approx(pmo_top_auc(list(scores), 10, 100, budget))


def test_unique_at_k_counts_the_first_k_valid_molecules():
    smiles = ["CCO", "bad", "OCC", "CCN", "CCC", "CCC"]
    assert unique_at_k(smiles, 2) == pytest.approx(1 / 2)  # CCO, OCC: one molecule
    assert unique_at_k(smiles, 3) == pytest.approx(2 / 3)  # the invalid string is skipped, not counted
    assert unique_at_k(smiles, 5) == pytest.approx(3 / 5)
    assert unique_at_k(smiles, 100) == pytest.approx(3 / 5)  # fewer than k valid: all of them
    assert unique_at_k(["bad"], 10) == 0.0 and unique_at_k([], 10) == 0.0
    with pytest.raises(ValueError, match="k must be >= 1"):
        unique_at_k(smiles, 0)
