"""Metrics of one benchmark run (one raw CSV row) and the summary over seeds: mean ± std per arm and a
one-sided Welch t-test of MARA against each other arm.

Everything counts in oracle calls (distinct valid molecules within budget, in the order found), with
`molmara.metrics`: hits are calls scoring at or above the task's lower screen (τ). Besides the
outcome metrics, each row holds why MARA could or could not act: the share of batches with any
sample at or above τ, the share with two distinct ones (MARA changes nothing in a batch with fewer:
a lone sample above τ is its own anchor), the mean share of a batch at or above τ, the distinct
anchors and their prior NLL, and the prior NLL of the hits.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from benchmarks.mvr_design import ARMS, MARA_ARM, TaskSpec
from benchmarks.welch import welch_t_test
from molmara.chem.fingerprints import morgan_bits, tanimoto_matrix
from molmara.chem.smiles import canonical_smiles, to_mol
from molmara.metrics import (
    RunData,
    circles,
    hit_scaffold_table,
    internal_diversity,
    mode_coverage,
    oracle_burden,
    oracle_calls,
    scaffold_summary,
    top_k_auc,
    top_k_average,
    yield_at,
)
from molmara.metrics.run_metrics import _bool_column, hit_mask

METRICS: list[tuple[str, str, str]] = [
    # column, label, direction in which MARA would be better
    ("yield", "Yield (τ)", "greater"),
    ("yield_upper", "Yield (upper)", "greater"),
    ("ob100", "OB100", "less"),
    ("hit_scaffolds", "hit scaffolds", "greater"),
    ("hit_circles", "#Circles (hits)", "greater"),
    ("hit_intdiv1", "IntDiv1 (hits)", "greater"),
    ("top10_auc", "top-10 AUC", "greater"),
    ("modes_covered", "modes covered", "greater"),
    ("mode_entropy", "share entropy (bits)", "greater"),
]
DIAGNOSTICS: list[tuple[str, str]] = [
    ("oracle_calls", "oracle calls used"),  # below the budget: the run ended at its step cap, collapsed
    ("steps", "steps"),
    ("batches_above_tau", "batches with a sample ≥ τ"),
    ("batches_mara_acts", "batches with ≥ 2 distinct ≥ τ"),
    ("above_tau_share", "mean share ≥ τ"),
    ("distinct_anchors", "distinct anchors"),
    ("anchor_prior_nll", "anchor prior NLL"),
    ("hit_prior_nll", "hit prior NLL"),
    ("largest_mode_share", "largest mode share"),
    ("final_kl", "final KL est."),
    ("final_validity", "final validity"),
    ("wall_s", "wall (s)"),
]


def pattern_mode_hits(hits: list[str], patterns: dict[str, str]) -> np.ndarray:
    """Hits that contain exactly one of the modes' SMARTS, counted at that mode (as `ring_modes` rewards them)."""
    from rdkit import Chem

    queries = [Chem.MolFromSmarts(p) for p in patterns.values()]
    counts = np.zeros(len(queries), dtype=int)
    for mol in (m for m in (to_mol(s) for s in hits) if m is not None):
        matched = [i for i, q in enumerate(queries) if mol.HasSubstructMatch(q)]
        if len(matched) == 1:
            counts[matched[0]] += 1
    return counts


def share_entropy(counts: np.ndarray) -> float:
    """Shannon entropy (bits) of the modes' shares of the hits: log2(K) when K modes share equally; NaN for none."""
    total = counts.sum()
    if not total:
        return math.nan
    shares = counts[counts > 0] / total
    return float(-(shares * np.log2(shares)).sum())


def mode_hits(hits: list[str], references: tuple[str, ...], similarity: float = 0.4) -> np.ndarray:
    """Hits with Tanimoto >= `similarity` (ECFP4, 2048 bits) to some reference, each counted at its nearest one."""
    mols = [m for m in (to_mol(s) for s in hits) if m is not None]
    counts = np.zeros(len(references), dtype=int)
    if not mols:
        return counts
    sims = tanimoto_matrix(morgan_bits(mols, 2, 2048), morgan_bits([to_mol(r) for r in references], 2, 2048))
    near = sims.max(axis=1) >= similarity
    np.add.at(counts, sims.argmax(axis=1)[near], 1)
    return counts


def batch_statistics(molecules: pd.DataFrame, tau: float) -> dict[str, float]:
    """Per step over the sampled batch (repeats included): any sample >= τ, share >= τ, and whether MARA could act.

    MARA changes a batch's rewards only when it holds two distinct molecules at or above τ: a lone one
    is its own anchor and keeps R(z). Shares count invalid samples in the batch, as the trainer does.
    """
    if molecules.empty:
        return {
            "batches_above_tau": math.nan,
            "batches_mara_acts": math.nan,
            "above_tau_share": math.nan,
            "first_step_above_tau": math.nan,
        }
    scores = pd.to_numeric(molecules["Score"], errors="coerce")
    valid = _bool_column(molecules["valid"]) if "valid" in molecules else scores.notna()
    above = pd.Series(hit_mask(scores.where(valid).to_numpy(), tau), index=molecules.index)
    per_step = above.groupby(molecules["step"])
    any_above = per_step.any()
    names = molecules.get("canonical_smiles", molecules["SMILES"]).astype(str)
    distinct_above = names[above].groupby(molecules["step"][above]).nunique().reindex(any_above.index, fill_value=0)
    return {
        "batches_above_tau": float(any_above.mean()),
        "batches_mara_acts": float((distinct_above >= 2).mean()),
        "above_tau_share": float(per_step.mean().mean()),
        "first_step_above_tau": float(any_above.idxmax()) if any_above.any() else math.nan,
    }


def run_metrics(run: RunData, spec: TaskSpec, budget: int) -> dict[str, object]:
    """The outcome metrics and the τ/anchor diagnostics of one run (one raw CSV row, identifiers excluded)."""
    calls = oracle_calls(run.molecules)
    scores = calls["score"].to_numpy(dtype=float)
    hits = hit_mask(scores, spec.screen)
    hit_smiles = calls["smiles"][hits].tolist()
    burden = oracle_burden(scores, spec.screen, 100)
    scaffolds = scaffold_summary(hit_scaffold_table(hit_smiles, calls["step"][hits].tolist(), calls["call"][hits]))
    hit_mols = [to_mol(s) for s in hit_smiles]
    row: dict[str, object] = {
        "oracle_calls": len(calls),
        "yield": int(hits.sum()),
        "yield_upper": yield_at(scores, spec.upper_screen),
        "ob100": float(burden) if burden is not None else math.nan,
        "hit_scaffolds": scaffolds["murcko_scaffolds"],
        "hit_circles": circles(hit_smiles).count,
        "hit_intdiv1": internal_diversity(morgan_bits(hit_mols, 2, 1024), 1) if len(hit_mols) > 1 else math.nan,
        "top10": top_k_average(scores, 10),
        "top10_auc": top_k_auc(scores, 10, budget=budget) if len(calls) else math.nan,
        "modes_covered": math.nan,
        "mode_hits": "",
        "largest_mode_share": math.nan,
        "mode_entropy": math.nan,
    }
    counts = None
    if spec.references:
        row["modes_covered"] = mode_coverage(hit_smiles, list(spec.references), 0.4)["covered"]
        counts = mode_hits(hit_smiles, spec.references, 0.4)
    elif spec.patterns:
        counts = pattern_mode_hits(hit_smiles, dict(spec.patterns))
        row["modes_covered"] = int((counts > 0).sum())
    if counts is not None:
        row["mode_hits"] = "/".join(map(str, counts))
        row["largest_mode_share"] = counts.max() / counts.sum() if counts.sum() else math.nan
        row["mode_entropy"] = share_entropy(counts)
    row.update(batch_statistics(run.molecules, spec.screen))
    row.update(_anchor_statistics(run, hits, calls))
    return row


def _anchor_statistics(run: RunData, hits: np.ndarray, calls: pd.DataFrame) -> dict[str, float]:
    steps, molecules = run.steps, run.molecules
    out = {"distinct_anchors": math.nan, "anchor_prior_nll": math.nan, "hit_prior_nll": math.nan}
    if "anchor_smiles" in steps and run.config.get("mara"):
        anchors = steps["anchor_smiles"].astype(object).fillna("").astype(str)
        anchors = anchors[anchors != ""]
        out["distinct_anchors"] = float(len({canonical_smiles(a) or a for a in anchors}))
        out["anchor_prior_nll"] = float(pd.to_numeric(steps["anchor_prior_nll"], errors="coerce").mean())
    if hits.any() and "Prior" in molecules and "canonical_smiles" in molecules:
        first = molecules.drop_duplicates("canonical_smiles").set_index("canonical_smiles")["Prior"]
        out["hit_prior_nll"] = float(pd.to_numeric(first.reindex(calls["smiles"][hits]), errors="coerce").mean())
    last = steps.iloc[-1] if len(steps) else {}
    out["final_kl"] = float(last.get("kl_estimate", math.nan)) if len(steps) else math.nan
    out["final_validity"] = float(last.get("valid_fraction", math.nan)) if len(steps) else math.nan
    return out


# ---------------------------------------------------------------------- summary over seeds
def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per task, arm and metric: runs, mean, std, and the one-sided Welch p of MARA being better.

    OB100 is averaged over the runs that reached 100 hits (`n` counts them); a metric that is NaN
    in every run of an arm (mode coverage outside the multi-mode task), or not in `rows`, is left out.
    """
    out = []
    columns = [c for c, _, _ in METRICS] + [c for c, _ in DIAGNOSTICS]
    for (task, arm), group in rows.groupby(["task", "arm"], sort=False):
        mara = rows[(rows["task"] == task) & (rows["arm"] == MARA_ARM)]
        for column in (c for c in columns if c in rows):
            values = pd.to_numeric(group[column], errors="coerce")
            if values.isna().all():
                continue
            direction = dict((c, d) for c, _, d in METRICS).get(column)
            p = math.nan
            if direction and arm != MARA_ARM and len(mara):
                p = welch_t_test(pd.to_numeric(mara[column], errors="coerce"), values, direction).p
            finite = values.dropna()
            out.append(
                {
                    "task": task,
                    "arm": arm,
                    "metric": column,
                    "runs": len(values),
                    "n": len(finite),
                    "mean": float(finite.mean()),
                    "std": float(finite.std(ddof=1)) if len(finite) > 1 else math.nan,
                    "p_mara_better": p,
                }
            )
    return pd.DataFrame(out)


def mode_share_table(rows: pd.DataFrame, spec: TaskSpec, prior_shares: list[float] | None = None) -> str:
    """Markdown: each arm's mean share of the hits per mode (over its runs' `mode_hits`), the prior's above."""
    names = spec.mode_names
    lines = [f"**{spec.task}**", "", "| arm | runs | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    if prior_shares is not None:
        lines.append("| the prior (samples) | | " + " | ".join(f"{v:.3f}" for v in prior_shares) + " |")
    for arm in (a for a in ARMS if a in set(rows["arm"])):
        shares = []
        for text in rows.loc[rows["arm"] == arm, "mode_hits"].dropna().astype(str):
            counts = np.array([int(c) for c in text.split("/")], dtype=float)
            if counts.sum():
                shares.append(counts / counts.sum())
        if shares:
            mean = np.mean(shares, axis=0)
            lines.append(f"| {arm} | {len(shares)} | " + " | ".join(f"{v:.3f}" for v in mean) + " |")
    return "\n".join(lines) + "\n"


def _cell(record: pd.Series | None, digits: int) -> str:
    if record is None or not record["n"]:
        return "n/a" if record is None or not record["runs"] else f"n/a (0/{record['runs']})"
    text = f"{record['mean']:.{digits}f}"
    if not math.isnan(record["std"]):
        text += f" ± {record['std']:.{digits}f}"
    if record["n"] < record["runs"]:
        text += f" ({record['n']}/{record['runs']})"
    return text


def _digits(column: str) -> int:
    three = (
        "hit_intdiv1", "top10_auc", "batches_above_tau", "batches_mara_acts", "above_tau_share", "final_validity",
        "mode_entropy", "largest_mode_share",
    )  # fmt: skip
    return 3 if column in three else 1


def markdown(summary: pd.DataFrame, columns: list[tuple[str, str]], with_p: bool = True) -> str:
    """Per task, a table of arms × `columns` (mean ± std over seeds) and the p-values of MARA against each arm."""
    parts = []
    for task, table in summary.groupby("task", sort=False):
        present = [(c, label) for c, label in columns if c in set(table["metric"])]
        arms = [a for a in ARMS if a in set(table["arm"])]
        runs = table.groupby("arm")["runs"].max()
        lines = [f"**{task}**", "", "| arm | runs | " + " | ".join(label for _, label in present) + " |"]
        lines.append("|---|---|" + "---|" * len(present))
        index = table.set_index(["arm", "metric"])
        for arm in arms:
            cells = [_cell(index.loc[(arm, c)] if (arm, c) in index.index else None, _digits(c)) for c, _ in present]
            lines.append(f"| {arm} | {runs[arm]} | " + " | ".join(cells) + " |")
        if with_p and MARA_ARM in arms:
            for arm in (a for a in arms if a != MARA_ARM):
                cells = []
                for column, _ in present:
                    p = index["p_mara_better"].get((arm, column), math.nan)
                    cells.append("–" if p is None or math.isnan(p) else f"{p:.3f}")
                lines.append(f"| p: MARA better than {arm} | | " + " | ".join(cells) + " |")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"
