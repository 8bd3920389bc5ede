"""Metrics of one PMO run (one raw row) and the summary over seeds.

Counted in oracle calls (distinct valid molecules within the budget, in the order found): AUC top-1/10/100 and
the final top-1/10/100 means as PMO reports them, PMO's diversity of the top 100 (TDC's `Diversity`: the mean
pairwise Tanimoto distance of ECFP4 2,048-bit fingerprints over the distinct molecules), and, at the task's
screen, the yield, the hit scaffolds and the #Circles of the hits.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from benchmarks.pmo_design import ARMS, BASE_ARM, MARA_ARM
from benchmarks.welch import welch_t_test
from molmara.chem.fingerprints import morgan_bits, tanimoto_matrix
from molmara.chem.smiles import canonical_smiles, to_mol
from molmara.metrics import (
    RunData,
    circles,
    hit_scaffold_table,
    oracle_calls,
    scaffold_summary,
    top_k_auc,
    top_k_average,
)
from molmara.metrics.run_metrics import hit_mask

METRICS: list[tuple[str, str, str]] = [
    # column, label, direction in which MARA would be better
    ("auc_top1", "AUC top-1", "greater"),
    ("auc_top10", "AUC top-10", "greater"),
    ("auc_top100", "AUC top-100", "greater"),
    ("top1", "top-1", "greater"),
    ("top10", "top-10", "greater"),
    ("top100", "top-100", "greater"),
    ("top100_diversity", "diversity (top-100)", "greater"),
    ("yield", "yield (screen)", "greater"),
    ("hit_scaffolds", "hit scaffolds", "greater"),
    ("hit_circles", "#Circles (hits)", "greater"),
    ("oracle_calls", "oracle calls", ""),
]


def pmo_diversity(smiles: list[str]) -> float:
    """TDC's diversity as PMO reports it: mean pairwise Tanimoto distance, ECFP4 2,048 bits, distinct molecules."""
    distinct = dict.fromkeys(c for c in (canonical_smiles(s) for s in smiles) if c)
    mols = [to_mol(s) for s in distinct]
    if len(mols) < 2:
        return math.nan
    bits = morgan_bits(mols, 2, 2048)
    similarity = tanimoto_matrix(bits, bits)
    upper = np.triu_indices(len(mols), k=1)
    return float(np.mean(1.0 - similarity[upper]))


def run_metrics(run: RunData, screen: float, budget: int) -> dict[str, object]:
    """The metrics of one run (a raw row's numbers)."""
    calls = oracle_calls(run.molecules)
    calls = calls.iloc[:budget]
    scores = calls["score"].to_numpy(dtype=float)
    row: dict[str, object] = {"oracle_calls": len(calls)}
    for k in (1, 10, 100):
        row[f"auc_top{k}"] = top_k_auc(scores, k, budget=budget) if len(calls) else math.nan
        row[f"top{k}"] = top_k_average(scores, k) if len(calls) else math.nan
    order = np.argsort(-np.nan_to_num(scores, nan=-np.inf), kind="stable")[:100]
    row["top100_diversity"] = pmo_diversity(calls["smiles"].iloc[order].tolist())
    hits = hit_mask(scores, screen)
    hit_smiles = calls["smiles"][hits].tolist()
    table = hit_scaffold_table(hit_smiles, calls["step"][hits].tolist(), calls["call"][hits])
    row["yield"] = int(hits.sum())
    row["hit_scaffolds"] = scaffold_summary(table)["murcko_scaffolds"]
    row["hit_circles"] = circles(hit_smiles).count
    return row


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per task, arm and metric: runs, mean, std, and the one-sided Welch p of MARA being better."""
    out = []
    for (task, arm), group in rows.groupby(["task", "arm"], sort=False):
        base = rows[(rows["task"] == task) & (rows["arm"] == BASE_ARM)]
        for column, _, direction in METRICS:
            values = pd.to_numeric(group[column], errors="coerce").dropna() if column in group else pd.Series()
            if values.empty:
                continue
            p = math.nan
            if direction and arm == MARA_ARM and len(base):
                p = welch_t_test(values, pd.to_numeric(base[column], errors="coerce"), direction).p
            out.append(
                {
                    "task": task,
                    "arm": arm,
                    "metric": column,
                    "runs": len(group),
                    "mean": float(values.mean()),
                    "std": float(values.std(ddof=1)) if len(values) > 1 else math.nan,
                    "p_mara_better": p,
                }
            )
    table = pd.DataFrame(out)
    if not table.empty:
        table["arm"] = pd.Categorical(table["arm"], categories=list(ARMS))
        table = table.sort_values(["task", "arm"], kind="stable").astype({"arm": str})
    return table
