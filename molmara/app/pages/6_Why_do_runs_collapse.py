"""Why do runs collapse? The optimum of KL-regularised RL on the chemist's own hits, with and without MARA:
how it spreads its probability over the hit scaffolds, with β and τ sliders (GX-Chen et al., ICLR 2026)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from molmara.app_support.data import hit_threshold, hits_frame, run_config, strength_label, target_distributions
from molmara.app_support.molecule_table import molecule_table
from molmara.app_support.widgets import (
    ENOUGH_HITS,
    list_runs,
    molecule_grid,
    open_store,
    page,
    pick_run,
    run_tables,
)

BETAS = [0.001, 0.002, 0.005, 0.0078125, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
TOP = 25

store_path = page(
    "Why do runs collapse?", "The target distribution of KL-regularised RL over your hits, with and without MARA."
)
st.markdown(
    "The best policy of reverse-KL regularised RL is **π_prior(y)·exp(R(y)/β)**, normalised. With a small β a small "
    "score gap becomes a huge probability gap, and among equal scores the prior's favourite wins: the target is "
    "concentrated on a few molecules by construction. **MARA** gives every molecule at or above τ the reward of the "
    "anchor (the one the prior likes most) plus β times its log-likelihood gap, so the target becomes **uniform over "
    "everything at or above τ**. Below, both targets are computed on this run's molecules (rewards = scores, prior "
    "log-likelihoods from the run) and summed over scaffolds."
)
store = open_store(store_path)
if store is None:
    st.stop()
runs = list_runs(store)
run_id = pick_run(runs, key="why_run", prefer_hits=True)
if run_id is None:
    st.stop()
tables = run_tables(store, run_id)
if tables is None:
    st.stop()
info, molecules, _ = tables
config = run_config(info)
own_beta = float(config.get("beta") or 1.0 / float(config.get("sigma", 128.0)))
own_threshold = hit_threshold(config)
tau_value = config.get("tau")
own_tau = float(tau_value) if isinstance(tau_value, (int, float)) and not isinstance(tau_value, bool) else own_threshold


left, middle, right = st.columns(3)
scope = left.radio("molecules", ["hits", "all scored molecules"], key="why_scope", horizontal=True)
kind = left.radio("scaffolds", ["murcko", "generic"], key="why_kind", horizontal=True)
betas = sorted({*BETAS, round(own_beta, 7)})
beta = middle.select_slider(
    "β (KL coefficient; REINVENT's σ = 1/β)",
    betas,
    value=round(own_beta, 7),
    key="why_beta",
    format_func=strength_label,
)
tau = right.slider("τ (MARA's threshold)", 0.0, 1.0, value=float(own_tau), step=0.01, key="why_tau")
cut = own_threshold if scope == "hits" else 0.0
chosen = hits_frame(molecules, cut, info["name"])
if chosen.empty:
    st.info(
        f"Run {info['name']!r} has no {'hits (score ≥ ' + format(cut, '.2f') + ')' if cut else 'scored molecules'} yet."
    )
    st.stop()
if len(chosen) < ENOUGH_HITS:
    st.warning(
        f"Run {info['name']!r} has only {len(chosen)} {'hits' if cut else 'scored molecules'}: the two targets below "
        f"say little about how probability spreads (a single hit is all of it, with or without MARA). "
        f"Pick a run with {ENOUGH_HITS} or more, or look at all scored molecules."
    )
try:
    table, scaffolds, summary = target_distributions(chosen, beta, tau, kind)
except ValueError as err:
    st.warning(str(err))
    st.stop()

st.caption(
    f"{len(table):,} molecules on {len(scaffolds):,} scaffolds; "
    f"{int((table['score'] >= tau).sum()):,} at or above τ = {tau:.2f}"
)
st.markdown("**Without MARA → with MARA**")
cards = st.columns(3)
CARDS = {
    "effective_scaffolds": ("effective scaffolds", "{:.1f}", "exp of the entropy of the target over scaffolds"),
    "top_scaffold_share": ("top scaffold's probability", "{:.3f}", "probability of the most probable scaffold"),
    "molecules_for_half": ("molecules holding half", "{:,}", "fewest molecules that hold half the probability"),
}
for column, (key, (label, fmt, meaning)) in zip(cards, CARDS.items(), strict=True):
    plain, mara = summary["p_plain"][key], summary["p_mara"][key]
    column.metric(label, f"{fmt.format(plain)} → {fmt.format(mara)}", help=meaning)

ranked = scaffolds.assign(top=np.maximum(scaffolds["p_plain"], scaffolds["p_mara"])).nlargest(TOP, "top")
ranked = ranked.assign(rank=[f"#{i}" for i in range(1, len(ranked) + 1)])
long = ranked.melt(["rank", "scaffold", "hits"], ["p_plain", "p_mara"], var_name="target", value_name="probability")
long["target"] = long["target"].map({"p_plain": "without MARA", "p_mara": "with MARA"})
chart = (
    alt.Chart(long)
    .mark_bar()
    .encode(
        x=alt.X("rank:N", sort=list(ranked["rank"]), title=f"scaffold (the {len(ranked)} most probable)"),
        xOffset="target:N",
        y=alt.Y("probability:Q", title="probability of the scaffold under the target"),
        color=alt.Color("target:N", sort=["without MARA", "with MARA"]),
        tooltip=["scaffold", "hits", "target", alt.Tooltip("probability:Q", format=".4f")],
    )
    .properties(height=360)
)
st.altair_chart(chart)

plain_col, mara_col = st.columns(2)
for column, target, title in ((plain_col, "p_plain", "without MARA"), (mara_col, "p_mara", "with MARA")):
    with column:
        st.markdown(f"**Most probable scaffolds {title}**")
        best = scaffolds.nlargest(6, target)
        keep = best["scaffold"] != "(acyclic)"
        molecule_grid(
            best.loc[keep, "scaffold"].tolist(),
            [f"p = {p:.3f} · {h} hits" for p, h in zip(best.loc[keep, target], best.loc[keep, "hits"], strict=True)],
            per_row=3,
        )

st.subheader("Molecules and their target probabilities")
shown = table.sort_values("p_plain", ascending=False)[
    ["smiles", "score", "prior_nll", "scaffold", "p_plain", "p_mara", "step"]
]
molecule_table(pd.DataFrame(shown), key="why_molecules", filename=f"{info['name']}-targets", sort_by="p_plain")
