"""What the app's pages compute from the run store, as plain functions over DataFrames (no Streamlit).

The pages call these; the tests call them too. Column names are the store's (`RunStore.molecules`):
smiles, canonical_smiles, valid, over_budget, score, step, prior_nll, murcko_scaffold,
generic_scaffold and one column per objective component. `run_data` maps them once to the names
`molmara.metrics` reads (REINVENT 4's SMILES, Score, Scaffold …).
"""

from __future__ import annotations

import io
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from molmara.defaults import DEFAULT_STORE
from molmara.hits import hit_score
from molmara.store.db import RunStore

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

STORE_ENV = "MOLMARA_STORE"
ACYCLIC = "(acyclic)"
SCAFFOLD_COLUMNS = {"murcko": "murcko_scaffold", "generic": "generic_scaffold"}
HIT_COLUMNS = ["run", "step", "smiles", "canonical_smiles", "score", "prior_nll", "murcko_scaffold", "generic_scaffold"]


def store_path_from_argv(argv: Sequence[str] | None = None) -> Path:
    """The run store the app reads: `--store PATH` after `--` on the command line, else $MOLMARA_STORE,
    else molmara-runs/molmara.db (what `molmara app --store` passes to the page scripts)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    for i, arg in enumerate(argv):
        if arg == "--store" and i + 1 < len(argv):
            return Path(argv[i + 1])
        if arg.startswith("--store="):
            return Path(arg.split("=", 1)[1])
    return Path(os.environ.get(STORE_ENV) or DEFAULT_STORE)


def run_config(info: dict) -> dict:
    """A stored run's config (TOML text in the store) as a dict; {} when it cannot be read."""
    try:
        return tomllib.loads(info.get("config") or "")
    except tomllib.TOMLDecodeError:
        return {}


def hit_threshold(config: dict) -> float:
    """The run's own hit score, by the trainer's rule (`molmara.hits.hit_score`) on its stored config."""
    return hit_score(config.get("hit_threshold"), config.get("tau"))


def run_data(store: RunStore, run: int | str):
    """A stored run as `RunData` (via `molmara.store.rundata.load_stored_run`), with its status in the summary."""
    from molmara.store.rundata import load_stored_run

    data = load_stored_run(store, run)
    data.summary = {**data.summary, "status": store.get_run(run)["status"]}
    return data


def scored(molecules: pd.DataFrame) -> pd.DataFrame:
    """The run's oracle calls: valid, within budget, first occurrence of each canonical SMILES."""
    if molecules.empty:
        return molecules
    keep = molecules["valid"].astype(bool) & molecules["canonical_smiles"].fillna("").ne("")
    if "over_budget" in molecules:
        keep &= ~molecules["over_budget"].astype(bool)
    table = molecules[keep]
    return table[~table["canonical_smiles"].duplicated()]


def hits_frame(molecules: pd.DataFrame, threshold: float, run_name: str = "") -> pd.DataFrame:
    """Distinct hits (score >= threshold) of one run with the step each was first found; component columns kept."""
    calls = scored(molecules)
    if calls.empty:
        return pd.DataFrame(columns=HIT_COLUMNS)
    hits = calls[pd.to_numeric(calls["score"], errors="coerce").fillna(-math.inf) >= threshold].copy()
    hits.insert(0, "run", run_name)
    drop = ["id", "run_id", "valid", "hit", "over_budget", "target", "reward", "agent_nll"]
    return hits.drop(columns=[c for c in drop if c in hits]).reset_index(drop=True)


def scaffold_keys(hits: pd.DataFrame, kind: str = "murcko") -> pd.Series:
    """Each hit's scaffold (Murcko or generic) as shown in the app; acyclic molecules share "(acyclic)"."""
    if kind not in SCAFFOLD_COLUMNS:
        raise ValueError(f"scaffold kind must be one of {list(SCAFFOLD_COLUMNS)}, got {kind!r}")
    column = SCAFFOLD_COLUMNS[kind]
    values = hits[column] if column in hits else pd.Series("", index=hits.index)
    return values.fillna("").replace("", ACYCLIC).astype(str)


def scaffold_table(hits: pd.DataFrame, kind: str = "murcko") -> pd.DataFrame:
    """One row per scaffold of the hits: distinct hits, best and mean score, first step, best molecule;
    with several runs also the hits of each run (columns "hits · <run>", which may share molecules)."""
    columns = ["scaffold", "hits", "best_score", "mean_score", "first_step", "best_molecule"]
    if hits.empty:
        return pd.DataFrame(columns=columns)
    table = hits.assign(scaffold=scaffold_keys(hits, kind))
    best = table.sort_values("score", ascending=False).drop_duplicates("scaffold").set_index("scaffold")
    grouped = table.groupby("scaffold")
    distinct = grouped["canonical_smiles"].nunique() if "canonical_smiles" in table else grouped.size()
    out = pd.DataFrame(
        {
            "hits": distinct,  # a molecule two runs found is one hit of the pool
            "best_score": grouped["score"].max(),
            "mean_score": grouped["score"].mean(),
            "first_step": grouped["step"].min(),
            "best_molecule": best["smiles"],
        }
    )
    runs = list(dict.fromkeys(table["run"]))
    if len(runs) > 1:
        counts = pd.crosstab(table["scaffold"], table["run"]).reindex(columns=runs, fill_value=0)
        for run in runs:
            out[f"hits · {run}"] = counts[run]
    out = out.reset_index().sort_values(["hits", "best_score"], ascending=[False, False], kind="stable")
    return out.reset_index(drop=True)


def hit_metrics(hits: pd.DataFrame, oracle_calls: int, diversity: bool = True) -> dict[str, float]:
    """The metrics card of a set of hits: yield, hit rate, unique Murcko and generic scaffolds, and (with
    `diversity`; NaN without) #Circles (t = 0.75, Morgan r2 1024 bits, in the order found) and IntDiv1 (MOSES):
    the two that take seconds at 10,000 hits."""
    from molmara.chem import morgan_bits, to_mols
    from molmara.metrics import circles, internal_diversity

    smiles = hits["canonical_smiles"].tolist() if len(hits) else []
    card = {
        "yield": len(smiles),
        "hit_rate": len(smiles) / oracle_calls if oracle_calls else math.nan,
        "murcko_scaffolds": int(scaffold_keys(hits, "murcko").nunique()) if len(hits) else 0,
        "generic_scaffolds": int(scaffold_keys(hits, "generic").nunique()) if len(hits) else 0,
        "circles": math.nan,
        "intdiv1": math.nan,
    }
    if diversity:
        mols = [m for m in to_mols(smiles) if m is not None]
        card["circles"] = circles(mols).count if mols else 0  # the molecules parsed once, above
        card["intdiv1"] = internal_diversity(morgan_bits(mols, 2, 1024), 1) if len(mols) > 1 else math.nan
    return card


AUTO_DIVERSITY = 2_000
"""Up to this many hits the app computes #Circles and IntDiv by itself; above, when asked (seconds at 10,000)."""


def chemical_space(smiles: Sequence[str], n_bits: int = 1024) -> np.ndarray:
    """2-D coordinates of molecules: the first two principal components of their Morgan fingerprints
    (radius 2), signs fixed so that the same molecules always give the same picture. Shape (n, 2)."""
    from molmara.chem import morgan_bits, to_mols
    from molmara.chem.fingerprints import unpack_bits

    n = len(smiles)
    if n < 3:
        return np.zeros((n, 2))
    bits = unpack_bits(morgan_bits(to_mols(smiles), 2, n_bits), n_bits).astype(np.float64)
    centred = bits - bits.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:2]
    signs = np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])
    coords = centred @ (axes * signs[:, None]).T
    if coords.shape[1] < 2:
        coords = np.pad(coords, ((0, 0), (0, 2 - coords.shape[1])))
    return coords


def target_distributions(hits: pd.DataFrame, beta: float, tau: float, kind: str = "murcko") -> tuple:
    """How the KL-regularised optimum spreads its probability over the molecules and scaffolds of `hits`,
    without MARA (π_prior·exp(R/β)) and with MARA at threshold τ (uniform over R ≥ τ).

    Rewards are the scores; reference log-likelihoods are −prior NLL. Returns (molecules, scaffolds,
    summary): per molecule p_plain and p_mara; per scaffold their sums; and per target the effective
    number of scaffolds (exp of the entropy over scaffolds), the top scaffold's share and the molecules
    that hold half the probability.
    """
    from molmara.rl.targets import gibbs_target, mara_target

    table = hits.assign(scaffold=scaffold_keys(hits, kind))
    table = table[np.isfinite(pd.to_numeric(table["prior_nll"], errors="coerce")) & table["score"].notna()]
    if table.empty:
        raise ValueError("no hits with a score and a prior log-likelihood")
    rewards = table["score"].to_numpy(float)
    ref_logp = -table["prior_nll"].to_numpy(float)
    table = table.assign(
        p_plain=gibbs_target(rewards, ref_logp, beta), p_mara=mara_target(rewards, ref_logp, beta, tau)
    )
    scaffolds = table.groupby("scaffold").agg(
        hits=("smiles", "size"), p_plain=("p_plain", "sum"), p_mara=("p_mara", "sum")
    )
    scaffolds = scaffolds.sort_values("p_plain", ascending=False).reset_index()
    summary = {}
    for target in ("p_plain", "p_mara"):
        p = scaffolds[target].to_numpy()
        p = p[p > 0]
        ordered = np.sort(table[target].to_numpy())[::-1]
        summary[target] = {
            "effective_scaffolds": float(np.exp(-(p * np.log(p)).sum())),
            "top_scaffold_share": float(scaffolds[target].max()),
            "molecules_for_half": int(np.searchsorted(np.cumsum(ordered), 0.5) + 1),
        }
    return table.reset_index(drop=True), scaffolds, summary


def csv_bytes(table: pd.DataFrame) -> bytes:
    """A table as CSV bytes for a download button."""
    return table.to_csv(index=False).encode()


def sdf_text(table: pd.DataFrame, smiles_column: str = "smiles") -> str:
    """The valid molecules of a table as SDF text, every other column a property."""
    from rdkit import Chem

    from molmara.chem import to_mol

    buffer = io.StringIO()
    writer = Chem.SDWriter(buffer)
    for number, record in enumerate(table.to_dict("records"), start=1):
        mol = to_mol(record.get(smiles_column))
        if mol is None:
            continue
        mol.SetProp("_Name", str(record.get("run") or f"molecule {number}"))
        for column, value in record.items():
            if column != smiles_column and value is not None and not (isinstance(value, float) and math.isnan(value)):
                mol.SetProp(str(column), str(value))
        writer.write(mol)
    writer.close()
    return buffer.getvalue()


def step_curves(steps_by_run: dict[str, pd.DataFrame], columns: Sequence[str]) -> pd.DataFrame:
    """Per-step records of several runs in long form (run, step, oracle_calls, metric, value) for plotting."""
    frames = []
    for name, steps in steps_by_run.items():
        present = [c for c in columns if c in steps]
        if steps.empty or not present:
            continue
        frame = steps[["step", "oracle_calls", *present]].melt(["step", "oracle_calls"], var_name="metric")
        frames.append(frame.assign(run=name))
    if not frames:
        return pd.DataFrame(columns=["run", "step", "oracle_calls", "metric", "value"])
    return pd.concat(frames, ignore_index=True)


def describe_store(path: str | Path) -> str:
    """One line about a store file for the sidebar."""
    path = Path(path)
    return f"run store `{path}`" + ("" if path.is_file() else " (not created yet)")


COMPARED = {
    "objective": "objective",
    "task": "task",
    "hit threshold": None,
    "prior": "prior",
    "seed": "seed",
    "oracle budget": "max_oracle_calls",
    "batch size": "batch_size",
}
"""What a side-by-side comparison of runs should hold fixed (config key; None: computed)."""


def comparison_warnings(configs: dict[str, dict]) -> list[str]:
    """One sentence for each setting in which the runs differ (objective, hit threshold, prior, seed, …)."""
    from molmara.hits import hit_score

    if len(configs) < 2:
        return []
    notes = []
    for label, key in COMPARED.items():
        if key is None:
            values = {name: hit_score(c.get("hit_threshold"), c.get("tau")) for name, c in configs.items()}
        else:
            values = {name: c.get(key) for name, c in configs.items()}
        if len({json.dumps(v, sort_keys=True, default=str) for v in values.values()}) > 1:
            if label == "objective":
                notes.append("the runs optimise different objectives: their scores and hits are not comparable")
            else:
                shown = ", ".join(f"{name}: {'shipped' if v is None and label == 'prior' else v}"
                                  for name, v in values.items())  # fmt: skip
                notes.append(f"different {label} ({shown})")
    return notes


def strength_label(beta: float) -> str:
    """β as a chemist sets it: "σ = 128 (β = 1/128)" when σ is a whole number, else "β = 0.03 (σ = 33.3)"."""
    sigma = 1.0 / beta
    if abs(sigma - round(sigma)) < 1e-6 * sigma:
        return f"σ = {round(sigma):,} (β = 1/{round(sigma):,})"
    return f"β = {beta:.3g} (σ = {sigma:.3g})"


def comparison_reading(table: pd.DataFrame) -> list[str]:
    """The metrics of compared runs in a chemist's words, from `metrics_table` (one sentence a run after the first):
    e.g. "mara-1 found 1.8× the hit scaffolds of plain-1 (90 vs 50) and 1.1× the hits (120 vs 110), in 2,000 vs
    2,000 oracle calls"."""
    if len(table) < 2 or not {"yield", "hit_scaffolds", "oracle_calls"} <= set(table.columns):
        return []
    names = list(table.index)
    base = table.iloc[0]

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.1f}×" if b else ("as many" if a == b else "more than none of")

    out = []
    for name in names[1:]:
        row = table.loc[name]
        out.append(
            f"{name} found {ratio(row['hit_scaffolds'], base['hit_scaffolds'])} the hit scaffolds of {names[0]} "
            f"({row['hit_scaffolds']:,.0f} vs {base['hit_scaffolds']:,.0f}) and {ratio(row['yield'], base['yield'])} "
            f"the hits ({row['yield']:,.0f} vs {base['yield']:,.0f}), in {row['oracle_calls']:,.0f} vs "
            f"{base['oracle_calls']:,.0f} oracle calls"
        )
    return out
