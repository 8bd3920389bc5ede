"""All the metrics of one or several runs in one table, and the curves behind the report's plots.

A run is a `RunData`: plain DataFrames (molecules in generation order, one row per step) and the
config dict, so the same functions serve a run folder (`load_run`), a `MemoryRecorder` and, later,
the run store. `metrics_table` gives one row per run and one column per metric (see
`METRIC_DESCRIPTIONS` for what each means and its defaults).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from molmara.chem.smiles import to_mols
from molmara.hits import hit_score
from molmara.metrics.circles import check_unit_interval, circles, diverse_hits
from molmara.metrics.distribution import unique_at_k, uniqueness
from molmara.metrics.run_metrics import (
    _bool_column,
    canonical_column,
    cumulative_yield,
    hit_mask,
    oracle_burden,
    oracle_calls,
    running_top_k,
    top_k_auc,
    top_k_average,
    yield_at,
)
from molmara.metrics.scaffold_stats import cumulative_scaffolds, hit_scaffold_table, mode_coverage, scaffold_summary

METRIC_DESCRIPTIONS = {
    "status": "how the run ended (summary.json)",
    "steps": "RL steps",
    "sampled": "molecules sampled (all steps, valid or not)",
    "validity": "share of sampled SMILES that RDKit parses",
    "uniqueness": "share of distinct molecules among the valid samples",
    "unique@1000": "share of distinct molecules among the first 1,000 valid samples (MOSES)",
    "oracle_calls": "distinct valid molecules scored (the budget the run spent)",
    "budget": "max_oracle_calls of the config (the AUC is normalised by it)",
    "hit_threshold": "score at or above which a molecule is a hit",
    "yield": "hits: distinct valid molecules with score >= hit_threshold",
    "hit_rate": "yield / oracle_calls",
    "ob100": "oracle burden: calls spent when the 100th hit appeared (NaN when not reached)",
    "ob100_reached": "whether the run found 100 hits",
    "top1": "best score",
    "top10": "mean of the 10 best scores",
    "top100": "mean of the 100 best scores",
    "top10_auc": "PMO top-10 AUC: top-10 average every 100 calls, area / budget",
    "circles": "#Circles of all scored molecules, t = 0.75, Morgan r2 1024 bits, call order",
    "diverse_hits": "#Circles of hits with score >= 0.5, t = 0.7, ECFP4 2048 bits, best score first",
    "hit_scaffolds": "distinct Murcko scaffolds of the hits (acyclic counts as one)",
    "hit_generic_scaffolds": "distinct generic Murcko scaffolds of the hits",
    "hits_per_scaffold": "yield / hit_scaffolds",
    "largest_scaffold_share": "share of the hits on the most populated scaffold",
    "scaffold_entropy": "Shannon entropy of hits over Murcko scaffolds, in nats (natural log)",
    "mode_coverage": "share of the reference molecules with a hit of Tanimoto >= 0.4 (ECFP4 2048 bits)",
    "modes_covered": "reference molecules with such a hit / reference molecules",
    "fcd": "FCD between the scored molecules and the reference set",
    "notes": "what could not be computed, and why",
}


@dataclass
class RunData:
    """One run as plain tables: molecules (generation order), steps, config and summary dicts."""

    name: str
    molecules: pd.DataFrame
    steps: pd.DataFrame = field(default_factory=pd.DataFrame)
    config: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)

    @property
    def hit_threshold(self) -> float:
        """The run's hit score, as the trainer chose it (`molmara.hits.hit_score`)."""
        return hit_score(self.config.get("hit_threshold"), self.config.get("tau"))

    @property
    def budget(self) -> int | None:
        value = self.config.get("max_oracle_calls")
        return int(value) if value else None


def load_run(path: str | Path) -> RunData:
    """A run folder written by `CsvRecorder`: molecules.csv (required), steps.csv, config.json, summary.json."""
    folder = Path(path)
    molecules_path = folder / "molecules.csv"
    if not molecules_path.is_file():
        raise FileNotFoundError(f"{folder} is not a run folder: it has no molecules.csv")
    molecules = pd.read_csv(molecules_path)
    for column in ("SMILES", "canonical_smiles", "Scaffold"):
        if column in molecules:
            molecules[column] = molecules[column].fillna("").astype(str)
    steps_path = folder / "steps.csv"
    steps = pd.read_csv(steps_path) if steps_path.is_file() else pd.DataFrame()
    config = _read_json(folder / "config.json")
    summary = _read_json(folder / "summary.json")
    return RunData(folder.name, molecules, steps, config, summary)


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {}


def task_references(task: str | None) -> list[str]:
    """Reference molecules of a named task: two for GuacaMol's median tasks, several for multi-mode tasks
    (`tasks.REFERENCES`), one for tasks with a target."""
    from molmara import tasks

    if task in tasks.REFERENCES:
        return list(tasks.REFERENCES[task])
    if task == "median1":
        return [tasks.MENTHOL, tasks.CAMPHOR]
    if task == "median2":
        return [tasks.TADALAFIL, tasks.SILDENAFIL]
    return [tasks.TARGETS[task]] if task in tasks.TARGETS else []


def run_curves(run: RunData, hit_threshold: float | None = None, k: int = 10) -> pd.DataFrame:
    """Per oracle call: step, score, best so far, top-k average, cumulative yield and hit scaffolds."""
    threshold = check_unit_interval(run.hit_threshold if hit_threshold is None else hit_threshold, "hit threshold")
    calls = oracle_calls(run.molecules)
    scores = calls["score"].to_numpy(dtype=float)
    hits = hit_mask(scores, threshold)
    curves = calls[["call", "step", "score"]].copy()
    curves["best"] = pd.Series(np.nan_to_num(scores, nan=0.0)).cummax().to_numpy() if len(calls) else []
    curves[f"top{k}"] = running_top_k(scores, k)
    curves["yield"] = cumulative_yield(scores, threshold)
    curves["hit_scaffolds"] = cumulative_scaffolds(calls["smiles"].tolist(), hits)
    return curves


def step_curve(run: RunData) -> pd.DataFrame:
    """Per step: oracle calls spent by its end and the mean score of its scored molecules (repeats included)."""
    molecules = run.molecules
    if molecules.empty or "step" not in molecules:
        return pd.DataFrame({"step": [], "oracle_calls": [], "score_mean": []})
    scored = pd.to_numeric(molecules["Score"], errors="coerce")
    if "over_budget" in molecules:
        scored = scored.where(~_bool_column(molecules["over_budget"]))
    mean = scored.groupby(molecules["step"]).mean()
    calls = oracle_calls(molecules)
    spent = calls.groupby("step")["call"].max().reindex(mean.index).ffill().fillna(0)
    return pd.DataFrame({"step": mean.index, "oracle_calls": spent.to_numpy(), "score_mean": mean.to_numpy()})


def evaluate_run(
    run: RunData,
    hit_threshold: float | None = None,
    budget: int | None = None,
    references: Sequence[str] | None = None,
    fcd_reference: Sequence[str] | None = None,
    ob_k: int = 100,
    diverse_score: float = 0.5,
    mode_similarity: float = 0.4,
) -> dict[str, object]:
    """Every metric of one run (keys as in `METRIC_DESCRIPTIONS`); thresholds default to the run's.

    `references` (default: the config's task's reference molecules, if any) adds mode coverage;
    `fcd_reference` (SMILES) adds the FCD, which needs fcd-torch.
    """
    threshold = check_unit_interval(run.hit_threshold if hit_threshold is None else hit_threshold, "hit threshold")
    budget = budget if budget is not None else run.budget
    molecules, notes = run.molecules, []
    canonical = [c or None for c in canonical_column(molecules)] if len(molecules) else []
    calls = oracle_calls(molecules)
    scores = calls["score"].to_numpy(dtype=float)
    hits = hit_mask(scores, threshold)
    burden = oracle_burden(scores, threshold, ob_k)
    n_hits = int(hits.sum())
    if not len(calls):
        notes.append("no oracle calls")
    elif not n_hits:
        notes.append(f"no hits (score >= {threshold:g}): scaffold ratios are NaN")
    if burden is None:
        notes.append(f"OB{ob_k} not reached ({n_hits} hits)")
    mols = to_mols(calls["smiles"])  # parsed once for the metrics below, which take molecules as SMILES
    hit_mols = [mol for mol, hit in zip(mols, hits, strict=True) if hit]
    scaffolds = hit_scaffold_table(hit_mols, calls["step"][hits].tolist(), calls["call"][hits])
    summary = scaffold_summary(scaffolds)
    row: dict[str, object] = {
        "run": run.name,
        "status": run.summary.get("status", ""),
        "steps": _steps(run),
        "sampled": len(canonical),
        "validity": sum(c is not None for c in canonical) / len(canonical) if canonical else math.nan,
        "uniqueness": uniqueness(canonical, canonical=True) if canonical else math.nan,
        "unique@1000": unique_at_k([c for c in canonical if c], 1000) if canonical else math.nan,
        "oracle_calls": len(calls),
        "budget": budget if budget is not None else len(calls),
        "hit_threshold": threshold,
        "yield": yield_at(scores, threshold),
        "hit_rate": n_hits / len(calls) if len(calls) else math.nan,
        f"ob{ob_k}": float(burden) if burden is not None else math.nan,
        f"ob{ob_k}_reached": burden is not None,
        "top1": top_k_average(scores, 1),
        "top10": top_k_average(scores, 10),
        "top100": top_k_average(scores, 100),
        "top10_auc": top_k_auc(scores, 10, budget=budget or len(calls)) if len(calls) else math.nan,
        "circles": circles(mols).count,
        "diverse_hits": diverse_hits(mols, scores, diverse_score).count,
        "hit_scaffolds": summary["murcko_scaffolds"],
        "hit_generic_scaffolds": summary["generic_scaffolds"],
        "hits_per_scaffold": summary["hits_per_scaffold"],
        "largest_scaffold_share": summary["largest_scaffold_share"],
        "scaffold_entropy": summary["scaffold_entropy"],
    }
    references = list(references) if references is not None else task_references(run.config.get("task"))
    if references:
        coverage = mode_coverage(hit_mols, references, mode_similarity)
        row["mode_coverage"] = coverage["coverage"]
        row["modes_covered"] = f"{coverage['covered']}/{coverage['n_references']}"
    if fcd_reference is not None:
        from molmara.metrics.fcd import fcd

        row["fcd"] = fcd(calls["smiles"].tolist(), fcd_reference) if len(calls) >= 2 else math.nan
    row["notes"] = "; ".join(notes)
    return row


def _steps(run: RunData) -> int:
    for table in (run.steps, run.molecules):
        if "step" in table and len(table):
            return int(table["step"].max())
    return 0


def metrics_table(runs: Sequence[RunData], **options) -> pd.DataFrame:
    """One row per run, one column per metric (`evaluate_run` with `options`); runs with the same name
    get a suffix (#2, #3 …) so that rows stay distinct."""
    rows, seen = [], {}
    for run in runs:
        row = evaluate_run(run, **options)
        seen[run.name] = seen.get(run.name, 0) + 1
        if seen[run.name] > 1:
            row["run"] = f"{run.name}#{seen[run.name]}"
        rows.append(row)
    return pd.DataFrame(rows).set_index("run")


def format_table(table: pd.DataFrame) -> pd.DataFrame:
    """The metrics table for reading: metrics as rows, runs as columns, numbers rounded."""

    def show(value: object) -> str:
        if isinstance(value, (bool, np.bool_)):
            return "yes" if value else "no"
        if isinstance(value, (int, np.integer)):
            return f"{int(value):,}"
        if isinstance(value, (float, np.floating)):
            if math.isnan(value):
                return "n/a"
            text = f"{value:,.0f}" if float(value).is_integer() and abs(value) >= 10 else f"{value:.3f}"
            return text.removeprefix("-") if float(text.replace(",", "")) == 0 else text  # no "-0.000"
        return str(value)

    shown = table.T.copy().astype(object)
    for column in shown.columns:
        shown[column] = [show(v) for v in shown[column]]
    shown.index.name = "metric"
    return shown
