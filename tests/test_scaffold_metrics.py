import math

import pytest

from molmara.metrics import (
    cumulative_scaffolds,
    hit_scaffold_table,
    mode_coverage,
    scaffold_entropy,
    scaffold_summary,
)
from molmara.tasks import CAMPHOR, MENTHOL, SILDENAFIL

# toluene and ethylbenzene share benzene; cyclohexylamine has cyclohexane (generic: the same ring as
# benzene); pyridine has its own Murcko scaffold but benzene's generic one; ethanol is acyclic
HITS = ["Cc1ccccc1", "CCc1ccccc1", "NC1CCCCC1", "CCO", "Cc1ccncc1"]


def test_hit_scaffold_table_by_hand():
    table = hit_scaffold_table(HITS, steps=[1, 1, 2, 3, 3], calls=[2, 5, 9, 11, 12])
    assert table["scaffold"].tolist() == ["c1ccccc1", "C1CCCCC1", "", "c1ccncc1"]  # by hits, then first call
    assert table["hits"].tolist() == [2, 1, 1, 1]
    assert table["first_step"].tolist() == [1, 2, 3, 3] and table["first_call"].tolist() == [2, 9, 11, 12]
    assert table["generic_scaffold"].tolist() == ["C1CCCCC1", "C1CCCCC1", "", "C1CCCCC1"]
    assert table["example"].tolist()[0] == "Cc1ccccc1"


def test_scaffold_summary_by_hand():
    summary = scaffold_summary(hit_scaffold_table(HITS))
    assert summary["scaffold_hits"] == 5
    assert summary["murcko_scaffolds"] == 4
    assert summary["generic_scaffolds"] == 2  # the six-membered carbon ring and the acyclic ""
    assert summary["hits_per_scaffold"] == pytest.approx(5 / 4)
    assert summary["largest_scaffold_share"] == pytest.approx(2 / 5)
    # counts 2, 1, 1, 1 over 5 hits, natural log
    expected = -(0.4 * math.log(0.4) + 3 * 0.2 * math.log(0.2))
    assert summary["scaffold_entropy"] == pytest.approx(expected)


def test_scaffold_entropy_extremes():
    assert scaffold_entropy([7]) == 0.0  # every hit on one scaffold
    assert scaffold_entropy([1] * 8) == pytest.approx(math.log(8))  # nats, not bits
    assert math.isnan(scaffold_entropy([]))


def test_no_hits_gives_counts_of_zero_and_no_ratios():
    summary = scaffold_summary(hit_scaffold_table([]))
    assert summary["scaffold_hits"] == 0 and summary["murcko_scaffolds"] == 0 and summary["generic_scaffolds"] == 0
    for key in ("hits_per_scaffold", "largest_scaffold_share", "scaffold_entropy"):
        assert math.isnan(summary[key])


def test_single_identical_and_invalid_hits():
    single = scaffold_summary(hit_scaffold_table(["c1ccccc1O"]))
    assert single["murcko_scaffolds"] == 1 and single["largest_scaffold_share"] == 1.0
    assert single["scaffold_entropy"] == 0.0
    # the same molecule twice and invalid SMILES are left out
    table = hit_scaffold_table(["Oc1ccccc1", "c1ccccc1O", "nope", ""])
    assert table["hits"].tolist() == [1]
    with pytest.raises(ValueError, match="same length"):
        hit_scaffold_table(["CCO"], steps=[1, 2])


def test_cumulative_scaffolds_over_calls():
    smiles = ["Cc1ccccc1", "C1CCCCC1", "CCc1ccccc1", "c1ccncc1", "CCO"]
    is_hit = [True, False, True, True, True]
    assert cumulative_scaffolds(smiles, is_hit).tolist() == [1, 1, 1, 2, 3]
    assert cumulative_scaffolds([], []).tolist() == []


def test_mode_coverage_by_hand():
    references = [MENTHOL, SILDENAFIL]
    near_menthol = ["CC(C)C1CCC(C)CC1O", "c1ccccc1"]  # menthol itself
    result = mode_coverage(near_menthol, references)
    assert (result["covered"], result["n_references"], result["coverage"]) == (1, 2, 0.5)
    assert result["best_similarity"][MENTHOL] == pytest.approx(1.0)
    assert result["best_similarity"][SILDENAFIL] < 0.4
    both = mode_coverage(near_menthol + [SILDENAFIL], references)
    assert both["covered"] == 2
    # camphor is not within 0.4 of menthol on ECFP4: coverage depends on s
    assert mode_coverage([CAMPHOR], [MENTHOL])["covered"] == 0
    assert mode_coverage([CAMPHOR], [MENTHOL], similarity=0.0)["covered"] == 1


def test_mode_coverage_bad_input():
    empty = mode_coverage([], [MENTHOL])
    assert empty["covered"] == 0 and empty["best_similarity"][MENTHOL] == 0.0
    assert mode_coverage(["junk", MENTHOL], [MENTHOL])["n_invalid_hits"] == 1
    with pytest.raises(ValueError, match="invalid reference SMILES: 'C1CC'"):
        mode_coverage([MENTHOL], [MENTHOL, "C1CC"])
    with pytest.raises(ValueError, match="at least one reference"):
        mode_coverage([MENTHOL], [])
    with pytest.raises(ValueError, match="similarity threshold s"):
        mode_coverage([MENTHOL], [MENTHOL], similarity=1.01)
