"""Metrics over the sequence of oracle calls of a run: yield, oracle burden, top-k average and top-k AUC.

The oracle-call sequence is what sample efficiency is measured in: the scoring service caches by
canonical SMILES and spends its budget only on new valid molecules, so a run's calls are the rows of
`molecules.csv` with valid = True and over_budget = False, first occurrence of each canonical SMILES,
in file order (invalid molecules and repeats cost nothing). `oracle_calls` extracts that sequence;
the other functions take its scores, call 1 first.

A NaN score (an objective that failed on a valid molecule) spent a call but is never a hit and
counts as 0 in the top-k values. Score thresholds must lie in [0, 1], the range of molmara's
objectives.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from molmara.metrics.circles import check_unit_interval

CALL_COLUMNS = ["call", "step", "smiles", "score"]


def _bool_column(values: pd.Series) -> pd.Series:
    """A True/False column, whether it came from memory (bool) or from a CSV read as text."""
    if values.dtype == bool:
        return values
    return values.map(lambda v: str(v).strip().lower() in ("true", "1", "1.0", "yes"))


def canonical_column(molecules: pd.DataFrame) -> pd.Series:
    """Canonical SMILES of each row ("" when invalid): the `canonical_smiles` column, or computed from `SMILES`."""
    if "canonical_smiles" in molecules:
        return molecules["canonical_smiles"].fillna("").astype(str)
    from molmara.chem.smiles import canonicalize

    return pd.Series([c or "" for c in canonicalize(molecules["SMILES"])], index=molecules.index, dtype=object)


def oracle_calls(molecules: pd.DataFrame) -> pd.DataFrame:
    """The run's oracle calls in order: columns call (1, 2, …), step, smiles (canonical) and score.

    `molecules` is a run's molecule table (`molecules.csv`). Without a `canonical_smiles` column
    the SMILES are canonicalised here; without `valid` / `over_budget` every canonical SMILES is
    taken as valid and within budget.
    """
    if molecules.empty:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "score" else object) for c in CALL_COLUMNS})
    canonical = canonical_column(molecules)
    valid = _bool_column(molecules["valid"]) if "valid" in molecules else canonical != ""
    spent = valid & (canonical != "")
    if "over_budget" in molecules:
        spent &= ~_bool_column(molecules["over_budget"])
    table = pd.DataFrame(
        {
            "step": molecules.get("step", 0),
            "smiles": canonical,
            "score": pd.to_numeric(molecules["Score"], errors="coerce"),
        }
    )[spent]
    table = table[~table["smiles"].duplicated()].reset_index(drop=True)
    table.insert(0, "call", np.arange(1, len(table) + 1))
    return table


def _scores(scores: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    return np.asarray(scores, dtype=float).reshape(-1)


def hit_mask(scores: Sequence[float] | np.ndarray, threshold: float) -> np.ndarray:
    """True where a call's score is >= `threshold` (NaN is never a hit)."""
    threshold = check_unit_interval(threshold, "score threshold")
    values = _scores(scores)
    return np.nan_to_num(values, nan=-np.inf) >= threshold


def yield_at(scores: Sequence[float] | np.ndarray, threshold: float) -> int:
    """Yield: the number of oracle calls (distinct valid molecules) with score >= `threshold`."""
    return int(hit_mask(scores, threshold).sum())


def cumulative_yield(scores: Sequence[float] | np.ndarray, threshold: float) -> np.ndarray:
    """Yield after each oracle call (entry i: hits among calls 1 … i+1)."""
    return np.cumsum(hit_mask(scores, threshold))


def oracle_burden(scores: Sequence[float] | np.ndarray, threshold: float, k: int = 100) -> int | None:
    """OB-k: the number of oracle calls spent when the k-th hit (score >= `threshold`) appeared.

    None when the run found fewer than k hits: the burden was not reached, which is not a number of calls.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    hits = np.flatnonzero(hit_mask(scores, threshold))
    return int(hits[k - 1]) + 1 if hits.size >= k else None


def _top_values(scores: Sequence[float] | np.ndarray) -> np.ndarray:
    return np.nan_to_num(_scores(scores), nan=0.0)


def top_k_average(scores: Sequence[float] | np.ndarray, k: int = 10) -> float:
    """Mean of the k best scores (of all there are when fewer than k, as in PMO); NaN when there are none."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    values = _top_values(scores)
    if values.size == 0:
        return math.nan
    return float(np.sort(values)[::-1][:k].mean())


def running_top_k(scores: Sequence[float] | np.ndarray, k: int = 10) -> np.ndarray:
    """Top-k average after each oracle call (a min-heap of the k best, O(n log k))."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    values = _top_values(scores)
    heap: list[float] = []
    total = 0.0
    out = np.empty(values.size)
    for i, v in enumerate(values):
        if len(heap) < k:
            heapq.heappush(heap, v)
            total += v
        elif v > heap[0]:
            total += v - heapq.heapreplace(heap, v)
        out[i] = total / len(heap)
    return out


def top_k_auc(scores: Sequence[float] | np.ndarray, k: int = 10, budget: int | None = None, every: int = 100) -> float:
    """Top-k AUC as in the PMO benchmark (Gao et al., 2022), normalised by the budget.

    The top-k average is read after every `every` calls and after the last call, joined by straight
    lines (trapezoids) from 0 before the first call, as in PMO's code; the area is divided by the
    budget. A run that stopped before the budget carries its last top-k average to the budget; calls
    past the budget are ignored. `budget` defaults to the number of calls. NaN when there are no calls.
    """
    if every < 1:
        raise ValueError(f"every must be >= 1, got {every}")
    values = _top_values(scores)
    if budget is not None and int(budget) < 1:
        raise ValueError(f"budget must be >= 1, got {budget}")
    if values.size == 0:
        return math.nan
    budget = values.size if budget is None else int(budget)
    values = values[:budget]
    n = values.size
    running = running_top_k(values, k)
    checkpoints = list(range(every, n, every)) + [n]
    area, previous_call, previous_value = 0.0, 0, 0.0
    for call in checkpoints:
        value = running[call - 1]
        area += (call - previous_call) * (value + previous_value) / 2.0
        previous_call, previous_value = call, value
    area += (budget - n) * previous_value
    return float(area / budget)
